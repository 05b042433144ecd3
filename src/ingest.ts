/**
 * From decoded candidate lines to worker state, with the line accounting of one input. Shared by
 * `run()` (whole files) and `watch` (growing files), so both read lines the same way.
 */
import type { WorkerState } from './aggregate/worker-state.ts';
import type { LineParser } from './parse/types.ts';
import type { InputSummary, LineAccounting } from './report/types.ts';

const EXAMPLE_MAX_CHARS = 300;

/** [since, until) in ms; either end may be open. */
export interface TimeRange {
  readonly since: number | null;
  readonly until: number | null;
}

export interface LineTally {
  batchLines: number;
  layoutLines: number;
  /** engine-stats, routing, notice and request lines */
  otherLines: number;
  outOfRange: number;
  unparseable: number;
  invalidUtf8: number;
  readonly families: Map<string, number>;
  example: InputSummary['unparseableExample'];
}

export function emptyTally(): LineTally {
  return { batchLines: 0, layoutLines: 0, otherLines: 0, outOfRange: 0, unparseable: 0, invalidUtf8: 0, families: new Map(), example: null };
}

/** The handler for candidate lines of one input: offers each to the parsers in order, first taker wins. */
export function createLineHandler(parsers: readonly LineParser[], target: WorkerState, tally: LineTally, range: TimeRange | null): (line: string) => void {
  return (line) => {
    if (line.includes('\uFFFD')) tally.invalidUtf8++;
    for (const parser of parsers) {
      const result = parser.parse(line);
      if (result.kind === 'ignored') continue;
      if (result.kind === 'unparseable') {
        tally.unparseable++;
        tally.example ??= { line: line.slice(0, EXAMPLE_MAX_CHARS), reason: result.reason };
        return;
      }
      const record = result.record;
      tally.families.set(parser.name, (tally.families.get(parser.name) ?? 0) + 1);
      if (range !== null && record.kind !== 'layout' && !inRange(record.time, range)) {
        tally.outOfRange++;
        return;
      }
      switch (record.kind) {
        case 'batch':
          tally.batchLines++;
          target.addBatch(record, parser.name);
          break;
        case 'layout':
          tally.layoutLines++;
          target.layouts.push(record);
          break;
        case 'engine-stats':
          tally.otherLines++;
          target.addEngineStats(record);
          break;
        case 'routing':
          tally.otherLines++;
          target.routing.add(record);
          break;
        case 'notice':
          tally.otherLines++;
          target.notices.add(record.notice);
          break;
        case 'request':
          tally.otherLines++;
          target.requests.add(record);
          break;
      }
      return;
    }
  };
}

/** Line accounting of an input: every line read is recognised, ignored, unparseable or oversized. */
export function accounting(tally: LineTally, lines: number, oversized: number): LineAccounting {
  const recognised = tally.batchLines + tally.layoutLines + tally.otherLines + tally.outOfRange;
  return {
    linesRead: lines,
    recognised,
    batchLines: tally.batchLines,
    layoutLines: tally.layoutLines,
    outOfRange: tally.outOfRange,
    ignored: lines - oversized - recognised - tally.unparseable,
    unparseable: tally.unparseable,
    oversized,
    invalidUtf8: tally.invalidUtf8,
  };
}

export function familiesOf(tally: LineTally): Record<string, number> {
  return Object.fromEntries([...tally.families.entries()].sort((a, b) => b[1] - a[1]));
}

/** A record outside the range, or without a timestamp while a range is set, is left out. */
export function inRange(time: number | undefined, range: TimeRange): boolean {
  if (time === undefined) return false;
  return (range.since === null || time >= range.since) && (range.until === null || time < range.until);
}

/**
 * From decoded candidate lines to worker state, with the line accounting of one input. Shared by
 * `run()` (whole files) and `watch` (growing files), so both read lines the same way.
 */
import { KeyCounts } from '../aggregate/key-counts.ts';
import type { WorkerState } from '../aggregate/worker-state.ts';
import { BUCKET_MS } from '../aggregate/rank-accumulator.ts';
import { ALL_OWNERS, decodeCandidate, offered, type CandidateHandler, type KernelBatches } from '../scan/scanner.ts';
import { SGLANG } from '../parse/sglang.ts';
import type { Zone } from '../parse/timestamps.ts';
import type { LineParser, LogRecord, RequestTraceRecord, RoutingRecord } from '../model/records.ts';
import type { InputSummary, LineAccounting } from '../model/report.ts';

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
  readonly families: KeyCounts;
  example: InputSummary['unparseableExample'];
}

export function emptyTally(): LineTally {
  return { batchLines: 0, layoutLines: 0, otherLines: 0, outOfRange: 0, unparseable: 0, invalidUtf8: 0, families: new KeyCounts(), example: null };
}

/**
 * The handler for candidate lines of one input: offers each to the parsers in order, first taker
 * wins, skipping those none of whose needles the scanner found in it (a parser recognises no line
 * without one: LineParser.needles). A line the kernel already read as a record (`kernelBatches`:
 * the first parser is SGLang's) is taken as that parser's; only the other lines are decoded.
 */
export function createLineHandler(parsers: readonly LineParser[], target: WorkerState, tally: LineTally, range: TimeRange | null): CandidateHandler {
  const take = createRecordSink(target, tally, range);
  const handleText = createTextLineHandler(parsers, target, tally, range);
  const family = parsers[0]?.name ?? '';
  return (line) => {
    if (line.record === null) handleText(decodeCandidate(line), line.owners);
    else take(family, line.record);
  };
}

/**
 * The kernel's reading of SGLang batch lines, for a reader whose first parser is SGLang's (the
 * kernel reads that one line shape, kernel/scan.ts; parse/sglang.ts stays its definition), and its
 * fold: folded lines are counted and added as each line would be. No fold with a time filter (each
 * line's time decides whether it counts) or when `fold` is false (live mode). `undefined` for
 * other readers.
 */
export function kernelBatches(parsers: readonly LineParser[], zone: Zone, target: WorkerState, tally: LineTally, range: TimeRange | null, fold = true): KernelBatches | undefined {
  const family = parsers[0]?.name;
  if (family !== SGLANG) return undefined;
  if (!fold || range !== null) return { zone };
  return {
    zone,
    fold: {
      bucketMs: BUCKET_MS,
      onFold: (groups) => {
        for (const folded of groups) {
          tally.families.add(family, folded.lines);
          tally.batchLines += folded.lines;
          target.addFoldedBatches(folded, family);
        }
      },
    },
  };
}

/**
 * The same handler for decoded lines: no fast path (the reference reader, live mode on line
 * streams). `owners`: the parsers that may take the line, bit i for parsers[i] (needlesOf); the
 * reference reader offers it to every parser.
 */
export function createTextLineHandler(parsers: readonly LineParser[], target: WorkerState, tally: LineTally, range: TimeRange | null): (line: string, owners?: number) => void {
  const take = createRecordSink(target, tally, range);
  return (line, owners = ALL_OWNERS) => {
    if (line.includes('\uFFFD')) tally.invalidUtf8++;
    for (let i = 0; i < parsers.length; i++) {
      if (!offered(owners, i)) continue;
      const parser = parsers[i] as LineParser;
      const result = parser.parse(line);
      if (result.kind === 'ignored') continue;
      if (result.kind === 'unparseable') {
        tally.unparseable++;
        tally.example ??= { line: line.slice(0, EXAMPLE_MAX_CHARS), reason: result.reason };
        return;
      }
      take(parser.name, result.record);
      return;
    }
  };
}

/** For `extent` mode: the first parser that recognises `line` gives its time (layout lines have none), widening `into`. */
export function noteExtentOf(line: string, parsers: readonly LineParser[], into: { first: number | null; last: number | null }): void {
  for (const parser of parsers) {
    const result = parser.parse(line);
    if (result.kind !== 'record') continue;
    const time = result.record.kind === 'layout' ? undefined : result.record.time;
    if (time !== undefined) {
      if (into.first === null || time < into.first) into.first = time;
      if (into.last === null || time > into.last) into.last = time;
    }
    return;
  }
}

/** Counts a recognised record and adds it to the worker, unless the time filter leaves it out. */
function createRecordSink(target: WorkerState, tally: LineTally, range: TimeRange | null): (parserName: string, record: LogRecord) => void {
  return (parserName, record) => {
    tally.families.add(parserName);
    // Metric samples are dated by a time line before them, which only the series know (they filter themselves).
    if (range !== null && record.kind !== 'layout' && record.kind !== 'metric-samples' && record.kind !== 'scrape-time' && !inRange(record.time, range)) {
      tally.outOfRange++;
      return;
    }
    switch (record.kind) {
      case 'batch':
        tally.batchLines++;
        target.addBatch(record, parserName);
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
        target.addNotice(record.notice);
        break;
      case 'request':
        tally.otherLines++;
        target.requests.add(record);
        break;
      case 'metric-samples':
        tally.otherLines++;
        for (const sample of record.samples) target.metrics.add(sample, range);
        break;
      case 'scrape-time':
        tally.otherLines++;
        target.metrics.addTimeLine(record.time);
        break;
      case 'request-trace':
        tally.otherLines++;
        target.traces.add(record);
        target.routing.add(traceRouting(record));
        break;
    }
  };
}

/**
 * A request trace's routing decision: the worker and rank that decoded it (or prefilled it, when no
 * decode worker is named), so the routing rules (DP_RANK_PINNED) judge traces like router lines.
 */
function traceRouting(r: RequestTraceRecord): RoutingRecord {
  const decode = r.decodeRank !== undefined || r.decodeWorker !== '';
  const rank = decode ? r.decodeRank : r.prefillRank;
  const worker = decode ? r.decodeWorker : r.prefillWorker;
  return { kind: 'routing', time: r.time, source: 'request-trace', workerId: worker === '' ? undefined : worker, dpRank: rank === undefined ? { kind: 'none' } : { kind: 'rank', value: rank }, routerMode: undefined };
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

/** An input's entry in the report, from its tally and what the scanner counted. */
export function summarizeInput(
  name: string,
  worker: string,
  tally: LineTally,
  read: { readonly lines: number; readonly oversized: number; readonly bytes: number; readonly gzip: boolean; readonly error: string | null },
): InputSummary {
  return {
    name,
    worker,
    gzip: read.gzip,
    bytes: read.bytes,
    lines: accounting(tally, read.lines, read.oversized),
    families: familiesOf(tally),
    unparseableExample: tally.example,
    error: read.error,
  };
}

export function familiesOf(tally: LineTally): Record<string, number> {
  return Object.fromEntries(tally.families.entries().sort((a, b) => b[1] - a[1]));
}

/** A record outside the range, or without a timestamp while a range is set, is left out. */
export function inRange(time: number | undefined, range: TimeRange): boolean {
  if (time === undefined) return false;
  return (range.since === null || time >= range.since) && (range.until === null || time < range.until);
}

/** A tally as plain data (it crosses to and from worker threads). */
export interface TallyJson {
  readonly batchLines: number;
  readonly layoutLines: number;
  readonly otherLines: number;
  readonly outOfRange: number;
  readonly unparseable: number;
  readonly invalidUtf8: number;
  /** in first-seen order */
  readonly families: ReadonlyArray<readonly [string, number]>;
  readonly example: InputSummary['unparseableExample'];
}

export function tallyToJson(t: LineTally): TallyJson {
  return { ...t, families: t.families.entries() };
}

export function tallyFromJson(j: TallyJson): LineTally {
  const families = new KeyCounts();
  for (const [family, n] of j.families) families.add(family, n);
  return { ...j, families };
}

/** Add the tally of the part of an input that comes after `into`'s: first-seen order and the first example are kept. */
export function mergeTally(into: LineTally, from: LineTally): void {
  into.batchLines += from.batchLines;
  into.layoutLines += from.layoutLines;
  into.otherLines += from.otherLines;
  into.outOfRange += from.outOfRange;
  into.unparseable += from.unparseable;
  into.invalidUtf8 += from.invalidUtf8;
  into.families.merge(from.families);
  into.example ??= from.example;
}

/**
 * The kernel's fold (kernel/fold.ts) gives the same worker state as the same lines one record at
 * a time, on inputs built to hit each of its edges: more groups than it holds, buckets past its
 * window and back in time, counts past its histograms, minutes a zone's offset changes in,
 * impossible dates, leap and out-of-range seconds, other candidates between batch lines, and
 * lines of every shape and envelope (legacy lines stay records; stamps with their own zone).
 */
import { Readable } from 'node:stream';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { WorkerState } from '../../src/aggregate/worker-state.ts';
import { createLineHandler, emptyTally, kernelBatches, tallyToJson } from '../../src/input/ingest.ts';
import { createZone } from '../../src/parse/timestamps.ts';
import { createLineScanner } from '../../src/scan/scanner.ts';
import { parseOptions, type RawOptions } from '../../src/options/options.ts';
import { needlesOf, createParsers, type ReadSettings } from '../../src/input/settings.ts';
import { RENDERERS } from '../../src/render/index.ts';
import { run } from '../../src/cli/run.ts';
import { referenceReadSources } from '../helpers/reference-reader.ts';
import { mulberry32 } from '../helpers/random.ts';
import { BATCH_FORMS } from '../helpers/batch-forms.ts';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

interface Shape {
  readonly ranks: number;
  readonly tps: number;
  /** ms between lines */
  readonly stepMs: number;
  /** chance of a line jumping back an hour (out-of-order time) */
  readonly back: number;
  /** chance of a queue or running count past the fold's histograms */
  readonly huge: number;
  /** chance of another candidate (a line the kernel does not read) */
  readonly other: number;
  /** chance of an odd stamp (impossible date, second 60 or 75) */
  readonly odd: number;
  /** wall-clock start, as Date.UTC arguments */
  readonly start: readonly [number, number, number, number, number];
  /** chance of a line in another shape or envelope (BATCH_FORMS) */
  readonly forms?: number;
}

function batchLog(seed: number, lines: number, shape: Shape): string {
  const random = mulberry32(seed);
  const pick = (n: number): number => Math.floor(random() * n);
  const out: string[] = [];
  let t = Date.UTC(...shape.start);
  for (let i = 0; i < lines; i++) {
    t += shape.stepMs;
    const at = random() < shape.back ? t - 3_600_000 : t;
    const d = new Date(at);
    let stamp = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    if (random() < shape.odd) stamp = [`2026-02-30 10:00:${pad(pick(60))}`, `${stamp.slice(0, 17)}60`, `${stamp.slice(0, 17)}75`][pick(3)] ?? stamp;
    if (random() < 0.5) stamp += `.${pad(pick(1000), 3)}`;
    const dp = pick(shape.ranks);
    const tags = `DP${dp} TP${dp * shape.tps + pick(shape.tps)}${random() < 0.05 ? ' PP1' : ''}`;
    const queue = random() < shape.huge ? 1024 + pick(3000) : pick(40);
    const running = random() < shape.huge ? 1024 + pick(3000) : pick(64);
    let message: string;
    if (random() < shape.other) {
      // Candidates the kernel leaves to the parsers: a `DP-1` batch line (a record all the same), a request line.
      out.push(random() < 0.5 ? `[${stamp} DP-1 ${tags}] Prefill batch, #new-seq: 1, #new-token: 9, #queue-req: ${queue}` : `[${stamp}] Finish: obj=GenerateReqInput(rid='r${i}'), out={'meta_info': {'dp_rank': ${dp}}}`);
      continue;
    } else if (random() < 0.5) {
      const cached = random() < 0.8 ? `#cached-token: ${pick(900)}, ` : '';
      const run = random() < 0.7 ? `#running-req: ${running}, ` : '';
      message = `Prefill batch, #new-seq: ${1 + pick(4)}, #new-token: ${pick(9000)}, ${cached}token usage: 0.41, ${run}#queue-req: ${queue}, `;
    } else {
      message = `Decode batch, #running-req: ${running}, #token: ${pick(90000)}, token usage: 0.52, cuda graph: True, gen throughput (token/s): 812.33, #queue-req: ${queue}, `;
    }
    const form = shape.forms !== undefined && random() < shape.forms ? BATCH_FORMS[pick(BATCH_FORMS.length)] : undefined;
    out.push(form === undefined ? `[${stamp} ${tags}] ${message}` : form(stamp, tags, message, at));
  }
  return `${out.join('\n')}\n`;
}

const PLAIN: Shape = { ranks: 4, tps: 1, stepMs: 250, back: 0, huge: 0, other: 0, odd: 0, start: [2026, 3, 14, 10, 0] };

function settings(timezone = 'UTC'): ReadSettings {
  return { engine: 'auto', patterns: [], timezone, maxLineBytes: 1 << 20, range: null };
}

/** The worker state and tally of `text` read in `chunk`-byte pieces, folding or one record at a time. */
function read(text: string, fold: boolean, timezone = 'UTC', chunk = 1 << 16): { state: unknown; tally: unknown; folds: number } {
  const parsers = createParsers(settings(timezone));
  const state = new WorkerState('w');
  const tally = emptyTally();
  const zone = createZone(timezone);
  const sink = kernelBatches(parsers, zone, state, tally, null)?.fold;
  let folds = 0;
  const counted = sink === undefined ? undefined : { ...sink, onFold: (groups: Parameters<typeof sink.onFold>[0]) => ((folds += groups.length), sink.onFold(groups)) };
  const scanner = createLineScanner({
    ...needlesOf(parsers),
    maxLineBytes: 1 << 20,
    onCandidate: createLineHandler(parsers, state, tally, null),
    batches: { zone, ...(fold && counted !== undefined ? { fold: counted } : {}) },
  });
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunk) scanner.push(bytes.subarray(i, i + chunk));
  scanner.end();
  scanner.release();
  return { state: state.toJSON(), tally: tallyToJson(tally), folds };
}

function expectSameAsRecords(text: string, timezone = 'UTC', chunk?: number): number {
  const folded = read(text, true, timezone, chunk);
  const one = read(text, false, timezone, chunk);
  expect(folded.state).toEqual(one.state);
  expect(folded.tally).toEqual(one.tally);
  return folded.folds;
}

describe('kernel fold', () => {
  it('folds the common shape, and equals reading record by record', () => {
    const groups = expectSameAsRecords(batchLog(1, 40_000, PLAIN));
    // 4 ranks × 2 phases, flushed as buckets leave a group's window (40 000 lines × 250 ms ≈ 2.8 h).
    expect(groups).toBeGreaterThan(8);
  });

  it('more groups than the fold holds (512): 100 ranks × 3 TP labels × 2 phases, PP1 lines', () => {
    expect(expectSameAsRecords(batchLog(2, 30_000, { ...PLAIN, ranks: 100, tps: 3 }))).toBeGreaterThan(512);
  });

  it('buckets past the window and back in time', () => {
    expectSameAsRecords(batchLog(3, 15_000, { ...PLAIN, stepMs: 900, back: 0.05 }));
    expectSameAsRecords(batchLog(3, 15_000, { ...PLAIN, stepMs: 900, back: 0.3 }));
  });

  it('counts past the histograms stay records', () => {
    expectSameAsRecords(batchLog(4, 10_000, { ...PLAIN, huge: 0.1 }));
  });

  it('other candidates between batch lines keep their order', () => {
    expectSameAsRecords(batchLog(5, 10_000, { ...PLAIN, other: 0.05 }));
    expectSameAsRecords(batchLog(6, 10_000, { ...PLAIN, other: 0.6 }), 'UTC', 777);
  });

  it('impossible dates, leap seconds and seconds past 60', () => {
    expectSameAsRecords(batchLog(7, 10_000, { ...PLAIN, odd: 0.1 }));
  });

  it('a zone whose offset changes inside a minute (DST), and a fixed-offset zone', () => {
    // America/New_York springs forward at 2026-03-08 02:00 and falls back at 2026-11-01 02:00.
    const spring = batchLog(8, 8_000, { ...PLAIN, stepMs: 800, odd: 0.05, start: [2026, 2, 8, 0, 30] });
    const fall = batchLog(9, 8_000, { ...PLAIN, stepMs: 800, odd: 0.05, start: [2026, 10, 1, 0, 30] });
    expectSameAsRecords(spring, 'America/New_York');
    expectSameAsRecords(fall, 'America/New_York');
    expectSameAsRecords(fall, 'Asia/Kolkata');
  });

  it('lines of every shape and envelope: folded alike, legacy lines kept as records in order, stamps with their own zone', () => {
    expectSameAsRecords(batchLog(12, 20_000, { ...PLAIN, forms: 0.5, other: 0.02, odd: 0.02 }));
    expectSameAsRecords(batchLog(13, 8_000, { ...PLAIN, stepMs: 800, forms: 0.7, start: [2026, 2, 8, 0, 30] }), 'America/New_York', 4099);
  });

  it('one wall-clock minute in stamps of different zones: the minute cache keys on the zone too', () => {
    // Alternating zones within each minute: a cache keyed on the minute alone would date the
    // second zone's lines by the first's start (kernel/fold.ts, zoneKey).
    const zones = ['Z', '+05:30', '-08:00', ''];
    const lines = Array.from({ length: 4000 }, (_, i) => {
      const wall = new Date(Date.UTC(2026, 3, 14, 10, 0, 0) + i * 700).toISOString().slice(0, 23);
      const message = i % 2 === 0 ? `Prefill batch, #new-seq: 1, #new-token: ${i % 97}, #queue-req: ${i % 13}, ` : `Decode batch, #running-req: ${i % 31}, #queue-req: ${i % 7}, `;
      return `${wall}${zones[i % zones.length]} INFO sglang: ${message}`;
    });
    expectSameAsRecords(`${lines.join('\n')}\n`, 'Asia/Kolkata');
  });

  it('random shapes and read sizes', () => {
    const random = mulberry32(10);
    for (let k = 0; k < 12; k++) {
      const shape: Shape = { ranks: 1 + Math.floor(random() * 70), tps: 1 + Math.floor(random() * 2), stepMs: Math.floor(random() * 3000), back: random() * 0.1, huge: random() * 0.05, other: random() * 0.2, odd: random() * 0.05, start: [2026, 10, 1, 5, 0], forms: k % 3 === 0 ? 0 : random() };
      expectSameAsRecords(batchLog(100 + k, 3000, shape), k % 2 === 0 ? 'UTC' : 'America/New_York', 1 + Math.floor(random() * 70_000));
    }
  });
});

describe('kernel fold, whole runs', () => {
  const CONTEXT = { chalk: new Chalk({ level: 0 }), width: 100, chart: true };
  const json = async (text: string, raw: RawOptions, reference: boolean): Promise<string> => {
    const result = await run(['-'], parseOptions(raw), { stdin: Readable.from([Buffer.from(text)]), cwd: '/', ...(reference ? { readSources: referenceReadSources } : {}) });
    return RENDERERS.json(result.report, CONTEXT);
  };

  it('reports equal the plain reader, with and without a time filter', async () => {
    const text = batchLog(11, 12_000, { ...PLAIN, ranks: 8, back: 0.01, huge: 0.01, other: 0.02, odd: 0.01, forms: 0.2 });
    expect(await json(text, {}, false)).toBe(await json(text, {}, true));
    const filtered = { since: '2026-04-14 10:10:00', until: '2026-04-14 10:40:00' };
    expect(await json(text, filtered, false)).toBe(await json(text, filtered, true));
  });
});

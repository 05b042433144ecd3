/**
 * Memory does not grow with the span of a log nor with its number of files (issue 18, item 9):
 * time buckets stay within a fixed budget per rank, a rank with a few lines costs a few hundred
 * bytes, the files of one worker hold one state between them, and the CLI stays under 150 MiB on
 * a week of 2,048 ranks.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUCKET_MS, RankAccumulator } from '../../src/aggregate/rank-accumulator.ts';
import { labelKey, WorkerState } from '../../src/aggregate/worker-state.ts';
import { workerContexts } from '../../src/aggregate/contexts.ts';
import type { Source } from '../../src/input/sources.ts';
import { parseOptions, readSettingsOf } from '../../src/options/options.ts';
import { readSources } from '../../src/input/read-sources.ts';
import { threadsFor } from '../../src/input/threads.ts';
import { buildReport } from '../../src/analyze/build-report.ts';
import { slidingWindow } from '../../src/analyze/last-stretch.ts';
import { parseSummary, toSummary, workersFromSummaries } from '../../src/summary/summary.ts';
import { batch, layout, workerState } from '../helpers/records.ts';
import { CLI, ROOT } from '../cli/run-cli.ts';

const START = Date.UTC(2026, 3, 14, 10);
const DAY = 86_400_000;
const KIB = 1024;
const SETTINGS = { timezone: 'UTC', engine: 'auto', patterns: [], timeRange: null, maxLineBytes: 1 << 20 };

/** The bytes a series' buckets take, from its layout (dense chunks and stray buckets). */
function bucketBytes(acc: RankAccumulator): number {
  const d = acc.buckets.toDense();
  return d.dense.byteLength + d.stray.byteLength;
}

/** Σ batches over a rank's buckets. */
function bucketed(acc: RankAccumulator): number {
  let n = 0;
  acc.buckets.forEach((_i, b) => (n += b));
  return n;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dpskew-memory-'));
  dirs.push(dir);
  return dir;
}

function stamp(ms: number, dp: number): string {
  return `[${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} DP${dp} TP${dp} EP${dp}]`;
}

function prefill(ms: number, dp: number, k: number): string {
  return `${stamp(ms, dp)} Prefill batch, #new-seq: 1, #new-token: ${512 + (k % 7) * 100}, #cached-token: 0, token usage: 0.10, #running-req: ${k % 5}, #queue-req: ${k % 9}, `;
}

/** Peak RSS in MiB of `dpskew args`, as the process itself counts it (every thread included). */
function peakMiB(args: readonly string[]): { mib: number; status: number | null } {
  const preload = join(tempDir(), 'rss.cjs');
  writeFileSync(preload, "process.on('exit', () => process.stderr.write(`maxrss ${process.resourceUsage().maxRSS}\\n`));\n");
  const run = spawnSync(process.execPath, ['-r', preload, CLI, ...args], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1' }, encoding: 'utf8', maxBuffer: 1 << 28 });
  const kib = Number(/maxrss (\d+)/.exec(run.stderr)?.[1] ?? Number.NaN);
  return { mib: kib / 1024, status: run.status };
}

describe('time buckets: a fixed budget per rank, whatever the span', () => {
  it('eight days of a line every 5 s: at most 54 KiB of buckets, and every batch in one', () => {
    const acc = new RankAccumulator();
    for (let t = 0; t < 8 * DAY; t += BUCKET_MS) acc.add(batch('prefill', { dp: 0 }, { time: START + t, queue: (t / BUCKET_MS) % 40 }));
    expect(acc.batches).toBe((8 * DAY) / BUCKET_MS);
    expect(bucketBytes(acc)).toBeLessThanOrEqual(54 * KIB);
    expect(acc.unbucketed).toBe(0);
    expect(bucketed(acc)).toBe(acc.batches);
  });

  it('4,096 ranks of 16 lines spread over a week: a few hundred bytes of buckets each', () => {
    let bytes = 0;
    for (let dp = 0; dp < 4096; dp++) {
      const acc = new RankAccumulator();
      for (let k = 0; k < 16; k++) acc.add(batch('prefill', { dp }, { time: START + ((k * 4096 + dp) * 7 * DAY) / 65_536 }));
      bytes += bucketBytes(acc);
      expect(bucketed(acc)).toBe(16);
    }
    expect(bytes / 4096).toBeLessThanOrEqual(16 * 32);
  });

  it('a rank with coarsened buckets goes through --save and merge as it is', () => {
    const w = new WorkerState('node1_prefill_w0');
    for (let t = 0; t < 8 * DAY; t += 20_000) w.addBatch(batch('prefill', { dp: (t / 20_000) % 2 }, { time: START + t, queue: 3, newTokens: 100 }), 'sglang');
    const summary = toSummary([w], [], [], SETTINGS, '0.1.0');
    const rank = summary.workers[0]?.phases.prefill.byDp[0]?.[1][0]?.[1];
    expect(rank?.bucketSeconds).toBe(600);
    const [back] = workersFromSummaries([parseSummary(JSON.stringify(summary), 's.json')]);
    expect(JSON.stringify(toSummary(back === undefined ? [] : [back], [], [], SETTINGS, '0.1.0'))).toBe(JSON.stringify(summary));
  });
});

describe('coarsened buckets in the report', () => {
  /** Eight days of two ranks taking turns every 20 s, then 20 minutes of DP0 alone. */
  function longRun(): { worker: WorkerState; lines: Array<{ time: number; dp: number }> } {
    const worker = new WorkerState('node1_prefill_w0');
    const lines: Array<{ time: number; dp: number }> = [];
    for (let t = 0; t < 8 * DAY; t += 20_000) lines.push({ time: START + t, dp: (t / 20_000) % 2 });
    for (let t = 0; t < 1_200_000; t += 10_000) lines.push({ time: START + 8 * DAY + t, dp: 0 });
    for (const { time, dp } of lines) worker.addBatch(batch('prefill', { dp }, { time, queue: dp + 1 }), 'sglang');
    return { worker, lines };
  }

  it('windows are whole buckets: their size a multiple of the widest, every batch in one window', () => {
    const { worker, lines } = longRun();
    const width = worker.phases.prefill.byDp.get(0)?.get(labelKey(undefined, undefined, undefined) ?? 0)?.buckets.width ?? 0;
    expect(width).toBeGreaterThan(1);
    const report = buildReport([worker], [], { ...parseOptions({}), timezone: 'UTC', timeRange: null });
    const windows = report.windows;
    expect(windows?.sizeSeconds).toBeDefined();
    expect(((windows?.sizeSeconds ?? 0) * 1000) % (width * BUCKET_MS)).toBe(0);
    expect(Date.parse(windows?.start ?? '') % (width * BUCKET_MS)).toBe(0);
    const rows = windows?.prefill?.rows ?? [];
    expect(rows.reduce((n, r) => n + r.batches.reduce((a, b) => a + b, 0), 0)).toBe(lines.length);
  });

  it('watch --last covers whole buckets: the last one, however wide, with what it holds', () => {
    const { worker, lines } = longRun();
    const width = worker.phases.prefill.byDp.get(0)?.get(labelKey(undefined, undefined, undefined) ?? 0)?.buckets.width ?? 0;
    const window = slidingWindow([worker], null, 60_000);
    const bucketMs = width * BUCKET_MS;
    expect(window?.seconds).toBe(bucketMs / 1000);
    const last = Math.max(...lines.map((l) => l.time));
    const from = Math.floor(last / bucketMs) * bucketMs;
    const want = (dp: number): number => lines.filter((l) => l.dp === dp && l.time >= from).length;
    expect(window?.prefill?.ranks.map((r) => [r.rank, r.batches, r.queue.max])).toEqual([
      [0, want(0), 1],
      [1, want(1), want(1) > 0 ? 2 : null],
    ]);
  });
});

describe('many files of one worker hold one state between them', () => {
  it('each file’s state goes to its worker’s first file as soon as both are read, in file order', async () => {
    const dir = tempDir();
    const sources: Source[] = [];
    for (let f = 0; f < 40; f++) {
      const path = join(dir, `w${f % 2}_prefill.out.${String(f).padStart(2, '0')}`);
      const lines = Array.from({ length: 6 }, (_, k) => prefill(START + (f * 6 + k) * 5000, k % 3, k));
      writeFileSync(path, `${lines.join('\n')}\n`);
      sources.push({ name: path, path, size: null });
    }
    const settings = readSettingsOf(parseOptions({}), null);
    const owners = sources.map((_s, i) => i % 2);
    const alone = await readSources(sources, settings, 'analyse', { jobs: 1 }, null);
    const shared = await readSources(sources, settings, 'analyse', { jobs: 1, stateOwners: owners }, null);
    for (let i = 2; i < sources.length; i++) {
      expect(shared[i]?.state.phases.prefill.lines).toBe(0);
      expect(shared[i]?.tally.batchLines).toBe(6);
    }
    // The owners hold what merging every file of their worker in order gives.
    const json = (state: WorkerState | undefined): string => JSON.stringify(toSummary(state === undefined ? [] : [state], [], [], SETTINGS, '0'));
    for (const owner of [0, 1]) {
      const want = new WorkerState('');
      for (let i = owner; i < sources.length; i += 2) want.append(alone[i]?.state ?? new WorkerState(''));
      expect(shared[owner]?.state.phases.prefill.lines).toBe(120);
      expect(json(shared[owner]?.state)).toBe(json(want));
    }
  });
});

describe('peak RSS of the CLI', () => {
  it('one worker logging 2,048 DP ranks over a week stays under 150 MiB (1.6 GiB before buckets had a budget)', () => {
    const dir = tempDir();
    const lines: string[] = [];
    const total = 2048 * 8;
    for (let k = 0; k < total; k++) lines.push(prefill(START + Math.floor((k / total) * 7 * DAY), k % 2048, k));
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'logs', 'wide_prefill_w0.out'), `${lines.join('\n')}\n`);
    const { mib, status } = peakMiB(['--format', 'json', join(dir, 'logs')]);
    expect(status).toBe(0);
    expect(mib).toBeLessThan(150);
  }, 120_000);
});

describe('peak RSS of the CLI on many files', () => {
  it('4,000 small files of 100 workers stay under 150 MiB (189 MiB when every file kept its own state and every task was queued at once)', () => {
    const dir = tempDir();
    const script = `import { generateManyFiles } from ${JSON.stringify(join(ROOT, 'scripts/memory-logs.mjs'))}; generateManyFiles(${JSON.stringify(dir)}, { count: 4000, rotated: true });`;
    expect(spawnSync(process.execPath, ['--input-type=module', '-e', script]).status).toBe(0);
    const { mib, status } = peakMiB(['--format', 'json', dir]);
    expect(status).toBe(0);
    expect(mib).toBeLessThan(150);
  }, 120_000);
});

/**
 * Live heap per worker of 12 batch lines over 4 ranks (10,000 small files, each its own worker),
 * packed (WorkerState.pack) or not. Measured in a process of its own, where gc() can be called:
 * live heap before and after making 5,000 such workers.
 */
function heapPerWorker(pack: boolean): number {
  const script = `
    const { WorkerState } = await import(${JSON.stringify(join(ROOT, 'src/aggregate/worker-state.ts'))});
    const make = (w) => {
      const state = new WorkerState('pod' + w + '_prefill_w0');
      for (let k = 0; k < 12; k++) {
        const dp = (k * 7 + w) % 4;
        state.addBatch({ kind: 'batch', phase: 'prefill', time: ${START} + k * 5000, ranks: { dp, tp: dp, ep: dp }, newSeq: 1 + (k % 4), newTokens: 512 + ((k * 977) % 7680), cachedTokens: k * 37, running: k % 8, queue: (k * 13) % 40, legacy: false, prefix: 'native' }, 'sglang');
      }
      ${pack ? 'state.pack();' : ''}
      return state;
    };
    gc(); gc();
    const before = process.memoryUsage().heapUsed;
    const kept = Array.from({ length: 5000 }, (_, w) => make(w));
    gc(); gc();
    process.stdout.write(String((process.memoryUsage().heapUsed - before) / kept.length));
  `;
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return Number(run.stdout);
}

describe('many small workers (10,000 files, each its own worker)', () => {
  it('a worker of 12 batch lines over 4 ranks holds under 5,000 bytes of heap (6,730 before its histograms and stray buckets were sized to what they hold)', () => {
    const bytes = heapPerWorker(false);
    expect(bytes).toBeGreaterThan(1000);
    expect(bytes).toBeLessThan(5000);
  }, 60_000);

  it('once its files are read and it is packed, under 3,400 bytes (4,450 unpacked)', () => {
    const bytes = heapPerWorker(true);
    expect(bytes).toBeGreaterThan(1000);
    expect(bytes).toBeLessThan(3400);
  }, 60_000);

  it('building the report of 10,000 such workers grows the old space by under 11 MiB (23 MiB when every worker\'s groups and rank maps were held to the end and promoted; 13 when its resolved ranks and a set of its expected ranks were)', () => {
    // In a process of its own: the workers made and collected first, then the report built without a forced collection.
    const script = `
      const { WorkerState } = await import(${JSON.stringify(join(ROOT, 'src/aggregate/worker-state.ts'))});
      const { buildReport } = await import(${JSON.stringify(join(ROOT, 'src/analyze/build-report.ts'))});
      const { DEFAULT_THRESHOLDS } = await import(${JSON.stringify(join(ROOT, 'src/model/thresholds.ts'))});
      const { getHeapSpaceStatistics } = await import('node:v8');
      const make = (w) => {
        const state = new WorkerState('pod' + w + '_prefill_w0');
        state.layouts.push({ kind: 'layout', dpSize: 4, tpSize: 4, epSize: 4, ppSize: 1, enableDpAttention: true, disaggregationMode: 'prefill', origin: 'server_args' });
        for (let k = 0; k < 12; k++) {
          const dp = (k * 7 + w) % 4;
          state.addBatch({ kind: 'batch', phase: 'prefill', time: ${START} + (w % 600) * 1000 + k * 5000, ranks: { dp, tp: dp, ep: dp }, newSeq: 1 + (k % 4), newTokens: 512 + ((k * 977) % 7680), cachedTokens: k * 37, running: k % 8, queue: (k * 13) % 40, legacy: false, prefix: 'native' }, 'sglang');
        }
        return state;
      };
      const workers = Array.from({ length: 10000 }, (_, w) => make(w));
      gc(); gc();
      const oldSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size;
      const before = oldSpace();
      const report = buildReport(workers, [], { groupBy: 'rank', dpSize: null, thresholds: DEFAULT_THRESHOLDS });
      process.stdout.write(JSON.stringify({ mib: (oldSpace() - before) / 2 ** 20, workers: report.workers.length }));
    `;
    const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const { mib, workers } = JSON.parse(run.stdout) as { mib: number; workers: number };
    expect(workers).toBe(10_000);
    expect(mib).toBeLessThan(11);
  }, 60_000);

  it('workers whose layouts expect ranks 0 … n − 1 share one set of them; a node of a multi-node server keeps its own', () => {
    const server = layout({ dpSize: 4, tpSize: 4, enableDpAttention: true, disaggregationMode: 'prefill' });
    // The third serves ranks 2 and 3 of 4 (node 1 of 2), the fourth ranks 0 and 1 of 2.
    const layouts = [server, server, { ...server, nnodes: 2, nodeRank: 1 }, { ...server, dpSize: 2 }];
    const states = layouts.map((l, w) => workerState(`pod${w}_prefill_w0`, [], [l]));
    const [a, b, node1, two] = workerContexts(states, null).map((c) => c.layout.expectedRanks.prefill);
    expect([...(a ?? [])]).toEqual([0, 1, 2, 3]);
    expect(b).toBe(a);
    expect([...(node1 ?? [])]).toEqual([2, 3]);
    expect([...(two ?? [])]).toEqual([0, 1]);
  });

  it('layouts are inferred from peers in linear time: 10,000 workers in under 3 s (15 s when every worker asked every other)', () => {
    const states = Array.from({ length: 10_000 }, (_, w) => {
      const state = new WorkerState(`pod${w}_prefill_w0`);
      const ranks = w === 7 ? 8 : 2;
      for (let dp = 0; dp < ranks; dp++) for (let k = 0; k < 3; k++) state.addBatch(batch('prefill', { dp, tp: dp }), 'sglang');
      return state;
    });
    const started = performance.now();
    const contexts = workerContexts(states, null);
    expect(performance.now() - started).toBeLessThan(3000);
    // Every worker's peers logged 8 ranks (worker 7), except worker 7's own, whose peers logged 2: its own labels say 8.
    expect(contexts[0]?.layout).toMatchObject({ dpSize: 8, inferredFrom: 'peers' });
    expect(contexts[7]?.layout).toMatchObject({ dpSize: 8, inferredFrom: 'labels' });
    expect(contexts.filter((c) => c.layout.dpSize === 8)).toHaveLength(10_000);
  }, 60_000);
});

describe('threads', () => {
  it('a read uses no more threads than cores, whatever --jobs asks (each costs ~19 MiB)', () => {
    expect(threadsFor(8, 2)).toBe(2);
    expect(threadsFor(2, 8)).toBe(2);
    expect(threadsFor(8, 1)).toBe(1);
    expect(threadsFor(0, 4)).toBe(1);
  });
});

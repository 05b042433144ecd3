/**
 * An independent check of the bundled example logs and the scenario fixtures: everything is counted
 * here with plain regexes (no dpskew code), against numbers written down by hand and against the
 * numbers printed in examples/README.md and fixtures/scenarios/README.md. Also checks that
 * scripts/make-examples.ts regenerates every file byte for byte.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SETS = ['pr7984-before', 'pr7984-after'] as const;
const SCENARIOS = join(ROOT, 'fixtures/scenarios');

const read = (path: string): string => readFileSync(path, 'utf8');
const linesOf = (text: string): string[] => text.split('\n').slice(0, text.endsWith('\n') ? -1 : undefined);

// ---------------------------------------------------------------------------------------------------
// Counting, from SGLang's line formats (nothing imported from src/)

// eslint-disable-next-line no-control-regex -- matching ESC is the point
const ANSI = /\x1b\[[0-9;]*m/g;
const HEADER = /(Prefill|Decode) batch(?: \[\d+\])?[.,] /;
const PREFIX = /\[(?:\d{4}-\d{2}-\d{2} )?\d{2}:\d{2}:\d{2}(?:\.\d{3})?((?: [A-Z_]+\d+)*)\] $/;
const field = (line: string, key: string): number | undefined => {
  const m = new RegExp(`(?:^|, )${key}: (\\d+)(?:,|$)`).exec(line);
  return m === null ? undefined : Number(m[1]);
};

interface RankStats {
  batches: number;
  tokens: number;
  /** null: the rank logged no line */
  peakQueue: number | null;
}

interface FileStats {
  lines: number;
  /** well-formed Prefill/Decode batch lines, duplicates included */
  batchLines: number;
  /** batch lines that repeat another one apart from their PP/TP/EP tags (same DP, time and fields) */
  duplicates: number;
  /** batch lines cut before their counters */
  unparseable: number;
  prefill: Record<string, RankStats>;
  decode: Record<string, RankStats>;
}

/**
 * Per-rank counts of one file. Rank key: `DPn`, or `none` for lines without a DP tag; every rank
 * 0..dp_size-1 of a `server_args` line is listed, with 0 batches if it never logged.
 */
function countFile(text: string): FileStats {
  const out: FileStats = { lines: 0, batchLines: 0, duplicates: 0, unparseable: 0, prefill: {}, decode: {} };
  const seen = new Set<string>();
  let dpSize = 0;
  for (const raw of linesOf(text)) {
    out.lines++;
    const line = raw.replace(ANSI, '');
    const size = /server_args=ServerArgs\(.*\bdp_size=(\d+)/.exec(line);
    if (size !== null) dpSize = Number(size[1]);
    const header = HEADER.exec(line);
    if (header === null) continue;
    const prefill = header[1] === 'Prefill';
    const queue = field(line, '#queue-req');
    const tokens = field(line, '#new-token');
    if (queue === undefined || (prefill && tokens === undefined)) {
      out.unparseable++;
      continue;
    }
    out.batchLines++;
    const tags = PREFIX.exec(line.slice(0, header.index))?.[1] ?? '';
    const dp = /(?:^| )DP(\d+)(?= |$)/.exec(tags);
    const rank = dp === null ? 'none' : `DP${dp[1]}`;
    const key = `${header[1]} ${line.replace(/ (?:PP|TP|EP)\d+(?=[ \]])/g, '')}`;
    if (seen.has(key)) {
      out.duplicates++;
      continue;
    }
    seen.add(key);
    const phase = prefill ? out.prefill : out.decode;
    const s = (phase[rank] ??= { batches: 0, tokens: 0, peakQueue: null });
    s.batches++;
    s.tokens += tokens ?? 0;
    s.peakQueue = Math.max(s.peakQueue ?? 0, queue);
  }
  for (let r = 0; r < dpSize; r++) out.prefill[`DP${r}`] ??= { batches: 0, tokens: 0, peakQueue: null };
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The PR #7984 example sets

/** The count the brief asks for: `[... DPn ...] Prefill batch` lines and their #queue-req. */
function countSet(dir: string) {
  const prefill: Record<string, number> = {};
  const peak: Record<string, number> = {};
  const decode: Record<string, number> = {};
  const perWorker: Record<string, Record<string, number>> = {};
  const queues: number[] = [];
  for (const file of readdirSync(dir).sort()) {
    const worker = (perWorker[file] = {} as Record<string, number>);
    for (const line of linesOf(read(join(dir, file)))) {
      const m = /^\[[^\]]* DP(\d+) [^\]]*\] (Prefill|Decode) batch/.exec(line);
      if (m === null) continue;
      const rank = `DP${m[1]}`;
      const queue = Number(/#queue-req: (\d+)/.exec(line)?.[1]);
      worker[rank] = (worker[rank] ?? 0) + 1;
      if (m[2] === 'Prefill') {
        prefill[rank] = (prefill[rank] ?? 0) + 1;
        peak[rank] = Math.max(peak[rank] ?? 0, queue);
        queues.push(queue);
      } else {
        decode[rank] = (decode[rank] ?? 0) + 1;
      }
    }
  }
  return { prefill, peak, decode, perWorker, queues };
}

const RANKS8 = ['DP0', 'DP1', 'DP2', 'DP3', 'DP4', 'DP5', 'DP6', 'DP7'];
const PREFILL_FILES = ['gb200-p01_prefill_w0.out', 'gb200-p02_prefill_w1.out', 'gb200-p03_prefill_w2.out', 'gb200-p04_prefill_w3.out'];
const DECODE_FILES = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => `gb200-d0${n}_decode_w${n - 1}.out`);

// P15 disagg prefill and D13 disagg decode, the whole line.
const P15 =
  /^\[2026-04-14 10:0\d:\d{2} DP([0-3]) TP\1 EP\1\] Prefill batch, #new-seq: [1-9]\d*, #new-token: \d+, #cached-token: \d+, token usage: \d\.\d\d, #running-req: 0, #queue-req: \d+, #pending-token: \d+, #bootstrap-req: \d+, #inflight-req: \d+, cuda graph: False, input throughput \(token\/s\): \d+\.\d\d$/;
const D13 =
  /^\[2026-04-14 10:(?:0\d|10):\d{2} DP([0-7]) TP\1 EP\1\] Decode batch, #running-req: \d+, #token: \d+, token usage: \d\.\d\d, pre-allocated usage: 0\.00, #prealloc-req: \d+, #transfer-req: \d+, #retracted-req: 0, cuda graph: True, gen throughput \(token\/s\): \d+\.\d\d, #queue-req: \d+$/;

const EXPECTED_SETS = {
  'pr7984-before': {
    prefill: { DP0: 6111, DP1: 16, DP2: 16, DP3: 16 },
    decode: { DP0: 289, DP1: 301, DP2: 294, DP3: 287, DP4: 292, DP5: 291, DP6: 277, DP7: 284 },
  },
  'pr7984-after': {
    prefill: { DP0: 1936, DP1: 1931, DP2: 1923, DP3: 1929 },
    decode: { DP0: 292, DP1: 284, DP2: 293, DP3: 295, DP4: 287, DP5: 285, DP6: 286, DP7: 283 },
  },
} as const;

describe('examples/pr7984-before and pr7984-after', () => {
  const counted = Object.fromEntries(SETS.map((set) => [set, countSet(join(ROOT, 'examples', set))])) as Record<(typeof SETS)[number], ReturnType<typeof countSet>>;

  it('each hold 4 prefill and 8 decode workers named the srt-slurm way, a few MB in all', () => {
    for (const set of SETS) {
      const dir = join(ROOT, 'examples', set);
      expect(readdirSync(dir).sort()).toEqual([...DECODE_FILES, ...PREFILL_FILES].sort());
      const bytes = readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
      expect(bytes).toBeLessThan(4_000_000);
    }
  });

  it('before: DP0 6111 (99.2%), DP1–DP3 16 each; DP0 queue peaks at exactly 771, the others stay < 10', () => {
    const { prefill, peak } = counted['pr7984-before'];
    expect(prefill).toEqual({ DP0: 6111, DP1: 16, DP2: 16, DP3: 16 });
    expect(((100 * 6111) / (6111 + 48)).toFixed(1)).toBe('99.2');
    expect(peak['DP0']).toBe(771);
    for (const rank of ['DP1', 'DP2', 'DP3']) expect(peak[rank]).toBeLessThan(10);
  });

  it('before: DP0 queue climbs to 771 and drains', () => {
    const dp0 = PREFILL_FILES.flatMap((f) =>
      linesOf(read(join(ROOT, 'examples/pr7984-before', f)))
        .filter((l) => l.includes(' DP0 TP0 EP0] Prefill batch'))
        .map((l) => ({ t: l.slice(1, 20), q: field(l, '#queue-req') ?? -1 })),
    ).sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    const first = dp0.slice(0, 100).map((x) => x.q);
    const last = dp0.slice(-100).map((x) => x.q);
    expect(Math.max(...first)).toBeLessThan(50);
    expect(Math.max(...last)).toBeLessThan(50);
    expect(dp0.filter((x) => x.q === 771)).toHaveLength(1);
  });

  it('the peaks sit where the README says', () => {
    const at = (set: string, f: string, re: RegExp): number => linesOf(read(join(ROOT, 'examples', set, f))).filter((l) => re.test(l)).length;
    expect(at('pr7984-before', 'gb200-p02_prefill_w1.out', / DP0 TP0 EP0\] Prefill batch, .*#queue-req: 771,/)).toBe(1);
    expect(at('pr7984-after', 'gb200-p03_prefill_w2.out', / DP2 TP2 EP2\] Prefill batch, .*#queue-req: 83,/)).toBe(1);
  });

  it('after: 1936 / 1931 / 1923 / 1929; every queue ≤ 83 and 83 reached', () => {
    const { prefill, queues } = counted['pr7984-after'];
    expect(prefill).toEqual({ DP0: 1936, DP1: 1931, DP2: 1923, DP3: 1929 });
    expect(Math.max(...queues)).toBe(83);
    expect(queues.filter((q) => q === 83).length).toBeGreaterThanOrEqual(1);
  });

  it('prefill batches are split unevenly over the workers, every worker with lines on every rank', () => {
    for (const set of SETS) {
      const { perWorker, prefill } = counted[set];
      for (const rank of ['DP0', 'DP1', 'DP2', 'DP3']) {
        const shares = PREFILL_FILES.map((f) => perWorker[f]?.[rank] ?? 0);
        expect(shares.every((n) => n >= 1)).toBe(true);
        expect(shares.reduce((a, b) => a + b, 0)).toBe(prefill[rank]);
      }
      const dp0 = PREFILL_FILES.map((f) => perWorker[f]?.['DP0'] ?? 0);
      expect(new Set(dp0).size).toBeGreaterThan(1);
    }
  });

  it('decode workers: 8 ranks each, 30–40 lines per rank per worker, balanced, small queues', () => {
    for (const set of SETS) {
      const { decode, perWorker } = counted[set];
      expect(decode).toEqual(EXPECTED_SETS[set].decode);
      for (const f of DECODE_FILES) {
        const ranks = perWorker[f] ?? {};
        expect(Object.keys(ranks).sort()).toEqual(RANKS8);
        for (const n of Object.values(ranks)) {
          expect(n).toBeGreaterThanOrEqual(30);
          expect(n).toBeLessThanOrEqual(40);
        }
      }
      const counts = Object.values(decode);
      expect(counts.reduce((a, b) => a + b, 0) / counts.length / Math.max(...counts)).toBeGreaterThan(0.95);
    }
  });

  it('every batch line is exactly P15 (prefill) or D13 (decode); #new-token within 1024–8192 with 8192-token chunks', () => {
    for (const set of SETS) {
      let chunks = 0;
      for (const f of [...PREFILL_FILES, ...DECODE_FILES]) {
        const prefillFile = f.includes('_prefill_');
        for (const line of linesOf(read(join(ROOT, 'examples', set, f)))) {
          if (!line.includes(' batch')) continue;
          if (prefillFile) {
            expect(line).toMatch(P15);
            const tokens = field(line, '#new-token') ?? 0;
            expect(tokens).toBeGreaterThanOrEqual(1024);
            expect(tokens).toBeLessThanOrEqual(8192);
            if (tokens === 8192) chunks++;
          } else {
            expect(line).toMatch(D13);
            expect(field(line, '#queue-req')).toBeLessThanOrEqual(3);
          }
        }
      }
      expect(chunks).toBeGreaterThan(100);
    }
  });

  it('every worker starts with server_args and startup noise, and has access-log lines', () => {
    for (const set of SETS) {
      for (const f of [...PREFILL_FILES, ...DECODE_FILES]) {
        const text = read(join(ROOT, 'examples', set, f));
        const [first] = linesOf(text);
        const prefill = f.includes('_prefill_');
        const n = prefill ? 4 : 8;
        expect(first).toMatch(/^\[2026-04-14 09:\d{2}:\d{2}\] server_args=ServerArgs\(model_path='deepseek-ai\/DeepSeek-R1', /);
        for (const kv of [`tp_size=${n}`, 'pp_size=1', `dp_size=${n}`, `ep_size=${n}`, 'moe_dp_size=1', 'enable_dp_attention=True', 'nnodes=1', 'node_rank=0']) {
          expect(first).toContain(`, ${kv},`);
        }
        expect(first).toContain(`disaggregation_mode='${prefill ? 'prefill' : 'decode'}'`);
        expect((first ?? '').split(', ').length).toBeGreaterThan(40);
        for (let r = 0; r < n; r++) {
          expect(text).toMatch(new RegExp(`\\n\\[2026-04-14 09:\\d{2}:\\d{2} DP${r} TP${r} EP${r}\\] Load weight begin\\. avail mem=\\d+\\.\\d\\d GB\\n`));
          expect(text).toContain(` DP${r} TP${r} EP${r}] Capture cuda graph end.`);
        }
        expect(text).toContain('] The server is fired up and ready to roll!\n');
        expect(text).toMatch(/\] INFO: {5}127\.0\.0\.1:\d+ - "POST \/generate HTTP\/1\.1" 200 OK\n/);
        // time order, second resolution
        const stamps = linesOf(text).map((l) => l.slice(1, 20));
        expect(stamps.every((s) => /^2026-04-14 (?:09|10):\d{2}:\d{2}$/.test(s))).toBe(true);
        expect([...stamps].sort()).toEqual(stamps);
      }
    }
  });

  it('examples/README.md states the same numbers', () => {
    const readme = read(join(ROOT, 'examples/README.md'));
    expect(readme).toContain('| `pr7984-before/` | 6111 (99.2 %) / 16 / 16 / 16 | 771, on DP0 |');
    expect(readme).toContain('| `pr7984-after/` | 1936 (25.1 %) / 1931 / 1923 / 1929 | 83, on DP2 |');
    for (const set of SETS) {
      const { decode, perWorker } = counted[set];
      expect(readme).toContain(`| \`${set}/\` decode | ${RANKS8.map((r) => decode[r]).join(' / ')} |`);
      const split = PREFILL_FILES.map((f) => `${['DP0', 'DP1', 'DP2', 'DP3'].map((r) => perWorker[f]?.[r] ?? 0).join('/')}`).join(' · ');
      expect(readme).toContain(`\`${set}/\` per prefill worker (w0 · w1 · w2 · w3): ${split}`);
    }
    expect(((100 * 1936) / (1936 + 1931 + 1923 + 1929)).toFixed(1)).toBe('25.1');
  });
});

// ---------------------------------------------------------------------------------------------------
// Scenario fixtures

type Ranks = Record<string, readonly [batches: number, tokens: number, peakQueue: number | null]>;

interface Expected {
  readonly lines: number;
  readonly batchLines: number;
  readonly duplicates: number;
  readonly unparseable: number;
  readonly prefill: Ranks;
  readonly decode?: Ranks;
}

const EXPECTED_FIXTURES: Readonly<Record<string, Expected>> = {
  'dp8-rank7-silent.log': {
    lines: 240,
    batchLines: 175,
    duplicates: 0,
    unparseable: 0,
    prefill: { DP0: [25, 107074, 4], DP1: [25, 102708, 4], DP2: [25, 83413, 4], DP3: [25, 100023, 4], DP4: [25, 92810, 4], DP5: [25, 93885, 4], DP6: [25, 110561, 4], DP7: [0, 0, null] },
  },
  'balanced-dp4.log': {
    lines: 268,
    batchLines: 200,
    duplicates: 0,
    unparseable: 0,
    prefill: { DP0: [50, 176061, 5], DP1: [50, 192086, 5], DP2: [50, 224587, 5], DP3: [50, 203917, 5] },
  },
  'mild-skew-dp4.log': {
    lines: 345,
    batchLines: 280,
    duplicates: 0,
    unparseable: 0,
    prefill: { DP0: [100, 421401, 6], DP1: [60, 233176, 6], DP2: [60, 246227, 6], DP3: [60, 246572, 6] },
  },
  'small-sample-dp4.log': {
    lines: 34,
    batchLines: 20,
    duplicates: 0,
    unparseable: 0,
    prefill: { DP0: [7, 28901, 2], DP1: [3, 14558, 2], DP2: [5, 18957, 2], DP3: [5, 23277, 2] },
  },
  'queue-skew-dp4.log': {
    lines: 266,
    batchLines: 200,
    duplicates: 0,
    unparseable: 0,
    prefill: { DP0: [50, 182463, 14], DP1: [50, 218311, 20], DP2: [50, 288229, 200], DP3: [50, 182498, 14] },
  },
  'all-schedulers-duplicates.log': {
    lines: 121,
    batchLines: 120,
    duplicates: 60,
    unparseable: 0,
    prefill: { DP0: [30, 118975, 4], DP1: [30, 120792, 4] },
  },
  'pp2-duplicates.log': {
    lines: 166,
    batchLines: 160,
    duplicates: 80,
    unparseable: 0,
    prefill: { DP0: [40, 157638, 4], DP1: [40, 171672, 4] },
  },
  'no-rank-labels-dynamo.log': {
    lines: 42,
    batchLines: 40,
    duplicates: 0,
    unparseable: 0,
    prefill: { DP0: [0, 0, null], DP1: [0, 0, null], DP2: [0, 0, null], DP3: [0, 0, null], none: [40, 172069, 6] },
  },
  'legacy-dp-attention-dp0-only.log': {
    lines: 312,
    batchLines: 200,
    duplicates: 0,
    unparseable: 0,
    prefill: { DP0: [200, 303606, 3], DP1: [0, 0, null], DP2: [0, 0, null], DP3: [0, 0, null], DP4: [0, 0, null], DP5: [0, 0, null], DP6: [0, 0, null], DP7: [0, 0, null] },
  },
  'v059-prefill-no-batch-lines.log': {
    lines: 64,
    batchLines: 0,
    duplicates: 0,
    unparseable: 0,
    prefill: { DP0: [0, 0, null], DP1: [0, 0, null], DP2: [0, 0, null], DP3: [0, 0, null] },
  },
  'mixed-versions-real-lines.log': {
    lines: 20,
    batchLines: 20,
    duplicates: 0,
    unparseable: 0,
    prefill: { DP0: [2, 16256, 7], DP1: [2, 15040, 0], DP2: [2, 2944, 28], DP3: [1, 2048, 20], none: [2, 736, 0] },
    decode: { DP0: [3, 0, 5], DP2: [2, 0, 0], DP3: [1, 0, 0], DP5: [1, 0, 0], DP6: [1, 0, 0], DP7: [1, 0, 0], none: [2, 0, 0] },
  },
  'unparseable-truncated.log': {
    lines: 34,
    batchLines: 30,
    duplicates: 0,
    unparseable: 3,
    prefill: { DP0: [15, 54823, 3], DP1: [15, 74486, 3] },
  },
};

function asRanks(stats: Record<string, RankStats>): Ranks {
  const order = (k: string): number => (k === 'none' ? 1e9 : Number(k.slice(2)));
  return Object.fromEntries(
    Object.entries(stats)
      .sort(([a], [b]) => order(a) - order(b))
      .map(([k, s]) => [k, [s.batches, s.tokens, s.peakQueue] as const]),
  );
}

/** The README cells for a fixture, in column order. */
function readmeCells(e: Expected): string[] {
  const list = (ranks: Ranks, pick: (v: Ranks[string]) => number | null): string =>
    Object.entries(ranks)
      .map(([k, v]) => `${k} ${pick(v) ?? '–'}`)
      .join(', ');
  return [
    list(e.prefill, (v) => v[0]),
    list(e.prefill, (v) => v[1]),
    list(e.prefill, (v) => v[2]),
    e.decode === undefined ? '–' : list(e.decode, (v) => v[0]),
    `${e.lines} / ${e.batchLines} / ${e.duplicates} / ${e.unparseable}`,
  ];
}

describe('fixtures/scenarios', () => {
  const readme = read(join(SCENARIOS, 'README.md'));
  const batches = (name: string): number[] => Object.values(EXPECTED_FIXTURES[name]?.prefill ?? {}).map((v) => v[0]);

  it('the table matches the brief of each scenario', () => {
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(batches('dp8-rank7-silent.log')).toEqual([25, 25, 25, 25, 25, 25, 25, 0]);
    expect(batches('balanced-dp4.log')).toEqual([50, 50, 50, 50]);
    expect(batches('mild-skew-dp4.log')).toEqual([100, 60, 60, 60]);
    expect(mean(batches('mild-skew-dp4.log')) / 100).toBe(0.7);
    expect(batches('small-sample-dp4.log')).toEqual([7, 3, 5, 5]);
    expect(batches('queue-skew-dp4.log')).toEqual([50, 50, 50, 50]);
    const peaks = Object.values(EXPECTED_FIXTURES['queue-skew-dp4.log']?.prefill ?? {}).map((v) => v[2] ?? 0);
    expect(peaks[2]).toBe(200);
    expect(peaks.filter((_, i) => i !== 2).every((p) => p <= 20)).toBe(true);
    expect(EXPECTED_FIXTURES['all-schedulers-duplicates.log']).toMatchObject({ lines: 121, batchLines: 120, duplicates: 60 });
    expect(batches('all-schedulers-duplicates.log')).toEqual([30, 30]);
    expect(EXPECTED_FIXTURES['pp2-duplicates.log']).toMatchObject({ batchLines: 160, duplicates: 80 });
    expect(batches('pp2-duplicates.log')).toEqual([40, 40]);
    expect(EXPECTED_FIXTURES['no-rank-labels-dynamo.log']?.prefill['none']?.[0]).toBe(40);
    expect(batches('legacy-dp-attention-dp0-only.log')).toEqual([200, 0, 0, 0, 0, 0, 0, 0]);
    expect(EXPECTED_FIXTURES['v059-prefill-no-batch-lines.log']?.batchLines).toBe(0);
    expect(EXPECTED_FIXTURES['unparseable-truncated.log']).toMatchObject({ lines: 34, batchLines: 30, unparseable: 3 });
  });

  it('layouts, prefixes and formats are the ones each scenario is about', () => {
    const text = (name: string): string => read(join(SCENARIOS, name));
    expect(text('dp8-rank7-silent.log')).toMatch(/server_args=ServerArgs\(.*\bdp_size=8,.*enable_dp_attention=True/);
    expect(text('dp8-rank7-silent.log')).toContain(' DP7 TP7 EP7] Load weight begin.');
    const dup = text('all-schedulers-duplicates.log');
    for (const kv of ['tp_size=4', 'dp_size=2', 'ep_size=4', 'enable_dp_attention=True', 'enable_metrics_for_all_schedulers=True']) expect(dup).toContain(`, ${kv},`);
    expect(linesOf(dup).filter((l) => l.includes(' DP0 TP1 EP1] Prefill batch'))).toHaveLength(30);
    expect(linesOf(dup).filter((l) => l.includes(' DP1 TP3 EP3] Prefill batch'))).toHaveLength(30);
    const pp = text('pp2-duplicates.log');
    expect(pp).toMatch(/\bpp_size=2,/);
    expect(linesOf(pp).filter((l) => /^\[[^\]]* DP\d PP1 TP\d EP\d\] Prefill batch/.test(l))).toHaveLength(80);
    const dynamo = linesOf(text('no-rank-labels-dynamo.log'));
    // eslint-disable-next-line no-control-regex -- the Dynamo envelope starts with ESC[2m
    expect(dynamo.filter((l) => /^\x1b\[2m\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\x1b\[0m .*Prefill batch, .*#prealloc-req: \d+, #inflight-req: \d+, /.test(l))).toHaveLength(40);
    expect(dynamo.some((l) => /server_args=ServerArgs\(.*\bdp_size=4,/.test(l))).toBe(true);
    expect(dynamo.some((l) => /\b(?:DP|TP)\d/.test(l.replace(ANSI, '')))).toBe(false);
    const legacy = linesOf(text('legacy-dp-attention-dp0-only.log')).filter((l) => l.includes('Prefill batch'));
    expect(legacy.every((l) => /^\[[^\]]* DP0 TP0\] Prefill batch\. #new-seq: \d+, #new-token: \d+, #cached-token: \d+, cache hit rate: \d+\.\d\d%, token usage: \d\.\d\d, #running-req: \d+, #queue-req: \d+$/.test(l))).toBe(true);
    expect(text('v059-prefill-no-batch-lines.log')).toMatch(/disaggregation_mode='prefill'.*\n(?:.*\n)*.*POST \/generate/);
    expect(text('v059-prefill-no-batch-lines.log')).not.toMatch(/batch/i);
    const cut = linesOf(text('unparseable-truncated.log')).filter((l) => l.includes('Prefill batch') && !l.includes('#queue-req: '));
    expect(cut).toHaveLength(3);
    expect(cut[0]).toMatch(/#cached-tok$/);
    expect(text('unparseable-truncated.log')).toContain("[DEBUG] prefill batch: ['5501e53c']\n");
  });

  for (const [name, expected] of Object.entries(EXPECTED_FIXTURES)) {
    it(`${name}: counts as the README says`, () => {
      const s = countFile(read(join(SCENARIOS, name)));
      const got: Expected = {
        lines: s.lines,
        batchLines: s.batchLines,
        duplicates: s.duplicates,
        unparseable: s.unparseable,
        prefill: asRanks(s.prefill),
        ...(Object.keys(s.decode).length > 0 ? { decode: asRanks(s.decode) } : {}),
      };
      expect(got).toEqual(expected);
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, `README row for ${name}`).toBeDefined();
      const cells = (row ?? '').split(' | ').map((c) => c.trim());
      expect(cells.slice(2, 7)).toEqual(readmeCells(expected));
    });
  }
});

// ---------------------------------------------------------------------------------------------------

describe('scripts/make-examples.ts', () => {
  const out = mkdtempSync(join(tmpdir(), 'dpskew-examples-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('regenerates every example and fixture byte for byte', () => {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/make-examples.ts'), out], { stdio: 'pipe' });
    for (const set of SETS) {
      const files = readdirSync(join(ROOT, 'examples', set)).sort();
      expect(readdirSync(join(out, 'examples', set)).sort()).toEqual(files);
      for (const f of files) expect(readFileSync(join(out, 'examples', set, f)).equals(readFileSync(join(ROOT, 'examples', set, f))), `${set}/${f}`).toBe(true);
    }
    const fixtures = readdirSync(join(out, 'fixtures/scenarios')).sort();
    expect(fixtures).toEqual(Object.keys(EXPECTED_FIXTURES).sort());
    for (const f of fixtures) expect(readFileSync(join(out, 'fixtures/scenarios', f)).equals(readFileSync(join(SCENARIOS, f))), f).toBe(true);
    const verdicts = (root: string): string[] => readdirSync(join(root, 'fixtures/verdicts'), { recursive: true, encoding: 'utf8' }).filter((f) => /\.(?:log|out)$/.test(f)).sort();
    expect(verdicts(out)).toEqual(verdicts(ROOT));
    for (const f of verdicts(ROOT)) expect(readFileSync(join(out, 'fixtures/verdicts', f)).equals(readFileSync(join(ROOT, 'fixtures/verdicts', f))), f).toBe(true);
  });
});

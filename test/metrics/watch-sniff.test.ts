/**
 * `dpskew watch` on a metrics dump with bare time lines (`date; curl …/metrics` loops): the follower
 * sniffs a file's first bytes as reading it does (input/task.ts), so the scrapes get their times
 * without `--engine prometheus`, and a dump that only starts growing after the watch began is sniffed
 * once it has bytes.
 */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineStatsOf } from '../../src/aggregate/metric-series.ts';
import { Follower } from '../../src/watch/follow.ts';
import type { WorkerState } from '../../src/aggregate/worker-state.ts';

const settings = { engine: 'auto', patterns: [], timezone: 'UTC', maxLineBytes: 1 << 20, range: null } as const;
const DUMP = readFileSync(join(import.meta.dirname, '../../fixtures/metrics/vllm-dp4-engine0-skew.prom'), 'utf8');

/** Per rank: [prompt tokens, first sample time, last sample time] of the followed workers. */
function engines(workers: Iterable<WorkerState>): Array<[number, number, number | null, number | null]> {
  const out: Array<[number, number, number | null, number | null]> = [];
  for (const w of workers) for (const ranks of engineStatsOf(w.metrics).values()) for (const [rank, acc] of ranks) out.push([rank, acc.promptTokens, acc.firstTime, acc.lastTime]);
  return out;
}

describe('watch sniffs metrics dumps like reading does', () => {
  it('a dump with bare time lines: every scrape timed, the same prompt tokens as reading it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-watch-prom-'));
    writeFileSync(join(dir, 'vllm.prom'), DUMP);
    const f = new Follower([dir], settings, dir);
    await f.poll();
    f.finish();
    const first = Date.parse('2026-05-28T13:00:26Z');
    const last = Date.parse('2026-05-28T13:06:11Z');
    expect(engines(f.workers.values())).toEqual([
      [0, 690_000, first, last],
      [1, 69_000, first, last],
      [2, 0, first, last],
      [3, 0, first, last],
    ]);
  });

  it('a dump empty when the watch starts is sniffed once it has bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-watch-prom-'));
    const path = join(dir, 'vllm.prom');
    writeFileSync(path, '');
    const f = new Follower([dir], settings, dir);
    await f.poll();
    appendFileSync(path, DUMP);
    await f.poll();
    f.finish();
    expect(engines(f.workers.values()).map(([rank, , firstTime]) => [rank, firstTime])).toEqual([0, 1, 2, 3].map((rank) => [rank, Date.parse('2026-05-28T13:00:26Z')]));
  });
});

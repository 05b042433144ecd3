/** Issue 22: `watch` splits a followed stream (a growing file, stdin chunks) the way a run splits it. */
import { appendFileSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Follower } from '../../src/watch/follow.ts';
import { SPLIT_FIXTURES } from './split-fixtures.ts';

const settings = { engine: 'auto', patterns: [], timezone: 'UTC', maxLineBytes: 1 << 20, range: null, split: 'auto' } as const;

/** Prefill batches per rank of each worker. */
function ranks(f: Follower): Record<string, Record<string, number>> {
  return Object.fromEntries(
    [...f.workers.values()].map((w) => [
      w.name,
      Object.fromEntries([...w.phases.prefill.byDp.entries()].sort(([a], [b]) => a - b).map(([dp, sets]) => [`DP${dp}`, sets.entries().reduce((n, [, acc]) => n + acc.batches, 0)])),
    ]),
  );
}

const POD0 = { DP0: 7, DP1: 3, DP2: 5, DP3: 5 };
const POD1 = { DP0: 150, DP1: 2 };

describe('watch splits a followed stream', () => {
  it('a growing kubectl --prefix file: one worker per pod, each line once, across growth and truncation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-follow-split-'));
    const path = join(dir, 'cluster.txt');
    const text = readFileSync(join(SPLIT_FIXTURES, 'kubectl-prefix.txt'));
    const cut = text.indexOf('\n', 20_000) + 1;
    writeFileSync(path, text.subarray(0, cut));
    const f = new Follower([path], settings, dir);
    await f.poll();
    const early = ranks(f);
    expect(Object.keys(early)).toEqual(['sglang-prefill-1', 'sglang-prefill-0']);
    // A cut in the middle of a line: its rest comes with the next growth.
    appendFileSync(path, text.subarray(cut, cut + 7));
    await f.poll();
    appendFileSync(path, text.subarray(cut + 7));
    await f.poll();
    expect(ranks(f)).toEqual({ 'sglang-prefill-1': POD1, 'sglang-prefill-0': POD0 });
    expect(f.inputs().map((i) => [i.worker, i.lines.linesRead]).sort()).toEqual([
      ['sglang-prefill-0', 34],
      ['sglang-prefill-1', 200],
    ]);
    // Truncated and written anew: read again into the same workers.
    truncateSync(path, 0);
    await f.poll();
    writeFileSync(path, text);
    await f.poll();
    f.finish();
    expect(ranks(f)).toEqual({ 'sglang-prefill-1': { DP0: 300, DP1: 4 }, 'sglang-prefill-0': { DP0: 14, DP1: 6, DP2: 10, DP3: 10 } });
    expect(f.inputs().map((i) => [i.worker, i.lines.linesRead]).sort()).toEqual([
      ['sglang-prefill-0', 68],
      ['sglang-prefill-1', 400],
    ]);
  });

  it('stdin in chunks: the stream\u2019s own worker is not listed when every line has a source', () => {
    const f = new Follower([], settings, process.cwd());
    const feed = f.addStream('-', 'stdin');
    const text = readFileSync(join(SPLIT_FIXTURES, 'logcli.txt'));
    for (let at = 0; at < text.length; at += 999) feed.push(text.subarray(at, at + 999));
    feed.end();
    expect(ranks(f)).toEqual({ 'sglang-prefill-1': POD1, 'sglang-prefill-0': POD0 });
  });

  it('a plain stream keeps its own worker, as before', () => {
    const f = new Follower([], settings, process.cwd());
    const feed = f.addStream('-', 'stdin');
    feed.push(readFileSync(join(SPLIT_FIXTURES, '..', 'verdicts', 'dp2-dp0-98pct.log')));
    feed.end();
    expect(ranks(f)).toEqual({ stdin: POD1 });
  });
});

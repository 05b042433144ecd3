/**
 * The JSON a person queries with jq (schemaVersion 2): the phase's ranks and headline where one
 * looks first, every --list-metrics value under its name, null for what was not measured, and
 * reports saved by 0.1 (schemaVersion 1) still read by compare.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ROOT, runCli, runJson } from './run-cli.ts';

const BEFORE = join(ROOT, 'examples', 'pr7984-before');
const ONE_BAD_WORKER = join(ROOT, 'fixtures', 'verdicts', 'one-bad-worker');

describe('the JSON report, version 2', () => {
  it('jq .prefill.ranks and .prefill.peerBalance: the one group\'s ranks and its headline', async () => {
    const { json } = await runJson([BEFORE]);
    expect(json.schemaVersion).toBe(2);
    expect(json.prefill.ranks?.map((r) => r.batches)).toEqual([6111, 16, 16, 16]);
    expect(json.prefill.ranks).toEqual(json.prefill.groups[0]?.ranks);
    expect(json.prefill).toMatchObject({ batches: 6159, maxRank: 0, maxShare: 6111 / 6159 });
    // the other ranks' mean over the busiest: (16 + 16 + 16) / 3 / 6111
    expect(json.prefill.peerBalance).toBeCloseTo(16 / 6111, 12);
    expect(json.prefill.balance).toBeCloseTo(6159 / 4 / 6111, 12);
    expect(json.prefill.groups[0]?.batchStats.peerBalance).toBe(json.prefill.peerBalance);
  });

  it('a metrics object holds every --list-metrics name, with the value an --assert reads', async () => {
    const listed = (await runCli(['check', '--list-metrics'])).stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/)[0]);
    const { json } = await runJson([BEFORE]);
    expect(Object.keys(json.metrics)).toEqual(listed);
    expect(json.metrics['prefill.peerBalance']).toBe(json.prefill.peerBalance);
    expect(json.metrics['prefill.queue.max']).toBe(771);
    // an assertion reads the same number
    const { json: checked } = await runJson(['check', BEFORE, '--assert', 'prefill.queue.max<=771', '--assert', 'decode.balance>0']);
    for (const a of checked.assertions) expect(a.actual).toBe(json.metrics[a.metric]);
  });

  it('--by worker: no single rank list; the headline is the worst worker\'s', async () => {
    const { json } = await runJson([ONE_BAD_WORKER, '--by', 'worker']);
    expect(json.prefill.ranks).toBeNull();
    const peers = json.prefill.groups.map((g) => g.batchStats.peerBalance ?? 1);
    expect(json.prefill.peerBalance).toBe(Math.min(...peers));
    const worst = json.prefill.groups.find((g) => g.batchStats.maxShare === json.prefill.maxShare);
    expect(json.prefill.maxRank).toBe(worst?.batchStats.maxRank);
  });

  it('a --pattern without a tokens group measured no tokens: null, not 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-contract-'));
    const log = join(dir, 'custom.log');
    writeFileSync(log, Array.from({ length: 40 }, (_, i) => `2026-04-14T10:00:${String(i).padStart(2, '0')}Z rank=${i % 2} q=${i % 3} tok=${100 + i}\n`).join(''));
    const without = await runJson([log, '--engine', 'custom', '--pattern', 'rank=(?<rank>\\d+) q=(?<queue>\\d+)']);
    expect(without.json.prefill.ranks?.map((r) => [r.batches, r.newTokens, r.tokenShare])).toEqual([
      [20, null, null],
      [20, null, null],
    ]);
    expect(without.json.prefill.groups[0]?.tokenStats).toBeNull();
    expect(without.json.metrics['prefill.tokenBalance']).toBeNull();
    const withTokens = await runJson([log, '--engine', 'custom', '--pattern', 'rank=(?<rank>\\d+) q=(?<queue>\\d+) tok=(?<tokens>\\d+)']);
    const tokens = (rank: number): number => Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 2 === rank).reduce((s, i) => s + 100 + i, 0);
    expect(withTokens.json.prefill.ranks?.map((r) => r.newTokens)).toEqual([tokens(0), tokens(1)]);
  });

  it('compare reads a report saved by 0.1 (schemaVersion 1) as it reads a current one', async () => {
    const v1 = join(ROOT, 'fixtures', 'saved-reports', 'one-bad-worker.v1.json');
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-contract-'));
    const v2 = join(dir, 'now.json');
    const saved = await runCli([ONE_BAD_WORKER, '--format', 'json']);
    writeFileSync(v2, saved.stdout);
    const old = await runCli(['compare', v1, ONE_BAD_WORKER, '--format', 'json']);
    const now = await runCli(['compare', v2, ONE_BAD_WORKER, '--format', 'json']);
    expect(old.stderr).toBe('');
    expect(old.code).toBe(0);
    const strip = (text: string): unknown => ({ ...JSON.parse(text), before: { ...JSON.parse(text).before, label: '' } });
    expect(strip(old.stdout)).toEqual(strip(now.stdout));
  });
});

/**
 * The shapes whose verdict was wrong (fixtures/verdicts/README.md), end to end on the built CLI:
 * DP=2 could never fail, one visible rank read as balanced, one bad worker hid in the sum; and a
 * single torn line discarded a whole rank.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchesByRank, ROOT, runCli, runJson } from './run-cli.ts';

const verdicts = (name: string) => join(ROOT, 'fixtures/verdicts', name);
const AFTER = join(ROOT, 'examples/pr7984-after');

describe('verdicts that hold in every shape', () => {
  it('DP=2 with 98.7 % of prefill batches on DP0 fails the check (mean/max balance 0.51 could not)', async () => {
    const { json } = await runJson([verdicts('dp2-dp0-98pct.log')]);
    expect(batchesByRank(json)).toEqual({ DP0: 150, DP1: 2 });
    expect(json.prefill.balance).toBeGreaterThan(0.5);
    expect(json.findings).toContainEqual(expect.objectContaining({ code: 'BATCH_SKEW', level: 'fail', batches: expect.objectContaining({ maxRank: 0 }) }));
    expect((await runCli(['check', verdicts('dp2-dp0-98pct.log')])).code).toBe(1);
  });

  it('one visible rank without a layout is never ok: LAYOUT_UNKNOWN, check exits 3', async () => {
    const { json } = await runJson([verdicts('dp0-only-no-layout.log')]);
    expect(json.findings).toEqual([expect.objectContaining({ code: 'LAYOUT_UNKNOWN', level: 'warn', ranks: [0], lines: 150 })]);
    expect(json.verdict).toBe('insufficient');
    const check = await runCli(['check', verdicts('dp0-only-no-layout.log')]);
    expect(check.code).toBe(3);
    expect(check.stdout).toContain('--dp-size');
    // Told the layout, it is judged: DP1 ran nothing.
    const told = await runJson([verdicts('dp0-only-no-layout.log'), '--dp-size', '2']);
    expect(told.json.verdict).toBe('fail');
    expect(told.json.findings).toContainEqual(expect.objectContaining({ code: 'IDLE_RANK', idleRanks: [1] }));
  });

  it('one bad worker among four cannot hide in the sum: WORKER_SKEW names it, check fails', async () => {
    const dir = verdicts('one-bad-worker');
    const { json } = await runJson([dir]);
    expect(json.prefill.balance).toBeCloseTo(0.63, 2);
    expect(json.prefill.worstWorker).toMatchObject({ worker: 'gb200-p03_prefill_w2', maxRank: 2, batches: 200 });
    expect(json.prefill.worstWorker?.maxShare).toBeCloseTo(0.84, 2);
    const workerSkew = json.findings.find((f) => f.code === 'WORKER_SKEW');
    expect(workerSkew).toMatchObject({ level: 'fail', workersJudged: 4, workers: [expect.objectContaining({ worker: 'gb200-p03_prefill_w2', level: 'fail', maxRank: 2 })] });
    const check = await runCli(['check', dir]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('--by worker');
    const byWorker = await runJson([dir, '--by', 'worker']);
    expect(byWorker.json.findings).toContainEqual(expect.objectContaining({ code: 'BATCH_SKEW', level: 'fail', worker: 'gb200-p03_prefill_w2' }));
  });
});

describe('a stray line costs at most itself', () => {
  const copyWith = (extra: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-torn-'));
    for (const f of readdirSync(AFTER)) writeFileSync(join(dir, f), readFileSync(join(AFTER, f)));
    const file = join(dir, 'gb200-p01_prefill_w0.out');
    writeFileSync(file, `${readFileSync(file, 'utf8')}${extra}\n`);
    return dir;
  };

  it.each([
    ['a torn TP label', '[2026-04-14 10:09:59 DP1 TP[2026-04-14 10:09:59 EP1] Prefill batch, #new-seq: 1, #new-token: 3000, #cached-token: 0, token usage: 0.05, #running-req: 0, #queue-req: 2, '],
    ['a stray DP1 TP0 line', '[2026-04-14 10:09:59 DP1 TP0 EP0] Prefill batch, #new-seq: 1, #new-token: 3000, #cached-token: 0, token usage: 0.05, #running-req: 0, #queue-req: 2, '],
    ['a line that lost its head', ' DP2 TP2 EP2] Prefill batch, #new-seq: 1, #new-token: 3000, #cached-token: 0, token usage: 0.05, #running-req: 0, #queue-req: 2, '],
  ])('the pr7984-after example with %s appended keeps every rank of every worker', async (_, extra) => {
    const before = await runJson([AFTER, '--by', 'worker']);
    const after = await runJson([copyWith(extra), '--by', 'worker']);
    for (const [i, group] of after.json.prefill.groups.entries()) {
      for (const [j, row] of group.ranks.entries()) {
        const was = before.json.prefill.groups[i]?.ranks[j]?.batches ?? 0;
        expect(row.batches - was, `${group.worker} DP${row.rank}`).toBeGreaterThanOrEqual(0);
        expect(row.batches - was, `${group.worker} DP${row.rank}`).toBeLessThanOrEqual(1);
      }
    }
    expect(after.json.verdict).toBe(before.json.verdict);
  });
});

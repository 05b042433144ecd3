/** One scenario per fixture in fixtures/scenarios/, on the built CLI. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchesByRank, ROOT, runCli, runJson } from './run-cli.ts';

const fixture = (name: string) => join(ROOT, 'fixtures/scenarios', name);
const codes = (json: { findings: readonly { code: string; level: string }[] }) => json.findings.map((f) => `${f.level}:${f.code}`);

describe('scenario fixtures', () => {
  it('dp8-rank7-silent: DP7 appears with 0 batches and IDLE_RANK fails the check', async () => {
    const { json } = await runJson([fixture('dp8-rank7-silent.log')]);
    expect(batchesByRank(json)).toEqual({ DP0: 25, DP1: 25, DP2: 25, DP3: 25, DP4: 25, DP5: 25, DP6: 25, DP7: 0 });
    expect(json.findings).toContainEqual(expect.objectContaining({ code: 'IDLE_RANK', level: 'fail', idleRanks: [7] }));
    expect(json.workers[0]).toMatchObject({ dpSize: 8, dpSizeSource: 'server_args', role: 'prefill', roleSource: 'server_args' });
    expect(json.verdict).toBe('fail');
    const table = await runCli([fixture('dp8-rank7-silent.log')]);
    expect(table.stdout).toMatch(/DP7\s+0\s+0\.0%/);
    expect((await runCli(['check', fixture('dp8-rank7-silent.log')])).code).toBe(1);
  });

  it('all-schedulers-duplicates: keeps the lowest TP per DP', async () => {
    const { json } = await runJson([fixture('all-schedulers-duplicates.log')]);
    expect(batchesByRank(json)).toEqual({ DP0: 30, DP1: 30 });
    expect(json.prefill.duplicatesDropped).toBe(60);
    expect(json.totals).toMatchObject({ linesRead: 121, batchLines: 120, layoutLines: 1 });
    expect(json.verdict).toBe('ok');
  });

  it('pp2-duplicates: counts PP0 only', async () => {
    const { json } = await runJson([fixture('pp2-duplicates.log')]);
    expect(batchesByRank(json)).toEqual({ DP0: 40, DP1: 40 });
    expect(json.prefill.duplicatesDropped).toBe(80);
  });

  it('no-rank-labels-dynamo: unattributed lines, NO_RANK_LABELS with the Dynamo advice, nothing to judge', async () => {
    const { json } = await runJson([fixture('no-rank-labels-dynamo.log')]);
    expect(json.prefill.unattributed).toBe(40);
    const finding = json.findings.find((f) => f.code === 'NO_RANK_LABELS');
    expect(finding).toMatchObject({ level: 'warn', lines: 40, dpSize: 4 });
    expect(JSON.stringify(finding)).toContain('DYN_SKIP_SGLANG_LOG_FORMATTING=1');
    expect(json.verdict).toBe('insufficient');
    expect((await runCli(['check', fixture('no-rank-labels-dynamo.log')])).code).toBe(3);
  });

  it('legacy-dp-attention-dp0-only: a logging artefact, not an idle-rank failure', async () => {
    const { json } = await runJson([fixture('legacy-dp-attention-dp0-only.log')]);
    expect(codes(json)).toEqual(['warn:LOGGING_ARTIFACT']);
    expect(json.findings[0]).toMatchObject({ kind: 'tp0-only-logging' });
    expect(json.verdict).toBe('warn');
  });

  it('v059-prefill-no-batch-lines: says why there are no prefill lines, claims nothing', async () => {
    const { json } = await runJson([fixture('v059-prefill-no-batch-lines.log')]);
    expect(json.findings).toContainEqual(expect.objectContaining({ code: 'LOGGING_ARTIFACT', kind: 'prefill-server-without-prefill-lines' }));
    expect(json.verdict).toBe('insufficient');
    expect((await runCli(['check', fixture('v059-prefill-no-batch-lines.log')])).code).toBe(3);
  });

  it('unparseable-truncated: every line accounted for, with the first bad line shown', async () => {
    const { json } = await runJson([fixture('unparseable-truncated.log')]);
    expect(json.totals).toMatchObject({ linesRead: 34, batchLines: 30, ignored: 1, unparseable: 3, oversized: 0 });
    expect(json.inputs[0]?.unparseableExample?.line).toContain('#cached-tok');
    const table = await runCli([fixture('unparseable-truncated.log')]);
    expect(table.stdout).toContain('3 lines looked like batch lines but could not be parsed; first');
  });

  it('--by worker judges each worker apart', async () => {
    const { json } = await runJson([join(ROOT, 'examples/pr7984-before'), '--by', 'worker']);
    expect(json.prefill.groups).toHaveLength(4);
    expect(json.decode.groups).toHaveLength(8);
    expect(json.prefill.groups.every((g) => g.worker !== null && g.ranks.every((r) => r.worker === g.worker))).toBe(true);
    expect(json.findings.filter((f) => f.code === 'BATCH_SKEW')).toHaveLength(4);
  });

  it('--dp-size overrides server_args', async () => {
    const { json } = await runJson([fixture('all-schedulers-duplicates.log'), '--dp-size', '3']);
    expect(batchesByRank(json)).toEqual({ DP0: 30, DP1: 30, DP2: 0 });
    expect(json.workers[0]?.dpSizeSource).toBe('flag');
  });
});

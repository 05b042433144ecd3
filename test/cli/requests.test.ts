/** Issue #9 end to end: per-request DP rank evidence. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchesByRank, ROOT, runCli, runJson } from './run-cli.ts';

const fixture = (name: string) => join(ROOT, 'fixtures/requests', name);

describe('per-request evidence', () => {
  it('Receive lines all pinned to data_parallel_rank=0 on a dp_size=4 server: REQUESTED_RANK_PINNED, check exits 1', async () => {
    const { json } = await runJson([fixture('prefill-receive-pinned-dp0.log')]);
    expect(json.requests.sources[0]).toMatchObject({ source: 'sglang-receive', lines: 80, none: 0, ranks: [{ rank: 0, requests: 80 }] });
    expect(json.findings).toContainEqual(expect.objectContaining({ code: 'REQUESTED_RANK_PINNED', level: 'fail', rank: 0, requests: 80, dpSize: 4 }));
    expect((await runCli(['check', fixture('prefill-receive-pinned-dp0.log')])).code).toBe(1);
  });

  it('the same with data_parallel_rank=None: no pin, 100% None, and the room-implied ranks match what ran', async () => {
    const { json } = await runJson([fixture('prefill-receive-none.log'), '--implied-rank-from-room']);
    expect(json.requests.sources[0]).toMatchObject({ source: 'sglang-receive', none: 80, noneShare: 1 });
    expect(json.findings.map((f) => f.code)).not.toContain('REQUESTED_RANK_PINNED');
    const implied = json.requests.impliedByRoom;
    expect(implied?.dpSize).toBe(4);
    expect(implied?.ranks.map((r) => r.requests)).toEqual(Object.values(batchesByRank(json)));
    expect((await runCli(['check', fixture('prefill-receive-none.log')])).code).toBe(0);
    expect((await runCli([fixture('prefill-receive-none.log')])).stdout).toContain('80 (100%)');
  });

  it('a handler printing dp_rank=None per request next to SGLang batches over 4 ranks shows both views side by side', async () => {
    const { stdout } = await runCli([fixture('handler-dp-rank-none-with-batches.log'), '--no-chart']);
    expect(stdout).toMatch(/generic \(asked\)\s+80\s+80 \(100%\)\s+0\s+0\s+0\s+0/);
    expect(stdout).toMatch(/prefill batches \(ran\)\s+80\s+20\s+20\s+20\s+20/);
  });
});

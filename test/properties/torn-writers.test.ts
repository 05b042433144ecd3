/**
 * Concurrent writers tear lines (issue: "a stray line costs at most itself"). N scheduler processes
 * append to one log; some of their lines are written in two write() calls and other processes'
 * writes land in between. Whatever the tear rate up to 20 %, every rank's count stays within the
 * number of torn lines of the truth and never above it (a torn piece is never credited to a rank
 * it does not come from, DP0 included), and a balanced run is still judged ok.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../helpers/random.ts';
import { runOnChunks } from '../helpers/run-in-process.ts';

const SERVER_ARGS = (dp: number) =>
  `[2026-04-14 09:59:00] server_args=ServerArgs(model_path='deepseek-ai/DeepSeek-R1', tp_size=${dp}, pp_size=1, dp_size=${dp}, ep_size=${dp}, nnodes=1, node_rank=0, enable_dp_attention=True, disaggregation_mode='prefill')`;

function line(rank: number, i: number, rand: () => number): string {
  const s = Math.floor(i / 4);
  const t = new Date(Date.UTC(2026, 3, 14, 10, 0, 0) + s * 1000 + Math.floor(rand() * 1000)).toISOString().slice(0, 19).replace('T', ' ');
  const tokens = 1000 + Math.floor(rand() * 7000);
  return `[${t} DP${rank} TP${rank} EP${rank}] Prefill batch, #new-seq: 1, #new-token: ${tokens}, #cached-token: 0, token usage: 0.05, #running-req: ${1 + Math.floor(rand() * 8)}, #queue-req: ${Math.floor(rand() * 4)}, #prealloc-req: 0, #inflight-req: 1, input throughput (token/s): 900.00, `;
}

/**
 * The processes' writes interleaved in random order. Each line is one write, or, with probability
 * `tearRate`, two (cut anywhere): any writes of other processes can land between its halves,
 * torn halves included. Returns the log and how many lines were written in two pieces.
 */
function tornLog(perRank: readonly number[], tearRate: number, seed: number, withLayout: boolean): { text: string; torn: number } {
  const rand = mulberry32(seed);
  let torn = 0;
  const writes = perRank.map((n, rank) =>
    Array.from({ length: n }, (_, i) => `${line(rank, i, rand)}\n`).flatMap((text) => {
      if (rand() >= tearRate) return [text];
      torn++;
      const at = 1 + Math.floor(rand() * (text.length - 2));
      return [text.slice(0, at), text.slice(at)];
    }),
  );
  const out: string[] = withLayout ? [`${SERVER_ARGS(perRank.length)}\n`] : [];
  for (let live = writes.filter((w) => w.length > 0); live.length > 0; live = writes.filter((w) => w.length > 0)) {
    out.push(live[Math.floor(rand() * live.length)]?.shift() ?? '');
  }
  return { text: out.join(''), torn };
}

describe('torn lines from concurrent writers', () => {
  it('every rank is counted within the torn-line count of the truth and never above it, at any tear rate up to 20 %', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 40, max: 400 }), { minLength: 2, maxLength: 8 }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.boolean(),
        async (perRank, tearRate, seed, withLayout) => {
          const { text, torn } = tornLog(perRank, tearRate, seed, withLayout);
          const { report } = await runOnChunks([Buffer.from(text)], { name: 'n1_prefill_w0' });
          const rows = report.prefill.groups[0]?.ranks ?? [];
          expect(rows.map((r) => r.rank)).toEqual(perRank.map((_, r) => r));
          for (const row of rows) {
            const truth = perRank[row.rank] ?? 0;
            expect(row.batches, `DP${row.rank} with ${torn} torn lines`).toBeLessThanOrEqual(truth);
            expect(row.batches, `DP${row.rank} with ${torn} torn lines`).toBeGreaterThanOrEqual(truth - torn);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a balanced run stays ok at any tear rate up to 20 %', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 8 }), fc.double({ min: 0, max: 0.2, noNaN: true }), fc.integer({ min: 1, max: 2 ** 31 }), fc.boolean(), async (ranks, tearRate, seed, withLayout) => {
        const { text } = tornLog(Array.from({ length: ranks }, () => 300), tearRate, seed, withLayout);
        const { report } = await runOnChunks([Buffer.from(text)], { name: 'n1_prefill_w0' });
        expect(report.verdict, JSON.stringify(report.findings.map((f) => f.code))).toBe('ok');
      }),
      { numRuns: 30 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { RoutingAccumulator } from '../../src/aggregate/routing.ts';
import { DEFAULT_THRESHOLDS } from '../../src/model/thresholds.ts';
import { detectRouting, summarizeRouting } from '../../src/analyze/routing.ts';
import type { DpRankValue, RoutingRecord } from '../../src/model/records.ts';
import type { RankGroup, RankRow } from '../../src/model/report.ts';

const rank = (value: number): DpRankValue => ({ kind: 'rank', value });
const NONE: DpRankValue = { kind: 'none' };

function decisions(perWorker: Record<string, readonly (DpRankValue | undefined)[]>, routerMode = 'RoundRobin'): RoutingAccumulator {
  const acc = new RoutingAccumulator();
  for (const [workerId, ranks] of Object.entries(perWorker)) {
    for (const dpRank of ranks) {
      const record: RoutingRecord = { kind: 'routing', time: undefined, source: 'bootstrap', workerId, dpRank, routerMode };
      acc.add(record);
    }
  }
  return acc;
}

function row(rank: number, batches: number): RankRow {
  const none = { max: null, p50: null, p95: null, mean: null };
  return { rank, worker: null, batches, share: 0.25, newTokens: 0, tokenShare: 0, newSeqs: 0, cachedTokens: 0, queue: none, running: { max: null, mean: null }, firstTime: null, lastTime: null };
}

const times = <T>(n: number, value: T): T[] => Array.from({ length: n }, () => value);
const codes = (acc: RoutingAccumulator, dpSize: number | null, executed: readonly RankGroup[] = []) =>
  detectRouting(summarizeRouting(acc), [...acc.sentinelExamples], dpSize, executed, DEFAULT_THRESHOLDS).map((f) => `${f.level}:${f.code}`);

const fourWorkers = (value: DpRankValue) => Object.fromEntries(['11', '12', '13', '14'].map((w) => [w, times(50, value)]));

describe('routing findings', () => {
  it('fails every worker pinned to DP0 (the PR #7984 signature)', () => {
    expect(codes(decisions(fourWorkers(rank(0))), 4)).toEqual(times(4, 'fail:DP_RANK_PINNED'));
  });

  it('fails pinned decisions in a round-robin router even without a known dp_size', () => {
    expect(codes(decisions(fourWorkers(rank(0))), null)).toEqual(times(4, 'fail:DP_RANK_PINNED'));
  });

  it('only warns about pinned KV-router decisions when the dp_size is unknown, and says nothing for dp_size 1', () => {
    expect(codes(decisions(fourWorkers(rank(0)), 'KV'), null)).toEqual(times(4, 'warn:DP_RANK_PINNED'));
    expect(codes(decisions(fourWorkers(rank(0)), 'KV'), 1)).toEqual([]);
  });

  it('accepts None (left to the engine) and spread ranks', () => {
    expect(codes(decisions(fourWorkers(NONE)), 4)).toEqual([]);
    const spread = Object.fromEntries(['11', '12'].map((w) => [w, Array.from({ length: 40 }, (_, i) => rank(i % 4))]));
    expect(codes(decisions(spread), 4)).toEqual([]);
  });

  it('needs enough decisions before calling a worker pinned', () => {
    expect(codes(decisions({ '1': times(5, rank(0)) }), 4)).toEqual([]);
  });

  it('fails a leaked u32::MAX sentinel', () => {
    const acc = decisions({ '1': [{ kind: 'sentinel', raw: 'Some(4294967295)' }, NONE] });
    expect(codes(acc, 4)).toEqual(['fail:DP_RANK_SENTINEL']);
    expect(summarizeRouting(acc)).toMatchObject({ decisions: 2, none: 1, sentinel: 1, ranks: [] });
  });

  it('warns when routed and executed shares disagree', () => {
    const executed: RankGroup[] = [
      {
        worker: null,
        ranks: [0, 1, 2, 3].map((r) => row(r, 25)),
        batchStats: { ranks: 4, total: 100, balance: 1, peerBalance: 1, maxShare: 0.25, maxRank: 0, cv: 0, jain: 1, chiSquare: null },
        tokenStats: null,
      },
    ];
    const spread = Object.fromEntries(['11', '12'].map((w) => [w, Array.from({ length: 40 }, (_, i) => rank(i % 4))]));
    expect(codes(decisions(spread), 4, executed)).toEqual([]);
    expect(codes(decisions(fourWorkers(rank(0))), 4, executed)).toContain('warn:ROUTING_EXECUTION_MISMATCH');
  });
});

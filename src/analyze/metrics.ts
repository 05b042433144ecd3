/**
 * The metrics `--assert` / `--warn` expressions can name (listed by `dpskew check --list-metrics`).
 * Each reads one number from a Report; `null` means the logs hold no data for it, and an assertion
 * on a `null` metric never passes. With `--by worker`, group metrics take the worst worker.
 */
import { closestNames } from '../model/edit-distance.ts';
import type { PhaseReport, PhaseWindows, RankGroup, Report } from '../model/report.ts';

/** What a metric reads: the report before its `metrics` are filled in (they are these values). */
type Judged = Omit<Report, 'metrics' | 'assertions' | 'interrupted'>;

export interface Metric {
  readonly name: string;
  readonly description: string;
  readonly read: (report: Judged) => number | null;
}

type Phase = 'prefill' | 'decode';

const worst = (values: ReadonlyArray<number | null>, pick: (a: number, b: number) => number): number | null =>
  values.reduce<number | null>((acc, v) => (v === null ? acc : acc === null ? v : pick(acc, v)), null);
const groups = (report: Judged, phase: Phase): readonly RankGroup[] => report[phase].groups;
const minOver = (report: Judged, phase: Phase, read: (g: RankGroup) => number | null): number | null => worst(groups(report, phase).map(read), Math.min);
const maxOver = (report: Judged, phase: Phase, read: (g: RankGroup) => number | null): number | null => worst(groups(report, phase).map(read), Math.max);
const idleRanks = (phase: PhaseReport): number =>
  phase.groups.reduce((n, g) => n + (g.batchStats.total > 0 ? g.ranks.filter((r) => r.batches === 0).length : 0), 0);
const windows = (report: Judged, phase: Phase): PhaseWindows | null => report.windows?.[phase] ?? null;

/**
 * A phase's headline (PhaseReport.peerBalance …): of its one group, or the worst of its groups
 * (`--by worker`): lowest balances, highest share, and the rank holding that share.
 */
export function phaseHeadline(phaseGroups: readonly RankGroup[]): Pick<PhaseReport, 'peerBalance' | 'balance' | 'maxShare' | 'maxRank'> {
  const stats = phaseGroups.map((g) => g.batchStats);
  const maxShare = worst(stats.map((b) => b.maxShare), Math.max);
  return {
    peerBalance: worst(stats.map((b) => b.peerBalance), Math.min),
    balance: worst(stats.map((b) => b.balance), Math.min),
    maxShare,
    maxRank: stats.find((b) => b.maxShare !== null && b.maxShare === maxShare)?.maxRank ?? null,
  };
}

/** Every metric's value, by name: the report's `metrics` object. */
export function metricValues(report: Judged): Record<string, number | null> {
  return Object.fromEntries(METRICS.map((m) => [m.name, m.read(report)]));
}

function phaseMetrics(phase: Phase): Metric[] {
  const P = phase;
  const list: Metric[] = [
    { name: `${P}.balance`, description: `${P} batch balance, mean/max over DP ranks (1 = even, 1/n = one rank ran all)`, read: (r) => r[P].balance },
    {
      name: `${P}.peerBalance`,
      description: `${P} batch peer balance, the other ranks' mean / the busiest rank (1 = even, 0 = one rank ran all, at any n); the verdict's measure`,
      read: (r) => r[P].peerBalance,
    },
    { name: `${P}.maxShare`, description: `share of ${P} batches on the busiest rank`, read: (r) => r[P].maxShare },
    { name: `${P}.cv`, description: `coefficient of variation of ${P} batches per rank`, read: (r) => maxOver(r, P, (g) => g.batchStats.cv) },
    { name: `${P}.jain`, description: `Jain's fairness index of ${P} batches per rank`, read: (r) => minOver(r, P, (g) => g.batchStats.jain) },
    { name: `${P}.batches`, description: `${P} batches counted`, read: (r) => r[P].batches },
    { name: `${P}.ranks`, description: `DP ranks in the ${P} table`, read: (r) => maxOver(r, P, (g) => g.ranks.length) },
    { name: `${P}.idleRanks`, description: `${P} ranks with no batch while others worked`, read: (r) => idleRanks(r[P]) },
    {
      name: `${P}.queue.max`,
      description: `peak #queue-req of any ${P} rank`,
      read: (r) => maxOver(r, P, (g) => worst(g.ranks.map((x) => x.queue.max), Math.max)),
    },
    {
      name: `${P}.queue.p95`,
      description: `largest per-rank p95 of ${P} #queue-req`,
      read: (r) => maxOver(r, P, (g) => worst(g.ranks.map((x) => x.queue.p95), Math.max)),
    },
    { name: `window.${P}.balance.min`, description: `lowest ${P} window balance`, read: (r) => windows(r, P)?.balance.min ?? null },
    { name: `window.${P}.balance.p10`, description: `10th percentile of ${P} window balance`, read: (r) => windows(r, P)?.balance.p10 ?? null },
    { name: `window.${P}.balance.p50`, description: `median ${P} window balance`, read: (r) => windows(r, P)?.balance.p50 ?? null },
    { name: `window.${P}.peerBalance.p10`, description: `10th percentile of ${P} window peer balance`, read: (r) => windows(r, P)?.peerBalance.p10 ?? null },
    { name: `window.${P}.skewedShare`, description: `share of active ${P} windows significantly skewed`, read: (r) => windows(r, P)?.skewedShare ?? null },
    {
      name: `window.${P}.queuedWhilePeerIdle`,
      description: `share of active ${P} windows where a rank queued while a peer idled`,
      read: (r) => windows(r, P)?.queuedWhilePeerIdleShare ?? null,
    },
    {
      name: `window.${P}.idleSeconds`,
      description: `longest ${P} idle period of a rank while its peers worked (s; 0 if none)`,
      read: (r) => {
        const w = windows(r, P);
        return w === null ? null : Math.max(0, ...w.idlePeriods.map((p) => p.seconds));
      },
    },
  ];
  if (phase === 'prefill') {
    list.splice(
      2,
      0,
      { name: 'prefill.tokenBalance', description: 'prefill #new-token balance, mean/max over DP ranks', read: (r) => minOver(r, 'prefill', (g) => g.tokenStats?.balance ?? null) },
      { name: 'prefill.tokenPeerBalance', description: 'prefill #new-token peer balance over DP ranks', read: (r) => minOver(r, 'prefill', (g) => g.tokenStats?.peerBalance ?? null) },
      { name: 'prefill.tokenMaxShare', description: 'share of prefill new tokens on the busiest rank', read: (r) => maxOver(r, 'prefill', (g) => g.tokenStats?.maxShare ?? null) },
    );
  }
  return list;
}

const byCode = (code: string) => (r: Judged) => r.findings.filter((f) => f.code === code).length;

export const METRICS: readonly Metric[] = [
  ...phaseMetrics('prefill'),
  ...phaseMetrics('decode'),
  // Short forms of the most used names (window.* = prefill).
  { name: 'idleRanks', description: 'idle ranks over prefill and decode', read: (r) => idleRanks(r.prefill) + idleRanks(r.decode) },
  { name: 'workers.skewed', description: 'workers skewed on their own ranks (WORKER_SKEW, --by rank)', read: (r) => r.findings.reduce((n, f) => n + (f.code === 'WORKER_SKEW' ? f.workers.length : 0), 0) },
  { name: 'window.balance.min', description: 'lowest prefill window balance', read: (r) => windows(r, 'prefill')?.balance.min ?? null },
  { name: 'window.balance.p10', description: '10th percentile of prefill window balance', read: (r) => windows(r, 'prefill')?.balance.p10 ?? null },
  { name: 'window.balance.p50', description: 'median prefill window balance', read: (r) => windows(r, 'prefill')?.balance.p50 ?? null },
  {
    name: 'engine.balance',
    description: 'prompt-token balance over engines (vLLM stats lines, or metrics dumps of any engine)',
    read: (r) => worst(r.engineStats.groups.map((g) => g.promptTokens.balance), Math.min),
  },
  {
    name: 'engine.peerBalance',
    description: 'prompt-token peer balance over engines (vLLM stats lines, or metrics dumps of any engine)',
    read: (r) => worst(r.engineStats.groups.map((g) => g.promptTokens.peerBalance), Math.min),
  },
  {
    name: 'engine.waiting.max',
    description: 'peak requests waiting on any engine (vLLM stats lines, or metrics dumps)',
    read: (r) => worst(r.engineStats.groups.flatMap((g) => g.ranks.map((x) => x.waiting.max)), Math.max),
  },
  { name: 'routing.decisions', description: 'Dynamo routing decisions', read: (r) => r.routing.decisions },
  { name: 'routing.pinnedWorkers', description: 'workers whose routing decisions all carry one rank (DP_RANK_PINNED)', read: byCode('DP_RANK_PINNED') },
  { name: 'routing.sentinel', description: 'routing decisions carrying the u32::MAX sentinel', read: (r) => r.routing.sentinel },
  {
    name: 'routing.noneShare',
    description: 'share of routing decisions with dp_rank=None',
    read: (r) => (r.routing.decisions === 0 ? null : r.routing.none / r.routing.decisions),
  },
  { name: 'findings.fail', description: 'fail-level findings', read: (r) => r.findings.filter((f) => f.level === 'fail').length },
  { name: 'findings.warn', description: 'warn-level findings', read: (r) => r.findings.filter((f) => f.level === 'warn').length },
  { name: 'lines.read', description: 'lines read', read: (r) => r.totals.linesRead },
  { name: 'lines.unparseable', description: 'lines that looked like known lines but could not be parsed', read: (r) => r.totals.unparseable },
  {
    name: 'lines.unparseableShare',
    description: 'unparseable lines / batch lines',
    read: (r) => (r.totals.batchLines === 0 ? null : r.totals.unparseable / r.totals.batchLines),
  },
];

const BY_NAME = new Map(METRICS.map((m) => [m.name, m]));

export function findMetric(name: string): Metric | undefined {
  return BY_NAME.get(name);
}

/** The known metric names closest to `name` (edit distance ≤ 3), best first. */
export function suggestMetrics(name: string): string[] {
  return closestNames(name, METRICS.map((m) => m.name), 3);
}

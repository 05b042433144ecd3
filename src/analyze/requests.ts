/**
 * Per-request findings: REQUESTED_RANK_PINNED (dp_size > 1 and every explicit requested rank is
 * the same: the request-side view of the PR #7984 bug, which was verified by "dp_rank prints None
 * (not 0)"), DP_RANK_SENTINEL (u32::MAX in a request), and the share of requests left to the
 * engine (None), as information.
 */
import { MAX_ROOM_MODULUS, type RequestAccumulator, type RequestTally } from '../aggregate/requests.ts';
import type { Finding, RequestSource, RequestsReport, Thresholds } from '../model/report.ts';

const ORDER = ['sglang-receive', 'sglang-finish', 'generic'] as const;

export function summarizeRequests(acc: RequestAccumulator, impliedDpSize: number | null): RequestsReport {
  const sources: RequestSource[] = [];
  for (const source of ORDER) {
    const t = acc.bySource.get(source);
    if (t === undefined) continue;
    const withRank = t.lines - t.absent;
    sources.push({
      source,
      lines: t.lines,
      none: t.none,
      sentinel: t.sentinel,
      absent: t.absent,
      ranks: sorted(t.ranks),
      executed: sorted(t.executed),
      noneShare: withRank === 0 ? null : t.none / withRank,
    });
  }
  let impliedByRoom: RequestsReport['impliedByRoom'] = null;
  if (impliedDpSize !== null && impliedDpSize >= 1 && impliedDpSize <= MAX_ROOM_MODULUS) {
    const counts = Array.from({ length: impliedDpSize }, () => 0);
    let rooms = 0;
    for (const t of acc.bySource.values()) {
      // Receive and Finish lines of one request carry the same room: count Receive lines when present.
      if (t !== acc.bySource.get('sglang-receive') && acc.bySource.has('sglang-receive')) continue;
      rooms += t.rooms;
      (t.roomMods.get(impliedDpSize) ?? []).forEach((n, i) => (counts[i] = (counts[i] ?? 0) + n));
    }
    impliedByRoom = { dpSize: impliedDpSize, rooms, ranks: counts.map((requests, rank) => ({ rank, requests })) };
  }
  return { lines: sources.reduce((s, x) => s + x.lines, 0), sources, impliedByRoom };
}

/** @param dpSize ranks of the worker the requests went to, when known */
export function detectRequests(
  worker: string,
  tallies: ReadonlyMap<string, RequestTally>,
  dpSize: number | null,
  sentinelExamples: readonly string[],
  t: Thresholds,
): Finding[] {
  const findings: Finding[] = [];
  const base = { phase: 'prefill', worker } as const;
  let sentinel = 0;
  // In a fixed order: which source a worker's read saw first depends on how its input was split.
  for (const source of ORDER) {
    const tally = tallies.get(source);
    if (tally === undefined) continue;
    sentinel += tally.sentinel;
    // Finish lines repeat their Receive line's request: judge Receive when both are logged.
    if (source === 'sglang-finish' && tallies.has('sglang-receive')) continue;
    const explicit = [...tally.ranks.values()].reduce((a, b) => a + b, 0);
    const only = tally.ranks.size === 1 ? [...tally.ranks.keys()][0] : undefined;
    if (only !== undefined && dpSize !== 1 && explicit >= t.minBatches) {
      findings.push({ code: 'REQUESTED_RANK_PINNED', level: dpSize === null ? 'warn' : 'fail', ...base, rank: only, requests: explicit, dpSize, source });
    }
    const withRank = tally.lines - tally.absent;
    if (withRank > 0 && tally.none > 0) {
      findings.push({ code: 'REQUESTS_NONE_SHARE', level: 'info', ...base, noneShare: tally.none / withRank, requests: withRank, source });
    }
  }
  if (sentinel > 0) findings.push({ code: 'DP_RANK_SENTINEL', level: 'fail', ...base, decisions: sentinel, examples: sentinelExamples, origin: 'requests' });
  return findings;
}

function sorted(map: ReadonlyMap<number, number>): Array<{ rank: number; requests: number }> {
  return [...map.entries()].sort((a, b) => a[0] - b[0]).map(([rank, requests]) => ({ rank, requests }));
}

/**
 * Routing decisions (Dynamo router and handler lines) per target worker and dp_rank. `None`, a
 * leaked u32::MAX sentinel and "no dp_rank field" are kept apart from concrete ranks: the PR #7984
 * bug was exactly `0` where `None` was meant.
 */
import { keepExample, NO_EXAMPLES } from './examples.ts';
import type { RoutingRecord } from '../model/records.ts';

export interface RoutingTally {
  decisions: number;
  /** concrete rank → decisions */
  readonly ranks: Map<number, number>;
  none: number;
  sentinel: number;
  /** statements without a dp_rank field (KV router before Dynamo PR #3597) */
  absent: number;
  readonly routerModes: Set<string>;
  readonly sources: Set<RoutingRecord['source']>;
  firstTime: number | null;
  lastTime: number | null;
}

/** A RoutingTally as JSON. */
export interface TallyJson {
  readonly decisions: number;
  readonly ranks: ReadonlyArray<readonly [number, number]>;
  readonly none: number;
  readonly sentinel: number;
  readonly absent: number;
  readonly routerModes: readonly string[];
  readonly sources: readonly RoutingRecord['source'][];
  readonly firstTime: number | null;
  readonly lastTime: number | null;
}

/** A RoutingAccumulator as JSON: [worker_id, tally] pairs in worker_id order, and the sentinel examples. */
export interface RoutingJson {
  readonly byWorker: ReadonlyArray<readonly [string, TallyJson]>;
  readonly sentinelExamples: readonly string[];
}

const NO_TALLIES: ReadonlyMap<string, RoutingTally> = new Map();

/**
 * Decisions keyed by Dynamo worker_id (`''` when the statement names no worker). Every worker
 * state has one, and most never see a routing line: the map and set are made on the first.
 */
export class RoutingAccumulator {
  private tallies: Map<string, RoutingTally> | null = null;
  private examples: Set<string> | null = null;

  get byWorker(): ReadonlyMap<string, RoutingTally> {
    return this.tallies ?? NO_TALLIES;
  }

  /** example raw renderings of sentinels, for the finding */
  get sentinelExamples(): ReadonlySet<string> {
    return this.examples ?? NO_EXAMPLES;
  }

  private addExample(raw: string): void {
    this.examples = keepExample(this.examples, raw);
  }

  add(record: RoutingRecord): void {
    const key = record.workerId ?? '';
    const tallies = (this.tallies ??= new Map());
    let tally = tallies.get(key);
    if (tally === undefined) {
      tally = { decisions: 0, ranks: new Map(), none: 0, sentinel: 0, absent: 0, routerModes: new Set(), sources: new Set(), firstTime: null, lastTime: null };
      tallies.set(key, tally);
    }
    tally.decisions++;
    tally.sources.add(record.source);
    if (record.routerMode !== undefined) tally.routerModes.add(record.routerMode);
    const rank = record.dpRank;
    if (rank === undefined) tally.absent++;
    else if (rank.kind === 'none') tally.none++;
    else if (rank.kind === 'sentinel') {
      tally.sentinel++;
      this.addExample(rank.raw);
    } else tally.ranks.set(rank.value, (tally.ranks.get(rank.value) ?? 0) + 1);
    const time = record.time;
    if (time !== undefined) {
      if (tally.firstTime === null || time < tally.firstTime) tally.firstTime = time;
      if (tally.lastTime === null || time > tally.lastTime) tally.lastTime = time;
    }
  }

  toJSON(): RoutingJson {
    const tally = (t: RoutingTally): TallyJson => ({
      decisions: t.decisions,
      ranks: [...t.ranks.entries()].sort((a, b) => a[0] - b[0]),
      none: t.none,
      sentinel: t.sentinel,
      absent: t.absent,
      routerModes: [...t.routerModes].sort(),
      sources: [...t.sources].sort(),
      firstTime: t.firstTime,
      lastTime: t.lastTime,
    });
    return {
      byWorker: [...this.byWorker.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([id, t]) => [id, tally(t)] as const),
      sentinelExamples: [...this.sentinelExamples],
    };
  }

  static fromJSON(j: RoutingJson): RoutingAccumulator {
    const a = new RoutingAccumulator();
    for (const [id, t] of j.byWorker) (a.tallies ??= new Map()).set(id, { ...t, ranks: new Map(t.ranks.map(([r, n]) => [r, n])), routerModes: new Set(t.routerModes), sources: new Set(t.sources) });
    for (const e of j.sentinelExamples) (a.examples ??= new Set()).add(e);
    return a;
  }

  merge(other: RoutingAccumulator): void {
    for (const [key, t] of other.byWorker) {
      const tallies = (this.tallies ??= new Map());
      const mine = tallies.get(key);
      if (mine === undefined) {
        tallies.set(key, { ...t, ranks: new Map(t.ranks), routerModes: new Set(t.routerModes), sources: new Set(t.sources) });
        continue;
      }
      mine.decisions += t.decisions;
      mine.none += t.none;
      mine.sentinel += t.sentinel;
      mine.absent += t.absent;
      for (const [rank, n] of t.ranks) mine.ranks.set(rank, (mine.ranks.get(rank) ?? 0) + n);
      for (const mode of t.routerModes) mine.routerModes.add(mode);
      for (const source of t.sources) mine.sources.add(source);
      if (t.firstTime !== null && (mine.firstTime === null || t.firstTime < mine.firstTime)) mine.firstTime = t.firstTime;
      if (t.lastTime !== null && (mine.lastTime === null || t.lastTime > mine.lastTime)) mine.lastTime = t.lastTime;
    }
    for (const example of other.sentinelExamples) this.addExample(example);
  }
}

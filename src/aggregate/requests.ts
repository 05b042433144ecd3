/**
 * Per-request rank evidence per source: how many requests carried no rank (None), which concrete
 * rank, or the u32::MAX sentinel; which rank ran them when the log says; and, for
 * `--implied-rank-from-room`, bootstrap_room modulo every dp_size up to MAX_ROOM_MODULUS.
 */
import { keepExample, NO_EXAMPLES } from './examples.ts';
import type { RequestRecord } from '../model/records.ts';

/** Rooms are folded modulo 1…64 as they stream by, so the dp_size can be chosen at the end. */
export const MAX_ROOM_MODULUS = 64;

export interface RequestTally {
  lines: number;
  none: number;
  sentinel: number;
  /** lines that name no requested rank (e.g. Finish lines with only meta_info) */
  absent: number;
  readonly ranks: Map<number, number>;
  readonly executed: Map<number, number>;
  /** modulus → counts per remainder */
  readonly roomMods: Map<number, number[]>;
  rooms: number;
}

/** A RequestTally as JSON. */
export interface RequestTallyJson {
  readonly lines: number;
  readonly none: number;
  readonly sentinel: number;
  readonly absent: number;
  readonly ranks: ReadonlyArray<readonly [number, number]>;
  readonly executed: ReadonlyArray<readonly [number, number]>;
  readonly roomMods: ReadonlyArray<readonly [number, readonly number[]]>;
  readonly rooms: number;
}

const SOURCES: ReadonlyArray<RequestRecord['source']> = ['sglang-receive', 'sglang-finish', 'generic'];

const NO_TALLIES: ReadonlyMap<RequestRecord['source'], RequestTally> = new Map();

/** Every worker state has one, and most never see a request line: the map and set are made on the first. */
export class RequestAccumulator {
  private tallies: Map<RequestRecord['source'], RequestTally> | null = null;
  private examples: Set<string> | null = null;

  get bySource(): ReadonlyMap<RequestRecord['source'], RequestTally> {
    return this.tallies ?? NO_TALLIES;
  }

  get sentinelExamples(): ReadonlySet<string> {
    return this.examples ?? NO_EXAMPLES;
  }

  private addExample(raw: string): void {
    this.examples = keepExample(this.examples, raw);
  }

  add(record: RequestRecord): void {
    const tallies = (this.tallies ??= new Map());
    let t = tallies.get(record.source);
    if (t === undefined) {
      t = emptyTally();
      tallies.set(record.source, t);
    }
    t.lines++;
    const r = record.requested;
    if (r === undefined) t.absent++;
    else if (r.kind === 'none') t.none++;
    else if (r.kind === 'sentinel') {
      t.sentinel++;
      this.addExample(r.raw);
    } else t.ranks.set(r.value, (t.ranks.get(r.value) ?? 0) + 1);
    if (record.executed !== undefined) t.executed.set(record.executed, (t.executed.get(record.executed) ?? 0) + 1);
    if (record.bootstrapRoom !== undefined && /^\d{1,20}$/.test(record.bootstrapRoom)) {
      const room = BigInt(record.bootstrapRoom);
      t.rooms++;
      for (let m = 1; m <= MAX_ROOM_MODULUS; m++) {
        let counts = t.roomMods.get(m);
        if (counts === undefined) {
          counts = Array.from({ length: m }, () => 0);
          t.roomMods.set(m, counts);
        }
        const rem = Number(room % BigInt(m));
        counts[rem] = (counts[rem] ?? 0) + 1;
      }
    }
  }

  /** [source, tally] pairs in source order (summaries hold them as WorkerJson.requests) */
  toJSON(): Array<readonly [string, RequestTallyJson]> {
    return [...this.bySource.entries()].sort().map(([source, t]) => [
      source,
      {
        lines: t.lines,
        none: t.none,
        sentinel: t.sentinel,
        absent: t.absent,
        ranks: [...t.ranks.entries()].sort((a, b) => a[0] - b[0]),
        executed: [...t.executed.entries()].sort((a, b) => a[0] - b[0]),
        roomMods: [...t.roomMods.entries()].sort((a, b) => a[0] - b[0]),
        rooms: t.rooms,
      },
    ] as const);
  }

  /** From toJSON's pairs and the sentinel examples (kept beside them in WorkerJson); unknown sources are left out. */
  static fromJSON(pairs: ReadonlyArray<readonly [string, RequestTallyJson]>, sentinelExamples: readonly string[]): RequestAccumulator {
    const a = new RequestAccumulator();
    for (const [source, t] of pairs) {
      const known = SOURCES.find((s) => s === source);
      if (known === undefined) continue;
      (a.tallies ??= new Map()).set(known, {
        ...t,
        ranks: new Map(t.ranks.map(([r, n]) => [r, n])),
        executed: new Map(t.executed.map(([r, n]) => [r, n])),
        roomMods: new Map(t.roomMods.map(([m, c]) => [m, [...c]])),
      });
    }
    for (const e of sentinelExamples) (a.examples ??= new Set()).add(e);
    return a;
  }

  merge(other: RequestAccumulator): void {
    for (const [source, t] of other.bySource) {
      const tallies = (this.tallies ??= new Map());
      const mine = tallies.get(source);
      if (mine === undefined) {
        tallies.set(source, { ...t, ranks: new Map(t.ranks), executed: new Map(t.executed), roomMods: new Map([...t.roomMods].map(([m, c]) => [m, [...c]])) });
        continue;
      }
      mine.lines += t.lines;
      mine.none += t.none;
      mine.sentinel += t.sentinel;
      mine.absent += t.absent;
      mine.rooms += t.rooms;
      for (const [k, n] of t.ranks) mine.ranks.set(k, (mine.ranks.get(k) ?? 0) + n);
      for (const [k, n] of t.executed) mine.executed.set(k, (mine.executed.get(k) ?? 0) + n);
      for (const [m, counts] of t.roomMods) {
        const into = mine.roomMods.get(m) ?? Array.from({ length: m }, () => 0);
        counts.forEach((n, i) => (into[i] = (into[i] ?? 0) + n));
        mine.roomMods.set(m, into);
      }
    }
    for (const e of other.sentinelExamples) this.addExample(e);
  }
}

export function emptyTally(): RequestTally {
  return { lines: 0, none: 0, sentinel: 0, absent: 0, ranks: new Map(), executed: new Map(), roomMods: new Map(), rooms: 0 };
}

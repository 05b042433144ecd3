/**
 * Per-worker accumulation with SGLang's counting rules (reference: sglang-log-formats.md §3, §7):
 * - only PP0 and ATTN_CP0 count: every pipeline stage and context-parallel rank logs the same batch;
 * - per DP rank, only the lowest TP label counts: with --enable-metrics-for-all-schedulers every
 *   TP rank of a DP group logs the same batch (v0.4.9.post3 – v0.5.9);
 * - lines without a DP label (or with v0.3.6's bogus `DP-1`) are kept apart until the worker's
 *   layout says whether they belong to its single rank.
 */
import type { BatchRecord, EngineStatsRecord, FoldedBatches, LayoutRecord, NoticeRecord, Phase } from '../parse/types.ts';
import { EngineStatsAccumulator } from './engine-stats.ts';
import { KeyCounts } from './key-counts.ts';
import { RankAccumulator } from './rank-accumulator.ts';
import { RequestAccumulator } from './requests.ts';
import { RoutingAccumulator } from './routing.ts';

/** Key for "no TP label" (tp_size 1, or a version that omits TP): sorts before TP0. */
const NO_TP = -1;

/**
 * Most distinct DP ranks (and TP labels per DP rank) kept per worker and phase. The largest real
 * deployments have a few hundred; past this, labels are garbage (torn lines, fuzz) and further new
 * ranks are counted in `rankOverflow` (finding TOO_MANY_RANKS) instead of growing memory.
 */
export const MAX_RANKS = 4096;

/** DP ranks below this get a lookup cache entry (PhaseState.recent). */
const RECENT_RANKS = 1024;

export class PhaseState {
  /** dp → tp → totals */
  readonly byDp = new Map<number, Map<number, RankAccumulator>>();
  readonly unlabeled = new RankAccumulator();
  /** lines from PP>0 or ATTN_CP>0 */
  pipelineDuplicates = 0;
  dpMinusOne = 0;
  legacyLines = 0;
  /** lines whose TP label is not 0 */
  nonZeroTpLines = 0;
  /** lines of ranks beyond MAX_RANKS, not counted anywhere else */
  rankOverflow = 0;
  lines = 0;
  /** per dp below RECENT_RANKS: the TP label and accumulator of its last line (a lookup cache) */
  private readonly recent: Array<{ readonly tp: number; readonly acc: RankAccumulator } | undefined> = [];

  add(record: BatchRecord): void {
    this.accumulatorFor(record.ranks, 1, record.legacy)?.add(record);
  }

  /** Adds lines the kernel folded: the same as adding each of them (`add`) in order. */
  addFolded(folded: FoldedBatches): void {
    this.accumulatorFor(folded.ranks, folded.lines, false)?.addFolded(folded);
  }

  /** Counts `lines` lines with these labels; the accumulator they go to, `null` when none (counted apart). */
  private accumulatorFor(ranks: FoldedBatches['ranks'], lines: number, legacy: boolean): RankAccumulator | null {
    this.lines += lines;
    if (legacy) this.legacyLines += lines;
    const { dp, tp, pp, attnCp } = ranks;
    if ((pp !== undefined && pp > 0) || (attnCp !== undefined && attnCp > 0)) {
      this.pipelineDuplicates += lines;
      return null;
    }
    if (dp === undefined || dp < 0) {
      if (dp !== undefined) this.dpMinusOne += lines;
      return this.unlabeled;
    }
    if (tp !== undefined && tp !== 0) this.nonZeroTpLines += lines;
    const tpKey = tp ?? NO_TP;
    // The accumulator of the last few (dp, tp) pairs seen, by dp: lines cycle over a worker's ranks.
    const cached = dp < RECENT_RANKS ? this.recent[dp] : undefined;
    if (cached !== undefined && cached.tp === tpKey) return cached.acc;
    let byTp = this.byDp.get(dp);
    if (byTp === undefined) {
      if (this.byDp.size >= MAX_RANKS || dp >= MAX_RANKS * 16) {
        this.rankOverflow += lines;
        return null;
      }
      byTp = new Map();
      this.byDp.set(dp, byTp);
    }
    let acc = byTp.get(tpKey);
    if (acc === undefined) {
      if (byTp.size >= MAX_RANKS) {
        this.rankOverflow += lines;
        return null;
      }
      acc = new RankAccumulator();
      byTp.set(tpKey, acc);
    }
    if (dp < RECENT_RANKS) this.recent[dp] = { tp: tpKey, acc };
    return acc;
  }

  /**
   * Add another part of the same worker's log (a merged summary, the next byte range). The rank
   * caps hold across parts: ranks that do not fit are counted in `rankOverflow`. Past the cap, which
   * ranks are kept can differ from reading both parts in one go (garbage input, TOO_MANY_RANKS).
   */
  merge(other: PhaseState): void {
    for (const [dp, byTp] of other.byDp) {
      let mine = this.byDp.get(dp);
      if (mine === undefined) {
        if (this.byDp.size >= MAX_RANKS) {
          for (const acc of byTp.values()) this.rankOverflow += acc.batches;
          continue;
        }
        mine = new Map();
        this.byDp.set(dp, mine);
      }
      for (const [tp, acc] of byTp) {
        const into = mine.get(tp);
        if (into !== undefined) into.merge(acc);
        else if (mine.size >= MAX_RANKS) this.rankOverflow += acc.batches;
        else mine.set(tp, acc);
      }
    }
    this.unlabeled.merge(other.unlabeled);
    this.pipelineDuplicates += other.pipelineDuplicates;
    this.dpMinusOne += other.dpMinusOne;
    this.legacyLines += other.legacyLines;
    this.nonZeroTpLines += other.nonZeroTpLines;
    this.rankOverflow += other.rankOverflow;
    this.lines += other.lines;
  }

  /** The logging rank of each DP group (lowest TP label) and how many lines the others held. */
  resolve(): { readonly ranks: Map<number, RankAccumulator>; readonly tpDuplicates: number } {
    const ranks = new Map<number, RankAccumulator>();
    let tpDuplicates = 0;
    for (const [dp, byTp] of this.byDp) {
      const lowest = Math.min(...byTp.keys());
      for (const [tp, acc] of byTp) {
        if (tp === lowest) ranks.set(dp, acc);
        else tpDuplicates += acc.batches;
      }
    }
    return { ranks, tpDuplicates };
  }
}

/**
 * The ranks below RECENT_RANKS already in `owner`'s lastFamilyRanks (a Set.add per line costs ~15
 * ns): one per thread for the worker state taking lines now, not 1 KiB in every worker state
 * (10,000 small files: 12 MiB).
 */
const familySeen: { owner: WorkerState | null; readonly ranks: Uint8Array } = { owner: null, ranks: new Uint8Array(RECENT_RANKS) };

export class WorkerState {
  readonly inputs: string[] = [];
  readonly layouts: LayoutRecord[] = [];
  readonly phases: Record<Phase, PhaseState> = { prefill: new PhaseState(), decode: new PhaseState() };
  /** vLLM `Engine NNN:` samples per engine (= DP rank) */
  readonly engineStats = new Map<number, EngineStatsAccumulator>();
  /** `N Engines Aggregated:` lines: per-rank data absent */
  aggregatedStatsLines = 0;
  /** V0/early-V1 stats lines without an engine index, counted as engine 0 */
  unrankedStatsLines = 0;
  readonly routing = new RoutingAccumulator();
  readonly requests = new RequestAccumulator();
  readonly notices = new Set<NoticeRecord['notice']>();
  /** ranks seen per parser family on batch lines (TensorRT-LLM logs only rank 0 by default) */
  readonly batchRanksByFamily = new Map<string, Set<number>>();
  readonly batchLinesByFamily = new KeyCounts();
  name: string;
  private lastFamily = '';
  private lastFamilyRanks: Set<number> | undefined = undefined;
  constructor(name: string) {
    this.name = name;
  }

  addBatch(record: BatchRecord, family: string): void {
    this.phases[record.phase].add(record);
    this.countBatchLines(family, record.ranks.dp, 1);
  }

  /** Adds batch lines the kernel folded: the same as adding each of them (`addBatch`) in order. */
  addFoldedBatches(folded: FoldedBatches, family: string): void {
    this.phases[folded.phase].addFolded(folded);
    this.countBatchLines(family, folded.ranks.dp, folded.lines);
  }

  private countBatchLines(family: string, dp: number | undefined, lines: number): void {
    this.batchLinesByFamily.add(family, lines);
    if (dp === undefined) return;
    if (family !== this.lastFamily || this.lastFamilyRanks === undefined || familySeen.owner !== this) {
      let ranks = this.batchRanksByFamily.get(family);
      if (ranks === undefined) {
        ranks = new Set();
        this.batchRanksByFamily.set(family, ranks);
      }
      this.lastFamily = family;
      this.lastFamilyRanks = ranks;
      familySeen.owner = this;
      familySeen.ranks.fill(0);
    }
    if (dp >= 0 && dp < RECENT_RANKS && Number.isInteger(dp)) {
      if (familySeen.ranks[dp] === 1) return;
      familySeen.ranks[dp] = 1;
    }
    this.lastFamilyRanks.add(dp);
  }

  addEngineStats(record: EngineStatsRecord): void {
    if (record.aggregatedEngines !== undefined) {
      this.aggregatedStatsLines++;
      return;
    }
    // V0 and early-V1 lines carry no engine index: a single engine, rank 0 (reference §8).
    if (record.rank === undefined) this.unrankedStatsLines++;
    const rank = record.rank ?? 0;
    let acc = this.engineStats.get(rank);
    if (acc === undefined) {
      acc = new EngineStatsAccumulator();
      this.engineStats.set(rank, acc);
    }
    acc.add(record);
  }
}

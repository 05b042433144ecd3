/**
 * Byte-level line scanner: the hot path. It counts every line but hands over only "candidate"
 * lines, those containing one of the parsers' needles; a line no parser wants is never decoded.
 *
 * The per-byte work runs in a WebAssembly kernel (kernel/scan.ts, loaded by kernel.ts); this module
 * owns the buffer handling around it:
 * - Bytes land in one buffer inside the kernel's memory (`space()`/`commit()`: a file is read
 *   straight into it). Each commit hands the kernel the run of complete lines it completes.
 * - Needles are found through anchor bytes rather than one by one: each needle gets one of its
 *   bytes as anchor, needles sharing an anchor are confirmed together around each hit, and the
 *   kernel compares 16 bytes at a time against the newline and every anchor. Anchors are chosen
 *   per input from its first bytes (`chooseAnchors`), so they stay rare whatever the log looks
 *   like. The choice changes only the speed: a line is a candidate exactly when it holds a needle
 *   (or every line is, when needles do not fit anchors: one shorter than two bytes, or too many).
 * - Each candidate says which parsers may take it (`owners`): the kernel keeps confirming the
 *   line's needles past its first, so the parsers none of whose needles it holds are not offered
 *   it. A line of another family costs the earlier parsers nothing (a TensorRT-LLM line had cost
 *   the SGLang, Dynamo and vLLM parsers ~350 ns in all to turn away).
 * - When asked (`batches`), the kernel also reads SGLang batch lines, in every shape and envelope,
 *   into numbers, which become the candidate's record (sglang-batch.ts) with no string made; or it
 *   folds them.
 *   Every other candidate is a view of its bytes; `decodeCandidate` gives its UTF-8 text.
 *
 * Lines end at `\n`; a trailing `\r` is dropped (CRLF). A line longer than `maxLineBytes` is
 * counted as oversized and skipped without being buffered, so memory stays bounded whatever the
 * input. An unterminated last line is still a line.
 */
import type { BatchRecord, FoldedBatches } from '../model/records.ts';
import type { Zone } from '../parse/timestamps.ts';
import { entryLayout, releaseKernel, takeFold, takeKernel, type Kernel } from './kernel.ts';
import { setSglangBatchKeys, sglangBatchFromSlots, sglangMinuteStart } from './sglang-batch.ts';

/** Default bound on one line: 1 MiB. SGLang request reprs reach tens of KB; anything past 1 MiB is not a log line we read. */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

/** Bytes read or copied in at a time. */
export const READ_BYTES = 1 << 20;

/**
 * What `chooseAnchors` looks at: four 64 KiB pieces spread over the first read of an input (its
 * very start is start-up noise, unlike the rest of a log).
 */
const SAMPLE_PIECE_BYTES = 1 << 16;
const SAMPLE_PIECES = 4;
/** An input whose first lines to scan are no more than one sample keeps the kernel's anchors (`scanLines`). */
const SMALL_INPUT_BYTES = SAMPLE_PIECES * SAMPLE_PIECE_BYTES;

export interface LineCounts {
  /** every line seen, oversized ones included */
  lines: number;
  /** lines longer than the bound, never decoded */
  oversized: number;
  /** lines handed to `onCandidate` */
  candidates: number;
}

/**
 * The candidate line being handed over: `bytes[start, end)`, without its `\n` (and `\r`), and the
 * SGLang batch record the kernel read from it when asked to (`batches`), else `null`: then the
 * line is for the parsers. One object per scanner, rewritten for every candidate: valid only
 * during the call, and so is its record.
 */
export interface CandidateLine {
  bytes: Buffer;
  start: number;
  end: number;
  record: BatchRecord | null;
  /**
   * Which parsers may take the line, bit i for the owner bit i of the scanner's `owners`: those
   * owning a needle the line holds. ALL_OWNERS (every bit) when it holds one of bit 0's, when
   * every line is a candidate, or when no owners were given.
   */
  owners: number;
}

/** Every parser may take the line (CandidateLine.owners): the kernel's every bit, unsigned. */
export const ALL_OWNERS = entryLayout().ALL_OWNERS >>> 0;

/** Owner bits are one per parser for the first 32; a later parser owns every bit (is always offered). */
const OWNER_BITS = 32;

/** The owner bit of the parser at `index` in a reader's list. */
export function ownerBit(index: number): number {
  return index < OWNER_BITS ? (1 << index) >>> 0 : ALL_OWNERS;
}

/** Whether a line with these `owners` goes to the parser at `index`. */
export function offered(owners: number, index: number): boolean {
  return index >= OWNER_BITS || ((owners >>> index) & 1) === 1;
}

export type CandidateHandler = (line: CandidateLine) => void;

/** Where folded batch records go (see createLineScanner's `batches`). */
export interface KernelFold {
  /** bucket width of the groups' time buckets, ms */
  readonly bucketMs: number;
  /** the groups folded since the last call, in line order relative to the candidates handed over */
  readonly onFold: (groups: readonly FoldedBatches[]) => void;
}

/**
 * Have the kernel read SGLang batch lines (the line shape of nearly all of a scheduler log) into
 * records: candidates then carry them, in the zone of zone-less stamps; with `fold`, the kernel
 * also sums them (kernel/fold.ts) and hands the sums over instead of the lines.
 */
export interface KernelBatches {
  readonly zone: Zone;
  readonly fold?: KernelFold;
}

export interface LineScanner {
  /** Free room at the end of the scanner's buffer, for reading into; then `commit(n)`. */
  space(): Buffer;
  /** `n` bytes were written at the start of `space()`: scan what they complete. */
  commit(n: number): void;
  /** Copy in the next chunk (any size, split anywhere, even inside a UTF-8 sequence) and scan it. */
  push(chunk: Buffer): void;
  /** Flush an unterminated last line, then the fold. */
  end(): void;
  /** Give the kernel back for reuse (the scanner is not used again). */
  release(): void;
  readonly counts: Readonly<LineCounts>;
}

/** The candidate's text: UTF-8, with U+FFFD for invalid bytes. */
export function decodeCandidate(line: CandidateLine): string {
  return line.bytes.toString('utf8', line.start, line.end);
}

/** Bytes per needle in the kernel's needle table: anchor index, anchor offset, pointer, length, owners (i32). */
const ROW_BYTES = 20;

/** Needles found through one anchor, two adjacent characters: each hit is confirmed against the members. */
interface AnchorGroup {
  readonly anchor: string;
  /** needles holding the anchor, and the index of its first occurrence in each */
  readonly needles: ReadonlyArray<{ readonly needle: string; readonly offset: number }>;
}

/**
 * Costs of anchors, in ns per 64 KiB scanned, as the chooser weighs them: each anchor a fixed
 * cost (the kernel matches up to 16 at once, in two sets of 8 whose second is looked up only past
 * 8; the cost keeps the anchors few), and each hit a call and a look at each needle of its group.
 */
const ANCHOR_NS = 3000;
const HIT_NS = 10;
const HIT_NS_PER_NEEDLE = 3;

/**
 * Assigns every needle (of two characters or more) an anchor, two adjacent characters of it, so
 * that scanning costs least on input like a sample of `sampleBytes` whose byte pairs occur as
 * often as `frequency` says (by `first << 8 | second`): greedy weighted set cover, each step
 * taking the pair with the most uncovered needles per ns it costs (its hits and one more anchor).
 */
export function chooseAnchors(needles: readonly string[], frequency: Uint32Array, sampleBytes: number): AnchorGroup[] {
  const per64KiB = sampleBytes === 0 ? 0 : SAMPLE_PIECE_BYTES / sampleBytes;
  const uncovered = new Set(needles.filter((n) => n.length >= 2));
  const groups: AnchorGroup[] = [];
  while (uncovered.size > 0) {
    let best = '';
    let bestScore = -1;
    const pairs = new Set([...uncovered].flatMap((needle) => Array.from({ length: needle.length - 1 }, (_, i) => needle.slice(i, i + 2))));
    for (const anchor of pairs) {
      let covers = 0;
      for (const needle of uncovered) if (needle.includes(anchor)) covers++;
      const hits = (frequency[((anchor.charCodeAt(0) & 0xff) << 8) | (anchor.charCodeAt(1) & 0xff)] ?? 0) * per64KiB;
      const score = covers / (ANCHOR_NS + hits * (HIT_NS + HIT_NS_PER_NEEDLE * covers));
      if (score > bestScore) {
        bestScore = score;
        best = anchor;
      }
    }
    const members: Array<{ needle: string; offset: number }> = [];
    for (const needle of uncovered) {
      const offset = needle.indexOf(best);
      if (offset === -1) continue;
      members.push({ needle, offset });
      uncovered.delete(needle);
    }
    groups.push({ anchor: best, needles: members });
  }
  return groups;
}

/** Bytes a scanner's buffer needs for `maxLineBytes`: one line past the bound and one read. */
function scannerBufferBytes(maxLineBytes: number): number {
  return maxLineBytes + READ_BYTES + 1;
}

export function createLineScanner(options: {
  readonly needles: readonly string[];
  /**
   * per needle, the parsers it is a needle of (bit i: parser i, of at most 32; ALL_OWNERS: not
   * told), which candidates then carry; absent: every needle is every parser's
   */
  readonly owners?: readonly number[];
  readonly maxLineBytes: number;
  readonly onCandidate: CandidateHandler;
  /** have the kernel read (and fold) SGLang batch lines: for a reader whose first parser is SGLang's */
  readonly batches?: KernelBatches;
  /** tests only: the kernel's per-line loop even where its sparse loop applies (they must agree) */
  readonly denseLoop?: boolean;
  /**
   * keep the anchors a reused kernel already has for these needles instead of choosing them from
   * this input: for the blocks of one stream (choosing costs ~0.3 ms, a twentieth of a 4 MiB block)
   */
  readonly keepAnchors?: boolean;
}): LineScanner {
  // Needles are matched as bytes: each is turned into the Latin-1 reading of its UTF-8 bytes. A
  // needle named twice is owned by the owners of both.
  const ownersOf = new Map<string, number>();
  for (const [i, needle] of options.needles.entries()) {
    const bytes = Buffer.from(needle, 'utf8').toString('latin1');
    ownersOf.set(bytes, ((ownersOf.get(bytes) ?? 0) | (options.owners?.[i] ?? ALL_OWNERS)) >>> 0);
  }
  const needles = [...ownersOf.keys()];
  // Anchors are two bytes: a shorter needle (the empty one of --pattern) makes every line a
  // candidate, which is right too, only slower (a parser ignores a line without its needles).
  const everyLine = needles.some((n) => n.length < 2);
  const max = options.maxLineBytes;
  const onCandidate = options.onCandidate;
  const batches = options.batches;
  const fold = batches?.fold;
  const counts: LineCounts = { lines: 0, oversized: 0, candidates: 0 };
  const kernel = takeKernel(scannerBufferBytes(max));
  const { memory, bufferAt: base, exports: k } = kernel;
  const buffer = memory.subarray(base, base + kernel.bufferBytes);
  const configure = (every: boolean): void => {
    k.configure(kernel.entriesAt, kernel.capacity, max, every ? 1 : 0, batches === undefined ? 0 : 1, options.denseLoop === true ? 1 : 0);
    k.configureFold(fold === undefined ? 0 : 1, fold?.bucketMs ?? 0);
    if (!every) return;
    k.setNeedles(0, 0, 0, 0);
    kernel.anchorsFor = null;
  };
  configure(everyLine);
  // Anchors are chosen for needles and their owners: a kernel that kept them must say the same owners.
  const needlesKey = [...ownersOf].map(([needle, owners]) => `${needle}\0${owners}`).join('\0');
  let needlesSet = everyLine || (options.keepAnchors === true && kernel.anchorsFor === needlesKey);
  let filled = 0;
  /** discarding the rest of an oversized line, up to its `\n` */
  let skipping = false;
  const slots = kernel.entries;
  const candidate: CandidateLine = { bytes: memory, start: 0, end: 0, record: null, owners: ALL_OWNERS };
  const { ENTRY_SLOTS, KIND, START, END, OWNERS } = entryLayout();
  const flushFold = (): void => {
    if (fold !== undefined && k.foldGroupCount() > 0) fold.onFold(takeFold(kernel));
  };
  if (batches !== undefined) setSglangBatchKeys(kernel);
  if (fold !== undefined && batches !== undefined) kernel.host = { flush: flushFold, minuteStart: (minute, offset) => sglangMinuteStart(minute, offset, batches.zone) };
  const zone = batches?.zone;

  /** Lines of `buffer[from, to)`, which ends just after a `\n` (or, `last`, at the end of input). */
  const scanLines = (from: number, to: number, last: boolean): void => {
    if (!needlesSet) {
      // Anchors change only the speed. Choosing them (~0.6 ms with the pair count) costs more than
      // scanning a small input with the anchors the kernel has for these needles, which it keeps
      // (10,000 files of 2 KB: 6 s of 14 s CPU went to choosing).
      const keep = to <= SMALL_INPUT_BYTES && kernel.anchorsFor === needlesKey;
      if (!keep) {
        if (setNeedles(kernel, chooseAnchors(needles, kernel.pairs, countSamplePairs(kernel, to)), ownersOf)) kernel.anchorsFor = needlesKey;
        // Needles the kernel's tables cannot hold make every line a candidate: slower, still right.
        else configure(true);
      }
      needlesSet = true;
    }
    let at = base + from;
    const end = base + to;
    for (;;) {
      const resume = k.scan(at, end, last ? 1 : 0);
      counts.lines += k.lineCount();
      counts.oversized += k.oversizedCount();
      const n = k.entryCount();
      counts.candidates += n;
      for (let e = 0, slot = 0; e < n; e++, slot += ENTRY_SLOTS) {
        candidate.start = slots[slot + START] as number;
        candidate.end = slots[slot + END] as number;
        const kind = slots[slot + KIND] as number;
        candidate.record = kind === 0 || zone === undefined ? null : sglangBatchFromSlots(slots, slot, kind, zone);
        candidate.owners = slots[slot + OWNERS] as number;
        onCandidate(candidate);
      }
      if (resume >= end) return;
      at = resume;
    }
  };

  const commit = (n: number): void => {
    if (n <= 0) return;
    const start = filled;
    filled += n;
    if (skipping) {
      const nl = buffer.indexOf(0x0a, start);
      if (nl === -1 || nl >= filled) {
        filled = 0;
        return;
      }
      skipping = false;
      buffer.copyWithin(0, nl + 1, filled);
      filled -= nl + 1;
    }
    const last = filled === 0 ? -1 : buffer.lastIndexOf(0x0a, filled - 1);
    if (last >= 0) {
      scanLines(0, last + 1, false);
      buffer.copyWithin(0, last + 1, filled);
      filled -= last + 1;
    }
    if (filled > max) {
      // An unterminated line already past the bound: count it now and drop it up to its `\n`.
      counts.lines++;
      counts.oversized++;
      filled = 0;
      skipping = true;
    }
  };

  const space = (): Buffer => buffer.subarray(filled, filled + READ_BYTES);

  const push = (chunk: Buffer): void => {
    for (let i = 0; i < chunk.length; ) {
      const room = space();
      const n = Math.min(room.length, chunk.length - i);
      chunk.copy(room, 0, i, i + n);
      i += n;
      commit(n);
    }
  };

  const end = (): void => {
    if (filled > 0 && !skipping) scanLines(0, filled, true);
    flushFold();
    filled = 0;
    skipping = false;
  };

  return { space, commit, push, end, release: () => releaseKernel(kernel), counts };
}

/**
 * Counts the byte pairs of a sample of the kernel's buffer `[0, length)` into `kernel.pairs`:
 * SAMPLE_PIECES pieces of SAMPLE_PIECE_BYTES spread evenly over it (or all of it, if smaller).
 * @returns the bytes sampled
 */
function countSamplePairs(kernel: Kernel, length: number): number {
  kernel.pairs.fill(0);
  const base = kernel.bufferAt;
  if (length <= SAMPLE_PIECES * SAMPLE_PIECE_BYTES) {
    kernel.exports.countPairs(base, base + length, kernel.pairsAt);
    return length;
  }
  const step = Math.floor((length - SAMPLE_PIECE_BYTES) / (SAMPLE_PIECES - 1));
  for (let i = 0; i < SAMPLE_PIECES; i++) kernel.exports.countPairs(base + i * step, base + i * step + SAMPLE_PIECE_BYTES, kernel.pairsAt);
  return SAMPLE_PIECES * SAMPLE_PIECE_BYTES;
}

/**
 * Writes the anchor groups into the kernel: anchor bytes, then one row per needle, then needle
 * bytes. False, writing nothing, when they do not fit (more than MAX_ANCHORS anchors, or more
 * needle bytes than the kernel has room for).
 */
function setNeedles(kernel: Kernel, groups: readonly AnchorGroup[], owners: ReadonlyMap<string, number>): boolean {
  const { MAX_ANCHORS } = entryLayout();
  const rows = groups.flatMap((group, anchor) => group.needles.map((member) => ({ anchor, ...member })));
  const anchorsAt = kernel.needleAt;
  const tableAt = anchorsAt + 2 * MAX_ANCHORS;
  let bytesAt = tableAt + rows.length * ROW_BYTES;
  const room = kernel.needleAt + kernel.needleBytes - bytesAt;
  if (groups.length > MAX_ANCHORS || rows.reduce((sum, row) => sum + row.needle.length, 0) > room) return false;
  const memory = kernel.memory;
  for (const [a, group] of groups.entries()) memory.write(group.anchor, anchorsAt + 2 * a, 'latin1');
  for (const [r, row] of rows.entries()) {
    const length = memory.write(row.needle, bytesAt, 'latin1');
    const at = tableAt + r * ROW_BYTES;
    memory.writeInt32LE(row.anchor, at);
    memory.writeInt32LE(row.offset, at + 4);
    memory.writeInt32LE(bytesAt, at + 8);
    memory.writeInt32LE(length, at + 12);
    memory.writeUInt32LE(owners.get(row.needle) ?? ALL_OWNERS, at + 16);
    bytesAt += length;
  }
  kernel.exports.setNeedles(anchorsAt, groups.length, tableAt, rows.length);
  return true;
}

// The line-scanning kernel, in AssemblyScript (compiled to WebAssembly by scripts/build-kernel.mjs).
//
// It does the per-byte work of src/scan/scanner.ts, which owns the buffer handling and drives it:
// it splits a run of complete lines, counts them, finds the lines that contain a needle, and reads
// the SGLang batch lines that make up nearly all of a scheduler log, in every shape and envelope
// (batch.ts), into numeric records. Every other candidate line is handed back by its offsets, for
// the TypeScript parsers. Why WebAssembly: 16-byte SIMD compares find newlines and needle anchors
// several times faster than JavaScript can, and reading fields from bytes needs no string at all.
//
// Contract with scanner.ts (kept in step by test/io/kernel.test.ts and test/read/equivalence.test.ts):
// - `alloc` regions once, then `setNeedles`/`configure`, then `scan` as often as needed.
// - `scan(from, to, last)`: `to` is just after a `\n`, or (`last`) the end of the input, whose
//   unterminated last line is then a line too. The 80 bytes after `to` must be readable.
// - Results land in the entry table (ENTRY_SLOTS f64 per candidate, in line order); `scan` stops
//   early when the table is full and returns where to resume (a line start), else `to`. Each entry
//   says which parsers own a needle of its line (OWNERS, from the owners `setNeedles` was given).
// - With `configureFold`, batch records go into the fold (fold.ts) instead, which calls back into
//   JavaScript to hand itself over; `scan` also stops before a record that follows an entry.
// - The batch record must equal what parseSglangLine (src/parse/sglang.ts) returns for the line;
//   what batch.ts cannot follow exactly is handed back as a plain candidate instead.

import { readBatch, setBatchKeys as setGeneralKeys, DECLINED } from './batch';
import { readCommaBatch, resolveCommaKeys } from './comma';
import { equalBytes, get, put } from './bytes';
import { flushFold, foldRecord, isFolding } from './fold';
import { ALL_OWNERS, DP, END, ENTRY_SLOTS, KIND, LEGACY, MILLI, MINUTE, OFFSET, OWNERS, SECOND, START } from './layout';
// The layouts and controls, for scanner.ts and kernel.ts (this file is the module's entry).
export * from './layout';
export { MAX_KEYS, MARK_LEGACY_PREFILL, MARK_MODERN_DECODE } from './batch';
export {
  MAX_GROUPS, HIST_VALUES, WINDOW_BUCKETS, GROUP_FIELDS,
  G_PHASE, G_DP, G_LINES, G_NEW_TOKENS, G_NEW_SEQ, G_CACHED, G_QUEUED, G_RUN_MIN, G_RUN_MAX, G_FIRST, G_LAST, G_BUCKETS, G_QUEUE_TOP, G_RUNNING_TOP,
  foldGroupsAt, foldHistogramsAt, foldPackedAt, packBuckets, foldGroupCount, configureFold, resetFold,
} from './fold';

// ---------------------------------------------------------------- configuration
let entryTable: usize = 0;
let entryCapacity: i32 = 0;
let maxLineBytes: i32 = 0;
let everyLine = false;
let readBatches = false;
/** tests only: the per-line loop for every input, to compare the two loops */
let denseOnly = false;

// Needles, each found through an anchor (chosen by scanner.ts): two adjacent bytes of the needle,
// rare in the input. Per anchor: the pair as a u16, and where its members start in scanner.ts's
// needle table. The tables are allocated once, at start-up, so memory never grows under
// scanner.ts's views.
export const MAX_ANCHORS: i32 = 16;
let anchorCount: i32 = 0;
const anchorPairs: usize = heap.alloc(MAX_ANCHORS * 2); // MAX_ANCHORS × u16
// Anchors are matched all at once (`anchorsAt`), eight to a set of four nibble tables: anchor a
// owns bit a & 7 of set a >> 3's tables (low and high nibble of its first and of its second
// byte), so a byte pair has that bit set in all four lookups exactly when it is anchor a. The
// second set is looked up only with more than eight anchors (SGLang's needles and the other
// families' take ten: comparing each anchor on its own cost the comma shape ~14 %).
const SET_ANCHORS: i32 = 8;
const nibbleTables: usize = (heap.alloc(2 * 4 * 16 + 15) + 15) & ~15; // per set: low1, high1, low2, high2
const anchorMembers: usize = heap.alloc(MAX_ANCHORS * 8); // per anchor (first member, member count) as i32
/** scanner.ts's needle table: per needle (anchor index, anchor offset, needle pointer, needle length, owners) as i32 */
let needleRows: usize = 0;
const ROW_BYTES: usize = 20;

// ---------------------------------------------------------------- results of the last scan
let entries: i32 = 0;
let lines: i32 = 0;
let oversized: i32 = 0;

export function entryCount(): i32 {
  return entries;
}
export function lineCount(): i32 {
  return lines;
}
export function oversizedCount(): i32 {
  return oversized;
}

/** Memory for scanner.ts's regions (buffer, needle bytes). Call before taking views: memory may grow. */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

/**
 * Needles: `table` holds, per needle, (anchor index, anchor offset, needle pointer, needle length,
 * owners) as i32, sorted by anchor, and stays in place while scanning; `anchors` holds the `count`
 * anchors, two bytes each. At most MAX_ANCHORS anchors (scanner.ts checks). A needle's owners are
 * the parsers it is a needle of, bit i for parser i (ALL_OWNERS: not told); what a line's entry
 * says in OWNERS.
 */
export function setNeedles(anchors: usize, count: i32, table: usize, needles: i32): void {
  anchorCount = count;
  for (let a = 0; a < count; a++) {
    store<u16>(anchorPairs + a * 2, load<u16>(anchors + a * 2));
    store<i32>(anchorMembers + a * 8, 0);
    store<i32>(anchorMembers + a * 8 + 4, 0);
  }
  memory.fill(nibbleTables, 0, 2 * 64);
  for (let a = 0; a < count; a++) {
    const set = nibbleTables + <usize>(a >> 3) * 64;
    const bit = <u8>(<i32>1 << (a & 7));
    for (let k = 0; k < 2; k++) {
      const byte = load<u8>(anchors + a * 2 + k);
      const low = set + k * 32 + (byte & 15);
      const high = set + k * 32 + 16 + (byte >> 4);
      store<u8>(low, load<u8>(low) | bit);
      store<u8>(high, load<u8>(high) | bit);
    }
  }
  needleRows = table;
  for (let n = 0; n < needles; n++) {
    const slot = anchorMembers + <usize>load<i32>(table + <usize>n * ROW_BYTES) * 8;
    if (load<i32>(slot + 4) == 0) store<i32>(slot, n);
    store<i32>(slot + 4, load<i32>(slot + 4) + 1);
  }
}

/**
 * @param every every line is a candidate (a `--pattern` reads every line)
 * @param batches read SGLang batch lines into records (SGLang is the first parser)
 * @param dense tests only: always the per-line loop
 */
export function configure(table: usize, capacity: i32, maxLine: i32, every: boolean, batches: boolean, dense: boolean): void {
  entryTable = table;
  entryCapacity = capacity;
  maxLineBytes = maxLine;
  everyLine = every;
  readBatches = batches;
  denseOnly = dense;
}

/**
 * Adds to `table` (65536 u32, by `first << 8 | second`) how often each byte pair occurs in
 * [from, to): what scanner.ts chooses anchors by. (Here rather than in JavaScript: a first call
 * there runs before V8 optimises it, ~12 ms for a 256 KiB sample.)
 */
export function countPairs(from: usize, to: usize, table: usize): void {
  for (let p = from; p + 1 < to; p++) {
    const slot = table + ((<usize>load<u8>(p) << 10) | (<usize>load<u8>(p + 1) << 2));
    store<u32>(slot, load<u32>(slot) + 1);
  }
}

/** The keys of batch lines, for both readers: batch.ts's setBatchKeys, which comma.ts then looks its keys up in. */
export function setBatchKeys(table: usize, count: i32, values: i32, newSeq: i32, newToken: i32, cached: i32, running: i32, queue: i32): boolean {
  const fits = setGeneralKeys(table, count, values, newSeq, newToken, cached, running, queue);
  resolveCommaKeys();
  return fits;
}

// ---------------------------------------------------------------- scanning
/** Scans the lines of [from, to); see the file comment. */
export function scan(from: usize, to: usize, last: boolean): usize {
  entries = 0;
  lines = 0;
  oversized = 0;
  return everyLine || maxLineBytes < 64 || denseOnly ? scanDense(from, to, last) : scanSparse(from, to, last);
}


/** No line pending (see scanSparse). */
const NONE: usize = <usize>0xffffffff;

/**
 * The fast way, when most lines are not candidates: newlines are only counted, 64 bytes at a time,
 * and only blocks holding an anchor (or ending a line that holds a needle) are walked bit by bit.
 * A line is oversized when the gap between two newlines passes the bound, which needs a look only
 * at the first newline of a block (the bound is at least 64: lines inside one block are shorter).
 */
function scanSparse(from: usize, to: usize, last: boolean): usize {
  let lineStart = from; // start of the line the sweep is in
  let pending = NONE; // lineStart, once a needle is confirmed in that line
  let owners: u32 = 0; // the owners of the needles confirmed in the pending line
  let jump = NONE; // where the sweep goes on, past a pending line's rest
  for (let p = from; p < to; p += 64) {
    let ends = newlinesAt(p);
    let anchors = anchorsAt(p) | (anchorsAt(p + 16) << 16) | (anchorsAt(p + 32) << 32) | (anchorsAt(p + 48) << 48);
    if (to - p < 64) {
      const keep = (<u64>1 << <u64>(to - p)) - 1;
      ends &= keep;
      anchors &= keep;
    }
    if (ends != 0 && <i32>(p + <usize>ctz(ends) - lineStart) > maxLineBytes) oversized++;
    if (anchors == 0 && pending == NONE) {
      if (ends != 0) {
        lines += <i32>popcnt(ends);
        lineStart = p + 64 - <usize>clz(ends);
      }
      continue;
    }
    let bits = ends | anchors;
    while (bits != 0) {
      const bit = ctz(bits);
      bits &= bits - 1;
      const at = p + <usize>bit;
      if ((ends >> bit) & 1) {
        if (pending != NONE && <i32>(at - pending) <= maxLineBytes && !emit(pending, at, owners)) {
          // Stop before this line: the counts must cover exactly [from, pending).
          countLines(from, pending);
          return pending;
        }
        pending = NONE;
        owners = 0;
        lines++;
        lineStart = at + 1;
      } else if (owners != ALL_OWNERS) {
        // Every needle of the line is looked for, to tell which parsers may take it, until one of
        // parser 0's: that line is offered to all of them, as it is read first anyway (SGLang's
        // batch lines, the bulk of a log, go no further than their first needle).
        const found = needleOwners(at, lineStart, to);
        if (found == 0) continue;
        if (pending == NONE) pending = lineStart;
        owners |= found;
        if ((found & 1) == 0) continue;
        owners = ALL_OWNERS;
        // The rest of this line needs no anchors, only its end: in this block, its anchors are
        // dropped; past it, the sweep goes on from that `\n` (found by newlines alone), the
        // next block's first, so it is counted and checked as it would have been.
        const later = ends & ~((<u64>2 << <u64>bit) - 1);
        if (later != 0) {
          bits &= ~((<u64>1 << ctz(later)) - 1);
          continue;
        }
        jump = nextNewline(p + 64, to);
        break;
      }
    }
    if (jump != NONE) {
      if (jump == to) break; // an unterminated last line: finished below
      p = jump - 64;
      jump = NONE;
    }
  }
  if (last && lineStart < to) {
    if (pending != NONE && <i32>(to - lineStart) <= maxLineBytes && !emit(pending, to, owners)) {
      countLines(from, pending);
      return pending;
    }
    lines++;
    if (<i32>(to - lineStart) > maxLineBytes) oversized++;
  }
  return to;
}

/** The first `\n` in [from, to), or `to`; 16 bytes at a time (the bytes past `to` are readable). */
function nextNewline(from: usize, to: usize): usize {
  const newline = i8x16.splat(0x0a);
  for (let q = from; q < to; q += 16) {
    let m = i8x16.bitmask(i8x16.eq(v128.load(q), newline));
    if (to - q < 16) m &= (1 << <i32>(to - q)) - 1;
    if (m != 0) return q + <usize>ctz(m);
  }
  return to;
}

/** Sets `lines` and `oversized` to those of the complete lines of [from, upto) (`upto` is a line start). */
function countLines(from: usize, upto: usize): void {
  lines = 0;
  oversized = 0;
  let lineStart = from;
  for (let p = from; p < upto; p += 64) {
    let ends = newlinesAt(p);
    if (upto - p < 64) ends &= (<u64>1 << <u64>(upto - p)) - 1;
    if (ends != 0) {
      lines += <i32>popcnt(ends);
      if (<i32>(p + <usize>ctz(ends) - lineStart) > maxLineBytes) oversized++;
      lineStart = p + 64 - <usize>clz(ends);
    }
  }
}

/** Bit i: a newline at p + i, over 64 bytes. */
// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline function newlinesAt(p: usize): u64 {
  const newline = i8x16.splat(0x0a);
  return (
    <u64>i8x16.bitmask(i8x16.eq(v128.load(p), newline)) |
    (<u64>i8x16.bitmask(i8x16.eq(v128.load(p + 16), newline)) << 16) |
    (<u64>i8x16.bitmask(i8x16.eq(v128.load(p + 32), newline)) << 32) |
    (<u64>i8x16.bitmask(i8x16.eq(v128.load(p + 48), newline)) << 48)
  );
}

/** Bit i: an anchor's two bytes start at p + i, over 16 bytes. */
// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline function anchorsAt(p: usize): u64 {
  const block = v128.load(p);
  const next = v128.load(p + 1);
  const low = i8x16.splat(15);
  const blockLow = v128.and(block, low);
  const blockHigh = i8x16.shr_u(block, 4);
  const nextLow = v128.and(next, low);
  const nextHigh = i8x16.shr_u(next, 4);
  let hits = v128.and(
    v128.and(i8x16.swizzle(v128.load(nibbleTables), blockLow), i8x16.swizzle(v128.load(nibbleTables + 16), blockHigh)),
    v128.and(i8x16.swizzle(v128.load(nibbleTables + 32), nextLow), i8x16.swizzle(v128.load(nibbleTables + 48), nextHigh)),
  );
  if (anchorCount > SET_ANCHORS) {
    hits = v128.or(
      hits,
      v128.and(
        v128.and(i8x16.swizzle(v128.load(nibbleTables + 64), blockLow), i8x16.swizzle(v128.load(nibbleTables + 80), blockHigh)),
        v128.and(i8x16.swizzle(v128.load(nibbleTables + 96), nextLow), i8x16.swizzle(v128.load(nibbleTables + 112), nextHigh)),
      ),
    );
  }
  return <u64>i8x16.bitmask(v128.not(i8x16.eq(hits, i8x16.splat(0))));
}

/** The per-line loop: every line looked at (every line a candidate, or a bound under 64 bytes). */
function scanDense(from: usize, to: usize, last: boolean): usize {
  const newline = i8x16.splat(0x0a);
  let lineStart = from;
  const every: u32 = everyLine ? ALL_OWNERS : 0;
  let owners = every; // of the needles found in the line so far (see scanSparse)
  for (let p = from; p < to; p += 16) {
    let ends = i8x16.bitmask(i8x16.eq(v128.load(p), newline));
    let anchors = <i32>anchorsAt(p);
    if (to - p < 16) {
      const keep = (1 << <i32>(to - p)) - 1;
      ends &= keep;
      anchors &= keep;
    }
    let bits = ends | anchors;
    while (bits != 0) {
      const bit = ctz(bits);
      bits &= bits - 1;
      const at = p + bit;
      if ((ends >> bit) & 1) {
        if (!endLine(lineStart, at, owners)) return lineStart;
        lineStart = at + 1;
        owners = every;
      } else if (owners != ALL_OWNERS) {
        const found = needleOwners(at, lineStart, to);
        owners = (found & 1) != 0 ? ALL_OWNERS : owners | found;
      }
    }
  }
  if (last && lineStart < to && !endLine(lineStart, to, owners)) return lineStart;
  return to;
}

/** The owners of the whole needles, starting in the line at `lineStart`, that the anchor at `at` lies in (0: none). */
function needleOwners(at: usize, lineStart: usize, to: usize): u32 {
  const pair = load<u16>(at);
  let a = 0;
  while (a < anchorCount && load<u16>(anchorPairs + a * 2) != pair) a++;
  if (a == anchorCount) return 0;
  const first = load<i32>(anchorMembers + a * 8);
  const count = load<i32>(anchorMembers + a * 8 + 4);
  let owners: u32 = 0;
  for (let m = first; m < first + count; m++) {
    const row = needleRows + <usize>m * ROW_BYTES;
    const offset = <usize>load<i32>(row + 4);
    const needle = <usize>load<i32>(row + 8);
    const length = <usize>load<i32>(row + 12);
    if (at < lineStart + offset) continue;
    const start = at - offset;
    if (start + length <= to && equalBytes(start, needle, length)) owners |= load<u32>(row + 16);
  }
  return owners;
}

/** Counts the line [start, end), a candidate when `owners` is not 0; false, counting nothing, when the scan must stop before it (see emit). */
function endLine(start: usize, end: usize, owners: u32): boolean {
  if (<i32>(end - start) > maxLineBytes) {
    lines++;
    oversized++;
    return true;
  }
  if (owners != 0 && !emit(start, end, owners)) return false;
  lines++;
  return true;
}

/**
 * Hands over the candidate line [start, end) (`end` at its `\n`): folded when it is a batch record
 * the fold takes, else an entry (read as a batch record if asked). Entries are taken after the
 * scan, so the fold goes to JavaScript before an entry that follows it, and a scan holding
 * entries stops before the next record it would fold. False, handing over nothing, when the scan
 * stops before this line (that, or a full entry table).
 */
function emit(start: usize, end: usize, owners: u32): boolean {
  if (end > start && load<u8>(end - 1) == 0x0d) end--;
  if (entries == entryCapacity) return false;
  const entry = entryTable + <usize>entries * ENTRY_SLOTS * 8;
  // The native comma shape by its own reader, every other shape by the general one (comma.ts says
  // why). A batch line holds `batch`, a needle of SGLang's, parser 0 when batches are read.
  const record = readBatches && (owners & 1) != 0 && (readCommaBatch(start, end, entry) || readBatch(start, end, entry) != DECLINED);
  // Legacy lines are counted apart by the aggregation: they stay entries.
  if (record && isFolding() && get(entry, LEGACY) == 0) {
    // Entries first: the scan stops here, JavaScript takes them, the next scan folds this record.
    if (entries > 0) return false;
    if (foldRecord(get(entry, KIND), get(entry, MINUTE), get(entry, SECOND), get(entry, MILLI), get(entry, OFFSET), entry + <usize>DP * 8, entry)) return true;
  }
  flushFold();
  entries++;
  put(entry, START, <f64>start);
  put(entry, END, <f64>end);
  put(entry, OWNERS, <f64>owners);
  if (!record) put(entry, KIND, 0);
  return true;
}

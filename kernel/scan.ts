// The line-scanning kernel, in AssemblyScript (compiled to WebAssembly by scripts/build-kernel.mjs).
//
// It does the per-byte work of src/io/lines.ts, which owns the buffer handling and drives it: it
// splits a run of complete lines, counts them, finds the lines that contain a needle, and reads the
// one line shape that makes up nearly all of an SGLang scheduler log,
//
//   [2026-04-14 10:00:01 DP3 TP3 EP3] Prefill batch, #new-seq: 2, #new-token: 5000, …, #queue-req: 12, …
//
// into a numeric record. Every other candidate line is handed back by its offsets, for the
// TypeScript parsers. Why WebAssembly: 16-byte SIMD compares find newlines and needle anchors
// several times faster than JavaScript can, and reading fields from bytes needs no string at all.
//
// Contract with lines.ts (kept in step by test/io/kernel.test.ts and test/read/equivalence.test.ts):
// - `alloc` regions once, then `setNeedles`/`configure`, then `scan` as often as needed.
// - `scan(from, to, last)`: `to` is just after a `\n`, or (`last`) the end of the input, whose
//   unterminated last line is then a line too. The 80 bytes after `to` must be readable.
// - Results land in the entry table (ENTRY_SLOTS f64 per candidate, in line order); `scan` stops
//   early when the table is full and returns where to resume (a line start), else `to`.
// - With `configureFold`, batch records go into the fold (fold.ts) instead, which calls back into
//   JavaScript to hand itself over; `scan` also stops before a record that follows an entry.
// - The batch record must equal what parseSglangLine (src/parse/sglang.ts) returns for the line;
//   any shape this reader does not handle exactly is handed back as a plain candidate instead.

import { flushFold, foldRecord, isFolding } from './fold';
// The fold's layout and controls, for lines.ts and kernel.ts (this file is the module's entry).
export {
  MAX_GROUPS, HIST_VALUES, WINDOW_BUCKETS, GROUP_FIELDS,
  G_PHASE, G_DP, G_LINES, G_NEW_TOKENS, G_NEW_SEQ, G_CACHED, G_QUEUED, G_RUN_MIN, G_RUN_MAX, G_FIRST, G_LAST, G_BUCKETS, G_QUEUE_TOP, G_RUNNING_TOP,
  foldGroupsAt, foldHistogramsAt, foldPackedAt, packBuckets, foldGroupCount, configureFold, resetFold,
} from './fold';

// ---------------------------------------------------------------- entry table layout
// Exported, so lines.ts reads the layout from here rather than repeating it.
/** f64 slots per entry. */
export const ENTRY_SLOTS: i32 = 20;
/** 0 a candidate line for the TypeScript parsers, 1 a prefill record, 2 a decode record */
export const KIND: i32 = 0;
/** line start (byte offset) */
export const START: i32 = 1;
/** line end, without `\n` and a trailing `\r` */
export const END: i32 = 2;
// Records only; -1 stands for "absent" (every count is non-negative).
/** the bracket's wall clock YYYYMMDDHHMM, as one number */
export const MINUTE: i32 = 3;
export const SECOND: i32 = 4;
export const MILLI: i32 = 5;
/** then TP, PP, ATTN_CP, MOE_DP, EP */
export const DP: i32 = 6;
export const NEW_SEQ: i32 = 12;
export const NEW_TOKEN: i32 = 13;
export const CACHED: i32 = 14;
export const RUNNING: i32 = 15;
export const QUEUE: i32 = 16;
/** #unbootstrapped-req, else #prealloc-req, else #bootstrap-req */
export const BOOTSTRAP_QUEUE: i32 = 17;
/** #transferring-req, else #inflight-req, else #transfer-req */
export const INFLIGHT: i32 = 18;

// ---------------------------------------------------------------- configuration
let entryTable: usize = 0;
let entryCapacity: i32 = 0;
let maxLineBytes: i32 = 0;
let everyLine = false;
let readBatches = false;
/** tests only: the per-line loop for every input, to compare the two loops */
let denseOnly = false;

// Needles, each found through an anchor (chosen by lines.ts): two adjacent bytes of the needle,
// rare in the input. Per anchor: its two bytes as 16-byte splats, the pair as a u16, and where its
// members start in lines.ts's needle table. The tables are allocated once, at start-up, so memory
// never grows under lines.ts's views.
export const MAX_ANCHORS: i32 = 16;
let anchorCount: i32 = 0;
const anchorSplats: usize = (heap.alloc(MAX_ANCHORS * 32 + 15) + 15) & ~15; // MAX_ANCHORS × 2 v128
const anchorPairs: usize = heap.alloc(MAX_ANCHORS * 2); // MAX_ANCHORS × u16
// Up to 8 anchors are matched all at once (`anchorsAt`): anchor a owns bit a of four nibble tables
// (low and high nibble of its first and of its second byte), so a byte pair has bit a set in all
// four lookups exactly when it is anchor a. Past 8, each anchor is compared on its own.
const NIBBLE_ANCHORS: i32 = 8;
const nibbleTables: usize = (heap.alloc(4 * 16 + 15) + 15) & ~15; // low1, high1, low2, high2
const anchorMembers: usize = heap.alloc(MAX_ANCHORS * 8); // per anchor (first member, member count) as i32
/** lines.ts's needle table: per needle (anchor index, anchor offset, needle pointer, needle length) as i32 */
let needleRows: usize = 0;

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

/** Memory for lines.ts's regions (buffer, needle bytes). Call before taking views: memory may grow. */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

/**
 * Needles: `table` holds, per needle, (anchor index, anchor offset, needle pointer, needle length)
 * as i32, sorted by anchor, and stays in place while scanning; `anchors` holds the `count` anchors,
 * two bytes each. At most MAX_ANCHORS anchors (lines.ts checks).
 */
export function setNeedles(anchors: usize, count: i32, table: usize, needles: i32): void {
  anchorCount = count;
  for (let a = 0; a < count; a++) {
    store<u16>(anchorPairs + a * 2, load<u16>(anchors + a * 2));
    v128.store(anchorSplats + a * 32, i8x16.splat(load<u8>(anchors + a * 2)));
    v128.store(anchorSplats + a * 32 + 16, i8x16.splat(load<u8>(anchors + a * 2 + 1)));
    store<i32>(anchorMembers + a * 8, 0);
    store<i32>(anchorMembers + a * 8 + 4, 0);
  }
  memory.fill(nibbleTables, 0, 64);
  for (let a = 0; a < min(count, NIBBLE_ANCHORS); a++) {
    const bit = <u8>(<i32>1 << a);
    for (let k = 0; k < 2; k++) {
      const byte = load<u8>(anchors + a * 2 + k);
      const low = nibbleTables + k * 32 + (byte & 15);
      const high = nibbleTables + k * 32 + 16 + (byte >> 4);
      store<u8>(low, load<u8>(low) | bit);
      store<u8>(high, load<u8>(high) | bit);
    }
  }
  needleRows = table;
  for (let n = 0; n < needles; n++) {
    const slot = anchorMembers + <usize>load<i32>(table + <usize>n * 16) * 8;
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
 * [from, to): what lines.ts chooses anchors by. (Here rather than in JavaScript: a first call
 * there runs before V8 optimises it, ~12 ms for a 256 KiB sample.)
 */
export function countPairs(from: usize, to: usize, table: usize): void {
  for (let p = from; p + 1 < to; p++) {
    const slot = table + ((<usize>load<u8>(p) << 10) | (<usize>load<u8>(p + 1) << 2));
    store<u32>(slot, load<u32>(slot) + 1);
  }
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
        if (pending != NONE && <i32>(at - pending) <= maxLineBytes && !emit(pending, at)) {
          // Stop before this line: the counts must cover exactly [from, pending).
          countLines(from, pending);
          return pending;
        }
        pending = NONE;
        lines++;
        lineStart = at + 1;
      } else if (pending == NONE && confirmsNeedle(at, lineStart, to)) {
        pending = lineStart;
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
    if (pending != NONE && <i32>(to - lineStart) <= maxLineBytes && !emit(pending, to)) {
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
  if (anchorCount <= NIBBLE_ANCHORS) {
    const low = i8x16.splat(15);
    const first = v128.and(
      i8x16.swizzle(v128.load(nibbleTables), v128.and(block, low)),
      i8x16.swizzle(v128.load(nibbleTables + 16), i8x16.shr_u(block, 4)),
    );
    const second = v128.and(
      i8x16.swizzle(v128.load(nibbleTables + 32), v128.and(next, low)),
      i8x16.swizzle(v128.load(nibbleTables + 48), i8x16.shr_u(next, 4)),
    );
    return <u64>i8x16.bitmask(v128.not(i8x16.eq(v128.and(first, second), i8x16.splat(0))));
  }
  let pairs = i8x16.splat(0);
  for (let a = 0; a < anchorCount; a++) {
    const splats = anchorSplats + a * 32;
    pairs = v128.or(pairs, v128.and(i8x16.eq(block, v128.load(splats)), i8x16.eq(next, v128.load(splats + 16))));
  }
  return <u64>i8x16.bitmask(pairs);
}

/** The per-line loop: every line looked at (every line a candidate, or a bound under 64 bytes). */
function scanDense(from: usize, to: usize, last: boolean): usize {
  const newline = i8x16.splat(0x0a);
  let lineStart = from;
  let hit = everyLine;
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
        if (!endLine(lineStart, at, hit)) return lineStart;
        lineStart = at + 1;
        hit = everyLine;
      } else if (!hit) {
        hit = confirmsNeedle(at, lineStart, to);
      }
    }
  }
  if (last && lineStart < to && !endLine(lineStart, to, hit)) return lineStart;
  return to;
}

/** Whether the anchor at `at` lies in a whole needle that starts in the line at `lineStart`. */
function confirmsNeedle(at: usize, lineStart: usize, to: usize): boolean {
  const pair = load<u16>(at);
  let a = 0;
  while (a < anchorCount && load<u16>(anchorPairs + a * 2) != pair) a++;
  if (a == anchorCount) return false;
  const first = load<i32>(anchorMembers + a * 8);
  const count = load<i32>(anchorMembers + a * 8 + 4);
  for (let m = first; m < first + count; m++) {
    const row = needleRows + <usize>m * 16;
    const offset = <usize>load<i32>(row + 4);
    const needle = <usize>load<i32>(row + 8);
    const length = <usize>load<i32>(row + 12);
    if (at < lineStart + offset) continue;
    const start = at - offset;
    if (start + length <= to && equalBytes(start, needle, length)) return true;
  }
  return false;
}

/** Counts the line [start, end); false, counting nothing, when the scan must stop before it (see emit). */
function endLine(start: usize, end: usize, candidate: boolean): boolean {
  if (<i32>(end - start) > maxLineBytes) {
    lines++;
    oversized++;
    return true;
  }
  if (candidate && !emit(start, end)) return false;
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
function emit(start: usize, end: usize): boolean {
  if (end > start && load<u8>(end - 1) == 0x0d) end--;
  if (entries == entryCapacity) return false;
  const entry = entryTable + <usize>entries * ENTRY_SLOTS * 8;
  const record = readBatches && readBatch(start, end, entry);
  if (record && isFolding()) {
    // Entries first: the scan stops here, JavaScript takes them, the next scan folds this record.
    if (entries > 0) return false;
    if (foldRecord(get(entry, KIND), get(entry, MINUTE), get(entry, SECOND), get(entry, MILLI), entry + <usize>DP * 8, get(entry, QUEUE), get(entry, RUNNING), get(entry, NEW_TOKEN), get(entry, NEW_SEQ), get(entry, CACHED))) return true;
  }
  flushFold();
  entries++;
  put(entry, START, <f64>start);
  put(entry, END, <f64>end);
  if (!record) put(entry, KIND, 0);
  return true;
}

// ---------------------------------------------------------------- the SGLang batch line
// A port of parseSglangLine's rules for this one shape. Declines (false)
// are not errors: the line goes to the TypeScript parser, which stays the definition.

const PREFILL_HEADER = bytesOf('] Prefill batch, #');
const DECODE_HEADER = bytesOf('] Decode batch, #');
const BATCH = bytesOf('batch');
const ATTN_CP = bytesOf('ATTN_CP');
const MOE_DP = bytesOf('MOE_DP');
// The count fields, by the byte after `#` (then confirmed whole).
const KEY_NEW_SEQ = bytesOf('#new-seq: ');
const KEY_NEW_TOKEN = bytesOf('#new-token: ');
const KEY_CACHED = bytesOf('#cached-token: ');
const KEY_RUNNING = bytesOf('#running-req: ');
const KEY_QUEUE = bytesOf('#queue-req: ');
const KEY_UNBOOTSTRAPPED = bytesOf('#unbootstrapped-req: ');
const KEY_PREALLOC = bytesOf('#prealloc-req: ');
const KEY_BOOTSTRAP = bytesOf('#bootstrap-req: ');
const KEY_TRANSFERRING = bytesOf('#transferring-req: ');
const KEY_INFLIGHT = bytesOf('#inflight-req: ');
const KEY_TRANSFER = bytesOf('#transfer-req: ');

/** `YYYY-MM-DD HH:MM` of the last batch line read (two words) and that minute as YYYYMMDDHHMM. */
let lastMinuteLow: u64 = 0xffffffffffffffff; // no valid stamp: its bytes are not ASCII
let lastMinuteHigh: u64 = 0xffffffffffffffff;
let lastMinute: f64 = 0;

/** Reads the line into `entry` as a batch record, or returns false. The line's bytes are [s, e). */
function readBatch(s: usize, e: usize, entry: usize): boolean {
  if (load<u8>(s) != 0x5b) return false;
  // `[YYYY-MM-DD HH:MM:SS` is 20 bytes; the bracket closes at the first `]` after it.
  let close = s + 20;
  while (close < e && load<u8>(close) != 0x5d) close++;
  if (close >= e) return false;
  let prefill: boolean;
  let at: usize;
  if (startsWith(close, e, PREFILL_HEADER)) {
    prefill = true;
    at = close + lengthOf(PREFILL_HEADER) - 1;
  } else if (startsWith(close, e, DECODE_HEADER)) {
    prefill = false;
    at = close + lengthOf(DECODE_HEADER) - 1;
  } else {
    return false;
  }
  // One pass over the line: nothing for envelope stripping to remove (non-ASCII, ESC), no second
  // bracket to read ranks from; a decode line must not hold a second `batch` (the full parser
  // looks for `Prefill batch` first anywhere in the line); and where the `#`s are.
  if (<i32>(e - s) > MAX_BATCH_LINE || !classify(s, e, prefill ? NONE : close + 14)) return false;

  // The timestamp: kept as wall-clock fields, turned into ms (with --tz) by lines.ts. Lines of a
  // minute share `YYYY-MM-DD HH:MM`: then only the seconds are read.
  const minuteLow = load<u64>(s + 1);
  const minuteHigh = load<u64>(s + 9);
  if (minuteLow != lastMinuteLow || minuteHigh != lastMinuteHigh) {
    if (load<u8>(s + 5) != 0x2d || load<u8>(s + 8) != 0x2d || load<u8>(s + 11) != 0x20 || load<u8>(s + 14) != 0x3a) return false;
    const year = digits(s + 1, 4);
    const month = digits(s + 6, 2);
    const day = digits(s + 9, 2);
    const hour = digits(s + 12, 2);
    const minute = digits(s + 15, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0) return false;
    lastMinuteLow = minuteLow;
    lastMinuteHigh = minuteHigh;
    lastMinute = <f64>year * 1e8 + <f64>month * 1e6 + <f64>day * 1e4 + <f64>hour * 100 + <f64>minute;
  }
  const second = load<u8>(s + 17) == 0x3a ? digits(s + 18, 2) : -1;
  if (second < 0) return false;
  let milli = 0;
  let tags = s + 20;
  if (load<u8>(s + 20) == 0x2e) {
    milli = digits(s + 21, 3);
    if (milli < 0) return false;
    tags = s + 24;
  }
  if (!readRanks(tags, close, entry)) return false;

  // First value of each key (the full parser's `indexOf` semantics).
  let newSeq: f64 = -1;
  let newTokens: f64 = -1;
  let cached: f64 = -1;
  let running: f64 = -1;
  let queue: f64 = -1;
  let unbootstrapped: f64 = -1;
  let prealloc: f64 = -1;
  let bootstrap: f64 = -1;
  let transferring: f64 = -1;
  let inflight: f64 = -1;
  let transfer: f64 = -1;
  while (at < e) {
    const key = keyAt(at, e);
    if (key == 0) {
      at = nextHash(s, e, at + 1);
      continue;
    }
    let i = at + lengthOf(key);
    const first = i;
    let count: i64 = 0; // 15 digits fit; integer steps are quicker than f64 ones
    while (i < e) {
      const d = <i32>load<u8>(i) - 48;
      if (d < 0 || d > 9) break;
      count = count * 10 + <i64>d;
      i++;
    }
    const n = <f64>count;
    // Not a count the full parser would take (no digits, over 15 digits, glued to text).
    if (i == first || i - first > 15) return false;
    if (i < e) {
      const c = load<u8>(i);
      if (c != 0x2c && c != 0x20 && c != 0x0d) return false;
    }
    if (key == KEY_NEW_SEQ) newSeq = newSeq < 0 ? n : newSeq;
    else if (key == KEY_NEW_TOKEN) newTokens = newTokens < 0 ? n : newTokens;
    else if (key == KEY_CACHED) cached = cached < 0 ? n : cached;
    else if (key == KEY_RUNNING) running = running < 0 ? n : running;
    else if (key == KEY_QUEUE) queue = queue < 0 ? n : queue;
    else if (key == KEY_UNBOOTSTRAPPED) unbootstrapped = unbootstrapped < 0 ? n : unbootstrapped;
    else if (key == KEY_PREALLOC) prealloc = prealloc < 0 ? n : prealloc;
    else if (key == KEY_BOOTSTRAP) bootstrap = bootstrap < 0 ? n : bootstrap;
    else if (key == KEY_TRANSFERRING) transferring = transferring < 0 ? n : transferring;
    else if (key == KEY_INFLIGHT) inflight = inflight < 0 ? n : inflight;
    else transfer = transfer < 0 ? n : transfer;
    at = nextHash(s, e, i);
  }
  if (queue < 0 || (prefill ? newTokens : running) < 0) return false;

  put(entry, KIND, prefill ? 1 : 2);
  put(entry, MINUTE, lastMinute);
  put(entry, SECOND, <f64>second);
  put(entry, MILLI, <f64>milli);
  put(entry, NEW_SEQ, newSeq);
  put(entry, NEW_TOKEN, newTokens);
  put(entry, CACHED, cached);
  put(entry, RUNNING, running);
  put(entry, QUEUE, queue);
  put(entry, BOOTSTRAP_QUEUE, unbootstrapped >= 0 ? unbootstrapped : prealloc >= 0 ? prealloc : bootstrap);
  put(entry, INFLIGHT, transferring >= 0 ? transferring : inflight >= 0 ? inflight : transfer);
  return true;
}

/** Which key starts at `at` (a `#`), whole and inside the line, or 0. Bytes 1 (and 5, 10) pick it. */
function keyAt(at: usize, e: usize): usize {
  let key: usize;
  switch (load<u8>(at + 1)) {
    case 0x6e: // n
      key = load<u8>(at + 5) == 0x73 ? KEY_NEW_SEQ : KEY_NEW_TOKEN;
      break;
    case 0x63: // c
      key = KEY_CACHED;
      break;
    case 0x72: // r
      key = KEY_RUNNING;
      break;
    case 0x71: // q
      key = KEY_QUEUE;
      break;
    case 0x75: // u
      key = KEY_UNBOOTSTRAPPED;
      break;
    case 0x70: // p
      key = KEY_PREALLOC;
      break;
    case 0x62: // b
      key = KEY_BOOTSTRAP;
      break;
    case 0x74: // t
      key = load<u8>(at + 10) == 0x69 ? KEY_TRANSFERRING : KEY_TRANSFER;
      break;
    case 0x69: // i
      key = KEY_INFLIGHT;
      break;
    default:
      return 0;
  }
  return startsWith(at, e, key) ? key : 0;
}

/**
 * ` DPn TPn EPn …` from `from` to the `]` at `to`, into the entry's rank slots: each tag once,
 * known tags only, 1 to 9 digits each (anything else is the full parser's to judge).
 */
function readRanks(from: usize, to: usize, entry: usize): boolean {
  for (let r = 0; r < 6; r++) put(entry, DP + r, -1);
  let i = from;
  while (i < to) {
    if (load<u8>(i) != 0x20) return false;
    const c = load<u8>(i + 1);
    let slot: i32;
    if (load<u8>(i + 2) == 0x50 && (c == 0x44 || c == 0x54 || c == 0x50 || c == 0x45)) {
      slot = c == 0x44 ? 0 : c == 0x54 ? 1 : c == 0x50 ? 2 : 5; // DP TP PP EP
      i += 3;
    } else if (c == 0x41 && startsWith(i + 1, to, ATTN_CP)) {
      slot = 3;
      i += 8;
    } else if (c == 0x4d && startsWith(i + 1, to, MOE_DP)) {
      slot = 4;
      i += 7;
    } else {
      return false;
    }
    const first = i;
    let n = 0;
    while (i < to) {
      const d = <i32>load<u8>(i) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
      i++;
    }
    if (i == first || i - first > 9) return false;
    if (get(entry, DP + slot) >= 0) return false;
    put(entry, DP + slot, <f64>n);
  }
  return i == to;
}

/** Longer lines are left to the TypeScript parser (real batch lines are a few hundred bytes). */
const MAX_BATCH_LINE: i32 = 4096;
/** Per 16-byte block of the line being read: where its `#`s are (bit i: byte i). */
const hashMasks: usize = heap.alloc(<usize>(MAX_BATCH_LINE >> 4) * 2 + 2);

/**
 * Whether [s, e) is all ASCII, without ESC, without a `[` after its first byte, and without
 * `batch` from `batchFrom` on (NONE: not looked for); notes where the `#`s are (`nextHash`).
 */
function classify(s: usize, e: usize, batchFrom: usize): boolean {
  const esc = i8x16.splat(0x1b);
  const open = i8x16.splat(0x5b);
  const hash = i8x16.splat(0x23);
  const b = i8x16.splat(0x62);
  for (let k: usize = 0, q = s; q < e; k++, q += 16) {
    const block = v128.load(q);
    const keep = e - q < 16 ? (1 << <i32>(e - q)) - 1 : 0xffff;
    let bad = i8x16.bitmask(v128.or(block, v128.or(i8x16.eq(block, esc), i8x16.eq(block, open))));
    if (k == 0) bad &= ~1; // the line's own `[`
    if ((bad & keep) != 0) return false;
    store<u16>(hashMasks + (k << 1), <u16>(i8x16.bitmask(i8x16.eq(block, hash)) & keep));
    if (batchFrom != NONE) {
      for (let bits = i8x16.bitmask(i8x16.eq(block, b)) & keep; bits != 0; bits &= bits - 1) {
        const at = q + <usize>ctz(bits);
        if (at >= batchFrom && startsWith(at, e, BATCH)) return false;
      }
    }
  }
  return true;
}

/** The first `#` in [from, e) of the line [s, e) that `classify` read, or `e`. */
function nextHash(s: usize, e: usize, from: usize): usize {
  if (from >= e) return e;
  let k = (from - s) >> 4;
  let bits = <i32>load<u16>(hashMasks + (k << 1)) & ~((1 << <i32>((from - s) & 15)) - 1);
  while (bits == 0) {
    k++;
    if (s + (k << 4) >= e) return e;
    bits = <i32>load<u16>(hashMasks + (k << 1));
  }
  return s + (k << 4) + <usize>ctz(bits);
}

// ---------------------------------------------------------------- bytes
/** A string's bytes as [length i32][bytes], allocated once at start-up. */
function bytesOf(text: string): usize {
  const utf8 = String.UTF8.encode(text);
  const n = utf8.byteLength;
  const at = heap.alloc(4 + n);
  store<i32>(at, n);
  memory.copy(at + 4, changetype<usize>(utf8), n);
  return at;
}

// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline function lengthOf(constant: usize): usize {
  return <usize>load<i32>(constant);
}

/** Whether the constant occurs at `at`, wholly before `end`. */
// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline function startsWith(at: usize, end: usize, constant: usize): boolean {
  const n = lengthOf(constant);
  return at + n <= end && equalBytes(at, constant + 4, n);
}

/** memcmp == 0, eight (or four) bytes at a time (the last word may overlap the one before). */
function equalBytes(a: usize, b: usize, n: usize): boolean {
  if (n >= 8) {
    for (let i: usize = 0; i + 8 <= n; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
    return load<u64>(a + n - 8) == load<u64>(b + n - 8);
  }
  if (n >= 4) return load<u32>(a) == load<u32>(b) && load<u32>(a + n - 4) == load<u32>(b + n - 4);
  for (let i: usize = 0; i < n; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

/** The n decimal digits at `at` as a number, or -1. */
function digits(at: usize, n: i32): i32 {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = <i32>load<u8>(at + i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline function put(entry: usize, slot: i32, value: f64): void {
  store<f64>(entry + <usize>slot * 8, value);
}

// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline function get(entry: usize, slot: i32): f64 {
  return load<f64>(entry + <usize>slot * 8);
}

// SGLang batch lines read into records: one general reading of every shape parseSglangLine
// (src/parse/sglang.ts) takes, rather than a reader per shape. The TypeScript parser stays the
// definition; this is a port of its steps, and whatever it cannot follow exactly it declines (the
// line then goes to the TypeScript parser). Steps, as there:
//
// 1. The message: the first `Prefill batch` in the line, else the first `Decode batch`, wherever
//    it is (envelopes, labels and junk before it do not matter). Colour codes are removed first
//    when the line has any (ansi.ts), the message chosen on the line as it was.
// 2. The header: `(Prefill|Decode) batch`, an optional v0.3 `(mixed #running-req: N)`, an optional
//    iteration index ` [N]`, then `.` or `,`; the body follows.
// 3. The prefix, the text before the message: SGLang's own bracket `[date time[.ms] TAGn …] `
//    right before it (any tags, in any order, each optional, date optional); else a custom
//    layout: rank tags inside any `[…]`, and the first logger timestamp (stamps.ts).
// 4. The body: `key: value` pairs, found by the `: ` that ends each key, matched against a table
//    of keys TypeScript sets (setBatchKeys: which keys, into which value slots). The first
//    occurrence of a key counts, wherever it starts in the body (the parser's `indexOf`).
//
// Declined, for the TypeScript parser: non-ASCII bytes (the parser reads UTF-16, and invalid
// UTF-8 is counted there), lines over MAX_BATCH_LINE bytes, negative rank tags (`DP-1`), rank or
// mixed numbers past 9 and 15 digits, a missing required key, and any count that is not a whole
// number of at most 15 digits ending at `,`, a space, CR or the line's end.
import { stripAnsi, stripped, bareSgrEnd } from './ansi';
import { readCommaBatch } from './comma';
import { bytesOf, digits, equalBytes, get, isDigit, isWord, lengthOf, put, startsWith } from './bytes';
import { DP, KIND, LEGACY, MAX_BATCH_LINE, MAX_VALUES, MILLI, MINUTE, OFFSET, PREFIX, PREFIX_CUSTOM, PREFIX_NATIVE, PREFIX_NONE, RANK_TAGS, SECOND, VALUES } from './layout';
import { findLoggerStamp, stampMilli, stampMinute, stampOffset, stampSecond } from './stamps';


// ---------------------------------------------------------------- the key table (setBatchKeys)
/** Keys the table holds at most. */
export const MAX_KEYS: i32 = 32;
/** A key marks the line (instead of giving a value): the marks the kernel's rules read. */
export const MARK_LEGACY_PREFILL: i32 = 1; // on a `Prefill batch.` line: the pre-v0.4.1.post7 shape
export const MARK_MODERN_DECODE: i32 = 2; // on a `Decode batch.` line: not the pre-v0.4.1.post7 shape
/** Bytes before the `: ` a key needs at least: they are what the table is hashed on. */
export const KEY_TAIL: i32 = 8;

/** Per key: pointer, length (with `: `), target (value slot ≥ 0, or −mark), next row in its bucket (−1 none), tail (u64). */
const ROW_BYTES: usize = 24;
const keyRows: usize = heap.alloc(<usize>MAX_KEYS * ROW_BYTES);
const BUCKETS: i32 = 64;
/** per bucket: first row + 1 (0 empty) */
const keyHeads: usize = heap.alloc(<usize>BUCKETS);
let keyCount: i32 = 0;
let valueCount: i32 = 0;
/** The value slots of the fields the kernel's own rules read (−1: none). */
let roleNewSeq: i32 = -1;
let roleNewToken: i32 = -1;
let roleCached: i32 = -1;
let roleRunning: i32 = -1;
let roleQueue: i32 = -1;

function bucketOf(tail: u64): i32 {
  return <i32>((tail * 0x9e3779b97f4a7c15) >> 58);
}

/**
 * The keys of batch lines: `count` rows of (pointer, length, target) i32 at `table`, each key
 * ending in `: ` with at least KEY_TAIL bytes before it, its target a value slot (0 … values − 1)
 * or −mark. The key bytes stay in place while the kernel reads. The roles name the value slots of
 * `#new-seq`, `#new-token`, `#cached-token`, `#running-req` and `#queue-req`. False when the table
 * does not fit (then the kernel reads no batch line).
 */
export function setBatchKeys(table: usize, count: i32, values: i32, newSeq: i32, newToken: i32, cached: i32, running: i32, queue: i32): boolean {
  keyCount = 0;
  memory.fill(keyHeads, 0, <usize>BUCKETS);
  if (count > MAX_KEYS || values > MAX_VALUES) return false;
  for (let k = 0; k < count; k++) {
    const pointer = <usize>load<i32>(table + <usize>k * 12);
    const length = load<i32>(table + <usize>k * 12 + 4);
    if (length < KEY_TAIL + 2) return false;
    const tail = load<u64>(pointer + <usize>length - 10);
    const row = keyRows + <usize>k * ROW_BYTES;
    const bucket = bucketOf(tail);
    store<i32>(row, <i32>pointer);
    store<i32>(row + 4, length);
    store<i32>(row + 8, load<i32>(table + <usize>k * 12 + 8));
    store<i32>(row + 12, <i32>load<u8>(keyHeads + <usize>bucket) - 1);
    store<u64>(row + 16, tail);
    store<u8>(keyHeads + <usize>bucket, <u8>(k + 1));
  }
  keyCount = count;
  valueCount = values;
  roleNewSeq = newSeq;
  roleNewToken = newToken;
  roleCached = cached;
  roleRunning = running;
  roleQueue = queue;
  return true;
}

/** The value slot the table gives `key` (a bytesOf constant, `: ` included), or −1: not there, or a mark. */
export function keyTarget(key: usize): i32 {
  const n = lengthOf(key);
  for (let k = 0; k < keyCount; k++) {
    const row = keyRows + <usize>k * ROW_BYTES;
    if (<usize>load<i32>(row + 4) == n && equalBytes(<usize>load<i32>(row), key + 4, n)) return max(load<i32>(row + 8), -1);
  }
  return -1;
}

/** How many value slots the table fills. */
// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline export function valueSlots(): i32 {
  return valueCount;
}

/** The value slot of a role, as an entry slot (the fold reads them). */
// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline export function roleSlot(role: i32): i32 {
  return role < 0 ? -1 : VALUES + role;
}
// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline export function newSeqSlot(): i32 {
  return roleSlot(roleNewSeq);
}
// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline export function newTokenSlot(): i32 {
  return roleSlot(roleNewToken);
}
// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline export function cachedSlot(): i32 {
  return roleSlot(roleCached);
}
// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline export function runningSlot(): i32 {
  return roleSlot(roleRunning);
}
// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline export function queueSlot(): i32 {
  return roleSlot(roleQueue);
}

// ---------------------------------------------------------------- one pass over the line
const NONE: usize = <usize>0xffffffff;
const BATCH = bytesOf('batch');
const PREFILL = bytesOf('Prefill ');
const DECODE = bytesOf('Decode ');
const MIXED = bytesOf('(mixed #running-req: ');

/** Per 16-byte block of the line being read: where a `: ` starts (bit i: byte i). */
const pairMasks: usize = heap.alloc(<usize>(MAX_BATCH_LINE >> 4) * 2 + 2);
/** The line without colour codes, and the second buffer stripping needs (padded: blocks are read 16 bytes at a time). */
const strippedLine: usize = heap.alloc(<usize>MAX_BATCH_LINE + 32);
const strippedSpare: usize = heap.alloc(<usize>MAX_BATCH_LINE + 32);

/**
 * Results of `classify`: the first `Prefill batch` and `Decode batch` (NONE: none), whether colour
 * codes must go, and whether the line holds an ESC.
 */
let firstPrefill: usize = NONE;
let firstDecode: usize = NONE;
let colour = false;
let escape = false;

/**
 * One pass over [s, e): false when a byte is not ASCII; else notes where the messages start,
 * whether the line holds colour codes (ESC, or an ESC-less SGR remnant), and the `: ` pairs.
 */
function classify(s: usize, e: usize): boolean {
  firstPrefill = NONE;
  firstDecode = NONE;
  colour = false;
  escape = false;
  const esc = i8x16.splat(0x1b);
  const open = i8x16.splat(0x5b);
  const colon = i8x16.splat(0x3a);
  const space = i8x16.splat(0x20);
  const b = i8x16.splat(0x62);
  for (let k: usize = 0, q = s; q < e; k++, q += 16) {
    const block = v128.load(q);
    const left = e - q;
    const keep = left < 16 ? (1 << <i32>left) - 1 : 0xffff;
    if ((i8x16.bitmask(block) & keep) != 0) return false;
    if ((i8x16.bitmask(i8x16.eq(block, esc)) & keep) != 0) {
      colour = true;
      escape = true;
    }
    // `: ` with its space inside the line.
    const pairs = i8x16.bitmask(v128.and(i8x16.eq(block, colon), i8x16.eq(v128.load(q + 1), space))) & (keep >> 1 | (left > 16 ? 0x8000 : 0));
    store<u16>(pairMasks + (k << 1), <u16>pairs);
    if (!colour) {
      for (let bits = i8x16.bitmask(i8x16.eq(block, open)) & keep; bits != 0; bits &= bits - 1) {
        if (bareSgrEnd(q + <usize>ctz(bits), e) != 0) colour = true;
      }
    }
    if (firstPrefill == NONE) {
      for (let bits = i8x16.bitmask(i8x16.eq(block, b)) & keep; bits != 0; bits &= bits - 1) {
        const at = q + <usize>ctz(bits);
        if (!startsWith(at, e, BATCH)) continue;
        if (at >= s + 8 && equalBytes(at - 8, PREFILL + 4, 8)) {
          firstPrefill = at - 8;
          break;
        }
        if (firstDecode == NONE && at >= s + 7 && equalBytes(at - 7, DECODE + 4, 7)) firstDecode = at - 7;
      }
    }
  }
  return true;
}

// ---------------------------------------------------------------- the line
/** What `readBatch` returns: the line is a record, or the TypeScript parser's to judge. */
export const DECLINED: i32 = 0;
export const PREFILL_RECORD: i32 = 1;
export const DECODE_RECORD: i32 = 2;

/**
 * Reads the line [s, e) into `entry` (the KIND slot and on) as a batch record; DECLINED leaves the
 * line to the TypeScript parser (and the entry's slots undefined).
 */
export function readBatch(s: usize, e: usize, entry: usize): i32 {
  if (keyCount == 0 || <i32>(e - s) > MAX_BATCH_LINE || !holdsBatch(s, e) || !classify(s, e)) return DECLINED;
  const prefill = firstPrefill != NONE;
  if (!prefill && firstDecode == NONE) return DECLINED;
  let ls = s;
  let le = e;
  if (colour) {
    // The message is chosen on the line as it was, then looked for in the line without colour.
    le = stripAnsi(s, e, strippedLine, strippedSpare, escape);
    ls = stripped;
    // Without its colour the line may be the comma shape (a coloured prefix): its reader then, when
    // it reads the phase chosen on the line as it was (stripping can make a `Prefill batch` or
    // unmake one). Its message is the line's only `batch`, so the one the parser looks for.
    const kind = prefill ? PREFILL_RECORD : DECODE_RECORD;
    if (readCommaBatch(ls, le, entry) && get(entry, KIND) == kind) return kind;
    if (!classify(ls, le)) return DECLINED;
    if (!prefill && firstPrefill != NONE) {
      // Stripping made a `Prefill batch` the parser does not look for: find the first `Decode batch` itself.
      firstDecode = findDecode(ls, le);
    }
    if ((prefill ? firstPrefill : firstDecode) == NONE) return DECLINED;
  }
  const at = prefill ? firstPrefill : firstDecode;

  // The header.
  let p = at + lengthOf(prefill ? PREFILL : DECODE) + lengthOf(BATCH);
  let mixed: f64 = -1;
  if (startsWith(p, le, MIXED)) {
    const first = p + lengthOf(MIXED);
    let i = first;
    let n: i64 = 0;
    while (i < le && isDigit(load<u8>(i))) n = n * 10 + <i64>(load<u8>(i++) - 48);
    if (i == first || i - first > 15 || i >= le || load<u8>(i) != 0x29) return DECLINED;
    mixed = <f64>n;
    p = i + 1;
  }
  if (p + 1 < le && load<u8>(p) == 0x20 && load<u8>(p + 1) == 0x5b) {
    let i = p + 2;
    while (i < le && isDigit(load<u8>(i))) i++;
    if (i == p + 2 || i >= le || load<u8>(i) != 0x5d) return DECLINED;
    p = i + 1;
  }
  if (p >= le) return DECLINED;
  const separator = load<u8>(p);
  if (separator != 0x2e && separator != 0x2c) return DECLINED;
  const dot = separator == 0x2e;
  const body = p + 1;

  // The prefix: SGLang's own bracket right before the message, else a custom layout.
  let prefix = NOT_NATIVE;
  if (at >= ls + 2 && load<u8>(at - 1) == 0x20 && load<u8>(at - 2) == 0x5d) {
    const close = at - 2;
    let open = close;
    while (open > ls && load<u8>(open - 1) != 0x5b) open--;
    if (open > ls) prefix = nativeBracket(open, close, entry);
  }
  if (prefix == NOT_NATIVE) prefix = customPrefix(ls, at, entry);
  if (prefix == DECLINE_PREFIX) return DECLINED;

  // The body.
  for (let v = 0; v < valueCount; v++) put(entry, VALUES + v, -1);
  let marks = 0;
  for (let k = (body - ls) >> 4, q = ls + (k << 4); q < le; k++, q += 16) {
    for (let bits = <i32>load<u16>(pairMasks + (k << 1)); bits != 0; bits &= bits - 1) {
      const c = q + <usize>ctz(bits);
      if (c < body + <usize>KEY_TAIL) continue;
      const tail = load<u64>(c - <usize>KEY_TAIL);
      for (let r = <i32>load<u8>(keyHeads + <usize>bucketOf(tail)) - 1; r >= 0; ) {
        const row = keyRows + <usize>r * ROW_BYTES;
        r = load<i32>(row + 12);
        if (load<u64>(row + 16) != tail) continue;
        const length = <usize>load<i32>(row + 4);
        const start = c + 2 - length;
        if (start < body || !equalBytes(start, <usize>load<i32>(row), length - 2)) continue;
        const target = load<i32>(row + 8);
        if (target < 0) {
          marks |= -target;
          continue;
        }
        if (get(entry, VALUES + target) >= 0) continue; // the first occurrence counts
        const value = countAt(c + 2, le);
        if (value < 0) return DECLINED;
        put(entry, VALUES + target, value);
      }
    }
  }
  // The fields every release prints (the parser calls a line without them unparseable).
  if (roleQueue < 0 || get(entry, VALUES + roleQueue) < 0) return DECLINED;
  const required = prefill ? roleNewToken : roleRunning;
  if (required < 0 || get(entry, VALUES + required) < 0) return DECLINED;
  if (mixed >= 0 && roleRunning >= 0) put(entry, VALUES + roleRunning, mixed);

  put(entry, KIND, prefill ? 1 : 2);
  put(entry, PREFIX, <f64>prefix);
  const legacy = prefill ? mixed >= 0 || (dot && (marks & MARK_LEGACY_PREFILL) != 0) : dot && (marks & MARK_MODERN_DECODE) == 0;
  put(entry, LEGACY, legacy ? 1 : 0);
  return prefill ? PREFILL_RECORD : DECODE_RECORD;
}

/**
 * Whether [s, e) holds `batch` at all: a third of `classify`'s work, and the answer for nearly
 * every other candidate line (request, routing, layout lines), which the comma reader (comma.ts)
 * used to decline at its header check; without it those lines cost the comma shape 2 %.
 */
function holdsBatch(s: usize, e: usize): boolean {
  const b = i8x16.splat(0x62);
  const h = i8x16.splat(0x68);
  for (let q = s; q < e; q += 16) {
    const left = e - q;
    const keep = left < 16 ? (1 << <i32>left) - 1 : 0xffff;
    for (let bits = i8x16.bitmask(v128.and(i8x16.eq(v128.load(q), b), i8x16.eq(v128.load(q + 4), h))) & keep; bits != 0; bits &= bits - 1) {
      if (startsWith(q + <usize>ctz(bits), e, BATCH)) return true;
    }
  }
  return false;
}

/** The first `Decode batch` in [s, e), or NONE. */
function findDecode(s: usize, e: usize): usize {
  for (let at = s; at + 12 <= e; at++) {
    if (load<u8>(at) == 0x44 && equalBytes(at, DECODE + 4, 7) && startsWith(at + 7, e, BATCH)) return at;
  }
  return NONE;
}

/** The count at `at` (digits up to `,`, a space, CR or `e`; 1 to 15 of them), or −1. */
function countAt(at: usize, e: usize): f64 {
  let i = at;
  let n: i64 = 0; // 15 digits fit; integer steps are quicker than f64 ones
  while (i < e) {
    const d = <u32>load<u8>(i) - 48;
    if (d > 9) break;
    n = n * 10 + <i64>d;
    i++;
  }
  if (i == at || i - at > 15) return -1;
  if (i < e) {
    const c = load<u8>(i);
    if (c != 0x2c && c != 0x20 && c != 0x0d) return -1;
  }
  return <f64>n;
}

// ---------------------------------------------------------------- prefixes
// The prefix readers return PREFIX_NATIVE, PREFIX_CUSTOM or PREFIX_NONE, or one of these.
/** The text before the message is not SGLang's own bracket (read it as a custom layout). */
const NOT_NATIVE: i32 = -1;
/** The prefix holds what the kernel leaves to the parser (a negative or over-long rank tag). */
const DECLINE_PREFIX: i32 = -2;
const TAG_DP = bytesOf('DP');
const TAG_TP = bytesOf('TP');
const TAG_PP = bytesOf('PP');
const TAG_ATTN_CP = bytesOf('ATTN_CP');
const TAG_MOE_DP = bytesOf('MOE_DP');
const TAG_EP = bytesOf('EP');

/** The rank slot (0 DP … 5 EP) of the tag [at, at + n), or −1 for a tag the parser ignores. */
function tagSlot(at: usize, n: usize): i32 {
  if (n == 2) {
    const pair = load<u16>(at);
    if (pair == load<u16>(TAG_DP + 4)) return 0;
    if (pair == load<u16>(TAG_TP + 4)) return 1;
    if (pair == load<u16>(TAG_PP + 4)) return 2;
    if (pair == load<u16>(TAG_EP + 4)) return 5;
    return -1;
  }
  if (n == 7 && equalBytes(at, TAG_ATTN_CP + 4, 7)) return 3;
  if (n == 6 && equalBytes(at, TAG_MOE_DP + 4, 6)) return 4;
  return -1;
}

function clearRanks(entry: usize): void {
  for (let r = 0; r < RANK_TAGS; r++) put(entry, DP + r, -1);
}

/**
 * SGLang's own bracket, `[YYYY-MM-DD HH:MM:SS[.mmm] TAGn …]` from `open` (after the `[`) to
 * `close` (the `]`), date optional: PREFIX_NATIVE, the time and ranks in the entry; NOT_NATIVE
 * when it is not one; DECLINE_PREFIX for a negative tag.
 */
function nativeBracket(open: usize, close: usize, entry: usize): i32 {
  let i = open;
  let minute: f64 = 0;
  if (close - i >= 19 && load<u8>(i + 4) == 0x2d && load<u8>(i + 7) == 0x2d && load<u8>(i + 10) == 0x20) {
    const year = digits(i, 4);
    const month = digits(i + 5, 2);
    const day = digits(i + 8, 2);
    if (year < 0 || month < 0 || day < 0) return NOT_NATIVE;
    minute = <f64>year * 1e8 + <f64>month * 1e6 + <f64>day * 1e4;
    i += 11;
  }
  if (close - i < 8 || load<u8>(i + 2) != 0x3a || load<u8>(i + 5) != 0x3a) return NOT_NATIVE;
  const hour = digits(i, 2);
  const min = digits(i + 3, 2);
  const second = digits(i + 6, 2);
  if (hour < 0 || min < 0 || second < 0) return NOT_NATIVE;
  i += 8;
  let milli = 0;
  if (i < close && load<u8>(i) == 0x2e) {
    if (close - i < 4) return NOT_NATIVE;
    milli = digits(i + 1, 3);
    if (milli < 0) return NOT_NATIVE;
    i += 4;
  }
  clearRanks(entry);
  while (i < close) {
    if (load<u8>(i) != 0x20) return NOT_NATIVE;
    const tag = ++i;
    while (i < close) {
      const c = <u32>load<u8>(i);
      if (!(c - 65 < 26 || c == 0x5f)) break;
      i++;
    }
    if (i == tag) return NOT_NATIVE;
    const tagEnd = i;
    const negative = i < close && load<u8>(i) == 0x2d;
    if (negative) i++;
    const first = i;
    let n = 0;
    while (i < close && isDigit(load<u8>(i))) n = n * 10 + <i32>(load<u8>(i++) - 48);
    if (i == first || i - first > 9) return NOT_NATIVE;
    if (negative) return DECLINE_PREFIX;
    const slot = tagSlot(tag, tagEnd - tag);
    if (slot >= 0) put(entry, DP + slot, <f64>n);
  }
  put(entry, MINUTE, minute == 0 ? 0 : minute + <f64>hour * 100 + <f64>min);
  put(entry, SECOND, <f64>second);
  put(entry, MILLI, <f64>milli);
  put(entry, OFFSET, NaN);
  return PREFIX_NATIVE;
}

/** The rank slot of the custom-layout tag that starts with byte `c` (each tag's first letter is its own), or −1. */
function customTagSlot(c: u32): i32 {
  switch (c) {
    case 0x44: return 0; // DP
    case 0x54: return 1; // TP
    case 0x50: return 2; // PP
    case 0x41: return 3; // ATTN_CP
    case 0x4d: return 4; // MOE_DP
    case 0x45: return 5; // EP
    default: return -1;
  }
}

/** The tags by rank slot (0 DP … 5 EP). */
const CUSTOM_TAGS: StaticArray<usize> = [TAG_DP, TAG_TP, TAG_PP, TAG_ATTN_CP, TAG_MOE_DP, TAG_EP];

/**
 * The tag that may start at `i`, a tag letter in the bracket text [a, close): into the entry's
 * rank slot, PREFIX_CUSTOM; no tag there, PREFIX_NONE; DECLINE_PREFIX for a negative or over-long one.
 */
function customTag(i: usize, a: usize, close: usize, entry: usize): i32 {
  // A regex's start and end are word boundaries.
  if (i > a && isWord(load<u8>(i - 1))) return PREFIX_NONE;
  const slot = customTagSlot(load<u8>(i));
  const tag = unchecked(CUSTOM_TAGS[slot]);
  if (!startsWith(i, close, tag)) return PREFIX_NONE;
  let j = i + lengthOf(tag);
  const negative = j < close && load<u8>(j) == 0x2d && j + 1 < close && isDigit(load<u8>(j + 1));
  if (negative) j++;
  const first = j;
  let n = 0;
  while (j < close && isDigit(load<u8>(j))) n = n * 10 + <i32>(load<u8>(j++) - 48);
  if (j == first || (j < close && isWord(load<u8>(j)))) return PREFIX_NONE;
  if (negative || j - first > 9) return DECLINE_PREFIX;
  put(entry, DP + slot, <f64>n);
  return PREFIX_CUSTOM;
}

/** Where the tag letters of the bracket being read are (customPrefix): at most one per byte of a line. */
const tagStarts: usize = heap.alloc(<usize>MAX_BATCH_LINE * 4);

/**
 * A custom layout, the text [s, at) before the message: rank tags `\b(TAG)(-?\d+)\b` inside each
 * `[…]` (from a `[` to the next `]`, then on after it), and the logger timestamp anywhere.
 * PREFIX_CUSTOM or PREFIX_NONE (no tag); DECLINE_PREFIX for a negative or over-long tag.
 *
 * One pass, 16 bytes at a time, finds the `[`s, the `]`s and the tags' first letters (each tag's
 * is its own: customTagSlot); a bracket's letters wait until its `]` is found, since a tag must
 * end before it (and a bracket that never closes is not read, as the regex's would not match).
 */
function customPrefix(s: usize, at: usize, entry: usize): i32 {
  clearRanks(entry);
  let found = false;
  let open = NONE; // the `[` of the bracket being read, or NONE between brackets
  let letters = 0; // tag letters seen in that bracket, at tagStarts
  const openByte = i8x16.splat(0x5b);
  const closeByte = i8x16.splat(0x5d);
  for (let q = s; q < at; q += 16) {
    const block = v128.load(q);
    const left = at - q;
    const keep = left < 16 ? (1 << <i32>left) - 1 : 0xffff;
    const tagLetters = v128.or(
      v128.or(v128.or(i8x16.eq(block, i8x16.splat(0x44)), i8x16.eq(block, i8x16.splat(0x54))), v128.or(i8x16.eq(block, i8x16.splat(0x50)), i8x16.eq(block, i8x16.splat(0x41)))),
      v128.or(i8x16.eq(block, i8x16.splat(0x4d)), i8x16.eq(block, i8x16.splat(0x45))),
    );
    const opens = i8x16.bitmask(i8x16.eq(block, openByte));
    const closes = i8x16.bitmask(i8x16.eq(block, closeByte));
    for (let bits = (opens | closes | i8x16.bitmask(tagLetters)) & keep; bits != 0; bits &= bits - 1) {
      const bit = ctz(bits);
      const i = q + <usize>bit;
      if (open == NONE) {
        if ((opens >> bit) & 1) open = i;
      } else if ((closes >> bit) & 1) {
        for (let k = 0; k < letters; k++) {
          const read = customTag(<usize>load<u32>(tagStarts + <usize>k * 4), open + 1, i, entry);
          if (read == DECLINE_PREFIX) return DECLINE_PREFIX;
          if (read == PREFIX_CUSTOM) found = true;
        }
        open = NONE;
        letters = 0;
      } else if (((opens >> bit) & 1) == 0) {
        store<u32>(tagStarts + <usize>letters * 4, <u32>i);
        letters++;
      }
    }
  }
  findLoggerStamp(s, at);
  put(entry, MINUTE, stampMinute);
  put(entry, SECOND, stampSecond);
  put(entry, MILLI, stampMilli);
  put(entry, OFFSET, stampOffset);
  return found ? PREFIX_CUSTOM : PREFIX_NONE;
}

// The native comma shape, read by a reader of its own: the line shape of SGLang since 2025 and of
// nearly every scheduler log there is,
//
//   [2026-04-14 10:00:01 DP3 TP3 EP3] Prefill batch, #new-seq: 2, #new-token: 5000, …, #queue-req: 12, …
//
// at the start of the line or after an envelope a launcher or collector put there (`0: ` of
// `srun -l`, `[pod/NAME/CONTAINER] ` of `kubectl logs --prefix`, a runtime's ISO stamp, a
// collector's `epoch<TAB>ISO<TAB>`): the full parser reads SGLang's bracket right before the
// message whatever comes before it, so an envelope that holds nothing the full parser would act on
// (no `batch`, no colour code, ASCII) is skipped (`envelopeEnd`).
//
// scan.ts tries it first on every candidate line and hands what it declines to the general reader
// (batch.ts). Why two readers: the general one pays on every line for what only other shapes need
// (a pass that looks for colour codes and the message anywhere, a key-table lookup per `: `, a
// custom-prefix search), which made this shape 22–30 % slower; this reader knows where everything
// is and reads the minute once per minute. Its keys are the key table's (setBatchKeys in batch.ts
// says which value slot each goes to), so TypeScript still names the fields. Like batch.ts, it is a
// port of parseSglangLine's rules (src/parse/sglang.ts) for this one shape; a decline is not an
// error, only the general reader's (or the TypeScript parser's) turn.
import { bareSgrEnd } from './ansi';
import { bytesOf, digits, get, lengthOf, put, startsWith } from './bytes';
import { keyTarget, valueSlots } from './batch';
import { DP, KIND, LEGACY, MAX_BATCH_LINE, MILLI, MINUTE, OFFSET, PREFIX, PREFIX_NATIVE, RANK_TAGS, SECOND, VALUES } from './layout';

const NONE: usize = <usize>0xffffffff;
const PREFILL_HEADER = bytesOf('] Prefill batch, #');
const DECODE_HEADER = bytesOf('] Decode batch, #');
const PREFILL_WORDS = bytesOf('] Prefill batch [');
const DECODE_WORDS = bytesOf('] Decode batch [');
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

/** Each key's value slot in the key table (−1: the table does not hold it), set by resolveCommaKeys. */
let SLOT_NEW_SEQ: i32 = -1;
let SLOT_NEW_TOKEN: i32 = -1;
let SLOT_CACHED: i32 = -1;
let SLOT_RUNNING: i32 = -1;
let SLOT_QUEUE: i32 = -1;
let SLOT_UNBOOTSTRAPPED: i32 = -1;
let SLOT_PREALLOC: i32 = -1;
let SLOT_BOOTSTRAP: i32 = -1;
let SLOT_TRANSFERRING: i32 = -1;
let SLOT_INFLIGHT: i32 = -1;
let SLOT_TRANSFER: i32 = -1;

/** Looks this reader's keys up in the key table (after setBatchKeys; batch.ts's keyTarget). */
export function resolveCommaKeys(): void {
  SLOT_NEW_SEQ = keyTarget(KEY_NEW_SEQ);
  SLOT_NEW_TOKEN = keyTarget(KEY_NEW_TOKEN);
  SLOT_CACHED = keyTarget(KEY_CACHED);
  SLOT_RUNNING = keyTarget(KEY_RUNNING);
  SLOT_QUEUE = keyTarget(KEY_QUEUE);
  SLOT_UNBOOTSTRAPPED = keyTarget(KEY_UNBOOTSTRAPPED);
  SLOT_PREALLOC = keyTarget(KEY_PREALLOC);
  SLOT_BOOTSTRAP = keyTarget(KEY_BOOTSTRAP);
  SLOT_TRANSFERRING = keyTarget(KEY_TRANSFERRING);
  SLOT_INFLIGHT = keyTarget(KEY_INFLIGHT);
  SLOT_TRANSFER = keyTarget(KEY_TRANSFER);
  // Whether these keys fill every value slot (then no slot needs clearing first).
  let filled: u64 = 0;
  const slots: StaticArray<i32> = [SLOT_NEW_SEQ, SLOT_NEW_TOKEN, SLOT_CACHED, SLOT_RUNNING, SLOT_QUEUE, SLOT_UNBOOTSTRAPPED, SLOT_PREALLOC, SLOT_BOOTSTRAP, SLOT_TRANSFERRING, SLOT_INFLIGHT, SLOT_TRANSFER];
  for (let k = 0; k < slots.length; k++) if (unchecked(slots[k]) >= 0) filled |= (<u64>1) << <u64>unchecked(slots[k]);
  coversAll = valueSlots() < 64 && filled == ((<u64>1) << <u64>valueSlots()) - 1;
}

/** Whether this reader's keys fill every value slot of the key table (resolveCommaKeys). */
let coversAll = false;

// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline function keep(entry: usize, slot: i32, value: f64): void {
  if (slot >= 0) put(entry, VALUES + slot, value);
}

/** `YYYY-MM-DD HH:MM` of the last batch line read (two words) and that minute as YYYYMMDDHHMM. */
let lastMinuteLow: u64 = 0xffffffffffffffff; // no valid stamp: its bytes are not ASCII
let lastMinuteHigh: u64 = 0xffffffffffffffff;
let lastMinute: f64 = 0;

/** Reads the line into `entry` as a batch record, or returns false. The line's bytes are [line, e). */
export function readCommaBatch(line: usize, e: usize, entry: usize): boolean {
  // Without the key table (or the keys every line needs in it) nothing is read here.
  if (SLOT_QUEUE < 0 || SLOT_NEW_TOKEN < 0 || SLOT_RUNNING < 0) return false;
  if (<i32>(e - line) > MAX_BATCH_LINE) return false;
  // From here on the line is read from SGLang's `[`: what comes before it was checked whole.
  const s = load<u8>(line) == 0x5b ? line : envelopeEnd(line, e);
  if (s == NONE) return false;
  // `[YYYY-MM-DD HH:MM:SS` is 20 bytes; the bracket closes at the first `]` after it.
  let close = s + 20;
  while (close < e && load<u8>(close) != 0x5d) close++;
  if (close >= e) return false;
  let prefill: boolean;
  let at: usize;
  let index = NONE; // the `[` of an iteration index ` [N]` (SGLANG_LOG_FORWARD_ITERS), if any
  if (startsWith(close, e, PREFILL_HEADER)) {
    prefill = true;
    at = close + lengthOf(PREFILL_HEADER) - 1;
  } else if (startsWith(close, e, DECODE_HEADER)) {
    prefill = false;
    at = close + lengthOf(DECODE_HEADER) - 1;
  } else {
    // `] Prefill batch [N], #`: the same shape with the iteration index before its comma.
    if (startsWith(close, e, PREFILL_WORDS)) prefill = true;
    else if (startsWith(close, e, DECODE_WORDS)) prefill = false;
    else return false;
    index = close + lengthOf(prefill ? PREFILL_WORDS : DECODE_WORDS) - 1;
    let i = index + 1;
    while (i < e && <u32>load<u8>(i) - 48 < 10) i++;
    if (i == index + 1 || i + 3 >= e || load<u8>(i) != 0x5d || load<u8>(i + 1) != 0x2c || load<u8>(i + 2) != 0x20 || load<u8>(i + 3) != 0x23) return false;
    at = i + 3;
  }
  // One pass over the line: nothing for envelope stripping to remove (non-ASCII, ESC), no second
  // bracket to read ranks from (the index is none: it follows the message); a decode line must
  // not hold a second `batch` (the full parser looks for `Prefill batch` first anywhere in the
  // line); and where the `#`s are.
  // The index's `[` is hidden from the pass for its length (the buffer is the kernel's own, and the
  // byte is put back before anything else reads it): letting it through with a test per block
  // cost the comma shape's own lines ~1 ms in 36 (kernel alone, batch-dense).
  if (index != NONE) store<u8>(index, 0x28);
  const plain = classify(s, e, prefill ? NONE : close + 14);
  if (index != NONE) store<u8>(index, 0x5b);
  if (!plain) return false;

  // The timestamp: kept as wall-clock fields, turned into ms (with --tz) by sglang-batch.ts. Lines of a
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
  put(entry, OFFSET, NaN);
  put(entry, LEGACY, 0);
  put(entry, PREFIX, <f64>PREFIX_NATIVE);
  // The key table's value slots; a key it does not hold is read (and checked) but not kept.
  if (!coversAll) for (let v = 0; v < valueSlots(); v++) put(entry, VALUES + v, -1);
  keep(entry, SLOT_NEW_SEQ, newSeq);
  keep(entry, SLOT_NEW_TOKEN, newTokens);
  keep(entry, SLOT_CACHED, cached);
  keep(entry, SLOT_RUNNING, running);
  keep(entry, SLOT_QUEUE, queue);
  keep(entry, SLOT_UNBOOTSTRAPPED, unbootstrapped);
  keep(entry, SLOT_PREALLOC, prealloc);
  keep(entry, SLOT_BOOTSTRAP, bootstrap);
  keep(entry, SLOT_TRANSFERRING, transferring);
  keep(entry, SLOT_INFLIGHT, inflight);
  keep(entry, SLOT_TRANSFER, transfer);
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
  for (let r = 0; r < RANK_TAGS; r++) put(entry, DP + r, -1);
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

/**
 * The `[` of SGLang's bracket after an envelope in [s, e): the first `[` followed by four digits
 * and `-` (what the bracket's date starts with; the reader checks the rest). NONE when the text
 * before it is not ASCII, holds ESC or `batch` (the full parser would strip the one, and take the
 * first `Prefill batch` of the line, wherever), or an ESC-less colour code (which it strips).
 */
function envelopeEnd(s: usize, e: usize): usize {
  for (let i = s; i + 20 < e; i++) {
    const c = <u32>load<u8>(i);
    if (c >= 0x80 || c == 0x1b) return NONE;
    if (c == 0x62 && startsWith(i, e, BATCH)) return NONE;
    if (c != 0x5b) continue;
    if (digits(i + 1, 4) >= 0 && load<u8>(i + 5) == 0x2d) return i;
    if (bareSgrEnd(i, e) != 0) return NONE;
  }
  return NONE;
}

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


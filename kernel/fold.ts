// Folding: the SGLang batch records the kernel reads (batch.ts) summed inside the kernel, per phase
// and rank labels, instead of handed to JavaScript one entry per line. A scheduler log is mostly
// batch lines; per line, JavaScript cost more than the whole scan (warm-up included: each thread
// starts interpreted). What it takes from a fold instead is a few groups per task (src/scan/kernel.ts
// reads them; src/aggregate adds them exactly as it adds the lines one by one).
//
// Exact by construction, or not at all: a record this code cannot sum exactly (a count past the
// histogram, a minute whose zone offset changes inside it) stays an entry, for the usual path. And
// JavaScript sees everything in the order of the lines: the fold is handed over (a call out to
// JavaScript, in the middle of a scan) before any entry that follows folded records, and a scan
// that holds entries stops before the next record it would fold (scan.ts, emit).
import { cachedSlot, newSeqSlot, newTokenSlot, queueSlot, runningSlot } from './batch';

// ---------------------------------------------------------------- layout (read by src/scan/kernel.ts)
// Sizes: a worker's ranks all fit (the largest deployments log a few hundred per worker; past
// MAX_GROUPS each new group flushes the fold, which still reads right, only slower). Only what the
// groups touch is ever resident. A group's window spans 21 minutes of log; 85 minutes (1024) made
// the 500 MiB benchmark ~6 % slower, not faster, though it flushes a quarter as often.
/** Groups held at once (distinct phase + rank labels); one more flushes the fold. */
export const MAX_GROUPS: i32 = 512;
/** Queue and running values summed in histograms: 0 … HIST_VALUES − 1 (others stay entries). */
export const HIST_VALUES: i32 = 1024;
/** Buckets a group holds, from its first one; a bucket past them flushes the fold. */
export const WINDOW_BUCKETS: i32 = 256;

// f64 fields of a group
export const G_PHASE: i32 = 0; // 1 prefill, 2 decode (the entry KIND)
export const G_DP: i32 = 1; // then TP, PP, ATTN_CP; −1 absent
export const G_LINES: i32 = 5;
export const G_NEW_TOKENS: i32 = 6; // sums over the lines that carry them
export const G_NEW_SEQ: i32 = 7;
export const G_CACHED: i32 = 8;
export const G_QUEUED: i32 = 9; // lines with #queue-req > 0 and #running-req
export const G_RUN_MIN: i32 = 10; // #running-req on those: min, max (−1 none)
export const G_RUN_MAX: i32 = 11;
export const G_FIRST: i32 = 12; // earliest and latest time (NaN none)
export const G_LAST: i32 = 13;
export const G_BUCKET_BASE: i32 = 14; // bucket index of window slot 0
export const G_BUCKETS: i32 = 15; // buckets in the window, in `order`
export const G_QUEUE_TOP: i32 = 16; // 1 + highest queue value in the histogram
export const G_RUNNING_TOP: i32 = 17;
export const GROUP_FIELDS: i32 = 18;
/** f64 fields per window slot: batches, new tokens, max queue */
export const BUCKET_FIELDS: i32 = 3;

/** How the lines of a minute are timed, from `hostMinuteStart`: NaN untimed, −Infinity declined. */
const MINUTE_TIMED: i32 = 0;
const MINUTE_UNTIMED: i32 = 1;
const MINUTE_DECLINED: i32 = 2;

// JavaScript, called from inside a scan (src/scan/kernel.ts binds them per instance):
/** Takes the fold (reads the groups, then calls resetFold). */
// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@external("env", "hostFlushFold")
declare function hostFlushFold(): void;
/**
 * When minute YYYYMMDDHHMM starts (sglangMinuteStart), in the zone of `offset` minutes east of UTC,
 * or, NaN, in --tz: its first instant, NaN (untimed) or −Infinity (declined).
 */
// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@external("env", "hostMinuteStart")
declare function hostMinuteStart(minute: f64, offset: f64): f64;

const groups: usize = heap.alloc(<usize>(MAX_GROUPS * GROUP_FIELDS * 8));
/** per group: queue histogram, then running histogram (u32 counts) */
const histograms: usize = heap.alloc(<usize>(MAX_GROUPS * 2 * HIST_VALUES * 4));
/** per group: WINDOW_BUCKETS slots of BUCKET_FIELDS f64 */
const windows: usize = heap.alloc(<usize>(MAX_GROUPS * WINDOW_BUCKETS * BUCKET_FIELDS * 8));
/** per group: window slots in the order their buckets were first seen (u16) */
const orders: usize = heap.alloc(<usize>(MAX_GROUPS * WINDOW_BUCKETS * 2));
/** open addressing over groups: group index + 1, 0 empty */
const HASH_SLOTS: i32 = 1024;
const hashTable: usize = heap.alloc(<usize>(HASH_SLOTS * 4));
/** minutes, direct-mapped: key (YYYYMMDDHHMM, −1 empty, and the zone: zoneKey), first instant (f64), how (i32) */
const MINUTE_SLOTS: i32 = 64;
const minuteKeys: usize = heap.alloc(<usize>(MINUTE_SLOTS * 8));
const minuteZones: usize = heap.alloc(<usize>(MINUTE_SLOTS * 8));
const minuteStarts: usize = heap.alloc(<usize>(MINUTE_SLOTS * 8));
const minuteHow: usize = heap.alloc(<usize>(MINUTE_SLOTS * 4));

let folding = false;
let bucketMs: f64 = 5000;
let groupCount: i32 = 0;

export function foldGroupsAt(): usize {
  return groups;
}
export function foldHistogramsAt(): usize {
  return histograms;
}
export function foldGroupCount(): i32 {
  return groupCount;
}
/** Fold from now on (or not), with buckets of `bucket` ms; empties the fold and the minutes. */
export function configureFold(on: boolean, bucket: f64): void {
  folding = on;
  bucketMs = bucket;
  resetFold();
  for (let m = 0; m < MINUTE_SLOTS; m++) store<f64>(minuteKeys + <usize>m * 8, -1);
}

// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline export function isFolding(): boolean {
  return folding;
}

/** Hands the fold, if any, to JavaScript now: what comes next must follow it. */
export function flushFold(): void {
  if (groupCount > 0) hostFlushFold();
}

/** Where `packBuckets` writes: WINDOW_BUCKETS × (index, batches, new tokens, max queue) f64. */
const packed: usize = heap.alloc(<usize>(WINDOW_BUCKETS * 4 * 8));
export function foldPackedAt(): usize {
  return packed;
}

/** Writes group g's buckets, in the order first seen, to `foldPackedAt()`: the flat form BucketSeries.addAll takes. */
export function packBuckets(g: i32): void {
  const group = groupAt(g);
  const base = load<f64>(group + G_BUCKET_BASE * 8);
  const order = orders + <usize>(g * WINDOW_BUCKETS * 2);
  const window = windows + <usize>(g * WINDOW_BUCKETS * BUCKET_FIELDS * 8);
  const buckets = <i32>load<f64>(group + G_BUCKETS * 8);
  for (let b = 0; b < buckets; b++) {
    const slot = <usize>load<u16>(order + <usize>b * 2);
    const cell = window + slot * BUCKET_FIELDS * 8;
    const out = packed + <usize>b * 32;
    store<f64>(out, base + <f64>slot);
    store<f64>(out + 8, load<f64>(cell));
    store<f64>(out + 16, load<f64>(cell + 8));
    store<f64>(out + 24, load<f64>(cell + 16));
  }
}

/** Empties the fold (JavaScript has read it). Clears only what the groups used. */
export function resetFold(): void {
  for (let g = 0; g < groupCount; g++) {
    const group = groupAt(g);
    memory.fill(histograms + <usize>(g * 2 * HIST_VALUES * 4), 0, <usize>(<i32>load<f64>(group + G_QUEUE_TOP * 8) * 4));
    memory.fill(histograms + <usize>((g * 2 + 1) * HIST_VALUES * 4), 0, <usize>(<i32>load<f64>(group + G_RUNNING_TOP * 8) * 4));
    const order = orders + <usize>(g * WINDOW_BUCKETS * 2);
    const window = windows + <usize>(g * WINDOW_BUCKETS * BUCKET_FIELDS * 8);
    const buckets = <i32>load<f64>(group + G_BUCKETS * 8);
    for (let b = 0; b < buckets; b++) memory.fill(window + <usize>load<u16>(order + <usize>b * 2) * BUCKET_FIELDS * 8, 0, <usize>(BUCKET_FIELDS * 8));
  }
  memory.fill(hashTable, 0, <usize>(HASH_SLOTS * 4));
  groupCount = 0;
}

/** The zone of a minute as a cache key: its offset, or (NaN, --tz) a value no offset takes. */
function zoneKey(offset: f64): f64 {
  return offset != offset ? 1e9 : offset;
}

/** An entry's value in `slot`, −1 (absent) when the role has no slot. */
// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline function valueOf(entry: usize, slot: i32): f64 {
  return slot < 0 ? -1 : load<f64>(entry + <usize>slot * 8);
}

/**
 * Adds a record batch.ts read (`dp`: its four rank slots DP, TP, PP, ATTN_CP; `entry`: its value
 * slots) to the fold, handing the fold to JavaScript first when it has no room for it; false when
 * the record must stay an entry (then nothing changed).
 */
export function foldRecord(kind: f64, minute: f64, second: f64, milli: f64, offset: f64, dp: usize, entry: usize): boolean {
  const queue = valueOf(entry, queueSlot());
  const running = valueOf(entry, runningSlot());
  const newTokens = valueOf(entry, newTokenSlot());
  const newSeq = valueOf(entry, newSeqSlot());
  const cached = valueOf(entry, cachedSlot());
  const m = minuteSlot(minute);
  const zone = zoneKey(offset);
  if (load<f64>(minuteKeys + m * 8) != minute || load<f64>(minuteZones + m * 8) != zone) {
    const start = hostMinuteStart(minute, offset);
    store<f64>(minuteKeys + m * 8, minute);
    store<f64>(minuteZones + m * 8, zone);
    store<f64>(minuteStarts + m * 8, start);
    store<i32>(minuteHow + m * 4, start != start ? MINUTE_UNTIMED : start == -Infinity ? MINUTE_DECLINED : MINUTE_TIMED);
  }
  const how = load<i32>(minuteHow + m * 4);
  if (how == MINUTE_DECLINED || queue >= <f64>HIST_VALUES || running >= <f64>HIST_VALUES) return false;
  // What sglangBatchFromKernel computes: seconds up to 60 (leap seconds), else untimed.
  const timed = how == MINUTE_TIMED && second <= 60;
  const time = timed ? load<f64>(minuteStarts + m * 8) + second * 1000 + milli : 0;
  const bucket = timed ? Math.floor(time / bucketMs) : 0;

  const dpValue = load<f64>(dp);
  const tp = load<f64>(dp + 8);
  const pp = load<f64>(dp + 16);
  const cp = load<f64>(dp + 24);
  let hash = (((<i32>kind * 31 + <i32>dpValue) * 31 + <i32>tp) * 31 + <i32>pp) * 31 + <i32>cp;
  hash = (hash ^ (hash >>> 7)) & (HASH_SLOTS - 1);
  // The group's slot in the hash table: where it is, or the free slot a new one takes.
  let at = probe(hash, kind, dpValue, tp, pp, cp);
  let g = load<i32>(hashTable + <usize>at * 4) - 1;
  // No room: a new group past MAX_GROUPS, or a bucket outside its group's window.
  let full = g < 0 && groupCount == MAX_GROUPS;
  let slot: i32 = 0;
  if (timed && g >= 0 && load<f64>(groupAt(g) + G_BUCKETS * 8) > 0) {
    const offset = bucket - load<f64>(groupAt(g) + G_BUCKET_BASE * 8);
    full = offset < 0 || offset >= <f64>WINDOW_BUCKETS;
    slot = <i32>offset;
  }
  if (full) {
    hostFlushFold(); // empties the table: the record starts a group of its own, at its hash
    at = hash;
    g = -1;
    slot = 0;
  }

  // From here on the record is taken.
  if (g == -1) {
    g = groupCount++;
    store<i32>(hashTable + <usize>at * 4, g + 1);
    const group = groupAt(g);
    memory.fill(group, 0, <usize>(GROUP_FIELDS * 8));
    store<f64>(group, kind);
    store<f64>(group + 8, dpValue);
    store<f64>(group + 16, tp);
    store<f64>(group + 24, pp);
    store<f64>(group + 32, cp);
    store<f64>(group + G_RUN_MIN * 8, -1);
    store<f64>(group + G_RUN_MAX * 8, -1);
    store<f64>(group + G_FIRST * 8, NaN);
    store<f64>(group + G_LAST * 8, NaN);
  }
  const group = groupAt(g);
  add(group, G_LINES, 1);
  if (newTokens >= 0) add(group, G_NEW_TOKENS, newTokens);
  if (newSeq >= 0) add(group, G_NEW_SEQ, newSeq);
  if (cached >= 0) add(group, G_CACHED, cached);
  // queue is always there (batch.ts requires it); running may be absent (−1) on prefill lines.
  count(g, 0, <i32>queue, G_QUEUE_TOP);
  if (running >= 0) {
    count(g, 1, <i32>running, G_RUNNING_TOP);
    if (queue > 0) {
      add(group, G_QUEUED, 1);
      const low = load<f64>(group + G_RUN_MIN * 8);
      if (low < 0 || running < low) store<f64>(group + G_RUN_MIN * 8, running);
      if (running > load<f64>(group + G_RUN_MAX * 8)) store<f64>(group + G_RUN_MAX * 8, running);
    }
  }
  if (timed) {
    const first = load<f64>(group + G_FIRST * 8);
    if (first != first || time < first) store<f64>(group + G_FIRST * 8, time);
    const last = load<f64>(group + G_LAST * 8);
    if (last != last || time > last) store<f64>(group + G_LAST * 8, time);
    const buckets = <i32>load<f64>(group + G_BUCKETS * 8);
    if (buckets == 0) store<f64>(group + G_BUCKET_BASE * 8, bucket);
    const cell = windows + <usize>((g * WINDOW_BUCKETS + slot) * BUCKET_FIELDS * 8);
    const batches = load<f64>(cell);
    if (batches == 0) {
      store<u16>(orders + <usize>((g * WINDOW_BUCKETS + buckets) * 2), <u16>slot);
      store<f64>(group + G_BUCKETS * 8, <f64>(buckets + 1));
      store<f64>(cell + 16, queue);
    } else if (queue > load<f64>(cell + 16)) {
      store<f64>(cell + 16, queue);
    }
    store<f64>(cell, batches + 1);
    store<f64>(cell + 8, load<f64>(cell + 8) + (newTokens >= 0 ? newTokens : 0));
  }
  return true;
}

/** The hash slot, from `hash` on, that holds the group with this key, or the first free one. */
function probe(hash: i32, kind: f64, dp: f64, tp: f64, pp: f64, cp: f64): i32 {
  // The table always has free slots (MAX_GROUPS < HASH_SLOTS), so the probe ends.
  for (let held = load<i32>(hashTable + <usize>hash * 4); held != 0; held = load<i32>(hashTable + <usize>hash * 4)) {
    const group = groupAt(held - 1);
    if (load<f64>(group) == kind && load<f64>(group + 8) == dp && load<f64>(group + 16) == tp && load<f64>(group + 24) == pp && load<f64>(group + 32) == cp) break;
    hash = (hash + 1) & (HASH_SLOTS - 1);
  }
  return hash;
}

// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline function groupAt(g: i32): usize {
  return groups + <usize>(g * GROUP_FIELDS * 8);
}

// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline function add(group: usize, field: i32, value: f64): void {
  store<f64>(group + <usize>field * 8, load<f64>(group + <usize>field * 8) + value);
}

/** One more line with `value` in histogram `which` (0 queue, 1 running) of group g. */
// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline function count(g: i32, which: i32, value: i32, topField: i32): void {
  const at = histograms + <usize>(((g * 2 + which) * HIST_VALUES + value) * 4);
  store<u32>(at, load<u32>(at) + 1);
  const group = groupAt(g);
  if (<f64>(value + 1) > load<f64>(group + <usize>topField * 8)) store<f64>(group + <usize>topField * 8, <f64>(value + 1));
}

/** A minute's cache slot (minutes are non-negative; a mask, not a 64-bit division, ~40 cycles). */
// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline function minuteSlot(minute: f64): usize {
  return <usize>(<i64>minute & <i64>(MINUTE_SLOTS - 1));
}

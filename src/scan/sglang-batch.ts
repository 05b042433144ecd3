/**
 * SGLang batch records as the scanning kernel reads them (kernel/comma.ts for the native comma
 * shape, kernel/batch.ts for the rest): every `Prefill batch` / `Decode batch` shape
 * parseSglangLine takes, in every envelope, read from bytes with no string made. The kernel finds
 * the message, reads the header, the prefix (SGLang's own bracket, or a custom layout's brackets and
 * logger timestamp) and the body's `key: value` pairs into slots; the keys and their slots are set
 * from here (`setSglangBatchKeys`), and this module maps the slots to
 * the record's fields. What the kernel cannot follow exactly it declines (non-ASCII bytes, `DP-1`,
 * malformed counts, missing required fields, over-long lines), and those lines go to
 * `parseSglangLine`, which stays the definition of what a line means: for the lines it takes, the
 * record here must equal that parser's (test/parse/sglang-kernel.test.ts checks every fixture line,
 * every bench format and thousands of mutated lines).
 */
import { entryLayout, type Kernel } from './kernel.ts';
import { UTC_ZONE, wallClockToMs, type Zone } from '../parse/timestamps.ts';
import type { BatchRecord, RankLabels } from '../model/records.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The keys of the fields parseSglangLine reads (its `value(line, key, body)` calls), each to its
 * value slot; the record's aliases are resolved below (`sglangBatchFromSlots`).
 */
const NEW_SEQ = 0;
const NEW_TOKEN = 1;
const CACHED = 2;
const RUNNING = 3;
const QUEUE = 4;
const UNBOOTSTRAPPED = 5;
const PREALLOC = 6;
const BOOTSTRAP = 7;
const TRANSFERRING = 8;
const INFLIGHT = 9;
const TRANSFER = 10;
const COUNT_KEYS: ReadonlyArray<readonly [slot: number, key: string]> = [
  [NEW_SEQ, '#new-seq: '],
  [NEW_TOKEN, '#new-token: '],
  [CACHED, '#cached-token: '],
  [RUNNING, '#running-req: '],
  [QUEUE, '#queue-req: '],
  [UNBOOTSTRAPPED, '#unbootstrapped-req: '],
  [PREALLOC, '#prealloc-req: '],
  [BOOTSTRAP, '#bootstrap-req: '],
  [TRANSFERRING, '#transferring-req: '],
  [INFLIGHT, '#inflight-req: '],
  [TRANSFER, '#transfer-req: '],
];

/**
 * Keys whose presence decides `legacy` on `.` lines (parseSglangLine): `cache hit rate` marks the
 * old prefill shape; any graph flag, `largest-len` or `pre-allocated usage` marks a decode line
 * as new (its MODERN_DECODE_KEYS).
 */
const LEGACY_PREFILL_KEYS = ['cache hit rate: '] as const;
const MODERN_DECODE_KEYS = ['cuda graph: ', 'cpu graph: ', 'npu graph: ', 'musa graph: ', 'largest-len: ', 'pre-allocated usage: '] as const;

/**
 * Writes the key table into the kernel (once per kernel): keys, then rows of (pointer, length,
 * target) i32, target a value slot or −mark. Throws if the table does not fit (a bug).
 */
export function setSglangBatchKeys(kernel: Kernel): void {
  if (kernel.batchKeysSet) return;
  const L = entryLayout();
  const keys: Array<{ key: string; target: number }> = [
    ...COUNT_KEYS.map(([slot, key]) => ({ key, target: slot })),
    ...LEGACY_PREFILL_KEYS.map((key) => ({ key, target: -L.MARK_LEGACY_PREFILL })),
    ...MODERN_DECODE_KEYS.map((key) => ({ key, target: -L.MARK_MODERN_DECODE })),
  ];
  const memory = kernel.memory;
  const tableAt = kernel.batchKeysAt;
  let bytesAt = tableAt + keys.length * 12;
  for (const [row, { key, target }] of keys.entries()) {
    const length = memory.write(key, bytesAt, 'latin1');
    memory.writeInt32LE(bytesAt, tableAt + row * 12);
    memory.writeInt32LE(length, tableAt + row * 12 + 4);
    memory.writeInt32LE(target, tableAt + row * 12 + 8);
    bytesAt += length;
  }
  const fits = bytesAt <= kernel.batchKeysAt + kernel.batchKeyBytes && kernel.exports.setBatchKeys(tableAt, keys.length, COUNT_KEYS.length, NEW_SEQ, NEW_TOKEN, CACHED, RUNNING, QUEUE) === 1;
  if (!fits) throw new Error('dpskew kernel: the SGLang batch keys do not fit its table (a bug: please report it)');
  kernel.batchKeysSet = true;
}

/**
 * The one record (and rank labels) filled and returned: a candidate's record is consumed before
 * the next candidate (scanner.ts), so reading a line allocates nothing.
 */
const RANKS: Mutable<RankLabels> = { dp: undefined, tp: undefined, pp: undefined, attnCp: undefined, moeDp: undefined, ep: undefined };
const RECORD: Mutable<BatchRecord> = {
  kind: 'batch',
  phase: 'prefill',
  time: undefined,
  ranks: RANKS,
  newSeq: undefined,
  newTokens: undefined,
  cachedTokens: undefined,
  running: undefined,
  queue: undefined,
  bootstrapQueue: undefined,
  inflight: undefined,
  legacy: false,
  prefix: 'native',
  fetched: undefined,
  fetchedTotal: undefined,
};

/** The last minute and zone offset seen (YYYYMMDDHHMM) and its wall clock as if UTC: lines of a minute share it. */
let lastMinute = -1;
let lastMinuteWall: number | undefined = undefined;

/** Slot offsets, from the kernel (read once). */
const L = entryLayout();
const { MINUTE, SECOND, MILLI, OFFSET, LEGACY, PREFIX, PREFIX_NATIVE, PREFIX_CUSTOM, DP, VALUES } = L;

/**
 * The batch record the kernel read into entry `at` of `s` (`kind` 1 prefill, 2 decode).
 * @param zone the zone of zone-less timestamps (`--tz`)
 */
export function sglangBatchFromSlots(s: Float64Array, at: number, kind: number, zone: Zone = UTC_ZONE): BatchRecord {
  const minute = s[at + MINUTE] as number;
  if (minute !== lastMinute) {
    lastMinute = minute;
    lastMinuteWall = minuteWall(minute);
  }
  const second = s[at + SECOND] as number;
  const offset = s[at + OFFSET] as number;
  // What wallClockToMs(…, second, ms, zone) gives, without re-reading the minute: seconds up to 60
  // (leap seconds), the zone applied to the whole reading; an impossible date leaves the line
  // untimed. A stamp with its own zone (a custom layout's ISO stamp) is read in it (findTimestamp).
  const wall = lastMinuteWall === undefined || second > 60 ? undefined : lastMinuteWall + second * 1000 + (s[at + MILLI] as number);
  const record = RECORD;
  record.phase = kind === 1 ? 'prefill' : 'decode';
  record.time = wall === undefined ? undefined : Number.isNaN(offset) ? zone.toUtc(wall) : wall - offset * 60_000;
  const ranks = RANKS;
  ranks.dp = _count(s, at + DP);
  ranks.tp = _count(s, at + DP + 1);
  ranks.pp = _count(s, at + DP + 2);
  ranks.attnCp = _count(s, at + DP + 3);
  ranks.moeDp = _count(s, at + DP + 4);
  ranks.ep = _count(s, at + DP + 5);
  const v = at + VALUES;
  record.newSeq = _count(s, v + NEW_SEQ);
  record.newTokens = _count(s, v + NEW_TOKEN);
  record.cachedTokens = _count(s, v + CACHED);
  record.running = _count(s, v + RUNNING);
  record.queue = _count(s, v + QUEUE);
  // §7 aliases, in parseSglangLine's order.
  record.bootstrapQueue = _count(s, v + UNBOOTSTRAPPED) ?? _count(s, v + PREALLOC) ?? _count(s, v + BOOTSTRAP);
  record.inflight = _count(s, v + TRANSFERRING) ?? _count(s, v + INFLIGHT) ?? _count(s, v + TRANSFER);
  record.legacy = s[at + LEGACY] === 1;
  const prefix = s[at + PREFIX];
  record.prefix = prefix === PREFIX_NATIVE ? 'native' : prefix === PREFIX_CUSTOM ? 'custom' : 'none';
  return record;
}

/** Minute YYYYMMDDHHMM at :00.000 as a wall clock read as UTC; undefined for an impossible date (and 0, no date). */
function minuteWall(minute: number): number | undefined {
  const [year, month, day, hour, min] = [Math.floor(minute / 1e8), Math.floor(minute / 1e6) % 100, Math.floor(minute / 1e4) % 100, Math.floor(minute / 100) % 100, minute % 100];
  return wallClockToMs(year, month, day, hour, min, 0, 0, UTC_ZONE);
}

/** The furthest a line's stamp can be into its minute: second 60 (a leap second), ms 999. */
const MINUTE_SPAN_MS = 60_999;

/**
 * When a minute `YYYYMMDDHHMM` of stamps starts, for the fold: what makes a folded line's time
 * equal the time sglangBatchFromSlots gives it. Zone-less stamps (`offset` NaN) are in `zone`,
 * `zone.toUtc(wall + second · 1000 + ms)`; zones take their offset per wall-clock hour
 * (timestamps.ts), so one offset at both ends of the minute holds all through it, else null.
 * Stamps with their own zone are `wall − offset` exactly. NaN for an impossible date (untimed).
 */
export function sglangMinuteStart(minute: number, offset: number, zone: Zone = UTC_ZONE): number | null {
  const wall = minuteWall(minute);
  if (wall === undefined) return Number.NaN;
  if (!Number.isNaN(offset)) return wall - offset * 60_000;
  const start = zone.toUtc(wall);
  return zone.toUtc(wall + MINUTE_SPAN_MS) - MINUTE_SPAN_MS === start ? start : null;
}

/** A slot's count; -1 is the kernel's "absent" (every count is non-negative). */
function _count(slots: Float64Array, i: number): number | undefined {
  const v = slots[i] as number;
  return v < 0 ? undefined : v;
}

/**
 * SGLang batch records as the scanning kernel reads them (kernel/scan.ts): the one line shape that
 * makes up nearly all of a scheduler log,
 *
 *   [2026-04-14 10:00:01 DP3 TP3 EP3] Prefill batch, #new-seq: 2, #new-token: 5000, …, #queue-req: 12, …
 *
 * read from bytes, with no string made. The kernel declines every other shape (other prefixes,
 * envelopes, ANSI codes, legacy `Prefill batch.` headers, iteration tags, time-only stamps,
 * repeated or unknown rank tags, malformed counts, missing required fields), and those lines go
 * to `parseSglangLine`, which stays the definition of what a line means: for the lines it takes,
 * the record here must equal that parser's (test/parse/sglang-kernel.test.ts checks every fixture
 * line and thousands of mutated ones).
 */
import { entryLayout } from './kernel.ts';
import { UTC_ZONE, wallClockToMs, type Zone } from '../parse/timestamps.ts';
import type { BatchRecord, RankLabels } from '../model/records.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

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

/** The last minute seen (YYYYMMDDHHMM) and its wall clock as if UTC: lines of a minute share it. */
let lastMinute = -1;
let lastMinuteWall: number | undefined = undefined;

/** Slot offsets, from the kernel (read once). */
const L = entryLayout();
const MINUTE = L.MINUTE;
const SECOND = L.SECOND;
const MILLI = L.MILLI;
const DP = L.DP;
const NEW_SEQ = L.NEW_SEQ;
const NEW_TOKEN = L.NEW_TOKEN;
const CACHED = L.CACHED;
const RUNNING = L.RUNNING;
const QUEUE = L.QUEUE;
const BOOTSTRAP_QUEUE = L.BOOTSTRAP_QUEUE;
const INFLIGHT = L.INFLIGHT;

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
  // What wallClockToMs(…, second, ms, zone) gives, without re-reading the minute: seconds up to 60
  // (leap seconds), the zone applied to the whole reading; an impossible date leaves the line untimed.
  const time = lastMinuteWall === undefined || second > 60 ? undefined : zone.toUtc(lastMinuteWall + second * 1000 + (s[at + MILLI] as number));
  const record = RECORD;
  record.phase = kind === 1 ? 'prefill' : 'decode';
  record.time = time;
  const ranks = RANKS;
  ranks.dp = _count(s, at + DP);
  ranks.tp = _count(s, at + DP + 1);
  ranks.pp = _count(s, at + DP + 2);
  ranks.attnCp = _count(s, at + DP + 3);
  ranks.moeDp = _count(s, at + DP + 4);
  ranks.ep = _count(s, at + DP + 5);
  record.newSeq = _count(s, at + NEW_SEQ);
  record.newTokens = _count(s, at + NEW_TOKEN);
  record.cachedTokens = _count(s, at + CACHED);
  record.running = _count(s, at + RUNNING);
  record.queue = _count(s, at + QUEUE);
  record.bootstrapQueue = _count(s, at + BOOTSTRAP_QUEUE);
  record.inflight = _count(s, at + INFLIGHT);
  return record;
}

/** Minute YYYYMMDDHHMM at :00.000 as a wall clock read as UTC; undefined for an impossible date. */
function minuteWall(minute: number): number | undefined {
  const [year, month, day, hour, min] = [Math.floor(minute / 1e8), Math.floor(minute / 1e6) % 100, Math.floor(minute / 1e4) % 100, Math.floor(minute / 100) % 100, minute % 100];
  return wallClockToMs(year, month, day, hour, min, 0, 0, UTC_ZONE);
}

/** The furthest a line's stamp can be into its minute: second 60 (a leap second), ms 999. */
const MINUTE_SPAN_MS = 60_999;

/**
 * When a minute `YYYYMMDDHHMM` of zone-less SGLang stamps starts, for the fold: what makes a folded
 * line's time equal the time sglangBatchFromSlots gives it, `zone.toUtc(wall + second · 1000 + ms)`. Zones take their offset
 * per wall-clock hour (timestamps.ts), so one offset at both ends of the minute holds all through it.
 */
export function sglangMinuteStart(minute: number, zone: Zone = UTC_ZONE): number | null {
  const wall = minuteWall(minute);
  if (wall === undefined) return Number.NaN;
  const start = zone.toUtc(wall);
  return zone.toUtc(wall + MINUTE_SPAN_MS) - MINUTE_SPAN_MS === start ? start : null;
}

/** A slot's count; -1 is the kernel's "absent" (every count is non-negative). */
function _count(slots: Float64Array, i: number): number | undefined {
  const v = slots[i] as number;
  return v < 0 ? undefined : v;
}

/**
 * The byte-level fast path of the SGLang parser, for the one shape that makes up nearly all of a
 * scheduler log: a pure-ASCII line that starts with SGLang's own bracket and a modern batch header,
 *
 *   [2026-04-14 10:00:01 DP3 TP3 EP3] Prefill batch, #new-seq: 2, #new-token: 5000, …, #queue-req: 12, …
 *
 * It reads bytes instead of decoding the line, jumps from `#` to `#`, and returns exactly the
 * record `parseSglangLine` returns for that line. Anything else (other prefixes, envelopes, ANSI
 * codes, legacy `Prefill batch.` headers, iteration tags, time-only stamps, repeated or unknown
 * rank tags, malformed counts, missing required fields) returns `null` and goes to
 * `parseSglangLine`, which stays the definition of what a line means.
 */
import { UTC_ZONE, wallClockToMs, type Zone } from './timestamps.ts';
import { hasEscape, type CandidateLine } from '../io/lines.ts';
import type { BatchRecord, RankLabels } from './types.ts';

const SPACE = 0x20;
const COMMA = 0x2c;
const CR = 0x0d;
const OPEN = 0x5b;
const CLOSE = 0x5d;

/** The count fields a record holds, in `KEYS` order. */
const KEYS = [
  '#new-seq: ',
  '#new-token: ',
  '#cached-token: ',
  '#running-req: ',
  '#queue-req: ',
  '#unbootstrapped-req: ',
  '#prealloc-req: ',
  '#bootstrap-req: ',
  '#transferring-req: ',
  '#inflight-req: ',
  '#transfer-req: ',
] as const;
const KEY_BYTES = KEYS.map((k) => Buffer.from(k, 'latin1'));
// Indexes into KEYS.
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
const NOT_A_KEY = -1;
const KEY_LENGTHS = Int32Array.from(KEY_BYTES, (k) => k.length);
const KEY_WORDS = KEY_BYTES.map(_wordsOf);

const PREFILL_HEADER = Buffer.from('] Prefill batch, #', 'latin1');
const DECODE_HEADER = Buffer.from('] Decode batch, #', 'latin1');
const PREFILL_WORDS = _wordsOf(PREFILL_HEADER);
const DECODE_WORDS = _wordsOf(DECODE_HEADER);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The one record the fast path fills and returns (see LineParser.parseAscii: consumed before the next call). */
const RECORD: Mutable<BatchRecord> = {
  kind: 'batch',
  phase: 'prefill',
  time: undefined,
  ranks: { dp: undefined, tp: undefined, pp: undefined, attnCp: undefined, moeDp: undefined, ep: undefined },
  newSeq: undefined,
  newTokens: undefined,
  cachedTokens: undefined,
  running: undefined,
  queue: undefined,
  bootstrapQueue: undefined,
  inflight: undefined,
  legacy: false,
  prefix: 'native',
};

/**
 * The fast path; see the file comment. The caller has checked that the line is pure ASCII.
 * The record returned is reused by the next call.
 * @param zone the zone of zone-less timestamps (`--tz`)
 */
export function parseSglangAscii(candidate: CandidateLine, zone: Zone = UTC_ZONE): BatchRecord | null {
  const { text, bytes, start, end } = candidate;
  const b0 = candidate.base + start;
  if (bytes[b0] !== OPEN) return null;
  // `[YYYY-MM-DD HH:MM:SS` is 20 bytes; the bracket closes at the first `]`.
  const close = text.indexOf(']', start + 20);
  if (close === -1 || close >= end) return null;
  const bClose = candidate.base + close;
  let prefill: boolean;
  if (_equalsAt(bytes, bClose, PREFILL_WORDS)) prefill = true;
  else if (_equalsAt(bytes, bClose, DECODE_WORDS)) prefill = false;
  else return null;
  // No ESC and no second `[`: nothing for envelope stripping to remove, no other bracket to read
  // ranks from. A decode line must not hold `Prefill batch` anywhere, since the full parser looks
  // for that first: any second `batch` sends it there. (Both searches stop at the next line's `[`
  // or `batch`, so they stay short.)
  const open = text.indexOf('[', start + 1);
  const again = prefill ? -1 : text.indexOf('batch', close + DECODE_HEADER.length - 3);
  if ((open !== -1 && open < end) || (again !== -1 && again < end) || hasEscape(candidate)) return null;

  const time = _bracketTime(bytes, b0, zone);
  if (time === null) return null;
  const ranks = _bracketRanks(bytes, b0 + 20 + (bytes[b0 + 20] === 0x2e ? 4 : 0), bClose);
  if (ranks === null) return null;

  // First value of each key (the full parser's `indexOf` semantics).
  let newSeq: number | undefined;
  let newTokens: number | undefined;
  let cachedTokens: number | undefined;
  let running: number | undefined;
  let queue: number | undefined;
  let unbootstrapped: number | undefined;
  let prealloc: number | undefined;
  let bootstrap: number | undefined;
  let transferring: number | undefined;
  let inflight: number | undefined;
  let transfer: number | undefined;
  const bEnd = candidate.base + end;
  // The body starts at the `#` that ends the header.
  let at = close + (prefill ? PREFILL_HEADER.length : DECODE_HEADER.length) - 1;
  while (at !== -1 && at < end) {
    const bAt = candidate.base + at;
    const key = _keyAt(bytes, bAt, bEnd);
    if (key === NOT_A_KEY) {
      at = text.indexOf('#', at + 1);
      continue;
    }
    let i = bAt + (KEY_LENGTHS[key] ?? 0);
    const first = i;
    let n = 0;
    for (; i < bEnd; i++) {
      const d = (bytes[i] ?? 0) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    // Not a count the full parser would take (no digits, over 15 digits, glued to text): its rules decide.
    if (i === first || i - first > 15) return null;
    if (i < bEnd) {
      const c = bytes[i];
      if (c !== COMMA && c !== SPACE && c !== CR) return null;
    }
    switch (key) {
      case NEW_SEQ:
        newSeq ??= n;
        break;
      case NEW_TOKEN:
        newTokens ??= n;
        break;
      case CACHED:
        cachedTokens ??= n;
        break;
      case RUNNING:
        running ??= n;
        break;
      case QUEUE:
        queue ??= n;
        break;
      case UNBOOTSTRAPPED:
        unbootstrapped ??= n;
        break;
      case PREALLOC:
        prealloc ??= n;
        break;
      case BOOTSTRAP:
        bootstrap ??= n;
        break;
      case TRANSFERRING:
        transferring ??= n;
        break;
      case INFLIGHT:
        inflight ??= n;
        break;
      case TRANSFER:
        transfer ??= n;
        break;
    }
    // Fields are mostly `, #key: n`: when the `#` is right there, no search is needed.
    const next = i - candidate.base;
    at = bytes[i + 2] === 0x23 && bytes[i + 1] !== 0x23 && next + 2 < end ? next + 2 : text.indexOf('#', next);
  }
  if (queue === undefined || (prefill ? newTokens : running) === undefined) return null;
  const record = RECORD;
  record.phase = prefill ? 'prefill' : 'decode';
  record.time = time;
  record.ranks = ranks;
  record.newSeq = newSeq;
  record.newTokens = newTokens;
  record.cachedTokens = cachedTokens;
  record.running = running;
  record.queue = queue;
  record.bootstrapQueue = unbootstrapped ?? prealloc ?? bootstrap;
  record.inflight = transferring ?? inflight ?? transfer;
  return record;
}

/** Which of KEYS starts at `at` (a `#`), or NOT_A_KEY. Two bytes pick the candidate, the rest confirm it. */
function _keyAt(bytes: Buffer, at: number, end: number): number {
  let key: number;
  switch (bytes[at + 1]) {
    case 0x6e: // n
      key = bytes[at + 5] === 0x73 ? NEW_SEQ : NEW_TOKEN;
      break;
    case 0x63: // c
      key = CACHED;
      break;
    case 0x72: // r
      key = RUNNING;
      break;
    case 0x71: // q
      key = QUEUE;
      break;
    case 0x75: // u
      key = UNBOOTSTRAPPED;
      break;
    case 0x70: // p
      key = PREALLOC;
      break;
    case 0x62: // b
      key = BOOTSTRAP;
      break;
    case 0x74: // t
      key = bytes[at + 10] === 0x69 ? TRANSFERRING : TRANSFER;
      break;
    case 0x69: // i
      key = INFLIGHT;
      break;
    default:
      return NOT_A_KEY;
  }
  const words = KEY_WORDS[key];
  return words !== undefined && at + (KEY_LENGTHS[key] ?? 0) <= end && _equalsAt(bytes, at, words) ? key : NOT_A_KEY;
}

/** The last bracket's `YYYY-MM-DD HH:MM` as four 32-bit words, and that wall-clock minute as if UTC (`undefined`: impossible date). */
const minuteWords = new Int32Array(4);
let minuteWall: number | undefined = undefined;

/**
 * `[YYYY-MM-DD HH:MM:SS` and an optional `.mmm` → ms, `undefined` for an impossible date (as the
 * full parser: the line still counts, untimed), `null` when the bracket is not in that shape.
 * Lines of a minute share its first 16 bytes: then only the seconds are read.
 */
function _bracketTime(b: Buffer, s: number, zone: Zone): number | undefined | null {
  if (b[s + 5] !== 0x2d || b[s + 8] !== 0x2d || b[s + 11] !== SPACE || b[s + 14] !== 0x3a || b[s + 17] !== 0x3a) return null;
  const second = _digits(b, s + 18, 2);
  if (second < 0) return null;
  let ms = 0;
  if (b[s + 20] === 0x2e) {
    ms = _digits(b, s + 21, 3);
    if (ms < 0) return null;
  }
  const v = _view(b);
  const w0 = v.getInt32(s + 1, true);
  const w1 = v.getInt32(s + 5, true);
  const w2 = v.getInt32(s + 9, true);
  const w3 = v.getInt32(s + 13, true);
  if (w0 !== minuteWords[0] || w1 !== minuteWords[1] || w2 !== minuteWords[2] || w3 !== minuteWords[3]) {
    const year = _digits(b, s + 1, 4);
    const month = _digits(b, s + 6, 2);
    const day = _digits(b, s + 9, 2);
    const hour = _digits(b, s + 12, 2);
    const minute = _digits(b, s + 15, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0) return null;
    minuteWords[0] = w0;
    minuteWords[1] = w1;
    minuteWords[2] = w2;
    minuteWords[3] = w3;
    minuteWall = wallClockToMs(year, month, day, hour, minute, 0, 0, UTC_ZONE);
  }
  // What wallClockToMs(…, second, ms, zone) gives, without re-reading the minute: seconds up to
  // 60 (leap seconds), the zone applied to the whole reading.
  if (minuteWall === undefined || second > 60) return undefined;
  return zone.toUtc(minuteWall + second * 1000 + ms);
}

/**
 * ` DPn TPn EPn …` between `from` and the `]` at `to`: each tag once, known tags only (a repeat or
 * an unknown tag → `null`, for the full parser), at most 9 digits each.
 */
function _bracketRanks(b: Buffer, from: number, to: number): RankLabels | null {
  let dp: number | undefined;
  let tp: number | undefined;
  let pp: number | undefined;
  let ep: number | undefined;
  let attnCp: number | undefined;
  let moeDp: number | undefined;
  let i = from;
  while (i < to) {
    if (b[i] !== SPACE) return null;
    let tag: 'DP' | 'TP' | 'PP' | 'EP' | 'ATTN_CP' | 'MOE_DP';
    const c = b[i + 1];
    if (b[i + 2] === 0x50 && (c === 0x44 || c === 0x54 || c === 0x50 || c === 0x45)) {
      tag = c === 0x44 ? 'DP' : c === 0x54 ? 'TP' : c === 0x50 ? 'PP' : 'EP';
      i += 3;
    } else if (c === 0x41 && _equalsAt(b, i + 1, ATTN_CP)) {
      tag = 'ATTN_CP';
      i += 8;
    } else if (c === 0x4d && _equalsAt(b, i + 1, MOE_DP)) {
      tag = 'MOE_DP';
      i += 7;
    } else {
      return null;
    }
    const first = i;
    let n = 0;
    for (; i < to; i++) {
      const d = (b[i] ?? 0) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === first || i - first > 9) return null;
    switch (tag) {
      case 'DP':
        if (dp !== undefined) return null;
        dp = n;
        break;
      case 'TP':
        if (tp !== undefined) return null;
        tp = n;
        break;
      case 'PP':
        if (pp !== undefined) return null;
        pp = n;
        break;
      case 'EP':
        if (ep !== undefined) return null;
        ep = n;
        break;
      case 'ATTN_CP':
        if (attnCp !== undefined) return null;
        attnCp = n;
        break;
      case 'MOE_DP':
        if (moeDp !== undefined) return null;
        moeDp = n;
        break;
    }
  }
  return i === to && b[to] === CLOSE ? { dp, tp, pp, attnCp, moeDp, ep } : null;
}

const ATTN_CP = _wordsOf(Buffer.from('ATTN_CP', 'latin1'));
const MOE_DP = _wordsOf(Buffer.from('MOE_DP', 'latin1'));

function _digits(b: Buffer, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = (b[i] ?? 0) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * A constant as [offset, 32-bit little-endian word] pairs covering it (the last word overlapping
 * the one before when the length is not a multiple of 4), so comparing 12 bytes takes 3 loads.
 */
function _wordsOf(constant: Buffer): Int32Array {
  const pairs: number[] = [];
  for (let offset = 0; offset + 4 <= constant.length; offset += 4) pairs.push(offset, constant.readInt32LE(offset));
  if (constant.length % 4 !== 0) pairs.push(constant.length - 4, constant.readInt32LE(constant.length - 4));
  return Int32Array.from(pairs);
}

let viewOf: Buffer | null = null;
let view: DataView = new DataView(new ArrayBuffer(0));

/** A DataView of `b`, kept while `b` stays the same buffer (it is the scanner's, for a whole input). */
function _view(b: Buffer): DataView {
  if (b !== viewOf) {
    viewOf = b;
    view = new DataView(b.buffer, b.byteOffset, b.length);
  }
  return view;
}

/** Whether the constant described by `words` (`_wordsOf`) is at `at`; false past the end of `b`. */
function _equalsAt(b: Buffer, at: number, words: Int32Array): boolean {
  _view(b);
  const last = (words[words.length - 2] ?? 0) + 4;
  if (at < 0 || at + last > b.length) return false;
  for (let i = 0; i < words.length; i += 2) if (view.getInt32(at + (words[i] ?? 0), true) !== words[i + 1]) return false;
  return true;
}

// Timestamps outside SGLang's own bracket, found the way findLoggerTimestamp
// (src/parse/timestamps.ts) finds them in the text before a message: the first ISO-8601 stamp
// directly followed by whitespace and a log level (a `tracing`-style logger), else the first
// `YYYY-MM-DD[T ]HH:MM:SS[.f…][Z|±hh[:]mm]` anywhere. Results land in the `stamp*` globals.
import { digits, isDigit, isSpace, isWord, startsWith, bytesOf, lengthOf } from './bytes';

/** The stamp's wall clock, YYYYMMDDHHMM (0: none), its seconds and milliseconds. */
export let stampMinute: f64 = 0;
export let stampSecond: f64 = 0;
export let stampMilli: f64 = 0;
/** Minutes east of UTC of the stamp's own zone (`Z`: 0); NaN when it has none (--tz applies). */
export let stampOffset: f64 = NaN;

const LEVELS: StaticArray<usize> = [bytesOf('TRACE'), bytesOf('DEBUG'), bytesOf('INFO'), bytesOf('WARN'), bytesOf('WARNING'), bytesOf('ERROR'), bytesOf('CRITICAL')];

/** Whether `YYYY-MM-DD?HH:MM:SS` (19 bytes, `?` being `T` or, unless `tOnly`, a space) starts at `p`. */
function isoAt(p: usize, e: usize, tOnly: boolean): boolean {
  if (p + 19 > e) return false;
  const sep = load<u8>(p + 10);
  if (!(sep == 0x54 || (!tOnly && sep == 0x20))) return false;
  if (load<u8>(p + 4) != 0x2d || load<u8>(p + 7) != 0x2d || load<u8>(p + 13) != 0x3a || load<u8>(p + 16) != 0x3a) return false;
  return digits(p, 4) >= 0 && digits(p + 5, 2) >= 0 && digits(p + 8, 2) >= 0 && digits(p + 11, 2) >= 0 && digits(p + 14, 2) >= 0 && digits(p + 17, 2) >= 0;
}

/** `YYYY-MM-DD?HH:MM` of the last stamp read (two words) and its minute as YYYYMMDDHHMM. */
let lastMinuteLow: u64 = 0xffffffffffffffff; // no stamp: its bytes are not digits
let lastMinuteHigh: u64 = 0xffffffffffffffff;
let lastMinute: f64 = 0;

/**
 * Reads the ISO stamp at `p` (isoAt holds) with its greedy fraction (1–9 digits, kept to ms) and
 * zone into the globals; returns where it ends. Stamps of a minute share their first 16 bytes:
 * the minute is worked out once per minute.
 */
function readIso(p: usize, e: usize): usize {
  const low = load<u64>(p);
  const high = load<u64>(p + 8);
  if (low != lastMinuteLow || high != lastMinuteHigh) {
    lastMinuteLow = low;
    lastMinuteHigh = high;
    lastMinute = <f64>digits(p, 4) * 1e8 + <f64>digits(p + 5, 2) * 1e6 + <f64>digits(p + 8, 2) * 1e4 + <f64>digits(p + 11, 2) * 100 + <f64>digits(p + 14, 2);
  }
  stampMinute = lastMinute;
  stampSecond = <f64>digits(p + 17, 2);
  stampMilli = 0;
  stampOffset = NaN;
  let i = p + 19;
  if (i + 1 < e && (load<u8>(i) == 0x2e || load<u8>(i) == 0x2c) && isDigit(load<u8>(i + 1))) {
    i++;
    let n = 0;
    let milli = 0;
    while (i < e && n < 9 && isDigit(load<u8>(i))) {
      if (n < 3) milli = milli * 10 + <i32>load<u8>(i) - 48;
      n++;
      i++;
    }
    for (let k = n; k < 3; k++) milli *= 10;
    stampMilli = <f64>milli;
  }
  if (i < e && load<u8>(i) == 0x5a) {
    stampOffset = 0;
    return i + 1;
  }
  if (i + 3 <= e && (load<u8>(i) == 0x2b || load<u8>(i) == 0x2d)) {
    const hours = digits(i + 1, 2);
    if (hours >= 0 && i + 3 <= e) {
      const colon = i + 3 < e && load<u8>(i + 3) == 0x3a;
      const mAt = colon ? i + 4 : i + 3;
      // `[+-]\d{2}:?\d{2}`: with the colon, the minutes follow it; the regex gives the colon up
      // only to read the minutes right after the hours, where the colon is, so that fails too.
      const minutes = mAt + 2 <= e ? digits(mAt, 2) : -1;
      if (minutes >= 0) {
        const sign: f64 = load<u8>(i) == 0x2d ? -1 : 1;
        stampOffset = sign * <f64>(hours * 60 + minutes);
        return mAt + 2;
      }
    }
  }
  return i;
}

/** Whether a log level, as a whole word, starts at `at`. */
function levelAt(at: usize, e: usize): boolean {
  for (let k = 0; k < LEVELS.length; k++) {
    const level = unchecked(LEVELS[k]);
    if (startsWith(at, e, level)) {
      const after = at + lengthOf(level);
      if (after >= e || !isWord(load<u8>(after))) return true;
    }
  }
  return false;
}

/**
 * findLoggerTimestamp on [s, e): sets the `stamp*` globals (stampMinute 0 when the text holds no
 * stamp). Which calendar values are possible is the caller's to judge (an impossible date leaves
 * the line untimed, as in the TypeScript).
 */
export function findLoggerStamp(s: usize, e: usize): void {
  // Both of findLoggerTimestamp's searches in one pass: the first `<ISO with T>\s+<LEVEL>\b`
  // wins; else the first ISO stamp of either kind. Where one can start is found 16 positions at a
  // time (`-` at +4 and +7, `T` or a space at +10), then checked whole. For the first search, the
  // stamp must end where the whitespace starts, and only its longest reading can (every shorter
  // one is followed by more of the stamp).
  let first: usize = 0;
  let any = false;
  const dash = i8x16.splat(0x2d);
  const t = i8x16.splat(0x54);
  const space = i8x16.splat(0x20);
  for (let q = s; q + 19 <= e; q += 16) {
    const sep = v128.load(q + 10);
    const maybe = v128.and(v128.and(i8x16.eq(v128.load(q + 4), dash), i8x16.eq(v128.load(q + 7), dash)), v128.or(i8x16.eq(sep, t), i8x16.eq(sep, space)));
    const left = e - 18 - q; // positions p with p + 19 <= e
    const keep = left < 16 ? (1 << <i32>left) - 1 : 0xffff;
    for (let bits = i8x16.bitmask(maybe) & keep; bits != 0; bits &= bits - 1) {
      const p = q + <usize>ctz(bits);
      if (!isoAt(p, e, false)) continue;
      if (!any) {
        any = true;
        first = p;
      }
      if (load<u8>(p + 10) != 0x54) continue;
      const end = readIso(p, e);
      if (end >= e || !isSpace(load<u8>(end))) continue;
      let k = end;
      while (k < e && isSpace(load<u8>(k))) k++;
      if (levelAt(k, e)) return;
    }
  }
  if (any) {
    readIso(first, e);
    return;
  }
  stampMinute = 0;
  stampSecond = 0;
  stampMilli = 0;
  stampOffset = NaN;
}

/** Timestamp parsing shared by the parsers. All results are ms since the epoch (UTC). */

/** How zone-less wall-clock stamps (SGLang, vLLM, TensorRT-LLM) become instants: `--tz`. */
export interface Zone {
  readonly name: string;
  /** the instant at which this zone's clocks showed `wallMs` (a wall-clock reading encoded as if UTC) */
  toUtc(wallMs: number): number;
}

export const UTC_ZONE: Zone = Object.freeze({ name: 'UTC', toUtc: (wallMs: number) => wallMs });

const HOUR_MS = 3_600_000;

/**
 * An IANA zone (`Europe/Berlin`, `America/Los_Angeles`, `UTC`, `Etc/GMT-8`). Offsets come from Intl,
 * cached per wall-clock hour, so DST is honoured at the cost of one Intl call per hour of log.
 * Throws RangeError for an unknown zone.
 */
export function createZone(name: string): Zone {
  if (name === 'UTC') return UTC_ZONE;
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const offsetAt = (utcMs: number): number => {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(new Date(utcMs))) parts[part.type] = Number(part.value);
    const wall = utcOfWallClock(parts['year'] ?? 1970, (parts['month'] ?? 1) - 1, parts['day'] ?? 1, parts['hour'] ?? 0, parts['minute'] ?? 0, parts['second'] ?? 0);
    return wall - Math.floor(utcMs / 1000) * 1000;
  };
  const cache = new Map<number, number>();
  return {
    name: format.resolvedOptions().timeZone,
    toUtc: (wallMs) => {
      const hour = Math.floor(wallMs / HOUR_MS);
      let result = cache.get(hour);
      if (result === undefined) {
        const start = hour * HOUR_MS;
        // UTC = wall − offset; the offset is taken at the instant itself (a second step), so the
        // hour after a DST change gets the new offset.
        result = -offsetAt(start - offsetAt(start));
        if (cache.size > 100_000) cache.clear();
        cache.set(hour, result);
      }
      return wallMs + result;
    },
  };
}

/**
 * A wall-clock reading without a zone (SGLang's `YYYY-MM-DD HH:MM:SS[.mmm]`), read as UTC.
 * Returns `undefined` for impossible dates (month 13, hour 25, Feb 30).
 */
export function wallClockToMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms = 0,
  zone: Zone = UTC_ZONE,
): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 60) return undefined;
  // Consecutive lines share their minute: reuse its Date.UTC (this runs for every batch line).
  const key = (((year * 13 + month) * 32 + day) * 24 + hour) * 60 + minute;
  if (key !== lastMinuteKey) {
    lastMinuteKey = key;
    lastMinuteMs = utcOfWallClock(year, month - 1, day, hour, minute, 0);
  }
  return zone.toUtc(lastMinuteMs + second * 1000 + ms);
}

/**
 * The `count` decimal digits at `at` as a number, or −1 if any is not a digit: for stamps read in
 * place (a hand-written reader, or a regex without captures that found them), cheaper than a
 * capture each turned into a number.
 */
export function digitsAt(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

let lastMinuteKey = -1;
let lastMinuteMs = 0;
/** 400 Gregorian years: 146,097 days, after which the calendar repeats exactly. */
const GREGORIAN_CYCLE_MS = 146_097 * 86_400_000;

/**
 * `Date.UTC` for every year: it maps years 0–99 to 1900–1999 (year 0001 became 1901), so those
 * are taken 400 years later, where the calendar is the same, and moved back.
 */
function utcOfWallClock(year: number, monthIndex: number, day: number, hour: number, minute: number, second: number): number {
  if (year >= 100) return Date.UTC(year, monthIndex, day, hour, minute, second);
  return Date.UTC(year + 400, monthIndex, day, hour, minute, second) - GREGORIAN_CYCLE_MS;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 31;
}

const ISO = /(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?/;

/**
 * The first `YYYY-MM-DD[T ]HH:MM:SS[.f…][Z|±hh:mm]` in `text`: ISO-8601 with any fractional
 * precision (kept to ms) and an optional zone; zone-less stamps are read in `zone`.
 */
export function findTimestamp(text: string, zone: Zone = UTC_ZONE): number | undefined {
  const m = ISO.exec(text);
  if (m === null) return undefined;
  const frac = m[7] ?? '';
  const ms = frac === '' ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  const suffix = m[8];
  const t = wallClockToMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms, suffix === undefined ? zone : UTC_ZONE);
  if (t === undefined) return undefined;
  if (suffix === undefined || suffix === 'Z') return t;
  const sign = suffix.startsWith('-') ? -1 : 1;
  const digits = suffix.slice(1).replace(':', '');
  return t - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
}

const LEVELLED_ISO = /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?)\s+(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL)\b/;

/**
 * The timestamp of a `tracing`-style logger (`<ISO> <LEVEL> …`, as Dynamo writes): the ISO stamp
 * directly followed by a level, so a `kubectl logs --timestamps` stamp in front is passed over.
 * Falls back to the first timestamp in the text.
 */
export function findLoggerTimestamp(text: string, zone: Zone = UTC_ZONE): number | undefined {
  const m = LEVELLED_ISO.exec(text);
  return m?.[1] === undefined ? findTimestamp(text, zone) : findTimestamp(m[1], zone);
}

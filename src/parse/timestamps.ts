/** Timestamp parsing shared by the parsers. All results are ms since the epoch. */

/**
 * A wall-clock reading without a zone (SGLang's `YYYY-MM-DD HH:MM:SS[.mmm]`), read as UTC.
 * Returns `undefined` for impossible dates (month 13, hour 25, Feb 30).
 */
export function wallClockToMs(year: number, month: number, day: number, hour: number, minute: number, second: number, ms = 0): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls Feb 30 over into March: reject instead of inventing a date.
  return new Date(t).getUTCDate() === day ? t : undefined;
}

const ISO = /(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?/;

/**
 * The first `YYYY-MM-DD[T ]HH:MM:SS[.f…][Z|±hh:mm]` in `text`: ISO-8601 with any fractional
 * precision (kept to ms) and an optional zone; zone-less stamps are read as UTC.
 */
export function findTimestamp(text: string): number | undefined {
  const m = ISO.exec(text);
  if (m === null) return undefined;
  const frac = m[7] ?? '';
  const ms = frac === '' ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  const t = wallClockToMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms);
  if (t === undefined) return undefined;
  const zone = m[8];
  if (zone === undefined || zone === 'Z') return t;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return t - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
}

const LEVELLED_ISO = /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?)\s+(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL)\b/;

/**
 * The timestamp of a `tracing`-style logger (`<ISO> <LEVEL> …`, Dynamo §1.1): the ISO stamp
 * directly followed by a level, so a `kubectl logs --timestamps` stamp in front is passed over.
 * Falls back to the first timestamp in the text.
 */
export function findLoggerTimestamp(text: string): number | undefined {
  const m = LEVELLED_ISO.exec(text);
  return m?.[1] === undefined ? findTimestamp(text) : findTimestamp(m[1]);
}

/**
 * Zoned ISO-8601 timestamps as Dynamo's `tracing` timer prints them (reference
 * dynamo-vllm-trtllm-log-formats.md §1.1): `%Y-%m-%dT%H:%M:%S%.6fZ`, `…%.6f%:z` with
 * `DYN_LOG_USE_LOCAL_TZ=1`, and milliseconds only in Dynamo ≤ 0.3 (`2025-06-25T10:49:31.121Z`).
 */

const ISO_ZONED = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

const DAY_MS = 86_400_000;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±hh:mm)`, the whole string, as ms since the epoch (UTC). The
 * fraction is truncated to ms. `undefined` for anything else: no zone, impossible dates (month 13,
 * Feb 30, hour 24), offsets beyond ±23:59, surrounding text. Second 60 is accepted (chrono prints a
 * leap second that way) and lands on the next minute's :00.
 */
export function parseIsoTime(text: string): number | undefined {
  const m = ISO_ZONED.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > _daysInMonth(year, month) || hour > 23 || minute > 59 || second > 60) return undefined;
  const fraction = m[7];
  const ms = fraction === undefined ? 0 : Number(fraction.length >= 3 ? fraction.slice(0, 3) : fraction.padEnd(3, '0'));
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  return _daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + ms;
}

function _daysInMonth(year: number, month: number): number {
  if (month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 31;
}

/**
 * Days from 1970-01-01 to a proleptic-Gregorian date, by hand: `Date.UTC` maps years 0–99 to
 * 1900–1999. Howard Hinnant's `days_from_civil` (https://howardhinnant.github.io/date_algorithms.html).
 */
function _daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

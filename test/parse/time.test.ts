import { describe, expect, it } from 'vitest';
import { parseIsoTime } from '../../src/parse/time.ts';

const BASE = Date.UTC(2025, 8, 2, 15, 50, 1);

describe('parseIsoTime', () => {
  it.each([
    ['microseconds, Z (Dynamo default, §1.1)', '2025-09-02T15:50:01.770028Z', BASE + 770],
    ['milliseconds (Dynamo ≤ 0.3)', '2025-09-02T15:50:01.121Z', BASE + 121],
    ['nanoseconds (kubectl --timestamps)', '2025-09-02T15:50:01.999999999Z', BASE + 999],
    ['one fractional digit', '2025-09-02T15:50:01.5Z', BASE + 500],
    ['two fractional digits', '2025-09-02T15:50:01.05Z', BASE + 50],
    ['no fraction', '2025-09-02T15:50:01Z', BASE],
    ['positive offset (DYN_LOG_USE_LOCAL_TZ)', '2025-09-02T17:50:01.770028+02:00', BASE + 770],
    ['negative offset with minutes', '2025-09-02T10:20:01-05:30', BASE],
    ['zero offset', '2025-09-02T15:50:01-00:00', BASE],
    ['offset crossing midnight', '2025-09-03T01:50:01+10:00', BASE],
    ['epoch', '1970-01-01T00:00:00Z', 0],
    ['before the epoch', '1969-12-31T23:59:59.999Z', -1],
    ['leap day', '2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['400-year leap day', '2000-02-29T12:00:00Z', Date.UTC(2000, 1, 29, 12)],
    ['year below 100 is not read as 19xx', '0099-03-01T00:00:00Z', new Date('0099-03-01T00:00:00Z').getTime()],
    ['leap second rolls into the next minute', '2016-12-31T23:59:60Z', Date.UTC(2017, 0, 1)],
  ])('%s: %s', (_name, text, expected) => {
    expect(parseIsoTime(text)).toBe(expected);
  });

  it.each([
    ['month 13', '2026-13-01T00:00:00Z'],
    ['month 0', '2026-00-01T00:00:00Z'],
    ['day 0', '2026-01-00T00:00:00Z'],
    ['Feb 29 in a common year', '2025-02-29T00:00:00Z'],
    ['Feb 29 in 1900', '1900-02-29T00:00:00Z'],
    ['Apr 31', '2026-04-31T00:00:00Z'],
    ['hour 24', '2026-01-01T24:00:00Z'],
    ['minute 60', '2026-01-01T00:60:00Z'],
    ['second 61', '2026-01-01T00:00:61Z'],
    ['offset hour 24', '2026-01-01T00:00:00+24:00'],
    ['offset minute 60', '2026-01-01T00:00:00+01:60'],
    ['no zone', '2026-01-01T00:00:00.123'],
    ['offset without colon', '2026-01-01T00:00:00+0100'],
    ['space instead of T', '2026-01-01 00:00:00Z'],
    ['lower-case z', '2026-01-01T00:00:00z'],
    ['ten fractional digits', '2026-01-01T00:00:00.1234567890Z'],
    ['empty fraction', '2026-01-01T00:00:00.Z'],
    ['comma fraction', '2026-01-01T00:00:00,5Z'],
    ['leading text', ' 2026-01-01T00:00:00Z'],
    ['trailing text', '2026-01-01T00:00:00Z INFO'],
    ['short year', '26-01-01T00:00:00Z'],
    ['empty', ''],
    ['garbage', 'not a time'],
  ])('%s is undefined: %j', (_name, text) => {
    expect(parseIsoTime(text)).toBeUndefined();
  });

  it('agrees with Date.parse on every day of a leap and a common year', () => {
    for (const year of [2024, 2025]) {
      for (let day = 0; day < 366; day++) {
        const ms = Date.UTC(year, 0, 1 + day, 13, 7, 9, 42);
        const text = new Date(ms).toISOString();
        expect(parseIsoTime(text)).toBe(Date.parse(text));
      }
    }
  });
});

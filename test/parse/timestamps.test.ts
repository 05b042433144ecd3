import { describe, expect, it } from 'vitest';
import { parseSglangLine } from '../../src/parse/sglang.ts';
import { createZone, digitsAt, findLoggerTimestamp, findTimestamp, wallClockToMs } from '../../src/parse/timestamps.ts';

describe('timestamps', () => {
  it.each([
    ['2026-04-14T10:00:00Z', Date.UTC(2026, 3, 14, 10)],
    ['2026-04-14T10:00:00.123456789Z', Date.UTC(2026, 3, 14, 10, 0, 0, 123)],
    ['2026-04-14T12:00:00+02:00', Date.UTC(2026, 3, 14, 10)],
    ['2026-04-14T05:30:00-0430', Date.UTC(2026, 3, 14, 10)],
    ['x [2026-04-14 10:00:00] y', Date.UTC(2026, 3, 14, 10)],
    ['2026-13-01T00:00:00Z', undefined],
    ['no time', undefined],
  ])('findTimestamp(%j)', (text, expected) => {
    expect(findTimestamp(text)).toBe(expected);
  });

  it('prefers the logger stamp over a kubectl --timestamps stamp', () => {
    expect(findLoggerTimestamp('2026-04-14T10:00:09.9Z 2026-04-14T10:00:00.000001Z  INFO x: y')).toBe(Date.UTC(2026, 3, 14, 10));
  });

  it('reads zone-less stamps in --tz, across DST, and leaves zoned stamps alone', () => {
    const berlin = createZone('Europe/Berlin');
    expect(wallClockToMs(2026, 1, 15, 12, 0, 0, 0, berlin)).toBe(Date.UTC(2026, 0, 15, 11)); // CET, +1
    expect(wallClockToMs(2026, 7, 15, 12, 0, 0, 0, berlin)).toBe(Date.UTC(2026, 6, 15, 10)); // CEST, +2
    expect(wallClockToMs(2026, 3, 29, 3, 30, 0, 0, berlin)).toBe(Date.UTC(2026, 2, 29, 1, 30)); // just after the change
    expect(findTimestamp('2026-07-15T12:00:00Z', berlin)).toBe(Date.UTC(2026, 6, 15, 12));
    expect(findTimestamp('2026-07-15 12:00:00', createZone('America/Los_Angeles'))).toBe(Date.UTC(2026, 6, 15, 19));
    const line = '[2026-07-15 12:00:00 DP1] Prefill batch, #new-seq: 1, #new-token: 1, #cached-token: 0, #running-req: 0, #queue-req: 0';
    const parsed = parseSglangLine(line, berlin);
    expect(parsed.kind === 'record' && parsed.record.kind === 'batch' ? parsed.record.time : null).toBe(Date.UTC(2026, 6, 15, 10));
  });

  it('rejects unknown zones', () => {
    expect(() => createZone('Mars/Olympus')).toThrow(RangeError);
  });
});

/** Issue 18 item 12: Date.UTC maps years 0–99 to 1900–1999; a stamp from year 0001 is year 1, not 1901. */
describe('years 0 to 99', () => {
  it.each([
    [0, 1, 1],
    [0, 2, 29], // year 0 is a leap year (proleptic Gregorian), 1900 is not
    [1, 1, 1],
    [1, 12, 31],
    [99, 12, 31],
    [100, 1, 1],
    [1969, 12, 31],
  ])('%i-%i-%i', (year, month, day) => {
    const iso = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T12:34:56.789Z`;
    expect(wallClockToMs(year, month, day, 12, 34, 56, 789)).toBe(Date.parse(iso));
    expect(findTimestamp(iso.replace('T', ' ').replace('Z', ''))).toBe(Date.parse(iso));
  });

  it('in a --tz zone too (its offset looked up in year 1, not 1901)', () => {
    expect(wallClockToMs(1, 1, 1, 8, 0, 0, 0, createZone('Etc/GMT-8'))).toBe(Date.parse('0001-01-01T00:00:00Z'));
    expect(findTimestamp('0001-06-01 08:00:00', createZone('Etc/GMT-8'))).toBe(Date.parse('0001-06-01T00:00:00Z'));
  });

  it('in an SGLang batch line', () => {
    const parsed = parseSglangLine('[0001-01-01 00:00:00 DP1] Prefill batch, #new-seq: 1, #new-token: 1, #cached-token: 0, #running-req: 0, #queue-req: 0');
    expect(parsed.kind === 'record' && parsed.record.kind === 'batch' ? parsed.record.time : null).toBe(Date.parse('0001-01-01T00:00:00Z'));
  });
});

describe('digitsAt', () => {
  it('reads the digits at a place as Number reads them', () => {
    expect(digitsAt('[04/14/2026-10:00:23]', 7, 4)).toBe(2026);
    expect(digitsAt('[04/14/2026-10:00:23]', 1, 2)).toBe(4);
    expect(digitsAt('09', 0, 2)).toBe(Number('09'));
  });
});

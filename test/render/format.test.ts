import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatInt, formatNumber } from '../../src/render/format.ts';

describe('formatInt', () => {
  it.each([
    [null, '-'],
    [0, '0'],
    [-0, '0'],
    [-0.4, '0'],
    [7, '7'],
    [999, '999'],
    [1000, '1,000'],
    [-1000, '-1,000'],
    [6111.5, '6,112'],
    [1234567, '1,234,567'],
    [-98765432.1, '-98,765,432'],
    [2 ** 53, '9,007,199,254,740,992'],
  ])('%s → %s', (n, text) => {
    expect(formatInt(n)).toBe(text);
  });

  it('groups like toLocaleString("en-US") for integers', () => {
    for (let n = -20_000; n <= 20_000; n += 7) expect(formatInt(n)).toBe(n.toLocaleString('en-US'));
  });
});

describe('formatNumber: what toLocaleString(\'en-US\') writes, without loading ICU', () => {
  const icu = (value: number, digits: number): string => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  it.each([
    [1.45, 1, '1.5'],
    [0.15, 1, '0.2'],
    [1.005, 2, '1.01'],
    [-0.04, 1, '-0.0'],
    [-0, 2, '-0.00'],
    [0.96, 1, '1.0'],
    [999.95, 1, '1,000.0'],
    [1234567.25, 1, '1,234,567.3'],
    [42, 0, '42'],
    [9.5, 0, '10'],
    [1e21, 1, '1,000,000,000,000,000,000,000.0'],
    [1e-7, 2, '0.00'],
    [Number.POSITIVE_INFINITY, 1, '∞'],
  ])('%s with %i digits → %s', (value, digits, text) => {
    expect(formatNumber(value, digits)).toBe(text);
    expect(icu(value, digits)).toBe(text);
  });
  it('agrees with toLocaleString on any number', () => {
    // Halves and other short decimals are where rounding rules differ; any double for the rest.
    const value = fc.oneof(
      fc.double({ noNaN: false }),
      fc.tuple(fc.integer({ min: -2_000_000, max: 2_000_000 }), fc.constantFrom(1, 2, 4, 8, 10, 20, 100, 200, 1000, 2000)).map(([n, d]) => n / d),
      fc.double({ min: -1e7, max: 1e7, noNaN: true }),
    );
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 4 }), (v, digits) => {
        expect(formatNumber(v, digits)).toBe(icu(v, digits));
      }),
      { numRuns: 20_000 },
    );
  });
  it('null is a dash', () => {
    expect(formatNumber(null)).toBe('-');
  });
});

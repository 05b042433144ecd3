import { describe, expect, it } from 'vitest';
import { formatInt } from '../../src/render/format.ts';

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

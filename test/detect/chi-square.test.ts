import { describe, expect, it } from 'vitest';
import { chiSquareUniform, logGamma, upperRegularizedGamma } from '../../src/analyze/chi-square.ts';

describe('logGamma', () => {
  it.each([
    [1, 0],
    [2, 0],
    [5, Math.log(24)],
    [0.5, Math.log(Math.sqrt(Math.PI))],
    [10.5, 13.940625219403763],
  ])('lnΓ(%d)', (z, expected) => {
    expect(logGamma(z)).toBeCloseTo(expected, 10);
  });
});

describe('upperRegularizedGamma (χ² survival function with a = df/2, x = χ²/2)', () => {
  // Critical values of the χ² distribution at p = 0.05 and 0.001 (standard tables).
  it.each([
    [1, 3.841458820694124, 0.05],
    [3, 7.814727903251178, 0.05],
    [7, 14.067140449340169, 0.05],
    [3, 16.26623619623813, 0.001],
    [15, 37.69729821835383, 0.001],
  ])('df=%i, χ²=%d → p=%d', (df, chi2, p) => {
    expect(upperRegularizedGamma(df / 2, chi2 / 2)).toBeCloseTo(p, 6);
  });

  it('is 1 at x = 0 and tends to 0 for huge x', () => {
    expect(upperRegularizedGamma(1.5, 0)).toBe(1);
    expect(upperRegularizedGamma(1.5, 1e6)).toBe(0);
  });
});

describe('chiSquareUniform', () => {
  it('is null for fewer than two ranks or no events', () => {
    expect(chiSquareUniform([])).toBeNull();
    expect(chiSquareUniform([5])).toBeNull();
    expect(chiSquareUniform([0, 0, 0])).toBeNull();
  });

  it('calls the small sample 7/3/5/5 noise', () => {
    const result = chiSquareUniform([7, 3, 5, 5]);
    expect(result?.statistic).toBeCloseTo(1.6, 10);
    expect(result?.df).toBe(3);
    expect(result?.pValue).toBeCloseTo(0.659, 3);
  });

  it('calls 400/200/200/200 skew (p ≈ 8e-26)', () => {
    const p = chiSquareUniform([400, 200, 200, 200])?.pValue ?? 1;
    expect(p).toBeGreaterThan(1e-27);
    expect(p).toBeLessThan(1e-24);
  });

  it('gives p = 1 for identical counts', () => {
    expect(chiSquareUniform([10, 10, 10, 10])?.pValue).toBeCloseTo(1, 12);
  });
});

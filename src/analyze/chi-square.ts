/**
 * χ² goodness-of-fit against equal shares, used only as a noise gate: "could counts this uneven
 * come from ranks that are really equally loaded?".
 *
 *   statistic = Σ (xᵢ − μ)² / μ,   df = n − 1,   p = Q(df/2, statistic/2)
 *
 * where Q is the regularized upper incomplete gamma function. The test assumes expected counts of
 * at least ~5 per rank; callers apply it only above the minimum sample size.
 */
export function chiSquareUniform(values: readonly number[] | Float64Array): { statistic: number; df: number; pValue: number } | null {
  const n = values.length;
  if (n < 2) return null;
  let total = 0;
  for (const x of values) total += x;
  if (total <= 0) return null;
  const mean = total / n;
  let statistic = 0;
  for (const x of values) statistic += ((x - mean) * (x - mean)) / mean;
  const df = n - 1;
  return { statistic, df, pValue: upperRegularizedGamma(df / 2, statistic / 2) };
}

/** Q(a, x) = Γ(a, x) / Γ(a); series for x < a + 1, Lentz continued fraction otherwise (Numerical Recipes §6.2). */
export function upperRegularizedGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x < a + 1) return 1 - lowerSeries(a, x);
  return upperContinuedFraction(a, x);
}

const EPS = 1e-15;
const MAX_ITER = 10_000;
const TINY = 1e-300;

function lowerSeries(a: number, x: number): number {
  let sum = 1 / a;
  let term = sum;
  for (let n = 1; n < MAX_ITER; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return Math.min(1, sum * Math.exp(-x + a * Math.log(x) - logGamma(a)));
}

function upperContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.max(0, Math.exp(-x + a * Math.log(x) - logGamma(a)) * h);
}

/** ln Γ(z) for z > 0, Lanczos approximation (g = 7, n = 9), relative error < 1e-13. */
export function logGamma(z: number): number {
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const x = z - 1;
  let sum = c[0] ?? 0;
  for (let i = 1; i < 9; i++) sum += (c[i] ?? 0) / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
}

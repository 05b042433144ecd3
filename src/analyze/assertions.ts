/**
 * `--assert` / `--warn` expressions: `<metric> <op> <number>`, e.g. `prefill.balance>=0.7`,
 * `prefill.maxShare<50%`, `idleRanks==0`. Operators: < <= > >= == !=; a number may end in `%`.
 * A misspelled metric, a malformed expression or a number too large to be finite (`1e999`) is a
 * usage error (exit 2), never a pass.
 */
import { UsageError } from '../model/errors.ts';
import type { AssertionResult, Report } from '../model/report.ts';
import { findMetric, suggestMetrics } from './metrics.ts';

export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Assertion {
  readonly expression: string;
  /** `fail` from --assert, `warn` from --warn */
  readonly level: 'fail' | 'warn';
  readonly metric: string;
  readonly operator: Operator;
  readonly threshold: number;
}

const EXPRESSION = /^\s*([A-Za-z][\w.]*)\s*(<=|>=|==|!=|<|>)\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)(%?)\s*$/i;

export function parseAssertion(expression: string, level: 'fail' | 'warn'): Assertion {
  const flag = level === 'fail' ? '--assert' : '--warn';
  const m = EXPRESSION.exec(expression);
  if (m === null) {
    throw new UsageError(`${flag} '${expression}' is not <metric><op><number> (ops: < <= > >= == !=), e.g. 'prefill.balance>=0.7'`);
  }
  const metric = m[1] ?? '';
  if (findMetric(metric) === undefined) {
    const close = suggestMetrics(metric);
    throw new UsageError(
      `${flag} '${expression}': unknown metric '${metric}'${close.length > 0 ? ` (did you mean ${close.join(', ')}?)` : ''}; dpskew check --list-metrics lists them`,
    );
  }
  const operator = m[2];
  if (operator !== '<' && operator !== '<=' && operator !== '>' && operator !== '>=' && operator !== '==' && operator !== '!=') {
    throw new UsageError(`${flag} '${expression}': unknown operator`);
  }
  const threshold = Number(m[3]) / (m[4] === '%' ? 100 : 1);
  // 1e999 reads as Infinity, and so would the comparison's tolerance: `!= 1e999` could never hold.
  if (!Number.isFinite(threshold)) throw new UsageError(`${flag} '${expression}': the number ${m[3]}${m[4]} is not finite (the largest is about 1.8e308)`);
  return { expression: expression.trim(), level, metric, operator, threshold };
}

/** Evaluate against a report; a metric with no data (`null`) fails its assertion. */
export function evaluateAssertions(report: Report, assertions: readonly Assertion[]): AssertionResult[] {
  return assertions.map((a) => {
    const actual = findMetric(a.metric)?.read(report) ?? null;
    return { ...a, actual, passed: actual !== null && compare(actual, a.operator, a.threshold) };
  });
}

/** The report with assertion results, its verdict raised by failed ones (fail → fail, warn → at least warn). */
export function applyAssertions(report: Report, assertions: readonly Assertion[]): Report {
  if (assertions.length === 0) return report;
  const results = evaluateAssertions(report, assertions);
  const failed = results.filter((r) => !r.passed);
  let verdict = report.verdict;
  if (failed.some((r) => r.level === 'fail')) verdict = 'fail';
  else if (failed.length > 0 && (verdict === 'ok' || verdict === 'insufficient')) verdict = 'warn';
  return { ...report, verdict, assertions: results };
}

function compare(actual: number, op: Operator, threshold: number): boolean {
  // Compare at 1e-9 relative precision so `balance>=0.25` holds for a computed 0.24999999999.
  const eps = 1e-9 * Math.max(1, Math.abs(threshold));
  switch (op) {
    case '<':
      return actual < threshold - eps;
    case '<=':
      return actual <= threshold + eps;
    case '>':
      return actual > threshold + eps;
    case '>=':
      return actual >= threshold - eps;
    case '==':
      return Math.abs(actual - threshold) <= eps;
    case '!=':
      return Math.abs(actual - threshold) > eps;
  }
}

/**
 * `--assert`/`--warn` thresholds (issue 18 item 12): a number that is not finite once read
 * (`1e999` is Infinity) is a usage error naming the flag, never an assertion that silently fails
 * or holds because its tolerance became infinite too.
 */
import { describe, expect, it } from 'vitest';
import { evaluateAssertions, parseAssertion } from '../../src/analyze/assertions.ts';
import { UsageError } from '../../src/model/errors.ts';
import { sampleReport } from '../helpers/report.ts';

describe('assertion thresholds', () => {
  it.each(['prefill.balance!=1e999', 'prefill.balance<1e999', 'prefill.balance>-1e999', 'prefill.maxShare<=1e999%'])('%s is a usage error', (expression) => {
    expect(() => parseAssertion(expression, 'fail')).toThrow(UsageError);
    expect(() => parseAssertion(expression, 'warn')).toThrow(/--warn '.*': the number .* is not finite/);
  });

  it('large finite thresholds compare as numbers (balance 0.44 of the sample)', () => {
    const results = evaluateAssertions(sampleReport(), ['prefill.balance!=1e300', 'prefill.balance<1.7e308', 'prefill.balance>-1e308', 'prefill.balance==0.4444444444'].map((e) => parseAssertion(e, 'fail')));
    expect(results.map((r) => r.passed)).toEqual([true, true, true, true]);
  });
});

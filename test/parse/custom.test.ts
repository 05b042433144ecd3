import { describe, expect, it } from 'vitest';
import { compilePattern, createCustomParser, PatternError } from '../../src/parse/custom.ts';

describe('custom patterns', () => {
  const parser = createCustomParser([compilePattern('(?<ts>\\d{4}-\\d{2}-\\d{2}T\\S+) (?<kind>prefill|decode) rank=(?<rank>\\d+)(?: q=(?<queue>\\d+))?(?: tok=(?<tokens>\\d+))?')]);

  it('turns a match into a batch record', () => {
    expect(parser.parse('2026-01-01T00:00:01Z decode rank=3 q=7')).toMatchObject({
      kind: 'record',
      record: { kind: 'batch', phase: 'decode', ranks: { dp: 3 }, queue: 7, time: Date.parse('2026-01-01T00:00:01Z'), prefix: 'custom' },
    });
    expect(parser.parse('2026-01-01T00:00:01Z prefill rank=0 tok=512')).toMatchObject({ record: { phase: 'prefill', newTokens: 512, queue: undefined } });
    expect(parser.parse('unrelated line')).toEqual({ kind: 'ignored' });
    expect(parser.needles).toEqual(['']);
  });

  it.each([
    ['(?<rank>\\d+', /not a valid regular expression/],
    ['(a)\\1(?<rank>\\d)', /cannot run in linear time/],
    ['(?=x)(?<rank>\\d)', /cannot run in linear time/],
    ['(\\d+)', /no \(\?<rank>…\) group/],
    ['(?<rank>\\d+) (?<depth>\\d+)', /<depth> is not one of/],
  ])('%s is refused', (source, message) => {
    expect(() => compilePattern(source)).toThrow(PatternError);
    expect(() => compilePattern(source)).toThrow(message);
  });

  it('runs a pattern that would backtrack catastrophically in linear time', () => {
    const re = compilePattern('^(?<rank>(a+)+)$');
    const line = `${'a'.repeat(100_000)}!`;
    const started = performance.now();
    expect(createCustomParser([re]).parse(line)).toEqual({ kind: 'ignored' });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

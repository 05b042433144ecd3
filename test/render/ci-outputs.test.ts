import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { renderCsv, text } from '../../src/render/csv.ts';
import { data, property, renderAnnotations, renderStepSummary, MAX_SUMMARY_BYTES } from '../../src/render/github.ts';
import { renderJunit, xml } from '../../src/render/junit.ts';
import type { Report } from '../../src/model/report.ts';
import { sampleReport } from '../helpers/report.ts';

const context = { chalk: new Chalk({ level: 0 }), width: 100, chart: false };

/** A minimal XML well-formedness check: balanced tags, quoted attributes, no raw `<`/`&` in text. */
function wellFormed(doc: string): boolean {
  const body = doc.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w.-]+="[^"<&]*(?:&(?:amp|lt|gt|quot|apos|#\d+);[^"<&]*)*")*)\s*(\/?)>/g;
  let last = 0;
  for (const m of body.matchAll(tag)) {
    const between = body.slice(last, m.index);
    if (/[<>]|&(?!(?:amp|lt|gt|quot|apos|#\d+);)/.test(between)) return false;
    last = (m.index ?? 0) + m[0].length;
    if (m[4] === '/') continue;
    if (m[1] === '/') {
      if (stack.pop() !== m[2]) return false;
    } else stack.push(m[2] ?? '');
  }
  return stack.length === 0 && body.slice(last).trim() === '';
}

function withAssertions(report: Report): Report {
  return {
    ...report,
    assertions: [
      { expression: 'prefill.balance>=0.7', level: 'fail', metric: 'prefill.balance', operator: '>=', threshold: 0.7, actual: 0.44, passed: false },
      { expression: 'idleRanks==0', level: 'warn', metric: 'idleRanks', operator: '==', threshold: 0, actual: 1, passed: false },
      { expression: 'prefill.batches>0', level: 'fail', metric: 'prefill.batches', operator: '>', threshold: 0, actual: 80, passed: true },
    ],
  };
}

describe('JUnit', () => {
  it('has the common shape: testsuites > testsuite > testcase, counts that add up, one case per assertion and fail/warn finding', () => {
    const doc = renderJunit(withAssertions(sampleReport()), false);
    expect(wellFormed(doc)).toBe(true);
    const cases = doc.match(/<testcase /g) ?? [];
    const report = sampleReport();
    const findings = report.findings.filter((f) => f.level !== 'info').length;
    expect(cases).toHaveLength(1 + 3 + findings);
    const failures = (doc.match(/<failure /g) ?? []).length;
    expect(doc).toContain(`<testsuites name="dpskew" tests="${cases.length}" failures="${failures}"`);
    expect(failures).toBe(1 /* verdict */ + 1 /* failed --assert */ + report.findings.filter((f) => f.level === 'fail').length);
    expect(renderJunit(withAssertions(sampleReport()), true).match(/<failure /g)?.length).toBeGreaterThan(failures);
  });

  it('escapes markup, quotes and control characters', () => {
    expect(xml('a<b>&"c\' \u0001\u001b[31m\n')).toBe('a&lt;b&gt;&amp;&quot;c&apos; \uFFFD\uFFFD[31m&#10;');
    const hostile: Report = { ...sampleReport(), findings: [{ code: 'UNPARSEABLE_LINES', level: 'warn', phase: null, worker: null, lines: 1, example: '</testcase><x a="', reason: '<b>&' }] };
    expect(wellFormed(renderJunit(hostile, true))).toBe(true);
  });
});

describe('GitHub annotations and summary', () => {
  it('escape %, CR and LF in data, and : and , in properties, as GitHub documents', () => {
    expect(data('50% done:\r\nnext, then')).toBe('50%25 done:%0D%0Anext, then');
    expect(property('a:b,c%')).toBe('a%3Ab%2Cc%25');
  });

  it('print one command per fail/warn finding and failed assertion, each on one line', () => {
    const text = renderAnnotations(withAssertions(sampleReport()), false);
    const lines = text.trimEnd().split('\n');
    expect(lines.every((l) => /^::(error|warning) title=dpskew [^:]*::[^\r\n]*$/.test(l))).toBe(true);
    expect(lines.filter((l) => l.startsWith('::error'))).toHaveLength(1 + sampleReport().findings.filter((f) => f.level === 'fail').length);
    expect(text).toContain('title=dpskew --assert::prefill.balance>=0.7 is false');
  });

  it('keeps the summary under the 1 MiB limit', () => {
    const huge: Report = { ...sampleReport(), skippedFiles: [], findings: Array.from({ length: 20000 }, () => ({ code: 'NO_BATCH_LINES', level: 'warn', phase: null, worker: null, linesRead: 123456789 }) as const) };
    const summary = renderStepSummary(huge, context);
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES + 200);
    expect(summary).toContain('summary truncated');
  });
});

describe('CSV', () => {
  it('has one row per phase and rank, and quotes per RFC 4180', () => {
    const csv = renderCsv(sampleReport(), context);
    const rows = csv.trimEnd().split('\r\n');
    expect(rows[0]).toBe('phase,worker,rank,batches,share,new_tokens,token_share,new_seqs,cached_tokens,queue_max,queue_p50,queue_p95,queue_mean,running_max,running_mean,first_time,last_time,section,source,samples,prompt_tokens_est,decisions,requests,requests_executed,ttft_p50_ms,ttft_p95_ms');
    expect(rows).toHaveLength(1 + 3 + 2);
    expect(rows[1]).toMatch(/^prefill,,0,60,0\.75,60000,/);
    expect(text('a,"b"')).toBe('"a,""b"""');
    expect(text('=cmd()')).toBe("'=cmd()");
  });
});

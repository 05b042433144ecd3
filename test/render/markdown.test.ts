/**
 * Issue 18 item 12: Markdown escapes HTML (`<`, `>`, `&`) in names and log text, so a worker named
 * like a tag or an entity shows as itself when the report is pasted into a pull request, instead
 * of being rendered as HTML or decoded (`&#x202e;` would smuggle a bidi override past sanitize).
 */
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { parseAssertion } from '../../src/analyze/assertions.ts';
import { applyAssertions } from '../../src/analyze/assertions.ts';
import { renderMarkdown } from '../../src/render/markdown.ts';
import type { Report } from '../../src/model/report.ts';
import { sampleReport } from '../helpers/report.ts';

const plain = { chalk: new Chalk({ level: 0 }), width: 100, chart: false };

function withWorker(report: Report, worker: string): Report {
  const rename = (phase: Report['prefill']): Report['prefill'] => ({ ...phase, groups: phase.groups.map((g) => ({ ...g, worker: g.worker === null ? null : worker })) });
  return { ...report, prefill: rename(report.prefill), decode: rename(report.decode), findings: report.findings.map((f) => ({ ...f, worker })) };
}

describe('Markdown escaping', () => {
  const name = '<img src=x onerror=alert(1)>&#x202e;&amp;|`*_[x]';
  const md = renderMarkdown(withWorker(sampleReport('worker'), name), plain);
  const escaped = '&lt;img src=x onerror=alert(1)&gt;&amp;#x202e;&amp;amp;\\|\\`\\*\\_\\[x\\]';

  it('shows a worker name that looks like HTML or an entity as text', () => {
    expect(md).toContain(`**Prefill batch count by DP rank** — ${escaped}`);
    expect(md).not.toContain('<img');
    expect(md).not.toContain('&#x202e;');
  });

  it('escapes names inside finding messages too', () => {
    const findings = md.slice(md.indexOf('**Findings**'));
    expect(findings).toContain(escaped);
    expect(findings).not.toMatch(/<(?!\/?sub>)/);
  });

  it('leaves only its own tags as HTML', () => {
    expect(md.replace(/<\/?sub>/g, '')).not.toMatch(/[<>]/);
  });

  it('shows an assertion as written, inside its code span (no backslash escapes there)', () => {
    const report = applyAssertions(sampleReport(), [parseAssertion('prefill.balance<0.5', 'fail'), parseAssertion('prefill.maxShare>=10%', 'warn')]);
    const text = renderMarkdown(report, plain);
    expect(text).toContain('| `prefill.balance<0.5` |');
    expect(text).toContain('| `prefill.maxShare>=10%` |');
  });
});

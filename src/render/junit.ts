/**
 * `--junit FILE`: the common JUnit XML shape (testsuites > testsuite > testcase, failure), read by
 * GitLab, Jenkins and GitHub test reporters. One testcase per assertion and per fail/warn finding,
 * and one for the verdict. Warn-level findings fail only with --strict (as `check` does); otherwise
 * they pass and carry their message in <system-out>.
 */
import type { Report } from '../model/report.ts';
import { describeFinding } from './messages.ts';

export function renderJunit(report: Report, strict: boolean): string {
  const cases: string[] = [];
  let failures = 0;
  const testcase = (classname: string, name: string, failure: { type: string; message: string } | null, out?: string): void => {
    if (failure !== null) failures++;
    const body =
      failure === null
        ? out === undefined
          ? ''
          : `<system-out>${xml(out)}</system-out>`
        : `<failure type="${xml(failure.type)}" message="${xml(failure.message)}">${xml(failure.message)}</failure>`;
    cases.push(`    <testcase classname="${xml(classname)}" name="${xml(name)}" time="0">${body}</testcase>`);
  };
  testcase('dpskew', 'verdict', report.verdict === 'fail' || (strict && report.verdict === 'warn') ? { type: report.verdict, message: `verdict ${report.verdict}` } : null, `verdict ${report.verdict}`);
  for (const a of report.assertions) {
    const actual = a.actual === null ? 'no data' : String(a.actual);
    const failed = !a.passed && (a.level === 'fail' || strict);
    testcase(`dpskew.${a.level === 'fail' ? 'assert' : 'warn'}`, a.expression, failed ? { type: a.level, message: `${a.expression} is false: ${a.metric} = ${actual}` } : null, `${a.metric} = ${actual}${a.passed ? '' : ' (warning)'}`);
  }
  for (const f of report.findings) {
    if (f.level === 'info') continue;
    const { message, advice } = describeFinding(f);
    const name = [f.code, f.phase, f.worker].filter((x) => x !== null).join(' ');
    const failed = f.level === 'fail' || strict;
    testcase(`dpskew.findings.${f.level}`, name, failed ? { type: f.level, message: `${message} — ${advice}` } : null, `${message} — ${advice}`);
  }
  const tests = cases.length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="dpskew" tests="${tests}" failures="${failures}" errors="0" skipped="0" time="0">`,
    `  <testsuite name="dpskew check" tests="${tests}" failures="${failures}" errors="0" skipped="0" time="0">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** XML text and attribute escaping; characters XML 1.0 forbids (control characters) become U+FFFD. */
export function xml(value: string): string {
  return value
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c)
    // eslint-disable-next-line no-control-regex -- these are exactly the characters XML forbids
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\uFFFD')
    .replace(/[\n\r\t]/g, (c) => `&#${c.charCodeAt(0)};`);
}

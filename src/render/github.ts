/**
 * GitHub Actions output: workflow-command annotations (`::error title=…::message`) and a Markdown
 * job summary for $GITHUB_STEP_SUMMARY. Escaping follows GitHub's rules: in data `%`, CR and LF
 * become %25, %0D, %0A; in properties `:` and `,` become %3A and %2C as well.
 */
import type { Report } from '../model/report.ts';
import { renderMarkdown } from './markdown.ts';
import { describeFinding } from './messages.ts';
import type { RenderContext } from './types.ts';

/** GitHub drops a step summary over 1 MiB entirely: stay well under it. */
export const MAX_SUMMARY_BYTES = 900 * 1024;

export function renderAnnotations(report: Report, strict: boolean): string {
  const lines: string[] = [];
  for (const f of report.findings) {
    if (f.level === 'info') continue;
    const { message, advice } = describeFinding(f);
    const command = f.level === 'fail' || strict ? 'error' : 'warning';
    lines.push(`::${command} title=${property(`dpskew ${f.code}`)}::${data(`${message}\n${advice}`)}`);
  }
  for (const a of report.assertions) {
    if (a.passed) continue;
    const command = a.level === 'fail' || strict ? 'error' : 'warning';
    lines.push(`::${command} title=${property(`dpskew ${a.level === 'fail' ? '--assert' : '--warn'}`)}::${data(`${a.expression} is false: ${a.metric} = ${a.actual === null ? 'no data' : a.actual}`)}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export function renderStepSummary(report: Report, context: RenderContext): string {
  const markdown = renderMarkdown(report, context);
  if (Buffer.byteLength(markdown) <= MAX_SUMMARY_BYTES) return markdown;
  const cut = Buffer.from(markdown).subarray(0, MAX_SUMMARY_BYTES).toString('utf8').replace(/\uFFFD$/, '');
  return `${cut.slice(0, cut.lastIndexOf('\n'))}\n\n_(dpskew: summary truncated to stay under GitHub's 1 MiB limit; see the job log or --format json)_\n`;
}

export function data(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function property(value: string): string {
  return data(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

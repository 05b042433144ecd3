/**
 * `--format csv`: one row per phase and DP rank (per worker and rank with `--by worker`), RFC 4180
 * quoting. Text cells that a spreadsheet would read as a formula (= + - @) get a leading `'`.
 */
import type { Report } from '../report/types.ts';
import type { Renderer } from './types.ts';

const HEADER = [
  'phase',
  'worker',
  'rank',
  'batches',
  'share',
  'new_tokens',
  'token_share',
  'new_seqs',
  'cached_tokens',
  'queue_max',
  'queue_p50',
  'queue_p95',
  'queue_mean',
  'running_max',
  'running_mean',
  'first_time',
  'last_time',
];

export const renderCsv: Renderer = (report: Report) => {
  const rows: string[] = [HEADER.join(',')];
  for (const phase of [report.prefill, report.decode]) {
    for (const group of phase.groups) {
      for (const r of group.ranks) {
        rows.push(
          [
            text(phase.phase),
            text(r.worker ?? ''),
            num(r.rank),
            num(r.batches),
            num(r.share),
            num(r.newTokens),
            num(r.tokenShare),
            num(r.newSeqs),
            num(r.cachedTokens),
            num(r.queue.max),
            num(r.queue.p50),
            num(r.queue.p95),
            num(r.queue.mean),
            num(r.running.max),
            num(r.running.mean),
            text(r.firstTime ?? ''),
            text(r.lastTime ?? ''),
          ].join(','),
        );
      }
    }
  }
  return `${rows.join('\r\n')}\r\n`;
};

function num(value: number | null): string {
  return value === null ? '' : String(value);
}

/** RFC 4180: quote when needed, double inner quotes; defuse spreadsheet formulas. */
export function text(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

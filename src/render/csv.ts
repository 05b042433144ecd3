/**
 * `--format csv`: one row per phase and DP rank (per worker and rank with `--by worker`), RFC 4180
 * quoting. Text is sanitised like the other formats'; cells that a spreadsheet would read as a
 * formula (= + - @) get a leading `'`.
 */
import type { Report } from '../model/report.ts';
import { sanitize } from './format.ts';
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
  // Metrics dumps and request traces in the same columns: samples or requests as `batches`, prompt
  // or input tokens as `new_tokens`, waiting or queue depth at arrival as `queue_*`. (Stats lines
  // alone keep the CSV they always had.)
  for (const group of report.engineStats.groups.filter((g) => g.origin !== undefined)) {
    for (const r of group.ranks) {
      const cells = [text('metrics'), text(r.worker ?? ''), num(r.rank), num(r.samples), '', num(r.promptTokens), num(r.promptShare), '', ''];
      rows.push([...cells, num(r.waiting.max), num(r.waiting.p50), num(r.waiting.p95), num(r.waiting.mean), num(r.running.max), num(r.running.mean), text(r.firstTime ?? ''), text(r.lastTime ?? '')].join(','));
    }
  }
  for (const r of report.requests.traces?.ranks ?? []) {
    const cells = [text(`trace-${r.phase}`), text(r.workerId), num(r.rank), num(r.requests), num(r.share), num(r.inputTokens), '', '', ''];
    rows.push([...cells, '', '', num(r.queueDepth.p95), num(r.queueDepth.mean), '', '', '', ''].join(','));
  }
  return `${rows.join('\r\n')}\r\n`;
};

function num(value: number | null): string {
  return value === null ? '' : String(value);
}

/**
 * A text cell: made safe like every format's text (`sanitize`: no escape sequence, line break, C1
 * control or bidi mark reaches a terminal that prints the CSV, so a record is always one line),
 * spreadsheet formulas defused, then quoted per RFC 4180 where needed (inner quotes doubled).
 */
export function text(value: string): string {
  const clean = sanitize(value);
  const safe = /^[=+\-@]/.test(clean) ? `'${clean}` : clean;
  return /[",]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

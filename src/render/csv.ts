/**
 * `--format csv`: one rectangular table, RFC 4180 quoting, one row per phase and DP rank (per worker
 * and rank with `--by worker`), then one row per rank of each other per-rank section the logs hold:
 * engine stats (vLLM stats lines or metrics dumps), Dynamo routing decisions, per-request ranks and
 * Dynamo request traces. The first 17 columns keep their
 * place and meaning for batch rows; `section` says which section a row belongs to, and a cell is
 * empty where the column does not apply (docs/formats.md lists the columns). Text is sanitised like
 * the other formats'; cells that a spreadsheet would read as a formula (= + - @) get a leading `'`.
 */
import type { Quantiles, Report } from '../model/report.ts';
import { sanitize } from './format.ts';
import type { Renderer } from './types.ts';

export const CSV_COLUMNS = [
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
  'section',
  'source',
  'samples',
  'prompt_tokens_est',
  'decisions',
  'requests',
  'requests_executed',
  'ttft_p50_ms',
  'ttft_p95_ms',
] as const;

type Column = (typeof CSV_COLUMNS)[number];
type Row = Partial<Record<Column, string | number | null>>;

export const renderCsv: Renderer = (report: Report) => {
  const rows: string[] = [CSV_COLUMNS.join(',')];
  for (const row of csvRows(report)) rows.push(CSV_COLUMNS.map((c) => cell(row[c])).join(','));
  return `${rows.join('\r\n')}\r\n`;
};

function* csvRows(report: Report): Generator<Row> {
  for (const phase of [report.prefill, report.decode]) {
    for (const group of phase.groups) {
      for (const r of group.ranks) {
        yield {
          phase: phase.phase,
          worker: r.worker ?? '',
          rank: r.rank,
          batches: r.batches,
          share: r.share,
          new_tokens: r.newTokens,
          token_share: r.tokenShare,
          new_seqs: r.newSeqs,
          cached_tokens: r.cachedTokens,
          ...loadCells(r.queue, r),
          section: 'batches',
        };
      }
    }
  }
  // vLLM engine stats: `Waiting` is the engine's queue, so it fills the queue columns.
  for (const group of report.engineStats.groups) {
    for (const r of group.ranks) {
      yield {
        worker: r.worker ?? '',
        rank: r.rank,
        share: r.promptShare,
        ...loadCells(r.waiting, r),
        section: 'engine-stats',
        samples: r.samples,
        prompt_tokens_est: r.promptTokens,
      };
    }
  }
  // Dynamo routing: one row per target worker and concrete rank; share is within that worker.
  for (const w of report.routing.workers) {
    for (const r of w.ranks) {
      yield {
        worker: w.workerId,
        rank: r.rank,
        share: w.decisions > 0 ? r.decisions / w.decisions : null,
        first_time: w.firstTime ?? '',
        last_time: w.lastTime ?? '',
        section: 'routing',
        decisions: r.decisions,
      };
    }
  }
  // Per-request ranks: requested (and, for SGLang Finish lines, executed) per rank of each source.
  for (const source of report.requests.sources) {
    const executed = new Map(source.executed.map((e) => [e.rank, e.requests]));
    const ranks = [...new Set([...source.ranks.map((r) => r.rank), ...executed.keys()])].sort((a, b) => a - b);
    const requested = new Map(source.ranks.map((r) => [r.rank, r.requests]));
    const total = source.ranks.reduce((s, r) => s + r.requests, 0);
    for (const rank of ranks) {
      const asked = requested.get(rank) ?? 0;
      yield {
        rank,
        share: total > 0 ? asked / total : null,
        section: 'requests',
        source: source.source,
        requests: asked,
        requests_executed: source.executed.length > 0 ? (executed.get(rank) ?? 0) : null,
      };
    }
  }
  // Dynamo request traces: requests per phase, worker and rank, with input tokens, the router's
  // queue depth at arrival and time to first token.
  for (const r of report.requests.traces?.ranks ?? []) {
    yield {
      phase: r.phase,
      worker: r.workerId,
      rank: r.rank,
      share: r.share,
      new_tokens: r.inputTokens,
      queue_p95: r.queueDepth.p95,
      queue_mean: r.queueDepth.mean,
      section: 'request-traces',
      requests: r.requests,
      ttft_p50_ms: r.ttftMs.p50,
      ttft_p95_ms: r.ttftMs.p95,
    };
  }
}

/** The queue, running and time columns, shared by batch rows and engine-stats rows. */
function loadCells(queue: Quantiles, r: { readonly running: { readonly max: number | null; readonly mean: number | null }; readonly firstTime: string | null; readonly lastTime: string | null }): Row {
  return {
    queue_max: queue.max,
    queue_p50: queue.p50,
    queue_p95: queue.p95,
    queue_mean: queue.mean,
    running_max: r.running.max,
    running_mean: r.running.mean,
    first_time: r.firstTime ?? '',
    last_time: r.lastTime ?? '',
  };
}

function cell(value: string | number | null | undefined): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'number' ? String(value) : text(value);
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

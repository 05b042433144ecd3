/**
 * Test helper: per-worker logs wrapped and interleaved the way each tool that pipes a cluster's
 * logs writes them (issue 22), and the report compared with the per-worker files' report.
 */
import type { Report } from '../../src/model/report.ts';

/** One worker's log: the source name the envelope carries, and its lines (without `\n`). */
export interface WorkerLog {
  readonly pod: string;
  readonly lines: readonly string[];
}

/** The envelopes written line by line, each as its tool writes it. */
export const LINE_KINDS = ['kubectl', 'stern', 'stern-colour', 'stern-ns', 'logcli', 'logcli-jsonl', 'compose', 'compose-colour', 'journal', 'srun', 'es-ndjson', 'es-hits-ndjson'] as const;
/** Whole JSON documents. */
export const DOCUMENT_KINDS = ['loki-json', 'es-json', 'es-array'] as const;
export type StreamKind = (typeof LINE_KINDS)[number] | (typeof DOCUMENT_KINDS)[number];

const ESC = '\u001b';
export const LOKI_TIME = '2026-04-14T10:00:00Z';

/** The source name a worker gets from a split stream of `kind` read as input `input` (`i`: the worker's index). */
export function splitName(kind: StreamKind, pod: string, i: number, input: string): string {
  if (kind === 'journal') return `node${i}/${pod}.service`;
  if (kind === 'srun') return `${input}:${i}`;
  return pod;
}

/** `line` of worker `i` (`pod`) in envelope `kind`. */
export function wrapLine(kind: (typeof LINE_KINDS)[number], pod: string, i: number, line: string): string {
  switch (kind) {
    case 'kubectl':
      return `[pod/${pod}/sglang] ${line}`;
    case 'stern':
      return `${pod} sglang ${line}`;
    case 'stern-colour':
      return `${ESC}[9${1 + (i % 6)}m${pod}${ESC}[0m ${ESC}[3${1 + (i % 6)}msglang${ESC}[0m ${line}`;
    case 'stern-ns':
      return `${ESC}[35minference${ESC}[0m ${ESC}[9${1 + (i % 6)}m${pod}${ESC}[0m ${ESC}[32msglang${ESC}[0m ${line}`;
    case 'logcli':
      return `${LOKI_TIME} {app="sglang", namespace="inference", pod="${pod}"} ${line}`;
    case 'logcli-jsonl':
      return JSON.stringify({ labels: { app: 'sglang', pod }, line, timestamp: LOKI_TIME });
    case 'compose':
      return `${pod.padEnd(24)} | ${line}`;
    case 'compose-colour':
      return `${ESC}[36m${pod.padEnd(24)} |${ESC}[0m ${line}`;
    case 'journal':
      return `Apr 14 10:00:00 node${i} ${pod}.service[${4000 + i}]: ${line}`;
    case 'srun':
      return `${i}: ${line}`;
    case 'es-ndjson':
      return JSON.stringify({ '@timestamp': LOKI_TIME, message: line, kubernetes: { pod: { name: pod }, namespace: 'inference' } });
    case 'es-hits-ndjson':
      return JSON.stringify({ _index: 'logs-2026.04.14', _id: String(i), _source: { '@timestamp': LOKI_TIME, log: line, kubernetes: { pod_name: pod } } });
  }
}

/** The order lines are taken in: worker indexes, each worker's lines in their order. */
export function interleaving(logs: readonly WorkerLog[], rand: () => number): number[] {
  const left = logs.map((l) => l.lines.length);
  const order: number[] = [];
  let total = left.reduce((a, b) => a + b, 0);
  while (total > 0) {
    let pick = Math.floor(rand() * total);
    let w = 0;
    while (pick >= (left[w] ?? 0)) pick -= left[w++] ?? 0;
    left[w] = (left[w] ?? 0) - 1;
    order.push(w);
    total--;
  }
  return order;
}

/** The stream: every worker's lines in envelope `kind`, in `order`. */
export function envelopeStream(kind: StreamKind, logs: readonly WorkerLog[], order: readonly number[], direction: 'forward' | 'backward' = 'forward'): string {
  const at = logs.map(() => 0);
  const next = (w: number): string => {
    const k = at[w] ?? 0;
    at[w] = k + 1;
    return logs[w]?.lines[k] ?? '';
  };
  if (kind === 'loki-json') {
    // Loki answers with one stream per label set, each with its values (newest first unless asked `direction=forward`).
    const streams = logs.map((l) => {
      const values = l.lines.map((line, k) => [String(1776160800000000000n + BigInt(k) * 1000000n), line]);
      return { stream: { app: 'sglang', pod: l.pod }, values: direction === 'backward' ? values.reverse() : values };
    });
    return JSON.stringify({ status: 'success', data: { resultType: 'streams', result: streams, stats: { summary: { bytesProcessedPerSecond: 1 } } } });
  }
  if (kind === 'es-json' || kind === 'es-array') {
    const hits = order.map((w, k) => ({ _index: 'logs', _id: String(k), _score: null, _source: { '@timestamp': LOKI_TIME, message: next(w), kubernetes: { pod: { name: logs[w]?.pod } } }, sort: [k] }));
    return kind === 'es-array' ? JSON.stringify(hits) : JSON.stringify({ took: 3, timed_out: false, _shards: { total: 1 }, hits: { total: { value: hits.length, relation: 'eq' }, max_score: null, hits } });
  }
  return `${order.map((w) => wrapLine(kind, logs[w]?.pod ?? '', w, next(w))).join('\n')}\n`;
}

/**
 * A report without what tells a split stream from files (its inputs' names and bytes; the bytes
 * read; example lines), its workers renamed by `names`, for comparison.
 */
export function comparable(report: Report, names: ReadonlyMap<string, string> = new Map()): unknown {
  let text = JSON.stringify({ ...report, inputs: [], totals: { ...report.totals, bytes: 0, inputs: 0 }, workers: report.workers.map((w) => ({ ...w, inputs: [] })) });
  for (const [from, to] of names) text = text.replaceAll(JSON.stringify(from).slice(1, -1), to);
  // An example line of the run is the first one read: which worker's comes first depends on the interleaving.
  return JSON.parse(text, (key: string, value: unknown) => (key === 'example' ? undefined : value));
}


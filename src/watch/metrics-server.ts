/**
 * `dpskew watch --metrics-listen HOST:PORT`: the watch's numbers as a Prometheus/OpenMetrics
 * endpoint (`GET /metrics`), so the Prometheus and Grafana a team already runs can graph and alert
 * on them. Every value is the latest snapshot's report (the whole run so far), set on each
 * snapshot (`update`); nothing here judges anything.
 *
 * Exposed (all prefixed `dpskew_`):
 * - `batches_total{phase,worker,rank}` counter, `batch_share{…}` gauge, `queue_depth{…,stat=p95|max}`
 *   and `running{…,stat=mean|max}` gauges: per phase, worker group and DP rank;
 * - `peer_balance{phase}`, `balance{phase}`, `max_share{phase}`: the phase headline;
 * - `engine_prompt_tokens_total`, `engine_waiting{stat}`, `engine_running{stat}` per worker and rank
 *   (stats lines and metrics dumps);
 * - `verdict{verdict}` 1 for the current one, 0 for the others; `finding{code,level,phase,worker}` 1 per
 *   active finding; `findings{level}` counts; `lines_read_total`.
 *
 * prom-client is required on first use, not bundled: loading it takes ~100-300 ms, which every other
 * command would pay at start-up (and a dynamic import() cannot run from the code-cached bundle). It
 * is a dependency, so it resolves from node_modules beside dist/. Its own registry: no process
 * metrics, which would describe dpskew, not the cluster.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { Counter, Gauge, Registry } from 'prom-client';
import { UsageError } from '../model/errors.ts';
import type { Report, Verdict } from '../model/report.ts';

/** Where the endpoint listens; loopback unless a host is named. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export const DEFAULT_METRICS_HOST = '127.0.0.1';

/**
 * `HOST:PORT`, `[v6]:PORT`, `:PORT` or `PORT` (the last two on loopback). Port 0 picks a free one.
 * @throws UsageError naming the flag
 */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):?(\d{1,5})$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !Number.isInteger(port) || port > 65_535 || (!text.includes(':') && m[2] !== '' && m[2] !== undefined)) {
    throw new UsageError(`--metrics-listen: expected HOST:PORT (e.g. 127.0.0.1:9464, :9464), got "${text}"`);
  }
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? DEFAULT_METRICS_HOST : host, port };
}

const VERDICTS: readonly Verdict[] = ['ok', 'warn', 'fail', 'insufficient'];

interface Metrics {
  readonly registry: Registry;
  readonly batches: Counter;
  readonly share: Gauge;
  readonly queue: Gauge;
  readonly running: Gauge;
  readonly peerBalance: Gauge;
  readonly balance: Gauge;
  readonly maxShare: Gauge;
  readonly enginePrompt: Counter;
  readonly engineWaiting: Gauge;
  readonly engineRunning: Gauge;
  readonly verdict: Gauge;
  readonly finding: Gauge;
  readonly findings: Gauge;
  readonly lines: Counter;
}

export interface MetricsServer {
  /** where it listens (the port chosen when 0 was asked for) */
  readonly address: ListenAddress;
  /** Set every metric from `report` (the latest snapshot's). */
  update(report: Report): void;
  /** The exposition text, as `GET /metrics` serves it. */
  render(): Promise<string>;
  close(): Promise<void>;
}

/** Starts listening; resolves once the socket is bound (rejects with the bind error: port in use, no such host). */
export async function startMetricsServer(at: ListenAddress): Promise<MetricsServer> {
  const metrics = await createMetrics();
  const counted = new Map<string, number>();
  // node:http, too, only when asked for: every other run would load it at start-up.
  const http: typeof import('node:http') = createRequire(import.meta.url)('node:http');
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('dpskew: see /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(req.method === 'HEAD' ? undefined : body),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${String(error)}\n`),
    );
  });
  const address = await listen(server, at);
  return {
    address,
    update: (report) => setMetrics(metrics, report, counted),
    render: () => metrics.registry.metrics(),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function listen(server: Server, at: ListenAddress): Promise<ListenAddress> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      const bound = server.address();
      resolve({ host: at.host, port: typeof bound === 'object' && bound !== null ? bound.port : at.port });
    });
  });
}

async function createMetrics(): Promise<Metrics> {
  const client: typeof import('prom-client') = createRequire(import.meta.url)('prom-client');
  const registry = new client.Registry();
  const gauge = (name: string, help: string, labelNames: readonly string[]): Gauge => new client.Gauge({ name: `dpskew_${name}`, help, labelNames, registers: [registry] });
  const counter = (name: string, help: string, labelNames: readonly string[]): Counter => {
    const made = new client.Counter({ name: `dpskew_${name}`, help, labelNames, registers: [registry] });
    counterKeys.set(made, name);
    return made;
  };
  const rankLabels = ['phase', 'worker', 'rank'];
  return {
    registry,
    batches: counter('batches_total', 'Batch lines per phase, worker group (all: every worker merged) and DP rank, since the watch started', rankLabels),
    share: gauge('batch_share', "The rank's share of the phase's batches in its group (1/ranks is even)", rankLabels),
    queue: gauge('queue_depth', 'Queue depth (#queue-req) over the rank\'s batch lines: p95 and max', [...rankLabels, 'stat']),
    running: gauge('running', 'Running requests (#running-req) over the rank\'s batch lines: mean and max', [...rankLabels, 'stat']),
    peerBalance: gauge('peer_balance', "The other ranks' mean over the busiest rank's batches (0: one rank ran all, 1: even); the verdict's measure", ['phase']),
    balance: gauge('balance', 'Mean over max of the ranks\' batches', ['phase']),
    maxShare: gauge('max_share', "The busiest rank's share of the phase's batches", ['phase']),
    enginePrompt: counter('engine_prompt_tokens_total', 'Prompt tokens per worker and DP rank from engine stats lines or metrics dumps', ['worker', 'rank']),
    engineWaiting: gauge('engine_waiting', 'Waiting requests per worker and DP rank (engine stats, metrics dumps): p95 and max', ['worker', 'rank', 'stat']),
    engineRunning: gauge('engine_running', 'Running requests per worker and DP rank (engine stats, metrics dumps): mean and max', ['worker', 'rank', 'stat']),
    verdict: gauge('verdict', 'The current verdict: 1 for it, 0 for the others', ['verdict']),
    finding: gauge('finding', 'Active findings: 1 per finding of the latest report', ['code', 'level', 'phase', 'worker']),
    findings: gauge('findings', 'Active findings per level', ['level']),
    lines: counter('lines_read_total', 'Lines read from the watched inputs', []),
  };
}

/** Each counter's name, for the last values set (`counted`). */
const counterKeys = new WeakMap<Counter, string>();

/** A counter to `value`: counters only go up, so the step since the last value set is added (a lower value, a restart of the count, adds it whole). */
function setCounter(counter: Counter, labels: Record<string, string>, value: number, counted: Map<string, number>): void {
  const key = `${counterKeys.get(counter) ?? ''}${JSON.stringify(labels)}`;
  const before = counted.get(key) ?? 0;
  const step = value >= before ? value - before : value;
  if (step > 0) counter.inc(labels, step);
  else if (!counted.has(key)) counter.inc(labels, 0);
  counted.set(key, value);
}

function setMetrics(m: Metrics, report: Report, counted: Map<string, number>): void {
  // Gauges are rebuilt each time: a finding or rank that is gone must not linger.
  for (const g of [m.share, m.queue, m.running, m.peerBalance, m.balance, m.maxShare, m.engineWaiting, m.engineRunning, m.finding, m.findings]) g.reset();
  for (const phase of [report.prefill, report.decode]) {
    for (const group of phase.groups) {
      const worker = group.worker ?? 'all';
      for (const r of group.ranks) {
        const labels = { phase: phase.phase, worker, rank: String(r.rank) };
        setCounter(m.batches, labels, r.batches, counted);
        m.share.set(labels, r.share);
        setIf(m.queue, { ...labels, stat: 'p95' }, r.queue.p95);
        setIf(m.queue, { ...labels, stat: 'max' }, r.queue.max);
        setIf(m.running, { ...labels, stat: 'mean' }, r.running.mean);
        setIf(m.running, { ...labels, stat: 'max' }, r.running.max);
      }
    }
    setIf(m.peerBalance, { phase: phase.phase }, phase.peerBalance);
    setIf(m.balance, { phase: phase.phase }, phase.balance);
    setIf(m.maxShare, { phase: phase.phase }, phase.maxShare);
  }
  for (const group of report.engineStats.groups) {
    const worker = group.worker ?? 'all';
    for (const r of group.ranks) {
      const labels = { worker, rank: String(r.rank) };
      setCounter(m.enginePrompt, labels, r.promptTokens, counted);
      setIf(m.engineWaiting, { ...labels, stat: 'p95' }, r.waiting.p95);
      setIf(m.engineWaiting, { ...labels, stat: 'max' }, r.waiting.max);
      setIf(m.engineRunning, { ...labels, stat: 'mean' }, r.running.mean);
      setIf(m.engineRunning, { ...labels, stat: 'max' }, r.running.max);
    }
  }
  for (const v of VERDICTS) m.verdict.set({ verdict: v }, report.verdict === v ? 1 : 0);
  const levels = { fail: 0, warn: 0, info: 0 };
  for (const f of report.findings) {
    levels[f.level]++;
    m.finding.set({ code: f.code, level: f.level, phase: f.phase ?? '', worker: f.worker ?? '' }, 1);
  }
  for (const [level, n] of Object.entries(levels)) m.findings.set({ level }, n);
  setCounter(m.lines, {}, report.totals.linesRead, counted);
}

function setIf(gauge: Gauge, labels: Record<string, string>, value: number | null): void {
  if (value !== null && Number.isFinite(value)) gauge.set(labels, value);
}

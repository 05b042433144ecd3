/**
 * `dpskew watch --metrics-listen`: the endpoint starts on 127.0.0.1 (port 0: a free one), serves
 * /metrics in the Prometheus text format, and its numbers are the report's. Bounded in time: every
 * wait has a deadline, and the watch is stopped with SIGINT.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseListenAddress, startMetricsServer } from '../../src/watch/metrics-server.ts';
import { sampleReport } from '../helpers/report.ts';
import { CLI, ROOT, runJson } from '../cli/run-cli.ts';

/** `name{labels} value` lines of an exposition, as [name, labels, value]. */
function samples(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const out: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] ?? ''] = l[2] ?? '';
    out.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
  }
  return out;
}

function valueOf(text: string, name: string, labels: Record<string, string>): number | undefined {
  return samples(text).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('--metrics-listen addresses', () => {
  it.each([
    ['127.0.0.1:9464', { host: '127.0.0.1', port: 9464 }],
    [':9464', { host: '127.0.0.1', port: 9464 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['[::1]:9464', { host: '::1', port: 9464 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
  ])('%s', (text, expected) => expect(parseListenAddress(text)).toEqual(expected));

  it.each(['', 'host', '127.0.0.1:70000', '127.0.0.1:x', 'a:b:1'])('refuses "%s" naming the flag', (text) => {
    expect(() => parseListenAddress(text)).toThrow(/--metrics-listen/);
  });
});

describe('the metrics server', () => {
  it('serves the report on 127.0.0.1, counters never going down, findings and verdict current', { timeout: 10_000 }, async () => {
    const server = await startMetricsServer({ host: '127.0.0.1', port: 0 });
    try {
      expect(server.address.port).toBeGreaterThan(0);
      const report = sampleReport();
      server.update(report);
      const res = await fetch(`http://127.0.0.1:${server.address.port}/metrics`, { signal: AbortSignal.timeout(5000) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      for (const r of report.prefill.groups[0]?.ranks ?? []) {
        expect(valueOf(text, 'dpskew_batches_total', { phase: 'prefill', worker: 'all', rank: String(r.rank) })).toBe(r.batches);
        expect(valueOf(text, 'dpskew_batch_share', { phase: 'prefill', rank: String(r.rank) })).toBeCloseTo(r.share, 12);
      }
      expect(valueOf(text, 'dpskew_verdict', { verdict: report.verdict })).toBe(1);
      expect(samples(text).filter((s) => s.name === 'dpskew_verdict' && s.value === 1)).toHaveLength(1);
      expect(samples(text).filter((s) => s.name === 'dpskew_finding')).toHaveLength(report.findings.length);
      expect((await fetch(`http://127.0.0.1:${server.address.port}/other`)).status).toBe(404);
      // A later snapshot with no findings: they are gone, the counters keep their value.
      server.update({ ...report, findings: [], verdict: 'ok' });
      const again = await server.render();
      expect(samples(again).filter((s) => s.name === 'dpskew_finding')).toHaveLength(0);
      expect(valueOf(again, 'dpskew_verdict', { verdict: 'ok' })).toBe(1);
      const r0 = report.prefill.groups[0]?.ranks[0];
      expect(valueOf(again, 'dpskew_batches_total', { phase: 'prefill', rank: String(r0?.rank) })).toBe(r0?.batches);
    } finally {
      await server.close();
    }
  });

  it('a port in use is an error, not a crash', { timeout: 10_000 }, async () => {
    const first = await startMetricsServer({ host: '127.0.0.1', port: 0 });
    try {
      await expect(startMetricsServer({ host: '127.0.0.1', port: first.address.port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});

describe('dpskew watch --metrics-listen 127.0.0.1:0', () => {
  it('scraped while watching, its per-rank batch counts equal the report of the same input', { timeout: 30_000 }, async () => {
    const input = 'examples/pr7984-before';
    const { json: report } = await runJson([input]);
    const child = spawn(process.execPath, [CLI, 'watch', input, '--metrics-listen', '127.0.0.1:0', '--interval', '0.2s', '--format', 'json'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', TZ: 'UTC' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        const timer = setTimeout(() => reject(new Error(`no address within 10 s; stderr: ${err}`)), 10_000);
        child.stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString();
          const m = /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(err);
          if (m?.[1] !== undefined) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      const expected = report.prefill.groups[0]?.ranks ?? [];
      expect(expected.length).toBe(4);
      let text = '';
      const deadline = Date.now() + 15_000;
      // The first snapshot may not have read everything yet: scrape until the totals match or time runs out.
      while (Date.now() < deadline) {
        text = await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text();
        if (expected.every((r) => valueOf(text, 'dpskew_batches_total', { phase: 'prefill', worker: 'all', rank: String(r.rank) }) === r.batches)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      for (const r of expected) expect(valueOf(text, 'dpskew_batches_total', { phase: 'prefill', worker: 'all', rank: String(r.rank) })).toBe(r.batches);
      expect(valueOf(text, 'dpskew_peer_balance', { phase: 'prefill' })).toBeCloseTo(report.prefill.peerBalance ?? NaN, 12);
      expect(valueOf(text, 'dpskew_verdict', { verdict: report.verdict })).toBe(1);
      for (const f of report.findings) expect(valueOf(text, 'dpskew_finding', { code: f.code, level: f.level })).toBe(1);
    } finally {
      child.kill('SIGINT');
      await exited;
    }
  });
});

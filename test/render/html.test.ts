/** The HTML page's Node side: the embedded JSON, the down-sampling rule, the verdict's reason, the document and --out. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { PhaseWindows, Report, WindowRow, WindowsReport } from '../../src/model/report.ts';
import { embedJson, escapeHtml, renderHtml } from '../../src/render/html.ts';
import { buildReportPage } from '../../src/render/html/page-model.ts';
import { verdictReason } from '../../src/render/messages.ts';
import { MAX_POINTS, pageSeries } from '../../src/render/html/page-series.ts';
import { ROOT, runCli } from '../cli/run-cli.ts';
import { sampleReport } from '../helpers/report.ts';

const T0 = Date.UTC(2026, 3, 14, 10, 0, 0);

function windows(rows: WindowRow[], ranks: number[]): { all: WindowsReport; phase: PhaseWindows } {
  const phase: PhaseWindows = {
    phase: 'prefill',
    ranks,
    activeWindows: rows.length,
    balance: { min: null, p10: null, p50: null, mean: null },
    peerBalance: { min: null, p10: null, p50: null, mean: null },
    worst: null,
    skewedShare: null,
    idlePeriods: [],
    firstIdle: null,
    queuedWhilePeerIdleShare: null,
    rows,
    mergedWindows: 1,
  };
  const all: WindowsReport = { sizeSeconds: 5, auto: true, start: rows[0]?.start ?? '', end: '', count: rows.length, prefill: phase, decode: null };
  return { all, phase };
}

/** `n` rows of 3 ranks: DP0 runs 2 a window, DP1 1, DP2 none; row 4321 a spike (DP1 90 batches, queue 500). */
function rows(n: number): WindowRow[] {
  return Array.from({ length: n }, (_, i) => {
    const spike = i === 4321;
    const batches = [2, spike ? 90 : 1, 0];
    const max = Math.max(...batches);
    return { start: new Date(T0 + i * 5000).toISOString(), batches, newTokens: [0, 0, 0], maxQueue: [i % 7, spike ? 500 : 1, null], balance: batches.reduce((s, b) => s + b, 0) / 3 / max };
  });
}

describe('embedJson', () => {
  it('leaves no < at all, so nothing can close the script element or open a comment, and parses back to the same value', () => {
    const value = { name: '</script><script>alert(1)</script><!--', other: ['<', '\u2028'] };
    const text = embedJson(value);
    expect(text).not.toContain('<');
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('pageSeries: down-sampling', () => {
  it('passes up to MAX_POINTS rows through unchanged', () => {
    const { all, phase } = windows(rows(MAX_POINTS), [0, 1, 2]);
    const s = pageSeries(all, phase, null);
    expect(s.rowsPerPoint).toBe(1);
    expect(s.x.length).toBe(MAX_POINTS);
    expect(s.x[1]).toBe(T0 / 1000 + 5);
    expect(s.batches[1]?.slice(0, 3)).toEqual([1, 1, 1]);
    expect(s.step).toBe(5);
  });

  it('merges ⌈rows / max⌉ rows a point: batches summed, peak queue and both balances kept at their extremes', () => {
    const { all, phase } = windows(rows(10_000), [0, 1, 2]);
    const s = pageSeries(all, phase, null);
    expect(s.rowsPerPoint).toBe(5);
    expect(s.x.length).toBe(2000);
    expect(s.step).toBe(25);
    // totals exact
    expect(s.batches.map((b) => b.reduce((x, y) => x + y, 0))).toEqual([20_000, 10_000 - 1 + 90, 0]);
    // the spike in row 4321 (point 864) survives: its batches in the sum, its queue as the peak, its balance as the minimum
    expect(s.batches[1]?.[864]).toBe(4 + 90);
    expect(s.maxQueue[1]?.[864]).toBe(500);
    expect(Math.max(...(s.maxQueue[1] ?? []).map((q) => q ?? 0))).toBe(500);
    expect(s.balance[864]).toBeCloseTo(92 / 3 / 90, 12);
    expect(s.peerBalance[864]).toBeCloseTo(1 / 90, 12);
    expect(s.maxQueue[2]?.every((q) => q === null)).toBe(true);
    expect(s.maxQueue[0]?.[0]).toBe(4); // rows 0–4: i % 7 peaks at 4
  });

  it('never exceeds its limit, whatever the number of rows', () => {
    for (const n of [1, 7, 999, 1001, 2001, 4003]) {
      const { all, phase } = windows(rows(n), [0, 1, 2]);
      const s = pageSeries(all, phase, null, 1000);
      expect(s.x.length).toBeLessThanOrEqual(1000);
      expect(s.batches[0]?.reduce((x, y) => x + y, 0)).toBe(2 * n);
    }
  });

  it('measures x from an origin when given one (compare: time since each run began)', () => {
    const { all, phase } = windows(rows(3), [0, 1, 2]);
    expect(pageSeries(all, phase, T0).x).toEqual([0, 5, 10]);
  });
});

describe('verdictReason', () => {
  it('fail and warn: what the worst finding says, the same sentence as the table\'s first line', () => {
    const report = sampleReport();
    expect(report.verdict).toBe('fail');
    const reason = verdictReason(report);
    expect(reason).toContain('DP2');
  });

  it('ok: the headline peer balances', async () => {
    const report: Report = JSON.parse((await runCli([join(ROOT, 'examples', 'pr7984-after'), '--format', 'json'])).stdout);
    expect(report.verdict).toBe('ok');
    expect(verdictReason(report)).toMatch(/^prefill: peer balance \d\.\d\d over 4 ranks; decode: peer balance \d\.\d\d over 8 ranks$/);
  });
});

describe('renderHtml', () => {
  const html = renderHtml(sampleReport(), { chalk: new Chalk({ level: 0 }), width: 80, chart: false });

  it('is one document whose Content-Security-Policy allows exactly its own inline scripts and no network', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replaceAll('&#39;', "'") ?? '';
    expect(csp).toContain("default-src 'none'");
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
    expect(scripts.length).toBe(2);
    for (const s of scripts) expect(csp).toContain(`'sha256-${createHash('sha256').update(s).digest('base64')}'`);
    expect(html).not.toMatch(/\b(src|href)=/);
  });

  it('embeds the page model as JSON', () => {
    const data = /<script type="application\/json" id="dpskew-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    expect(JSON.parse(data)).toEqual(JSON.parse(JSON.stringify(buildReportPage(sampleReport()))));
  });
});

describe('--out report.html', () => {
  it('writes the page while stdout keeps --format', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dpskew-out-')), 'report.html');
    const result = await runCli([join(ROOT, 'examples', 'pr7984-after'), '--out', out, '--no-chart']);
    expect(result.stdout).toMatch(/^(OK|WARN|FAIL|INSUFFICIENT) /);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<script type="application/json" id="dpskew-data">');
  });
});

describe('--format html under GitHub Actions', () => {
  it('keeps the annotations out of the page: they go to stderr, as next to JSON', async () => {
    const result = await runCli([join(ROOT, 'examples', 'pr7984-before'), '--format', 'html'], { env: { GITHUB_ACTIONS: 'true' } });
    expect(result.stdout).toMatch(/^<!doctype html>/);
    expect(result.stdout).not.toContain('::error');
    expect(result.stderr).toContain('::error');
  });
});

/**
 * The HTML page (--format html) in a real browser: both bundled examples, a 64-rank scenario, a
 * comparison and hostile names, each opened from file:// in the system's Chromium (browser.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.ts';
import { ROOT, runCli } from '../cli/run-cli.ts';
import { FOUND, launch, type Opened, openFile, SKIP, screenshot, writeDocsImage } from './browser.ts';
import { chartInfo, colouredPixels, heatCell, rankRgb } from './in-page.ts';
import { IDLE, IDLE_FROM, IDLE_TO, PINNED, RANKS, writeScenario64 } from './scenario-64.ts';

const dir = mkdtempSync(join(tmpdir(), 'dpskew-html-'));
const EXAMPLES = ['pr7984-before', 'pr7984-after'] as const;
const KINDS = ['batches', 'queue', 'balance', 'heatmap'] as const;

const pages = new Map<string, { file: string; report: Report }>();

/** Writes the page of `args` (with --format html) to `name`.html (once) and returns its path and the JSON report. */
async function writePage(name: string, args: readonly string[]): Promise<{ file: string; report: Report }> {
  const done = pages.get(name);
  if (done !== undefined) return done;
  const file = join(dir, `${name}.html`);
  const [html, json] = await Promise.all([runCli([...args, '--format', 'html']), runCli([...args, '--format', 'json'])]);
  expect(html.stderr).toBe('');
  writeFileSync(file, html.stdout);
  const page = { file, report: JSON.parse(json.stdout) };
  pages.set(name, page);
  return page;
}

describe.skipIf(SKIP)(`the HTML page in Chromium${FOUND.path === null ? ` (${FOUND.reason})` : ` (${FOUND.path})`}`, () => {
  let browser: Browser;
  const opened: Opened[] = [];
  const open = async (file: string, options: Parameters<typeof openFile>[2] = {}): Promise<Opened> => {
    const o = await openFile(browser, file, options);
    opened.push(o);
    return o;
  };

  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Every chart of the page, with what the tests expect of it, checked on the open page. */
  async function checkCharts(page: Page, report: Report, prefix: string): Promise<void> {
    const charts = await page.evaluate(chartInfo);
    const expected: string[] = [];
    for (const phase of ['prefill', 'decode'] as const) {
      const w = report.windows?.[phase];
      if (w === undefined || w === null || w.activeWindows === 0) continue;
      for (const kind of KINDS) {
        expected.push(`${prefix}:${phase}:${kind}`);
        const chart = charts.find((c) => c.chart === `${prefix}:${phase}:${kind}`);
        // one series per rank; balance: peer balance, mean/max and the two thresholds
        expect(chart?.series, `${phase} ${kind}`).toBe(kind === 'balance' ? 4 : w.ranks.length);
        expect(chart?.shown).toBe(chart?.series);
        // drawn: clearly coloured pixels inside the plot area
        const drawn = await page.evaluate(colouredPixels, [`${prefix}:${phase}:${kind}`, kind === 'heatmap' ? 'opaque' : null] as const);
        expect(drawn, `${phase} ${kind} drawn`).toBeGreaterThan(200);
      }
    }
    expect(charts.map((c) => c.chart).filter((c) => c.startsWith(`${prefix}:`)).sort()).toEqual(expected.sort());
  }

  for (const example of EXAMPLES) {
    it(`${example}: opens from file:// with no error and no request, verdict and reason on top, every chart drawn`, async () => {
      const { file, report } = await writePage(example, [join(ROOT, 'examples', example)]);
      const { page, errors, requests } = await open(file);
      expect(errors).toEqual([]);
      expect(requests).toEqual([`file://${file}`]);
      expect(await page.locator('#verdict .verdict-label').textContent()).toBe(report.verdict.toUpperCase());
      const reason = (await page.locator('#verdict .reason').textContent()) ?? '';
      if (example === 'pr7984-before') expect(reason).toMatch(/^prefill: DP0 took 99\.2% of batches \(peer balance 0\.00\); queue peaked at 771 on DP0$/);
      else expect(reason).toMatch(/^prefill: peer balance 1\.00 over 4 ranks; decode: peer balance 0\.9\d over 8 ranks$/);
      // findings in the report's order, each with its code
      expect(await page.locator('.finding').evaluateAll((items) => items.map((i) => i.getAttribute('data-code')))).toEqual(report.findings.map((f) => f.code));
      await checkCharts(page, report, 'report');
      // the tables: one per rank group, workers, inputs with a totals row
      expect(await page.locator('figure.table figcaption', { hasText: 'Inputs and line accounting' }).count()).toBe(1);
      expect(await page.locator('tfoot td').first().textContent()).toBe('12 inputs');
      await screenshot(page, example);
      if (example === 'pr7984-before') await writeDocsImage(browser, file);
    });
  }

  it('clicking a finding\'s time range zooms every chart to it, and "Show the whole run" zooms back', async () => {
    const { file, report } = await writePage('pr7984-before', [join(ROOT, 'examples', 'pr7984-before')]);
    const { page } = await open(file);
    const full = (await page.evaluate(chartInfo))[0];
    const button = page.locator('.finding[data-code="IDLE_PERIOD"] button.range').first();
    const start = Number(await button.getAttribute('data-start'));
    const end = Number(await button.getAttribute('data-end'));
    const period = report.windows?.prefill?.idlePeriods[0];
    expect(start).toBe(Date.parse(period?.start ?? '') / 1000);
    expect(end).toBe(Date.parse(period?.end ?? '') / 1000);
    await button.click();
    const zoomed = await page.evaluate(chartInfo);
    expect(zoomed.length).toBe(8);
    for (const c of zoomed) {
      expect(c.xMin, c.chart).toBeLessThanOrEqual(start);
      expect(c.xMax, c.chart).toBeGreaterThanOrEqual(end);
      expect(c.xMax - c.xMin, c.chart).toBeLessThan(((full?.xMax ?? 0) - (full?.xMin ?? 0)) / 2);
    }
    expect(await page.locator('.range-label').textContent()).toMatch(/^Zoomed: /);
    await page.getByRole('button', { name: 'Show the whole run' }).click();
    for (const c of await page.evaluate(chartInfo)) expect([c.xMin, c.xMax]).toEqual([full?.xMin, full?.xMax]);
  });

  it('toggling a rank hides its line on its phase\'s charts only; the cursor is shared across charts', async () => {
    const { file } = await writePage('pr7984-before', [join(ROOT, 'examples', 'pr7984-before')]);
    const { page } = await open(file);
    const rgb = await page.evaluate(rankRgb, ['report:prefill', 0] as const);
    const dp0 = (): Promise<number> => page.evaluate(colouredPixels, ['report:prefill:batches', rgb] as const);
    expect(await dp0()).toBeGreaterThan(100);
    await page.locator('.charts[data-group="report:prefill"] .chip[data-rank="0"]').click();
    expect(await dp0()).toBe(0);
    const charts = await page.evaluate(chartInfo);
    const byName = (name: string) => charts.find((c) => c.chart === name);
    expect(byName('report:prefill:batches')).toMatchObject({ series: 4, shown: 3 });
    expect(byName('report:prefill:queue')).toMatchObject({ series: 4, shown: 3 });
    expect(byName('report:prefill:heatmap')).toMatchObject({ series: 4, shown: 3 });
    expect(byName('report:decode:batches')).toMatchObject({ series: 8, shown: 8 });
    await page.locator('.charts[data-group="report:prefill"] .chip[data-rank="0"]').click();
    expect(await dp0()).toBeGreaterThan(100);
    // hover the prefill batches chart: every chart's readout names the same stretch of time
    const over = page.locator('figure.chart[data-chart="report:prefill:batches"] .u-over');
    const box = await over.boundingBox();
    await page.mouse.move((box?.x ?? 0) + (box?.width ?? 0) * 0.5, (box?.y ?? 0) + (box?.height ?? 0) * 0.5);
    const readouts = await page.locator('figure.chart .readout').allTextContents();
    const when = readouts.map((r) => /^\d\d:\d\d:\d\d–\d\d:\d\d:\d\dZ/.exec(r)?.[0] ?? null);
    expect(when[0]).not.toBeNull();
    expect(new Set(when)).toEqual(new Set([when[0]]));
  });

  it('64 ranks: 64 series a chart, the pinned and the idle rank visible on the heat map, a finding zooms to the idle stretch', async () => {
    const { file, report } = await writePage('scenario-64', [writeScenario64(join(dir, 'scenario-64'))]);
    expect(report.prefill.groups[0]?.ranks.length).toBe(RANKS);
    const { page, errors, requests } = await open(file);
    expect(errors).toEqual([]);
    expect(requests).toEqual([`file://${file}`]);
    await checkCharts(page, report, 'report');
    expect(await page.locator('.charts[data-group="report:prefill"] .chip[data-rank]').count()).toBe(RANKS);
    await page.locator(`.finding[data-code="IDLE_PERIOD"] button.range`).first().click();
    const heat = 'report:prefill:heatmap';
    const theme = { idle: [33, 102, 172], hot: [178, 24, 43] };
    const near = (a: readonly number[], b: readonly number[], d: number): boolean => a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= d);
    // zoomed to DP40's idle stretch: its row is the idle colour in the middle, DP5's row is hot
    expect(near(await page.evaluate(heatCell, [heat, IDLE, RANKS, 0.5] as const), theme.idle, 2)).toBe(true);
    expect(near(await page.evaluate(heatCell, [heat, IDLE + 1, RANKS, 0.5] as const), theme.idle, 2)).toBe(false);
    const pinned = await page.evaluate(heatCell, [heat, PINNED, RANKS, 0.5] as const);
    expect((pinned[0] ?? 0) - (pinned[2] ?? 0)).toBeGreaterThan(40); // red, not blue or grey
    const zoom = (await page.evaluate(chartInfo))[0];
    expect(zoom?.xMin).toBeLessThanOrEqual(Date.UTC(2026, 3, 14, 10, 0, IDLE_FROM) / 1000);
    expect(zoom?.xMax).toBeGreaterThanOrEqual(Date.UTC(2026, 3, 14, 10, 0, IDLE_TO) / 1000 - 5);
    await screenshot(page, 'scenario-64');
  });

  it('compare --format html: before and after side by side on one time axis and shared y ranges', async () => {
    const { file } = await writePage('compare', ['compare', join(ROOT, 'examples', 'pr7984-before'), join(ROOT, 'examples', 'pr7984-after')]);
    const { page, errors, requests } = await open(file);
    expect(errors).toEqual([]);
    expect(requests).toEqual([`file://${file}`]);
    expect(await page.locator('#regression .verdict-label').textContent()).toBe('OK');
    expect(await page.locator('#regression .reason').textContent()).toMatch(/^Verdict FAIL → OK; no regression/);
    const charts = await page.evaluate(chartInfo);
    expect(charts.map((c) => c.chart).sort()).toEqual(['after', 'before'].flatMap((s) => ['decode', 'prefill'].flatMap((p) => KINDS.map((k) => `${s}:${p}:${k}`))).sort());
    // one x range for all, starting at 0 (time since each run's first window)
    expect(new Set(charts.map((c) => `${c.xMin}..${c.xMax}`)).size).toBe(1);
    expect(charts[0]?.xMin).toBe(0);
    // the two columns sit side by side, and the y axes of a pair are the same
    const [b, a] = await Promise.all(['before', 'after'].map((s) => page.locator(`figure.chart[data-chart="${s}:prefill:batches"]`).boundingBox()));
    expect(Math.abs((b?.y ?? 0) - (a?.y ?? 1))).toBeLessThan(2);
    expect((a?.x ?? 0) - (b?.x ?? 0)).toBeGreaterThan(300);
    const yMax = await page.locator('figure.chart[data-chart$=":prefill:batches"]').evaluateAll((figs) => figs.map((f) => f.getAttribute('data-y-max')));
    expect(yMax[0]).not.toBeNull();
    expect(yMax[0]).toBe(yMax[1]);
    await screenshot(page, 'compare');
  });

  it('hostile file names and log lines stay text: no element, no script, no handler runs', async () => {
    const logs = join(dir, 'hostile');
    mkdirSync(logs, { recursive: true });
    const payload = '</script><script>window.__pwned=2</script><!--';
    const names = ['"><img src=x onerror="window.__pwned=1">_prefill_w0.log', '<svg onload=window.__pwned=3>_decode_w0.log'];
    const stamp = (s: number): string => `2026-04-14 10:00:${String(s).padStart(2, '0')}`;
    const line = (s: number, dp: number, queue: string): string => `[${stamp(s)} DP${dp} TP${dp}] Prefill batch, #new-seq: 1, #new-token: 100, #cached-token: 0, #running-req: 0, #queue-req: ${queue}\n`;
    writeFileSync(join(logs, names[0] ?? ''), [`[${stamp(0)}] server_args=ServerArgs(dp_size=2, enable_dp_attention=True, disaggregation_mode='<b onmouseover=window.__pwned=4>x</b>')\n`, ...Array.from({ length: 50 }, (_, i) => line(i, i % 2, '1')), line(51, 0, payload)].join(''));
    writeFileSync(join(logs, names[1] ?? ''), `[${stamp(1)} DP0 TP0] Decode batch, #running-req: 1, #token: 9, token usage: 0.0, gen throughput (token/s): 1.0, #queue-req: ${payload}\n`);
    const { file } = await writePage('hostile', [logs]);
    const html = readFileSync(file, 'utf8');
    // the data block, uPlot and the page's script: nothing else closes a script element
    expect(html.match(/<\/script/gi)?.length).toBe(3);
    const { page, errors, requests } = await open(file);
    expect(errors).toEqual([]);
    expect(requests).toEqual([`file://${file}`]);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('script').count()).toBe(3);
    expect(await page.locator('img, svg, iframe, object, embed, b').count()).toBe(0);
    const text = (await page.locator('main').textContent()) ?? '';
    for (const name of names) expect(text).toContain(name);
    expect(text).toContain(payload);
    await screenshot(page, 'hostile');
  });

  it('routing, requests and vLLM engine stats get their sections; tables sort on a header click', async () => {
    const cases = [
      { name: 'routing', input: 'fixtures/dynamo/router-pinned-dp0.log', section: 'Routing', caption: 'Routing decisions vs executed prefill batches, by DP rank' },
      { name: 'requests', input: 'fixtures/requests/prefill-receive-pinned-dp0.log', section: 'Requests', caption: 'Requests by requested DP rank' },
      { name: 'vllm', input: 'fixtures/vllm/engine-stats-skewed-dp2.log', section: 'vLLM engine stats', caption: 'vLLM engine stats by DP rank' },
    ];
    for (const c of cases) {
      const { file } = await writePage(c.name, [join(ROOT, c.input)]);
      const { page, errors, requests } = await open(file);
      expect(errors, c.name).toEqual([]);
      expect(requests).toEqual([`file://${file}`]);
      expect(await page.locator('section.extra h2').allTextContents(), c.name).toContain(c.section);
      expect(await page.locator('figure.table figcaption', { hasText: c.caption }).count(), c.name).toBeGreaterThan(0);
      // without a timestamped batch line there is nothing to zoom: no toolbar
      if (c.name === 'routing') expect(await page.locator('.toolbar').count()).toBe(0);
    }
    const { file } = await writePage('pr7984-before', [join(ROOT, 'examples', 'pr7984-before')]);
    const { page } = await open(file);
    const table = page.locator('figure.table', { hasText: 'Decode batches by DP rank' }).locator('table');
    const column = async (i: number): Promise<string[]> => table.locator(`tbody tr td:nth-child(${i})`).allTextContents();
    expect(await column(1)).toEqual(['DP0', 'DP1', 'DP2', 'DP3', 'DP4', 'DP5', 'DP6', 'DP7']);
    await table.getByRole('button', { name: 'batches' }).click();
    const batches = (await column(2)).map((t) => Number(t.replace(/,/g, '')));
    expect(batches).toEqual([...batches].sort((a, b) => b - a));
    expect(await table.locator('th[aria-sort="descending"]').textContent()).toBe('batches');
    await table.getByRole('button', { name: 'rank' }).click();
    expect(await column(1)).toEqual(['DP0', 'DP1', 'DP2', 'DP3', 'DP4', 'DP5', 'DP6', 'DP7']);
  });

  it('dark theme from the system setting, and light when printed', async () => {
    const { file } = await writePage('pr7984-after', [join(ROOT, 'examples', 'pr7984-after')]);
    const { page, errors } = await open(file, { dark: true });
    expect(errors).toEqual([]);
    const background = (): Promise<string> => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(await background()).toBe('rgb(23, 24, 26)');
    await page.emulateMedia({ media: 'print' });
    expect(await background()).toBe('rgb(255, 255, 255)');
    expect(await page.locator('.toolbar').isVisible()).toBe(false);
  });
});

/**
 * `--format html` and `compare --format html`: one self-contained page (docs/html-report.md).
 * The page's data is JSON in a `<script type="application/json">` block with every `<` written as
 * `\u003c`, so nothing in it can close the block or open a tag; the page's script (html/client/)
 * builds the DOM from it with text nodes only. Its script, styles and charting library (uPlot) are
 * inline, and its Content-Security-Policy allows no network access and no script but its own two.
 */
import type { Comparison } from '../analyze/compare.ts';
import type { Report } from '../model/report.ts';
import { PAGE_SCRIPT, PAGE_STYLE, SCRIPT_HASHES, UPLOT_LICENSE, UPLOT_SCRIPT, UPLOT_STYLE } from './html/assets.generated.ts';
import { buildComparePage, buildReportPage } from './html/page-model.ts';
import type { Page } from './html/page-types.ts';
import type { Renderer } from './types.ts';

export const renderHtml: Renderer = (report) => htmlDocument(buildReportPage(report));

/** The page of `dpskew compare`: both runs side by side, the comparison's tables on top. */
export function renderComparisonHtml(comparison: Comparison, before: Report, after: Report): string {
  return htmlDocument(buildComparePage(comparison, before, after));
}

/** JSON that is safe inside a `<script>` element: no `<` at all (so no `</script>` or `<!--`). */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** Text for an HTML text or attribute context. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// No network (default-src 'none'), no script but the two below (by hash), styles inline only.
const CSP = `default-src 'none'; script-src ${SCRIPT_HASHES.map((h) => `'sha256-${h}'`).join(' ')}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;

function htmlDocument(page: Page): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="${escapeHtml(page.tool)}">
<title>${escapeHtml(page.title)}</title>
<!-- uPlot (https://github.com/leeoniya/uPlot), inlined below:
${UPLOT_LICENSE.replace(/--/g, '- -')}
-->
<style>${UPLOT_STYLE}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
<noscript><p>This page draws its tables and charts with JavaScript. The same report as text: <code>dpskew … --format markdown</code>.</p></noscript>
<main id="app"></main>
<script type="application/json" id="dpskew-data">${embedJson(page)}</script>
<script>${UPLOT_SCRIPT}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

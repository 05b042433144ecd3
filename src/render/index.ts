/** Renderer registry: its keys are the values of `--format`. */
import { renderCsv } from './csv.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderMarkdown } from './markdown.ts';
import { renderTable } from './table.ts';
import type { Renderer } from './types.ts';

export const RENDERERS = {
  table: renderTable,
  json: renderJson,
  markdown: renderMarkdown,
  csv: renderCsv,
  html: renderHtml,
} as const satisfies Record<string, Renderer>;

export type FormatName = keyof typeof RENDERERS;

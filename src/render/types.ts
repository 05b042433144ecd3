import type { ChalkInstance } from 'chalk';
import type { Report } from '../model/report.ts';

export interface RenderContext {
  /** a chalk instance whose level already reflects --color/--no-color, NO_COLOR, TERM and isTTY */
  readonly chalk: ChalkInstance;
  /** terminal width in columns (80 when unknown) */
  readonly width: number;
  /** draw charts over time (`--no-chart` turns them off) */
  readonly chart: boolean;
}

export type Renderer = (report: Report, context: RenderContext) => string;

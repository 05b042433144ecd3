/**
 * Functions the tests run inside the page (page.evaluate): each must stand alone, since only its
 * source reaches the browser. They read the charts' figures (data attributes written by the
 * page's script, client/charts.ts) and the canvases' pixels.
 */

export interface ChartInfo {
  readonly chart: string;
  readonly series: number;
  readonly shown: number;
  readonly xMin: number;
  readonly xMax: number;
}

export function chartInfo(): ChartInfo[] {
  return Array.from(document.querySelectorAll<HTMLElement>('figure.chart')).map((f) => ({
    chart: f.dataset['chart'] ?? '',
    series: Number(f.dataset['series']),
    shown: Number(f.dataset['shown']),
    xMin: Number(f.dataset['xMin']),
    xMax: Number(f.dataset['xMax']),
  }));
}

/**
 * Pixels inside a chart's plot area that are clearly coloured (not the grey of axes and grid), or,
 * with `rgb`, within a small distance of that colour, or with 'opaque' any opaque pixel (the heat
 * map of an even run is all grey cells): what the chart drew.
 */
export function colouredPixels([chart, rgb]: readonly [string, readonly [number, number, number] | null | 'opaque']): number {
  const fig = document.querySelector<HTMLElement>(`figure.chart[data-chart="${chart}"]`);
  const canvas = fig?.querySelector('canvas');
  const [left, top, width, height] = (fig?.dataset['plot'] ?? '0,0,0,0').split(',').map(Number);
  const ctx = canvas?.getContext('2d');
  if (ctx === null || ctx === undefined || !width || !height) return -1;
  const data = ctx.getImageData(left ?? 0, top ?? 0, width, height).data;
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    const r = data[i] ?? 0;
    const g = data[i + 1] ?? 0;
    const b = data[i + 2] ?? 0;
    const a = data[i + 3] ?? 0;
    if (a < 200) continue;
    if (rgb === 'opaque' || (rgb === null ? Math.max(r, g, b) - Math.min(r, g, b) > 40 : Math.abs(r - rgb[0]) + Math.abs(g - rgb[1]) + Math.abs(b - rgb[2]) < 24)) n++;
  }
  return n;
}

/** The colour of a rank's chip swatch (the colour of its lines), as [r, g, b]. */
export function rankRgb([group, rank]: readonly [string, number]): [number, number, number] {
  const swatch = document.querySelector<HTMLElement>(`.charts[data-group="${group}"] .chip[data-rank="${rank}"] .swatch`);
  const m = /(\d+), (\d+), (\d+)/.exec(swatch === null ? '' : getComputedStyle(swatch).backgroundColor);
  return [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
}

/** The colour drawn at the middle of a heat map's row for `rankIndex`, at a fraction across the plot. */
export function heatCell([chart, rankIndex, ranks, across]: readonly [string, number, number, number]): [number, number, number] {
  const fig = document.querySelector<HTMLElement>(`figure.chart[data-chart="${chart}"]`);
  const [left, top, width, height] = (fig?.dataset['plot'] ?? '0,0,0,0').split(',').map(Number);
  const ctx = fig?.querySelector('canvas')?.getContext('2d');
  const x = Math.round((left ?? 0) + (width ?? 0) * across);
  const y = Math.round((top ?? 0) + ((height ?? 0) * (rankIndex + 0.5)) / ranks);
  const d = ctx?.getImageData(x, y, 1, 1).data;
  return [d?.[0] ?? -1, d?.[1] ?? -1, d?.[2] ?? -1];
}

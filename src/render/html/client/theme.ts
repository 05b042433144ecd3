/**
 * Colours for the canvases, read from the style sheet's custom properties so the charts follow the
 * light or dark theme (prefers-color-scheme) and print in the light one.
 */
export interface Theme {
  readonly fg: string;
  readonly muted: string;
  readonly grid: string;
  readonly bg: string;
  readonly warn: string;
  readonly fail: string;
  readonly accent: string;
  readonly highlight: string;
  /** heat map: a rank that ran nothing, an even share, all of a window's batches */
  readonly idle: readonly [number, number, number];
  readonly even: readonly [number, number, number];
  readonly hot: readonly [number, number, number];
  readonly dark: boolean;
}

/** True while the page is printed: the charts are drawn in the light theme then. */
let printing = false;

export function setPrinting(value: boolean): void {
  printing = value;
}

export function isDark(): boolean {
  return !printing && window.matchMedia('(prefers-color-scheme: dark)').matches;
}

export function readTheme(): Theme {
  const dark = isDark();
  const style = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    fg: dark ? '#d8d8d8' : '#1d1d1f',
    muted: dark ? '#9a9a9a' : '#5f6368',
    grid: dark ? 'rgba(255,255,255,0.09)' : 'rgba(0,0,0,0.08)',
    bg: dark ? '#17181a' : '#ffffff',
    warn: v('--warn', '#b26b00'),
    fail: v('--fail', '#c5221f'),
    accent: dark ? '#8ab4f8' : '#1a56c4',
    highlight: dark ? 'rgba(138,180,248,0.16)' : 'rgba(26,86,196,0.10)',
    idle: dark ? [70, 140, 230] : [33, 102, 172],
    even: dark ? [52, 54, 58] : [238, 238, 238],
    hot: dark ? [240, 90, 80] : [178, 24, 43],
    dark,
  };
}

/**
 * The colour of rank index i of n: hues a golden angle apart, so neighbours differ and 64 ranks
 * stay distinguishable enough to follow with the legend and the cursor's readout.
 */
export function rankColor(i: number, dark: boolean): string {
  const hue = (i * 137.508 + 210) % 360;
  return `hsl(${hue.toFixed(1)}, ${dark ? 70 : 65}%, ${dark ? 62 : 42}%)`;
}

/**
 * The top of the heat map's scale, in even shares: all of the batches with up to 8 ranks, else 8×
 * an even share. Scaled to "all" at 64 ranks, a rank running 3× its share would be barely pink;
 * a pinned rank should stand out at once however many ranks there are.
 */
export function heatCap(ranks: number): number {
  return Math.max(2, Math.min(ranks, 8));
}

/**
 * The heat map's colour for a rank's share of a window, as v = share × ranks (1 = an even share):
 * idle (0) → even (1) linearly, even → hot (v ≥ heatCap) on a log scale, so one pinned rank and
 * one idle rank both stand out at 64 ranks.
 */
export function heatColor(v: number, ranks: number, theme: Theme, alpha = 1): string {
  let from: readonly number[];
  let to: readonly number[];
  let t: number;
  if (v <= 1) {
    from = theme.idle;
    to = theme.even;
    t = Math.max(0, v);
  } else {
    from = theme.even;
    to = theme.hot;
    t = Math.min(1, Math.log(v) / Math.log(heatCap(ranks)));
  }
  const c = from.map((f, k) => Math.round(f + ((to[k] ?? f) - f) * t));
  return `rgba(${c[0]},${c[1]},${c[2]},${alpha})`;
}

/** Labels the page's script makes itself: times on the axes and in the cursor's readout. */

/** Seconds since 1970 → `10:02:45` (UTC, as every time in the report). */
export function clock(seconds: number): string {
  return new Date(Math.round(seconds * 1000)).toISOString().slice(11, 19);
}

/** Seconds since 1970 → `2026-04-14 10:02:45Z`. */
export function dateTime(seconds: number): string {
  const iso = new Date(Math.round(seconds * 1000)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

/** Seconds since a run's start → `+2:45`, `+1:02:45`. */
export function elapsed(seconds: number): string {
  const s = Math.round(seconds);
  const sign = s < 0 ? '−' : '+';
  const a = Math.abs(s);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  const sec = String(a % 60).padStart(2, '0');
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${sec}` : `${sign}${m}:${sec}`;
}

export function fixed(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined ? '-' : value.toFixed(digits);
}

/** Number and text formatting shared by the human renderers. */

// Thousands separators by hand: toLocaleString loads ICU data on first use (~10 ms of start-up).
export function formatInt(n: number | null): string {
  if (n === null) return '-';
  return _grouped(Math.round(n).toFixed(0));
}

export function formatPercent(share: number | null, digits = 1): string {
  if (share === null) return '-';
  return `${(share * 100).toFixed(digits)}%`;
}

export function formatRatio(value: number | null, digits = 2): string {
  return value === null ? '-' : value.toFixed(digits);
}

/**
 * A mean or other fractional value: fixed decimals, thousands separators, exactly as
 * `toLocaleString('en-US')` with `digits` fraction digits writes it. By hand for the same reason as
 * formatInt: the first toLocaleString loads ICU's number data, ~20 ms of every text report. As ICU
 * does, the value's shortest decimal form is rounded half away from zero (1.45 → 1.5, where toFixed
 * gives 1.4), and a negative value keeps its sign when it rounds to zero (−0.04 → −0.0). Values
 * that JavaScript writes with an exponent, and ±∞ and NaN, are left to toLocaleString.
 */
export function formatNumber(value: number | null, digits = 1): string {
  if (value === null) return '-';
  const shortest = String(Math.abs(value));
  if (!Number.isFinite(value) || shortest.includes('e')) return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const dot = shortest.indexOf('.');
  const whole = dot < 0 ? shortest : shortest.slice(0, dot);
  const fraction = dot < 0 ? '' : shortest.slice(dot + 1);
  let kept = whole + fraction.slice(0, digits).padEnd(digits, '0');
  if (fraction.length > digits && fraction.charCodeAt(digits) >= 53) kept = plusOne(kept);
  const integer = kept.slice(0, kept.length - digits);
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  return `${sign}${_grouped(integer)}${digits > 0 ? `.${kept.slice(kept.length - digits)}` : ''}`;
}

/** A string of decimal digits plus one: `0999` → `1000`, `99` → `100`. */
function plusOne(decimal: string): string {
  let i = decimal.length - 1;
  while (i >= 0 && decimal[i] === '9') i--;
  if (i < 0) return `1${'0'.repeat(decimal.length)}`;
  return `${decimal.slice(0, i)}${String.fromCharCode(decimal.charCodeAt(i) + 1)}${'0'.repeat(decimal.length - i - 1)}`;
}

/** `-1234567` → `-1,234,567` (`-0` loses its sign). */
function _grouped(integer: string): string {
  const negative = integer.startsWith('-') && integer !== '-0';
  return `${negative ? '-' : ''}${integer.replace(/^-/, '').replace(/\B(?=(\d{3})+$)/g, ',')}`;
}

export function formatPValue(p: number | null): string {
  if (p === null) return '-';
  if (p < 1e-4) return p === 0 ? '< 1e-300' : p.toExponential(1);
  return p.toFixed(4);
}

export function rankLabel(rank: number): string {
  return `DP${rank}`;
}

/** A bar of `width` cells for a share in [0, 1], with eighth-block resolution; empty shares draw a thin tick. */
export function shareBar(share: number, width: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, share)) * width * 8);
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  const partial = rest > 0 ? (['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][rest] ?? '') : '';
  const bar = '█'.repeat(full) + partial;
  return (bar === '' ? '·' : bar).padEnd(width, ' ');
}

/**
 * Text from log lines made safe for a terminal or a document: control characters (ESC, NUL, CR,
 * LF, C1 controls), bidi controls and marks (embeddings, overrides, isolates, ALM, LRM, RLM) and
 * the Unicode line and paragraph separators become visible `\xNN`/`\u{…}` escapes, so a log line or
 * a file name can never move the cursor, change colours, start a new line or reorder text.
 */
export function sanitize(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

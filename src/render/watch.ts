/**
 * What `dpskew watch` shows: on a terminal, one screen per snapshot (the `--last` stretch above the
 * whole-run table); in a pipe, one JSON object per line (NDJSON, `schemaVersion` 2):
 *
 * - `{"kind":"snapshot", time, verdict, totals, prefill, decode, findings, metrics, last, rotations,
 *   truncations}` every interval: `verdict` … `metrics` are the whole run's, under the same names and
 *   in the same shape as in the `--format json` report (so `jq .prefill.peerBalance` reads both), and
 *   `last` is the `--last` stretch of log time, its phases with the same headline names;
 * - `{"kind":"alert", time, finding}` when a fail-level finding has held for `--for`;
 * - `{"kind":"final", outcome, report}` at the end, `report` being the full `--format json` report.
 */
import type { Finding, Report } from '../model/report.ts';
import type { SlidingPhase, SlidingWindow, Snapshot, WatchOutcome } from '../analyze/last-stretch.ts';
import { formatInt, formatRatio, rankLabel } from './format.ts';
import { describeFinding } from './messages.ts';
import { RENDERERS } from './index.ts';
import { findingJson } from './json.ts';
import type { RenderContext } from './types.ts';

export const WATCH_SCHEMA_VERSION = 2;

/** The terminal screen of one snapshot (the caller clears the screen first). */
export function renderWatchScreen(snapshot: Snapshot, context: RenderContext, intervalMs: number): string {
  const { chalk } = context;
  const events = [snapshot.rotations > 0 ? `${snapshot.rotations} rotation${snapshot.rotations === 1 ? '' : 's'}` : '', snapshot.truncations > 0 ? `${snapshot.truncations} truncation${snapshot.truncations === 1 ? '' : 's'}` : '']
    .filter((e) => e !== '')
    .map((e) => ` · ${e}`)
    .join('');
  const header = chalk.bold(`dpskew watch · ${clock(snapshot.time)} · every ${intervalMs / 1000} s · Ctrl-C for the final report${events}`);
  return `${header}\n${renderLast(snapshot.window, snapshot.report.thresholds.failBalance, context)}${renderVerdict(snapshot.report, context)}\n${RENDERERS.table(snapshot.report, context)}`;
}

/** The verdict and the codes behind it, on one line near the top (the table's own list may be cut). */
function renderVerdict(report: Report, context: RenderContext): string {
  const { chalk } = context;
  const codes = (level: string): string[] => [...new Set(report.findings.filter((f) => f.level === level).map((f) => f.code))];
  const fail = codes('fail');
  const warn = codes('warn');
  const verdict = report.verdict.toUpperCase();
  const shown = report.verdict === 'fail' ? chalk.red.bold(verdict) : report.verdict === 'warn' ? chalk.yellow.bold(verdict) : chalk.bold(verdict);
  const parts = [fail.length > 0 ? `fail ${fail.join(', ')}` : '', warn.length > 0 ? `warn ${warn.join(', ')}` : ''].filter((p) => p !== '');
  return `Verdict so far: ${shown}${parts.length > 0 ? ` · ${parts.join(' · ')}` : ''}\n`;
}

function renderLast(window: SlidingWindow | null, failBalance: number, context: RenderContext): string {
  if (window === null) return 'last stretch: no timestamped batch lines yet\n';
  const lines = [`Last ${window.seconds} s of log (to ${window.end.slice(11, 19)}Z)`];
  for (const [name, phase] of [['prefill', window.prefill], ['decode', window.decode]] as const) {
    if (phase === null) continue;
    lines.push(`  ${name.padEnd(8)}${renderPhase(phase, failBalance, context)}`);
  }
  return `${lines.join('\n')}\n`;
}

function renderPhase(phase: SlidingPhase, failBalance: number, context: RenderContext): string {
  const ranks = phase.ranks.map((r) => `${rankLabel(r.rank)} ${formatInt(r.batches)}`).join('  ');
  const balance = phase.peerBalance === null ? '-' : formatRatio(phase.peerBalance);
  const peak = phase.ranks.reduce<{ rank: number; queue: number } | null>((best, r) => (r.queue.max !== null && (best === null || r.queue.max > best.queue) ? { rank: r.rank, queue: r.queue.max } : best), null);
  const low = phase.peerBalance !== null && phase.peerBalance < failBalance;
  return `${ranks}   peer balance ${low ? context.chalk.red(balance) : balance}${peak === null ? '' : `   peak queue ${rankLabel(peak.rank)} ${formatInt(peak.queue)}`}`;
}

function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)}Z`;
}

/** One NDJSON line for a snapshot. */
export function renderWatchSnapshot(snapshot: Snapshot): string {
  const { verdict, totals, prefill, decode, findings, metrics } = snapshot.report;
  return `${JSON.stringify({
    schemaVersion: WATCH_SCHEMA_VERSION,
    kind: 'snapshot',
    time: new Date(snapshot.time).toISOString(),
    verdict,
    totals,
    prefill,
    decode,
    findings: findings.map(findingJson),
    metrics,
    last: snapshot.window,
    rotations: snapshot.rotations,
    truncations: snapshot.truncations,
  })}\n`;
}

/** One NDJSON line for an alert. */
export function renderWatchAlert(finding: Finding, time: number): string {
  return `${JSON.stringify({ schemaVersion: WATCH_SCHEMA_VERSION, kind: 'alert', time: new Date(time).toISOString(), finding: findingJson(finding) })}\n`;
}

/** The last NDJSON line: the full report (`--format json`'s object) and why the watch ended. */
export function renderWatchFinal(report: Report, outcome: WatchOutcome, context: RenderContext): string {
  return `${JSON.stringify({ schemaVersion: WATCH_SCHEMA_VERSION, kind: 'final', outcome, report: JSON.parse(RENDERERS.json(report, context)) })}\n`;
}

/** The alert as one human line (stderr), with what to do next. */
export function renderAlertText(finding: Finding, holdMs: number): string {
  const { message, advice } = describeFinding(finding);
  return `alert: ${finding.code}: ${message} (held ${holdMs / 1000} s)\n       ${advice}\n`;
}

// ESC [ … final byte: the colour and cursor sequences a screen can hold.
// eslint-disable-next-line no-control-regex -- matching ESC is the point
const ESCAPE = /\u001b\[[0-9;?]*[A-Za-z]/y;

/**
 * The screen cut to the terminal: lines longer than `columns` are cut (colour codes kept and
 * closed, not counted), and past `rows − 1` lines the rest is replaced by one line saying so, so
 * the header and the `--last` stretch never scroll away.
 */
export function fitScreen(text: string, rows: number, columns: number): string {
  const lines = text.replace(/\n$/, '').split('\n');
  const room = Math.max(1, rows - 1);
  const shown = lines.length > room ? [...lines.slice(0, room - 1), `… ${lines.length - room + 1} more lines: a taller terminal shows them, Ctrl-C prints the whole report`] : lines;
  return `${shown.map((line) => cutLine(line, columns)).join('\n')}\n`;
}

function cutLine(line: string, columns: number): string {
  let out = '';
  let visible = 0;
  let coloured = false;
  for (let i = 0; i < line.length; ) {
    ESCAPE.lastIndex = i;
    const escape = ESCAPE.exec(line);
    if (escape !== null) {
      out += escape[0];
      coloured = true;
      i += escape[0].length;
      continue;
    }
    const char = String.fromCodePoint(line.codePointAt(i) ?? 32);
    if (visible >= columns - 1 && i + char.length < line.length) return `${out}…${coloured ? '\u001b[0m' : ''}`;
    out += char;
    visible++;
    i += char.length;
  }
  return out;
}

/**
 * `dpskew watch`: follow growing logs (files, directories, stdin) and judge them again every
 * interval. This module is the loop; what a snapshot looks like on a terminal or in a pipe, and what
 * an alert does, is the caller's (`WatchIo`), so the loop itself writes nothing.
 */
import { UsageError } from '../errors.ts';
import { readInput, type StdinInput } from '../io/read-input.ts';
import type { Options } from '../options.ts';
import { readSettingsOf } from '../read/settings.ts';
import { buildReport } from '../report/build-report.ts';
import type { Finding, Report } from '../report/types.ts';
import { createAlertState, dueAlerts } from './alerts.ts';
import { Follower } from './follow.ts';
import { slidingWindow, type SlidingWindow } from './sliding-window.ts';

export interface WatchSettings {
  readonly intervalMs: number;
  /** `--last`: the stretch of log time shown next to the whole run */
  readonly lastMs: number;
  /** `--for`: how long a fail-level finding must hold before it alerts */
  readonly holdMs: number;
  readonly alerts: boolean;
}

export interface Snapshot {
  /** the whole run so far */
  readonly report: Report;
  readonly window: SlidingWindow | null;
  /** wall-clock ms */
  readonly time: number;
  readonly rotations: number;
  readonly truncations: number;
}

export interface WatchIo {
  /** standard input, when `-` is watched (or no path is given) */
  readonly stdin: StdinInput | null;
  readonly stdinName: string;
  readonly cwd: string;
  /** Ctrl-C */
  readonly signal: AbortSignal;
  readonly now: () => number;
  onSnapshot(snapshot: Snapshot): Promise<void>;
  /** Fail-level findings that have held for `--for` (new this snapshot); resolve `true` to stop watching. */
  onAlert(findings: readonly Finding[], snapshot: Snapshot): Promise<boolean>;
}

/** `ended`: stdin closed (and nothing else is followed); `alert`: onAlert asked to stop; `interrupted`: Ctrl-C. */
export type WatchOutcome = 'ended' | 'alert' | 'interrupted';

export async function watch(paths: readonly string[], options: Options, settings: WatchSettings, io: WatchIo): Promise<{ outcome: WatchOutcome; final: Report }> {
  if ((options.since !== null && options.since.kind !== 'absolute') || (options.until !== null && options.until.kind !== 'absolute')) {
    throw new UsageError('watch: --since/--until relative to the log (+5m, -10m) and --skip-warmup need the whole log; use absolute times');
  }
  const range = options.since === null && options.until === null ? null : { since: options.since?.ms ?? null, until: options.until?.ms ?? null };
  const files = paths.filter((p) => p !== '-');
  const follower = new Follower(files, readSettingsOf(options, range), io.cwd);
  const stdinWanted = paths.length === 0 || paths.includes('-');
  let stdinOpen = false;
  let stdinDone: Promise<void> = Promise.resolve();
  if (stdinWanted) {
    stdinOpen = true;
    const stream = follower.addStream('-', io.stdinName);
    stdinDone = readInput({ name: '-', path: '-', size: null }, io.stdin, stream.push, io.signal).then((read) => {
      stream.end();
      if (read.error !== null && !io.signal.aborted) stream.fail(read.error.message);
      stdinOpen = false;
    });
  }
  const snapshotOf = (time: number): Snapshot => {
    const workers = [...follower.workers.values()];
    const report = buildReport(workers, follower.inputs(), { ...options, timezone: options.zone.name, timeRange: range });
    return { report, window: slidingWindow(workers, report, settings.lastMs), time, ...follower.events() };
  };

  const alerts = createAlertState();
  let outcome: WatchOutcome | null = null;
  while (outcome === null) {
    // A backlog (a long log already written) is read in pieces until the interval is used up.
    const started = io.now();
    while ((await follower.poll()) && io.now() - started < settings.intervalMs && !io.signal.aborted);
    const snapshot = snapshotOf(io.now());
    await io.onSnapshot(snapshot);
    if (settings.alerts) {
      const due = dueAlerts(snapshot.report.findings, alerts, snapshot.time, settings.holdMs);
      if (due.length > 0 && (await io.onAlert(due, snapshot))) outcome = 'alert';
    }
    if (outcome !== null) break;
    if (io.signal.aborted) outcome = 'interrupted';
    else if (stdinWanted && !stdinOpen && files.length === 0) outcome = 'ended';
    else await sleep(settings.intervalMs, io.signal, stdinOpen ? stdinDone : null);
  }
  // The final word: whatever arrived since the last snapshot, unterminated last lines included.
  await follower.poll();
  follower.finish();
  return { outcome, final: snapshotOf(io.now()).report };
}

/** Wait `ms`, or less when Ctrl-C comes or stdin closes (so the end is reported at once). */
function sleep(ms: number, signal: AbortSignal, early: Promise<void> | null): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    void early?.then(done);
  });
}

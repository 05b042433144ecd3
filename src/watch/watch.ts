/**
 * `dpskew watch`: follow growing logs (files, directories, stdin) and judge them again every
 * interval. This module is the loop; what a snapshot looks like on a terminal or in a pipe, and what
 * an alert does, is the caller's (`WatchIo`), so the loop itself writes nothing.
 */
import { stat } from 'node:fs/promises';
import { InputError, UsageError } from '../model/errors.ts';
import { errorText, readBytes, readInput, type ReadResult, type StdinInput } from '../input/read-input.ts';
import { fileKey, workerStem } from '../input/sources.ts';
import type { Options } from '../options/options.ts';
import { readSettingsOf, type WatchSettings } from '../options/options.ts';
import { buildReport } from '../analyze/build-report.ts';
import type { Finding, Report } from '../model/report.ts';
import { createAlertState, dueAlerts } from './alerts.ts';
import { Follower } from './follow.ts';
import { slidingWindow, type Snapshot, type WatchOutcome } from '../analyze/last-stretch.ts';

export type { Snapshot, WatchOutcome } from '../analyze/last-stretch.ts';

export type { WatchSettings } from '../options/options.ts';


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


export async function watch(paths: readonly string[], options: Options, settings: WatchSettings, io: WatchIo): Promise<{ outcome: WatchOutcome; final: Report }> {
  if ((options.since !== null && options.since.kind !== 'absolute') || (options.until !== null && options.until.kind !== 'absolute')) {
    throw new UsageError('watch: --since/--until relative to the log (+5m, -10m) and --skip-warmup need the whole log; use absolute times');
  }
  const range = options.since === null && options.until === null ? null : { since: options.since?.ms ?? null, until: options.until?.ms ?? null };
  const { files, streams } = await classify(paths, io);
  const follower = new Follower(files, readSettingsOf(options, range), io.cwd);
  let streamsOpen = streams.length;
  const streamsDone = Promise.all(
    streams.map(async (s) => {
      const feed = follower.addStream(s.name, s.workerName);
      try {
        const read = await readStream(s, feed.push, io.signal);
        if (read.error !== null && !io.signal.aborted) feed.fail(read.error.message);
      } catch (error) {
        if (!io.signal.aborted) feed.fail(errorText(error));
      } finally {
        feed.end();
        streamsOpen--;
      }
    }),
  );
  const snapshotOf = (time: number): Snapshot => {
    const workers = [...follower.workers.values()];
    const report = buildReport(workers, follower.inputs(), { ...options, timezone: options.zone.name, timeRange: range });
    return { report, window: slidingWindow(workers, options.dpSize, settings.lastMs), time, ...follower.events() };
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
    else if (streams.length > 0 && streamsOpen === 0 && files.length === 0) outcome = 'ended';
    else await sleep(settings.intervalMs, io.signal, streamsOpen > 0 ? streamsDone.then(() => undefined) : null);
  }
  // The final word: whatever arrived since the last snapshot, unterminated last lines included.
  await follower.poll();
  follower.finish();
  const final = snapshotOf(io.now()).report;
  // After Ctrl-C the numbers cover only what was read, as in a one-off run's interrupted report.
  return { outcome, final: outcome === 'interrupted' ? { ...final, interrupted: true } : final };
}

/** Wait `ms`, or less when Ctrl-C comes or the streams close (so the end is reported at once). */
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

/** What watch reads once, from start to end, as it arrives: stdin, pipes, FIFOs, process substitution, devices. */
interface WatchedStream {
  readonly name: string;
  readonly workerName: string;
  /** stdin, or null: `path` is opened */
  readonly input: StdinInput | null;
  readonly path: string;
}

/**
 * Paths into what is followed (files and directories, `tail -F`) and what is streamed (`-`, and
 * anything else: a FIFO, `<(…)`, `/dev/stdin`, a device, which have no size to follow). A path that
 * does not exist is refused (exit 2): watching a typo would run on with nothing to read; to wait
 * for a file to appear, watch its directory. No path at all is stdin.
 */
async function classify(paths: readonly string[], io: WatchIo): Promise<{ files: string[]; streams: WatchedStream[] }> {
  const files: string[] = [];
  const streams: WatchedStream[] = [];
  const stdinKey = io.stdin !== null && 'fd' in io.stdin ? fileKey(io.stdin.fd) : null;
  const seen = new Set<string>();
  const addStdin = (name: string): void => {
    if (seen.has('-')) return; // stdin is read once
    seen.add('-');
    streams.push({ name, workerName: io.stdinName, input: io.stdin, path: '-' });
  };
  if (paths.length === 0) addStdin('-');
  for (const path of paths) {
    if (path === '-') {
      addStdin('-');
      continue;
    }
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      throw new InputError(path, `${errorText(error)} (watch follows files and directories that exist; to wait for a log to appear, watch its directory)`, { cause: error });
    }
    if (info.isDirectory() || info.isFile()) {
      files.push(path);
      continue;
    }
    const key = `${info.dev}:${info.ino}`;
    if (key === stdinKey) addStdin(path);
    else if (!seen.has(key)) {
      seen.add(key);
      streams.push({ name: path, workerName: workerStem(path), input: null, path });
    }
  }
  return { files, streams };
}

/** Reads a stream to its end (its open, for a FIFO, waits for the writer; Ctrl-C does not wait). */
async function readStream(s: WatchedStream, push: (chunk: Buffer) => void, signal: AbortSignal): Promise<ReadResult> {
  if (s.input !== null) return readBytes(s.name, s.input, push, signal);
  return readInput({ name: s.name, path: s.path, size: null }, null, push, signal);
}

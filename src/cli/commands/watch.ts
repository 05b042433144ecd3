/** `dpskew watch`: follow growing logs; a live screen on a terminal, NDJSON in a pipe. */
import { spawn } from 'node:child_process';
import { isatty } from 'node:tty';
import { Chalk } from 'chalk';
import type { Command } from 'commander';
import { EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError } from '../../model/errors.ts';
import type { Finding, Verdict } from '../../model/report.ts';
import { ONE_OFF_OUTPUTS, type RawFlags } from '../../options/flags.ts';
import { parseWatchSettings } from '../../options/options.ts';
import { RENDERERS } from '../../render/index.ts';
import { describeFinding } from '../../render/messages.ts';
import type { RenderContext } from '../../render/types.ts';
import { fitScreen, renderAlertText, renderWatchAlert, renderWatchFinal, renderWatchScreen, renderWatchSnapshot } from '../../render/watch.ts';
import { parseListenAddress, startMetricsServer, type MetricsServer } from '../../watch/metrics-server.ts';
import { watch } from '../../watch/watch.ts';
import { setOptimizing } from '../exit-safety.ts';
import { resolveColor, writeOutput } from '../output.ts';
import { flagsWithConfig, optionsOf } from '../settings.ts';
import { createLiveScreen, HOME_AND_CLEAR, onCtrlC, outputWidth, STDIN } from '../terminal.ts';

export async function watchCommand(paths: readonly string[], given: RawFlags, command: Command): Promise<void> {
  const refused = ONE_OFF_OUTPUTS.filter((f) => given[f.key as keyof RawFlags] !== undefined).map((f) => `--${f.name}`);
  if (refused.length > 0) {
    throw new UsageError(`watch: ${refused.join(', ')} ${refused.length === 1 ? 'is' : 'are'} for one-off runs; the watch ends with the final report (in a pipe, the last NDJSON line holds it)`);
  }
  const flags = flagsWithConfig(given, command);
  const options = optionsOf(flags);
  const settings = parseWatchSettings(flags);
  if (paths.length === 0 && isatty(0)) {
    process.stderr.write(`error: no input: give log files or directories to watch, or pipe logs into dpskew watch\n\n${command.helpInformation()}`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  if (options.format !== 'table' && options.format !== 'json') throw new UsageError(`watch: --format ${options.format} cannot be streamed; use table (a live screen) or json (NDJSON)`);
  const live = process.stdout.isTTY === true && options.format === 'table';
  const color = live && resolveColor(flags.color, process.env, true);
  const context = (): RenderContext => ({ chalk: new Chalk({ level: color ? 1 : 0 }), width: outputWidth(process.stdout, process.env), chart: options.chart });
  const listen = flags.metricsListen === undefined ? null : parseListenAddress(flags.metricsListen);
  const interrupt = new AbortController();
  onCtrlC(interrupt);
  const metrics: MetricsServer | null = listen === null ? null : await startMetricsServer(listen).catch((error: unknown) => {
    throw new UsageError(`--metrics-listen ${flags.metricsListen ?? ''}: cannot listen (${error instanceof Error ? error.message : String(error)}; pick another port, or port 0 for a free one)`);
  });
  if (metrics !== null) process.stderr.write(`dpskew: metrics on http://${metrics.address.host.includes(':') ? `[${metrics.address.host}]` : metrics.address.host}:${metrics.address.port}/metrics\n`);
  const screen = createLiveScreen();
  let alerted: readonly Finding[] = [];
  const result = await watch(paths, options, settings, {
    stdin: STDIN,
    stdinName: options.stdinName ?? 'stdin',
    cwd: process.cwd(),
    signal: interrupt.signal,
    now: Date.now,
    onSnapshot: (snapshot) => {
      metrics?.update(snapshot.report);
      if (live) screen.enter();
      return writeOutput(live ? `${HOME_AND_CLEAR}${fitScreen(renderWatchScreen(snapshot, context(), settings.intervalMs), process.stdout.rows || 24, outputWidth(process.stdout, process.env))}` : renderWatchSnapshot(snapshot));
    },
    onAlert: async (findings, snapshot) => {
      if (!live) for (const finding of findings) await writeOutput(renderWatchAlert(finding, snapshot.time));
      if (settings.alertExec === null) {
        alerted = findings;
        return true;
      }
      for (const finding of findings) runAlertCommand(settings.alertExec, finding, snapshot.report.verdict, live);
      return false;
    },
  });
  metrics?.update(result.final);
  await metrics?.close();
  // Nothing more is read: no optimizing compiles from here to the exit (exit-safety.ts).
  setOptimizing(false);
  screen.leave();
  process.exitCode = result.outcome === 'alert' ? EXIT_FINDINGS : result.outcome === 'interrupted' ? EXIT_INTERRUPTED : EXIT_OK;
  await writeOutput(live ? RENDERERS.table(result.final, context()) : renderWatchFinal(result.final, result.outcome, context()));
  for (const finding of alerted) process.stderr.write(renderAlertText(finding, settings.holdMs));
  // stdin may still be open (a pipe still writing): nothing more will be read.
  process.exit(process.exitCode);
}

/** `--alert-exec`: the command, with the finding in its environment; its output must not break the screen or the NDJSON on stdout. */
function runAlertCommand(command: string, finding: Finding, verdict: Verdict, live: boolean): void {
  const { message, advice } = describeFinding(finding);
  spawn('sh', ['-c', command], {
    stdio: live ? 'ignore' : ['ignore', process.stderr, process.stderr],
    env: {
      ...process.env,
      DPSKEW_CODE: finding.code,
      DPSKEW_LEVEL: finding.level,
      DPSKEW_PHASE: finding.phase ?? '',
      DPSKEW_WORKER: finding.worker ?? '',
      DPSKEW_MESSAGE: message,
      DPSKEW_ADVICE: advice,
      DPSKEW_VERDICT: verdict,
      DPSKEW_FINDING: JSON.stringify(finding),
    },
  }).on('error', (error) => process.stderr.write(`error: --alert-exec: ${error.message}\n`));
}

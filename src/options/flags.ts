/**
 * Every flag of every command, once: its name, value, default, help, group and the commands that
 * take it. The commander program (cli/program.ts), the help, the config file's keys (cli/config.ts)
 * and docs/cli.md are all made from this table, and `RawFlags`, what options.ts validates, is its type.
 */
import { DEFAULT_THRESHOLDS as T } from '../model/thresholds.ts';
import { ENGINE_NAMES } from '../parse/index.ts';
import { DEFAULT_MAX_LINE_BYTES } from '../scan/scanner.ts';
import { DEFAULT_JOBS_MAX } from '../input/threads.ts';

export type CommandName = 'report' | 'check' | 'compare' | 'merge' | 'watch';

/** Help sections, in the order they are shown after a command's own flags. */
export const FLAG_GROUPS = {
  check: 'Check options',
  compare: 'Compare options',
  watch: 'Watch options',
  output: 'Output options',
  input: 'Input options',
  analysis: 'Analysis options',
  thresholds: 'Threshold options',
  time: 'Time options',
  general: 'General options',
} as const;

export interface FlagDef {
  /** the long name, without `--` */
  readonly name: string;
  readonly short?: string;
  /** camelCase: the key in RawFlags and in a config file */
  readonly key: string;
  /** `value`: takes one (`<placeholder>`), `list`: repeatable, `boolean`: none, `negatable`: `--no-<name>` turns it off */
  readonly kind: 'value' | 'list' | 'boolean' | 'negatable';
  readonly placeholder?: string;
  readonly choices?: readonly string[];
  /** narrower choices for some commands (compare has no CSV) */
  readonly choicesBy?: Partial<Record<CommandName, readonly string[]>>;
  /** the default, as shown in help and docs (options.ts applies it) */
  readonly default?: string;
  readonly help: string;
  readonly group: keyof typeof FLAG_GROUPS;
  readonly commands: readonly CommandName[];
  /** may be set in a config file (flags of the invocation itself, like --config, may not) */
  readonly config: boolean;
}

const READING: readonly CommandName[] = ['report', 'check', 'compare', 'merge', 'watch'];
const ONE_OFF: readonly CommandName[] = ['report', 'check', 'merge'];

export const FLAGS = [
  // check
  { name: 'strict', key: 'strict', kind: 'boolean', help: 'warn-level findings fail too', group: 'check', commands: ['check'], config: true },
  { name: 'assert', key: 'assert', kind: 'list', placeholder: 'expr', help: "fail unless <metric><op><number> holds, e.g. 'prefill.balance>=0.7' (repeatable)", group: 'check', commands: ['check'], config: true },
  { name: 'warn', key: 'warn', kind: 'list', placeholder: 'expr', help: 'like --assert, but a failure only warns (repeatable)', group: 'check', commands: ['check'], config: true },
  { name: 'list-metrics', key: 'listMetrics', kind: 'boolean', help: 'list the metric names --assert and --warn accept, and exit', group: 'check', commands: ['check'], config: false },
  // compare
  { name: 'fail-on-regression', key: 'failOnRegression', kind: 'boolean', help: 'exit 1 when the after side is worse (a peer balance lower by more than the threshold, or a worse verdict)', group: 'compare', commands: ['compare'], config: true },
  { name: 'regression-threshold', key: 'regressionThreshold', kind: 'value', placeholder: 'x', default: '0.05', help: 'peer-balance drop that counts as a regression', group: 'compare', commands: ['compare'], config: true },
  // watch
  { name: 'interval', key: 'interval', kind: 'value', placeholder: 'duration', default: '2s', help: 'how often to read what was appended and redraw', group: 'watch', commands: ['watch'], config: true },
  { name: 'last', key: 'last', kind: 'value', placeholder: 'duration', default: '60s', help: 'also show this last stretch of log time, next to the whole run', group: 'watch', commands: ['watch'], config: true },
  { name: 'alert', key: 'alert', kind: 'boolean', help: 'exit 1, printing the finding, once a fail-level finding has held for --for', group: 'watch', commands: ['watch'], config: true },
  { name: 'for', key: 'for', kind: 'value', placeholder: 'duration', default: '60s', help: 'how long a fail-level finding must hold before it alerts', group: 'watch', commands: ['watch'], config: true },
  { name: 'alert-exec', key: 'alertExec', kind: 'value', placeholder: 'command', help: 'instead of exiting, run this shell command on each alert, with DPSKEW_CODE, DPSKEW_LEVEL, DPSKEW_PHASE, DPSKEW_WORKER, DPSKEW_MESSAGE, DPSKEW_ADVICE, DPSKEW_VERDICT and DPSKEW_FINDING (JSON) set', group: 'watch', commands: ['watch'], config: true },
  { name: 'metrics-listen', key: 'metricsListen', kind: 'value', placeholder: 'host:port', help: 'serve the numbers, verdict and findings as Prometheus metrics at http://host:port/metrics (":9464" listens on 127.0.0.1; port 0 picks a free one)', group: 'watch', commands: ['watch'], config: true },
  // output
  { name: 'format', short: 'f', key: 'format', kind: 'value', placeholder: 'format', choices: ['table', 'json', 'markdown', 'csv', 'html'], choicesBy: { compare: ['table', 'json', 'markdown', 'html'] }, default: 'table', help: 'output format (html: one self-contained page with charts, for a browser)', group: 'output', commands: READING, config: true },
  { name: 'by', key: 'by', kind: 'value', placeholder: 'grouping', choices: ['rank', 'worker'], default: 'rank', help: "rank: DP ranks summed over workers (each worker still judged on its own); worker: each worker's ranks", group: 'output', commands: READING, config: true },
  { name: 'chart', key: 'chart', kind: 'negatable', help: 'no charts in the table output', group: 'output', commands: READING, config: true },
  { name: 'color', key: 'color', kind: 'boolean', help: 'colour even when stdout is not a terminal (--no-color: never; also NO_COLOR=1, TERM=dumb)', group: 'output', commands: READING, config: false },
  { name: 'quiet', short: 'q', key: 'quiet', kind: 'boolean', help: 'no progress line on stderr (it is only drawn on a terminal, never in CI)', group: 'output', commands: [...ONE_OFF, 'watch'], config: true },
  { name: 'out', key: 'out', kind: 'value', placeholder: 'file', help: 'also write a machine format to a file (by extension: .json, .md, .csv, .html, .xml = JUnit) while stdout keeps --format', group: 'output', commands: ONE_OFF, config: false },
  { name: 'junit', key: 'junit', kind: 'value', placeholder: 'file', help: 'write a JUnit XML report: one testcase per assertion and per fail/warn finding', group: 'output', commands: ONE_OFF, config: false },
  { name: 'github', key: 'github', kind: 'boolean', help: 'GitHub Actions annotations and a job summary in $GITHUB_STEP_SUMMARY (automatic when GITHUB_ACTIONS=true)', group: 'output', commands: ONE_OFF, config: false },
  { name: 'save', key: 'save', kind: 'value', placeholder: 'file', help: 'also write a mergeable summary (exact counts, histograms, windows) for dpskew merge', group: 'output', commands: ONE_OFF, config: false },
  // input
  { name: 'engine', key: 'engine', kind: 'value', placeholder: 'engine', choices: ['auto', ...ENGINE_NAMES, 'custom'], default: 'auto', help: 'read only this log family (default: every family, detected per line; custom: only --pattern)', group: 'input', commands: READING, config: true },
  { name: 'pattern', key: 'pattern', kind: 'list', placeholder: 'regex', help: 'extra line pattern with named groups rank (required), kind, queue, tokens, running, ts; repeatable; linear-time engine', group: 'input', commands: READING, config: true },
  { name: 'pattern-file', key: 'patternFile', kind: 'value', placeholder: 'file', help: 'read --pattern lines from a file (one per line, # comments)', group: 'input', commands: READING, config: false },
  { name: 'tz', key: 'tz', kind: 'value', placeholder: 'zone', default: 'UTC', help: 'IANA time zone of timestamps printed without one (SGLang, vLLM, TensorRT-LLM)', group: 'input', commands: READING, config: true },
  { name: 'name', key: 'name', kind: 'value', placeholder: 'worker', help: 'worker name for stdin (default: stdin), e.g. the pod a kubectl logs stream comes from', group: 'input', commands: READING, config: false },
  { name: 'split', key: 'split', kind: 'value', placeholder: 'how', default: 'auto', help: 'streams that interleave workers (kubectl --prefix, stern, logcli, docker compose, srun -l, journalctl, Loki/Elasticsearch exports): auto (told by content), none, or a regex whose (?<source>…) group names the worker; what it matches at the line start is removed', group: 'input', commands: READING, config: true },
  { name: 'max-line-bytes', key: 'maxLineBytes', kind: 'value', placeholder: 'n', default: String(DEFAULT_MAX_LINE_BYTES), help: 'lines longer than n bytes are counted as oversized and skipped', group: 'input', commands: READING, config: true },
  { name: 'jobs', short: 'j', key: 'jobs', kind: 'value', placeholder: 'n', default: `the cores, at most ${DEFAULT_JOBS_MAX}`, help: 'threads to read with, never more than the cores (1: no worker threads)', group: 'input', commands: READING, config: true },
  // analysis
  { name: 'dp-size', key: 'dpSize', kind: 'value', placeholder: 'n', help: 'DP ranks per worker, overriding server_args (ranks 0..n-1 are expected)', group: 'analysis', commands: READING, config: true },
  { name: 'implied-rank-from-room', key: 'impliedRankFromRoom', kind: 'boolean', help: "show the DP rank each request's bootstrap_room implies (room mod dp_size; an inference, not a logged fact)", group: 'analysis', commands: READING, config: true },
  // thresholds
  { name: 'warn-balance', key: 'warnBalance', kind: 'value', placeholder: 'x', default: String(T.warnBalance), help: "warn when peer balance (the other ranks' mean / the busiest rank) is below x", group: 'thresholds', commands: READING, config: true },
  { name: 'fail-balance', key: 'failBalance', kind: 'value', placeholder: 'x', default: String(T.failBalance), help: 'fail when peer balance is below x', group: 'thresholds', commands: READING, config: true },
  { name: 'queue-skew-factor', key: 'queueSkewFactor', kind: 'value', placeholder: 'x', default: String(T.queueSkewFactor), help: "QUEUE_SKEW: a rank's p95 queue ≥ x × the median of the other ranks' p95", group: 'thresholds', commands: READING, config: true },
  { name: 'queue-skew-min', key: 'queueSkewMin', kind: 'value', placeholder: 'n', default: String(T.queueSkewMin), help: 'QUEUE_SKEW: and its p95 queue ≥ n requests', group: 'thresholds', commands: READING, config: true },
  { name: 'min-batches', key: 'minBatches', kind: 'value', placeholder: 'n', default: String(T.minBatches), help: 'judge a group only with at least max(n, ranks × --min-batches-per-rank) batches', group: 'thresholds', commands: READING, config: true },
  { name: 'min-batches-per-rank', key: 'minBatchesPerRank', kind: 'value', placeholder: 'n', default: String(T.minBatchesPerRank), help: 'see --min-batches', group: 'thresholds', commands: READING, config: true },
  { name: 'alpha', key: 'alpha', kind: 'value', placeholder: 'p', default: String(T.alpha), help: 'χ² noise gate: a low peer balance is skew only when p < alpha', group: 'thresholds', commands: READING, config: true },
  { name: 'routing-mismatch', key: 'routingMismatch', kind: 'value', placeholder: 'x', default: String(T.routingMismatch), help: "warn when a rank's share of routing decisions and of executed prefill batches differ by more than x", group: 'thresholds', commands: READING, config: true },
  { name: 'idle-min', key: 'idleMin', kind: 'value', placeholder: 'duration', default: `${T.idleMinSeconds}s`, help: 'IDLE_PERIOD: report a rank idle at least this long while its peers worked', group: 'thresholds', commands: READING, config: true },
  { name: 'window-skew-share', key: 'windowSkewShare', kind: 'value', placeholder: 'x', default: String(T.windowSkewShare), help: 'WINDOW_SKEW: warn when more than this share of active windows is skewed', group: 'thresholds', commands: READING, config: true },
  { name: 'queued-idle-warn', key: 'queuedIdleWarn', kind: 'value', placeholder: 'x', default: String(T.queuedIdleWarn), help: 'QUEUED_WHILE_PEER_IDLE: warn above this share of active windows', group: 'thresholds', commands: READING, config: true },
  { name: 'queued-idle-fail', key: 'queuedIdleFail', kind: 'value', placeholder: 'x', default: String(T.queuedIdleFail), help: 'QUEUED_WHILE_PEER_IDLE: fail above this share of active windows', group: 'thresholds', commands: READING, config: true },
  { name: 'ceiling-min-lines', key: 'ceilingMinLines', kind: 'value', placeholder: 'n', default: String(T.ceilingMinLines), help: 'RUNNING_CEILING: queued lines with one constant #running-req needed', group: 'thresholds', commands: READING, config: true },
  // time
  { name: 'window', key: 'window', kind: 'value', placeholder: 'size', default: 'auto', help: 'time window for balance over time: auto (about 300 windows, snapped to 5s…10m) or a duration (30s, 5m)', group: 'time', commands: READING, config: true },
  { name: 'since', key: 'since', kind: 'value', placeholder: 'time', help: "only lines at or after this time: a timestamp (read in --tz) or +duration from the log's start", group: 'time', commands: READING, config: true },
  { name: 'until', key: 'until', kind: 'value', placeholder: 'time', help: "only lines before this time: a timestamp or -duration from the log's end", group: 'time', commands: READING, config: true },
  { name: 'skip-warmup', key: 'skipWarmup', kind: 'value', placeholder: 'duration', help: 'leave out the first duration of the log (same as --since +duration)', group: 'time', commands: READING, config: true },
  // general
  { name: 'config', key: 'config', kind: 'value', placeholder: 'file', default: './.dpskew.json if present', help: "settings as JSON: the flags' camelCase names (warnBalance, assert, …)", group: 'general', commands: READING, config: false },
] as const satisfies readonly FlagDef[];

type Flag = (typeof FLAGS)[number];
type ValueOf<F extends Flag> = F['kind'] extends 'list' ? readonly string[] : F['kind'] extends 'boolean' | 'negatable' ? boolean : string;

/** The flags as given (on the command line, or in a config file): validated by options.ts. */
export type RawFlags = { readonly [F in Flag as F['key']]?: ValueOf<F> };
export type FlagKey = Flag['key'];

/** The flags a command takes, in table order. */
export function flagsOf(command: CommandName): readonly FlagDef[] {
  return FLAGS.filter((f: FlagDef) => f.commands.includes(command));
}

/** The flags a config file may set. */
export const CONFIG_FLAGS: readonly FlagDef[] = FLAGS.filter((f: FlagDef) => f.config);

/** Outputs written once, at the end of a one-off run: watch refuses them by name (its final report is on stdout). */
export const ONE_OFF_OUTPUTS: readonly FlagDef[] = FLAGS.filter((f) => f.group === 'output' && !f.commands.includes('watch'));

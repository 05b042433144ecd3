/**
 * Raw flags (options/flags.ts) → validated, frozen `Options`, every default applied here. Pure;
 * throws `UsageError` naming the flag.
 */
import { DEFAULT_MAX_LINE_BYTES } from '../scan/scanner.ts';
import { DEFAULT_THRESHOLDS } from '../model/thresholds.ts';
import { UsageError } from '../model/errors.ts';
import { parseAssertion, type Assertion } from '../analyze/assertions.ts';
import { compilePattern } from '../parse/custom.ts';
import { createZone, findTimestamp, UTC_ZONE, type Zone } from '../parse/timestamps.ts';
import { PARSERS, type EngineName } from '../parse/index.ts';
import { RENDERERS, type FormatName } from '../render/index.ts';
import type { GroupBy, Thresholds } from '../model/report.ts';
import type { TimeRange } from '../input/ingest.ts';
import type { ReadSettings, SplitSetting } from '../input/settings.ts';
import { compileSplitPattern, hasSourceGroup } from '../input/split.ts';
import { SOURCE_GROUP } from '../parse/envelope.ts';
import { DEFAULT_JOBS } from '../input/threads.ts';
import type { RawFlags } from './flags.ts';

export interface Options {
  readonly format: FormatName;
  readonly groupBy: GroupBy;
  /** which log families to read: every one (`auto`), only the one named, or only `--pattern`s (`custom`) */
  readonly engine: EngineName | 'auto' | 'custom';
  /** `--pattern` and `--pattern-file` patterns, compiled on the linear-time engine */
  readonly patterns: readonly RegExp[];
  /** the zone of zone-less timestamps (`--tz`, default UTC) */
  readonly zone: Zone;
  /** overrides every worker's dp_size */
  readonly dpSize: number | null;
  readonly maxLineBytes: number;
  readonly thresholds: Thresholds;
  /** `check`: warn-level findings fail too */
  readonly strict: boolean;
  /** window size in ms, or `auto` */
  readonly window: number | 'auto';
  /** time filter; bounds relative to the log's start/end are resolved by run() after a first pass */
  readonly since: TimeBound | null;
  readonly until: TimeBound | null;
  /** draw charts in the table output */
  readonly chart: boolean;
  /** `--implied-rank-from-room` */
  readonly impliedRankFromRoom: boolean;
  /** worker name for stdin (`--name`), default `stdin` */
  readonly stdinName: string | null;
  /** `check --assert` (level fail) and `--warn` (level warn) */
  readonly assertions: readonly Assertion[];
  /** threads to read with (`--jobs`); 1 reads in the main thread */
  readonly jobs: number;
  /** `--split`: how streams that interleave several workers are split (default `auto`) */
  readonly split: SplitSetting;
}

/** `--since`/`--until`: an instant, or an offset from the log's first (`+5m`) or last (`-10m`) timestamp. */
export type TimeBound =
  | { readonly kind: 'absolute'; readonly ms: number }
  | { readonly kind: 'fromStart'; readonly ms: number }
  | { readonly kind: 'fromEnd'; readonly ms: number };

/** The flags as given (options/flags.ts), and the lines of a --pattern-file the CLI read. */
export type RawOptions = RawFlags & {
  /** patterns read from `--pattern-file` by the CLI (one per line; blank lines and `#` comments skipped) */
  readonly patternFileLines?: readonly string[];
};

export function parseOptions(raw: RawOptions): Options {
  const format = raw.format ?? 'table';
  if (!isFormat(format)) throw new UsageError(`--format must be one of ${Object.keys(RENDERERS).join(', ')} (got '${format}')`);
  const by = raw.by ?? 'rank';
  if (by !== 'rank' && by !== 'worker') throw new UsageError(`--by must be 'rank' or 'worker' (got '${by}')`);
  const engine = raw.engine ?? 'auto';
  if (engine !== 'auto' && engine !== 'custom' && !isEngine(engine)) {
    throw new UsageError(`--engine must be auto, custom or one of ${Object.keys(PARSERS).join(', ')} (got '${engine}')`);
  }
  const sources = [...(raw.pattern ?? []), ...(raw.patternFileLines ?? []).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))];
  const patterns = sources.map((source) => {
    try {
      return compilePattern(source);
    } catch (error) {
      throw new UsageError(`--pattern: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  const zone = parseZone(raw.tz);
  if (engine === 'custom' && patterns.length === 0) throw new UsageError('--engine custom needs at least one --pattern or --pattern-file');
  const d = DEFAULT_THRESHOLDS;
  const thresholds: Thresholds = Object.freeze({
    warnBalance: fraction('--warn-balance', raw.warnBalance, d.warnBalance),
    failBalance: fraction('--fail-balance', raw.failBalance, d.failBalance),
    queueSkewFactor: positive('--queue-skew-factor', raw.queueSkewFactor, d.queueSkewFactor),
    queueSkewMin: wholeNumber('--queue-skew-min', raw.queueSkewMin, d.queueSkewMin, 0),
    minBatches: wholeNumber('--min-batches', raw.minBatches, d.minBatches, 0),
    minBatchesPerRank: wholeNumber('--min-batches-per-rank', raw.minBatchesPerRank, d.minBatchesPerRank, 0),
    alpha: fraction('--alpha', raw.alpha, d.alpha),
    routingMismatch: fraction('--routing-mismatch', raw.routingMismatch, d.routingMismatch),
    idleMinSeconds: raw.idleMin === undefined ? d.idleMinSeconds : parseDuration('--idle-min', raw.idleMin) / 1000,
    windowSkewShare: fraction('--window-skew-share', raw.windowSkewShare, d.windowSkewShare),
    queuedIdleWarn: fraction('--queued-idle-warn', raw.queuedIdleWarn, d.queuedIdleWarn),
    queuedIdleFail: fraction('--queued-idle-fail', raw.queuedIdleFail, d.queuedIdleFail),
    ceilingMinLines: wholeNumber('--ceiling-min-lines', raw.ceilingMinLines, d.ceilingMinLines, 1),
  });
  if (thresholds.failBalance > thresholds.warnBalance) {
    throw new UsageError(`--fail-balance (${thresholds.failBalance}) must not exceed --warn-balance (${thresholds.warnBalance})`);
  }
  return Object.freeze({
    format,
    groupBy: by,
    engine,
    patterns,
    zone,
    dpSize: raw.dpSize === undefined ? null : wholeNumber('--dp-size', raw.dpSize, 1, 1),
    maxLineBytes: wholeNumber('--max-line-bytes', raw.maxLineBytes, DEFAULT_MAX_LINE_BYTES, 64, MAX_LINE_BYTES_LIMIT),
    thresholds,
    strict: raw.strict === true,
    window: raw.window === undefined || raw.window === 'auto' ? 'auto' : positiveDuration('--window', raw.window),
    ...timeFilter(raw, zone),
    chart: raw.chart !== false,
    impliedRankFromRoom: raw.impliedRankFromRoom === true,
    stdinName: raw.name === undefined || raw.name.trim() === '' ? null : raw.name.trim(),
    assertions: [...(raw.assert ?? []).map((e) => parseAssertion(e, 'fail')), ...(raw.warn ?? []).map((e) => parseAssertion(e, 'warn'))],
    jobs: jobsOf(raw.jobs),
    split: splitOf(raw.split),
  });
}

/** `--split auto|none|<regex>`: a pattern must name the source with `(?<source>…)` and run in linear time. */
function splitOf(raw: string | undefined): SplitSetting {
  if (raw === undefined || raw === 'auto') return 'auto';
  if (raw === 'none') return 'none';
  if (!hasSourceGroup(raw)) throw new UsageError(`--split: pattern ${JSON.stringify(raw)} has no (?<${SOURCE_GROUP}>…) group naming the worker (or use auto or none)`);
  try {
    compileSplitPattern(raw);
  } catch (error) {
    throw new UsageError(`--split: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { pattern: raw };
}

/** More threads than this only add memory: reading is bound by the cores and the disk. */
const MAX_JOBS = 256;

function jobsOf(raw: string | undefined): number {
  const jobs = wholeNumber('--jobs', raw, DEFAULT_JOBS, 1);
  if (jobs > MAX_JOBS) throw new UsageError(`--jobs must be at most ${MAX_JOBS} (got ${jobs})`);
  return jobs;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90`, `30s`, `5m`, `1h30m`, `250ms` → milliseconds (a bare number is seconds). */
export function parseDuration(flag: string, text: string): number {
  const trimmed = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  let total = 0;
  let rest = trimmed;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/.exec(rest);
    if (m === null) throw new UsageError(`${flag} expects a duration such as 30s, 5m or 1h30m (got '${text}')`);
    total += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
    rest = rest.slice(m[0].length);
  }
  if (trimmed === '') throw new UsageError(`${flag} expects a duration such as 30s, 5m or 1h30m (got '${text}')`);
  return total;
}

function positiveDuration(flag: string, text: string): number {
  const ms = parseDuration(flag, text);
  if (ms <= 0) throw new UsageError(`${flag} must be longer than 0 (got '${text}')`);
  return ms;
}

/** `--since`, `--until` and `--skip-warmup` (= `--since +<duration>`), which cannot be combined with `--since`. */
function timeFilter(raw: RawOptions, zone: Zone): { since: TimeBound | null; until: TimeBound | null } {
  if (raw.skipWarmup !== undefined && raw.since !== undefined) throw new UsageError('--skip-warmup and --since both set the start: use one');
  const since = raw.skipWarmup !== undefined ? { kind: 'fromStart' as const, ms: parseDuration('--skip-warmup', raw.skipWarmup) } : parseBound('--since', raw.since, zone);
  const until = parseBound('--until', raw.until, zone);
  if (since?.kind === 'absolute' && until?.kind === 'absolute' && since.ms >= until.ms) throw new UsageError('--since must be before --until');
  return { since, until };
}

function parseBound(flag: string, text: string | undefined, zone: Zone): TimeBound | null {
  if (text === undefined) return null;
  const trimmed = text.trim();
  if (trimmed.startsWith('+')) return { kind: 'fromStart', ms: parseDuration(flag, trimmed.slice(1)) };
  if (trimmed.startsWith('-')) return { kind: 'fromEnd', ms: parseDuration(flag, trimmed.slice(1)) };
  const ms = findTimestamp(trimmed, zone);
  if (ms === undefined) {
    throw new UsageError(`${flag} expects a timestamp (2026-04-14 10:05:00, 2026-04-14T10:05:00Z) or an offset from the log's start (+5m) or end (-10m) (got '${text}')`);
  }
  return { kind: 'absolute', ms };
}

function parseZone(name: string | undefined): Zone {
  if (name === undefined) return UTC_ZONE;
  try {
    return createZone(name);
  } catch {
    throw new UsageError(`--tz must be an IANA time zone such as UTC, Europe/Berlin or America/Los_Angeles (got '${name}')`);
  }
}

function isEngine(value: string): value is EngineName {
  return Object.hasOwn(PARSERS, value);
}

function isFormat(value: string): value is FormatName {
  return Object.hasOwn(RENDERERS, value);
}

function number(flag: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${flag} expects a number (got '${raw}')`);
  return value;
}

function fraction(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = number(flag, raw);
  if (value < 0 || value > 1) throw new UsageError(`${flag} must be between 0 and 1 (got ${raw})`);
  return value;
}

function positive(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = number(flag, raw);
  if (value <= 0) throw new UsageError(`${flag} must be greater than 0 (got ${raw})`);
  return value;
}

function wholeNumber(flag: string, raw: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fallback;
  const value = number(flag, raw);
  if (!Number.isSafeInteger(value) || value < min) throw new UsageError(`${flag} must be a whole number ≥ ${min} (got ${raw})`);
  if (value > max) throw new UsageError(`${flag} must be at most ${max} (got ${raw})`);
  return value;
}

/**
 * Largest --max-line-bytes: each reading thread buffers one line that long, inside its
 * WebAssembly kernel's memory (32-bit; V8 would not grow one to 1 GiB here). 256 MiB is far past any log line.
 */
const MAX_LINE_BYTES_LIMIT = 1 << 28;

/** What reading needs of the options (input/settings.ts), with the time filter resolved to instants. */
export function readSettingsOf(options: Options, range: TimeRange | null): ReadSettings {
  return { engine: options.engine, patterns: options.patterns.map((p) => p.source), timezone: options.zone.name, maxLineBytes: options.maxLineBytes, range, split: options.split };
}

/** `dpskew watch`'s own settings. */
export interface WatchSettings {
  readonly intervalMs: number;
  /** `--last`: the stretch of log time shown next to the whole run */
  readonly lastMs: number;
  /** `--for`: how long a fail-level finding must hold before it alerts */
  readonly holdMs: number;
  readonly alerts: boolean;
  /** `--alert-exec`: run this instead of exiting on an alert */
  readonly alertExec: string | null;
}

export function parseWatchSettings(raw: RawFlags): WatchSettings {
  return Object.freeze({
    intervalMs: positiveDuration('--interval', raw.interval ?? '2s'),
    lastMs: positiveDuration('--last', raw.last ?? '60s'),
    holdMs: parseDuration('--for', raw.for ?? '60s'),
    alerts: raw.alert === true || raw.alertExec !== undefined,
    alertExec: raw.alertExec ?? null,
  });
}

/** `compare --regression-threshold`: the peer-balance drop that counts as a regression (default 0.05). */
export function parseRegressionThreshold(raw: RawFlags): number {
  return fraction('--regression-threshold', raw.regressionThreshold, 0.05);
}

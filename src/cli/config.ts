/**
 * Config file: the same settings as the flags, as JSON (`--config FILE`, or `.dpskew.json` in the
 * working directory). Keys are the flags' camelCase names (`warnBalance`, `window`, `dpSize`, …)
 * plus `assert` and `warn` (arrays of expressions). Flags given on the command line win.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../model/errors.ts';
import type { RawOptions } from '../options/options.ts';

export const DEFAULT_CONFIG_FILE = '.dpskew.json';

/** Keys a config may set: every value-taking flag, and the assertion lists. */
const STRING_KEYS = [
  'format',
  'by',
  'engine',
  'tz',
  'dpSize',
  'maxLineBytes',
  'warnBalance',
  'failBalance',
  'queueSkewFactor',
  'queueSkewMin',
  'minBatches',
  'minBatchesPerRank',
  'alpha',
  'routingMismatch',
  'idleMin',
  'windowSkewShare',
  'queuedIdleWarn',
  'queuedIdleFail',
  'ceilingMinLines',
  'window',
  'since',
  'until',
  'skipWarmup',
  'jobs',
] as const;
const BOOLEAN_KEYS = ['strict', 'chart'] as const;
const LIST_KEYS = ['assert', 'warn', 'pattern'] as const;

export type ConfigKey = (typeof STRING_KEYS)[number] | (typeof BOOLEAN_KEYS)[number] | (typeof LIST_KEYS)[number];
export type ConfigValues = Partial<Record<(typeof STRING_KEYS)[number], string> & Record<(typeof BOOLEAN_KEYS)[number], boolean> & Record<(typeof LIST_KEYS)[number], string[]>>;

/**
 * Read `explicit` if given (it must exist), else `.dpskew.json` in `cwd` if present.
 * Returns the values and the file they came from (`null` when there is none).
 */
export function loadConfig(explicit: string | undefined, cwd: string): { values: ConfigValues; file: string | null } {
  const file = explicit ?? join(cwd, DEFAULT_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (explicit === undefined && error instanceof Error && 'code' in error && error.code === 'ENOENT') return { values: {}, file: null };
    throw new UsageError(`--config ${file}: cannot read it (${error instanceof Error ? error.message : String(error)})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UsageError(`${file}: expected a JSON object of settings`);
  const values: ConfigValues = {};
  for (const [key, value] of Object.entries(data)) {
    if (isOneOf(STRING_KEYS, key)) {
      if (typeof value !== 'string' && typeof value !== 'number') throw new UsageError(`${file}: "${key}" must be a string or a number`);
      values[key] = String(value);
    } else if (isOneOf(BOOLEAN_KEYS, key)) {
      if (typeof value !== 'boolean') throw new UsageError(`${file}: "${key}" must be true or false`);
      values[key] = value;
    } else if (isOneOf(LIST_KEYS, key)) {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new UsageError(`${file}: "${key}" must be an array of strings`);
      values[key] = value.map(String);
    } else {
      throw new UsageError(`${file}: unknown setting "${key}" (settings are the flags' camelCase names, plus "assert" and "warn")`);
    }
  }
  return { values, file };
}

function isOneOf<T extends string>(keys: readonly T[], key: string): key is T {
  return keys.some((k) => k === key);
}

/** Raw options from the config, overlaid by the flags the user actually typed. */
export function mergeConfig(config: ConfigValues, flags: RawOptions, typed: (key: ConfigKey) => boolean): RawOptions {
  const out: { -readonly [K in keyof RawOptions]: RawOptions[K] } = { ...flags };
  for (const key of STRING_KEYS) {
    const value = config[key];
    if (value !== undefined && !typed(key)) out[key] = value;
  }
  for (const key of BOOLEAN_KEYS) {
    const value = config[key];
    if (value !== undefined && !typed(key)) out[key] = value;
  }
  for (const key of LIST_KEYS) {
    const value = config[key];
    if (value !== undefined && !typed(key)) out[key] = value;
  }
  return out;
}

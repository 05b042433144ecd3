/**
 * Config file: the same settings as the flags, as JSON (`--config FILE`, or `.dpskew.json` in the
 * working directory). Keys are the flags' camelCase names (options/flags.ts, those marked `config`):
 * `warnBalance`, `window`, `dpSize`, `assert`, … Flags given on the command line win.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../model/errors.ts';
import { CONFIG_FLAGS, type FlagDef, type FlagKey, type RawFlags } from '../options/flags.ts';

export const DEFAULT_CONFIG_FILE = '.dpskew.json';

export type ConfigValues = RawFlags;

const BY_KEY = new Map<string, FlagDef>(CONFIG_FLAGS.map((f) => [f.key, f]));

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
  const values: Record<string, string | boolean | readonly string[]> = {};
  for (const [key, value] of Object.entries(data)) {
    const flag = BY_KEY.get(key);
    if (flag === undefined) throw new UsageError(`${file}: unknown setting "${key}" (settings are the flags' camelCase names, such as "warnBalance" and "assert")`);
    if (flag.kind === 'value') {
      if (typeof value !== 'string' && typeof value !== 'number') throw new UsageError(`${file}: "${key}" must be a string or a number`);
      values[key] = String(value);
    } else if (flag.kind === 'list') {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new UsageError(`${file}: "${key}" must be an array of strings`);
      values[key] = value.map(String);
    } else {
      if (typeof value !== 'boolean') throw new UsageError(`${file}: "${key}" must be true or false`);
      values[key] = value;
    }
  }
  return { values: values as ConfigValues, file };
}

/** Raw flags from the config, overlaid by the flags the user actually typed. */
export function mergeConfig<T extends RawFlags>(config: ConfigValues, flags: T, typed: (key: FlagKey) => boolean): T {
  const out: Record<string, unknown> = { ...flags };
  for (const flag of CONFIG_FLAGS) {
    const key = flag.key as FlagKey;
    const value = config[key];
    if (value !== undefined && !typed(key)) out[key] = value;
  }
  return out as T;
}

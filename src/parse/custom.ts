/**
 * User-supplied line patterns (`--pattern`, `--pattern-file`) for log formats dpskew does not know.
 * Named groups: `rank` (required: the DP rank), `kind` (`prefill`/`decode`, or anything starting
 * with p/d; default prefill), `queue`, `tokens` (new tokens), `running`, `ts` (a timestamp).
 *
 * Patterns run on V8's linear-time regular-expression engine (the `l` flag), so no pattern can
 * backtrack catastrophically on a long line; constructs it cannot run in linear time
 * (backreferences, lookaround) are refused when the pattern is compiled, with exit code 2.
 */
import { setFlagsFromString } from 'node:v8';
import { findTimestamp, UTC_ZONE, type Zone } from './timestamps.ts';
import { IGNORED, type BatchRecord, type LineParser, type ParseResult } from '../model/records.ts';

const GROUPS = ['rank', 'kind', 'queue', 'tokens', 'running', 'ts'] as const;

export class PatternError extends Error {
  override readonly name = 'PatternError';
}

let linearEngineEnabled = false;

/**
 * A regular expression on V8's linear-time engine (the `l` flag, plus `flags`); throws
 * PatternError with the reason. Shared by `--pattern` and `--split`.
 */
export function linearRegExp(source: string, flags = ''): RegExp {
  if (!linearEngineEnabled) {
    // Only adds the `l` flag; existing regexes are unaffected.
    setFlagsFromString('--enable-experimental-regexp-engine');
    linearEngineEnabled = true;
  }
  try {
    // eslint-disable-next-line no-invalid-regexp -- 'l' is V8's linear-time engine, enabled above
    return new RegExp(source, `l${flags}`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PatternError(
      reason.includes('linear time')
        ? `pattern ${JSON.stringify(source)} cannot run in linear time: remove backreferences and lookaround`
        : `pattern ${JSON.stringify(source)} is not a valid regular expression: ${reason}`,
    );
  }
}

/** Compile a pattern on the linear-time engine; throws PatternError with the reason. */
export function compilePattern(source: string): RegExp {
  const re = linearRegExp(source);
  if (!new RegExp(`\\(\\?<rank>`).test(source)) throw new PatternError(`pattern ${JSON.stringify(source)} has no (?<rank>…) group`);
  for (const name of source.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)) {
    const group = name[1] ?? '';
    if (!GROUPS.some((g) => g === group)) throw new PatternError(`pattern group <${group}> is not one of ${GROUPS.join(', ')}`);
  }
  return re;
}

/** A parser trying each pattern in order; every line is a candidate (needle ''). */
export function createCustomParser(patterns: readonly RegExp[], zone: Zone = UTC_ZONE): LineParser {
  return {
    name: 'custom',
    needles: [''],
    parse: (line: string): ParseResult => {
      for (const re of patterns) {
        const m = re.exec(line);
        if (m === null) continue;
        const g = m.groups ?? {};
        const rank = int(g['rank']);
        if (rank === undefined) return { kind: 'unparseable', reason: 'custom pattern matched without a numeric rank' };
        const kind = (g['kind'] ?? 'prefill').toLowerCase();
        const record: BatchRecord = {
          kind: 'batch',
          phase: kind.startsWith('d') ? 'decode' : 'prefill',
          time: g['ts'] === undefined ? undefined : findTimestamp(g['ts'], zone),
          ranks: { dp: rank, tp: undefined, pp: undefined, attnCp: undefined, moeDp: undefined, ep: undefined },
          newSeq: undefined,
          newTokens: int(g['tokens']),
          cachedTokens: undefined,
          running: int(g['running']),
          queue: int(g['queue']),
          bootstrapQueue: undefined,
          inflight: undefined,
          legacy: false,
          prefix: 'custom',
          fetched: undefined,
          fetchedTotal: undefined,
        };
        return { kind: 'record', record };
      }
      return IGNORED;
    },
  };
}

function int(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

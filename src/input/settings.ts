/**
 * What reading needs to know, as plain data: it is sent to worker threads, which rebuild the
 * parsers from it. Two reads with equal settings recognise the same lines the same way.
 */
import type { TimeRange } from './ingest.ts';
import { compilePattern, createCustomParser } from '../parse/custom.ts';
import { PARSERS, type EngineName } from '../parse/index.ts';
import { createRequestParser } from '../parse/requests.ts';
import { createZone } from '../parse/timestamps.ts';
import type { LineParser } from '../model/records.ts';
import type { SplitSpec } from '../parse/envelope.ts';
import { ownerBit } from '../scan/scanner.ts';

export interface ReadSettings {
  readonly engine: EngineName | 'auto' | 'custom';
  /** `--pattern` sources */
  readonly patterns: readonly string[];
  /** IANA name of the zone of zone-less stamps */
  readonly timezone: string;
  readonly maxLineBytes: number;
  /** the time filter in absolute terms; `null` reads everything */
  readonly range: TimeRange | null;
  /** the input is a metrics dump with bare time lines between its scrapes (sniffed per task: input/task.ts) */
  readonly timeLines?: boolean;
  /** `--split`: tell each input's source marks from its content, never split, or split by the user's pattern; absent: never */
  readonly split?: SplitSetting;
}

/** `--split auto|none|<regex>`. */
export type SplitSetting = 'auto' | 'none' | { readonly pattern: string };

/** How an input's lines are split before anything is known of it: by the user's pattern, or told from its bytes (`detect`), or not. */
export function splitOf(settings: ReadSettings): SplitSpec | 'detect' | null {
  if (settings.split === 'auto') return 'detect';
  if (settings.split === undefined || settings.split === 'none') return null;
  return { kind: 'regex', pattern: settings.split.pattern };
}


/** User patterns first (they are the user's word on their format), then the engines asked for. */
export function createParsers(settings: ReadSettings): LineParser[] {
  const zone = createZone(settings.timezone);
  const custom = settings.patterns.length > 0 ? [createCustomParser(settings.patterns.map(compilePattern), zone)] : [];
  if (settings.engine === 'custom') return custom;
  const hints = { timeLines: settings.timeLines === true || settings.engine === 'prometheus' };
  const engines = settings.engine === 'auto' ? Object.values(PARSERS).map((create) => create(zone, hints)) : [PARSERS[settings.engine](zone, hints)];
  // Per-request lines come last: a line another family recognises is that family's.
  return [...custom, ...engines, createRequestParser(zone)];
}

/** The needles of a list of parsers, each once, and per needle the parsers it is a needle of. */
export interface NeedleTable {
  readonly needles: readonly string[];
  /** per needle, the owner bits (scan/scanner.ts `ownerBit`) of the parsers it is a needle of */
  readonly owners: readonly number[];
}

export function needlesOf(parsers: readonly LineParser[]): NeedleTable {
  const owners = new Map<string, number>();
  for (const [i, parser] of parsers.entries()) {
    for (const needle of parser.needles) owners.set(needle, ((owners.get(needle) ?? 0) | ownerBit(i)) >>> 0);
  }
  return { needles: [...owners.keys()], owners: [...owners.values()] };
}

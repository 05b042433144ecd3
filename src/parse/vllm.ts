/**
 * vLLM logs: periodic `Engine NNN:` stats lines
 * of every era, `Iteration(i)` step lines inside `(EngineCore_DPk pid=N)` processes, and the
 * warning that stats logging was disabled.
 */
import { stripAnsiHolding } from './envelope.ts';
import { digitsAt, findTimestamp, UTC_ZONE, wallClockToMs, type Zone } from './timestamps.ts';
import { IGNORED, type BatchRecord, type EngineStatsRecord, type LayoutRecord, type LineParser, type ParseResult } from '../model/records.ts';

/**
 * A stats line is `[ENGINE: ]STATS`, matched in two steps (`matchStats`): STATS first, which starts
 * with a fixed string the regex engine skips to, then ENGINE in what comes before it. One regex
 * with ENGINE as an optional start cost twice as much: it is tried at every position of the line.
 */
const STATS =
  /Avg prompt throughput: ([\d.]+) tokens\/s, Avg generation throughput: ([\d.]+) tokens\/s, Running: (\d+) reqs, (?:Swapped: \d+ reqs, Pending|Waiting): (\d+) reqs/;
/** ENGINE, looked for backwards from where STATS starts (set `lastIndex`); group 1 is all of it. */
const ENGINE_BEFORE = /(?<=((?:Engine (\d{1,5})|(\d+) Engines Aggregated): ))/y;
const ITERATION =
  /Iteration\((\d+)\): (\d+) context requests, (\d+) context tokens, (\d+) generation requests, (\d+) generation tokens, iteration elapsed time: [\d.]+ ms( \(dummy\))?/;
/** `(EngineCore_DP3 pid=925)` (v0.9+) or `(EngineCore_3 pid=925)` (v0.8.3): the global DP index. */
const ENGINE_CORE = /\(EngineCore_(?:DP)?(\d+) pid=\d+\)/;
/** vLLM's own header: `INFO 03-30 06:29:25 [file.py:123]` (no year, local time). */
const HEADER = /(?:DEBUG|INFO|WARNING|ERROR|CRITICAL) \d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \[/;
const STATS_DISABLED = 'api_server_count more than 1';
/** `non-default args: {'tensor_parallel_size': 2, 'data_parallel_size': 2, …}` at start-up (a Python dict repr). */
const ARGS = 'non-default args: {';
const ARG = (name: string): RegExp => new RegExp(`'${name}': (\\d+)\\b`);
const LAYOUT_ARGS = {
  dpSize: ARG('data_parallel_size'),
  tpSize: ARG('tensor_parallel_size'),
  ppSize: ARG('pipeline_parallel_size'),
  firstRank: ARG('data_parallel_rank'),
  localRanks: ARG('data_parallel_size_local'),
} as const;

/** Placeholder year for vLLM's year-less stamps (a leap year, so 02-29 exists): times compare only within one log. */
export const VLLM_PLACEHOLDER_YEAR = 2000;

const NEEDLES = ['Avg prompt throughput', 'Iteration(', STATS_DISABLED, ARGS];

export function createVllmParser(zone: Zone = UTC_ZONE): LineParser {
  return { name: 'vllm', needles: NEEDLES, parse: (line) => parseVllmLine(line, zone) };
}

/** @param zone the zone of vLLM's zone-less local stamps (`--tz`) */
export function parseVllmLine(raw: string, zone: Zone = UTC_ZONE): ParseResult {
  const line = stripAnsiHolding(raw, NEEDLES);
  if (line === null) return IGNORED;
  if (line.includes('Avg prompt throughput')) {
    const m = matchStats(line);
    if (m === null) return { kind: 'unparseable', reason: 'vLLM stats line without Running/Waiting' };
    const running = count(m.running);
    const waiting = count(m.waiting);
    const prompt = Number(m.prompt);
    const generation = Number(m.generation);
    // A count past 2^53 or a throughput past what a double holds is a torn or garbled line, never a number to add.
    if (running === undefined || waiting === undefined || !Number.isFinite(prompt) || !Number.isFinite(generation)) {
      return { kind: 'unparseable', reason: 'vLLM stats line with a number out of range' };
    }
    const record: EngineStatsRecord = {
      kind: 'engine-stats',
      time: timeOf(line, m.index, zone),
      rank: m.engine === undefined ? undefined : Number(m.engine),
      aggregatedEngines: m.engines === undefined ? undefined : Number(m.engines),
      promptThroughput: prompt,
      generationThroughput: generation,
      running,
      waiting,
    };
    return { kind: 'record', record };
  }
  if (line.includes('Iteration(')) {
    const m = ITERATION.exec(line);
    if (m === null) return line.includes('context requests') ? { kind: 'unparseable', reason: 'vLLM iteration line without its counts' } : IGNORED;
    // Dummy steps pad idle DP peers (vLLM PR #41406); they are not work.
    if (m[6] !== undefined) return IGNORED;
    const contextRequests = count(m[2]);
    const contextTokens = count(m[3]);
    const generationRequests = count(m[4]);
    const dpText = ENGINE_CORE.exec(line)?.[1];
    const dp = count(dpText);
    // A torn or garbled line's 20-digit count would outweigh every line of the log in a sum.
    if (contextRequests === undefined || contextTokens === undefined || generationRequests === undefined || (dpText !== undefined && dp === undefined)) {
      return { kind: 'unparseable', reason: 'vLLM iteration line with a number out of range' };
    }
    if (contextRequests === 0 && generationRequests === 0) return IGNORED;
    const prefill = contextRequests > 0;
    const record: BatchRecord = {
      kind: 'batch',
      phase: prefill ? 'prefill' : 'decode',
      time: timeOf(line, m.index, zone),
      ranks: { dp, tp: undefined, pp: undefined, attnCp: undefined, moeDp: undefined, ep: undefined },
      newSeq: prefill ? contextRequests : undefined,
      newTokens: prefill ? contextTokens : undefined,
      cachedTokens: undefined,
      running: prefill ? undefined : generationRequests,
      queue: undefined,
      bootstrapQueue: undefined,
      inflight: undefined,
      legacy: false,
      prefix: dp === undefined ? 'none' : 'native',
      fetched: undefined,
      fetchedTotal: undefined,
    };
    return { kind: 'record', record };
  }
  // `-default args: {` first: V8 finds a string by its first character, and an `n` starts many places in a line.
  if (line.includes('-default args: {') && line.includes(ARGS)) return parseArgs(line);
  if (line.includes(STATS_DISABLED)) return { kind: 'record', record: { kind: 'notice', time: timeOf(line, line.length, zone), notice: 'vllm-stats-disabled' } };
  return IGNORED;
}

/** A stats message's start (at its engine, if named) and its fields, as text. */
interface StatsMatch {
  readonly index: number;
  readonly engine: string | undefined;
  /** the number of engines aggregated */
  readonly engines: string | undefined;
  readonly prompt: string | undefined;
  readonly generation: string | undefined;
  readonly running: string | undefined;
  readonly waiting: string | undefined;
}

/**
 * The first stats message in `line`, as one regex `(?:ENGINE)?STATS` would find it: the engine
 * can only end where STATS starts, and holds none of STATS's first text.
 */
export function matchStats(line: string): StatsMatch | null {
  const stats = STATS.exec(line);
  if (stats === null) return null;
  ENGINE_BEFORE.lastIndex = stats.index;
  const engine = ENGINE_BEFORE.exec(line);
  const index = engine === null ? stats.index : stats.index - (engine[1]?.length ?? 0);
  return { index, engine: engine?.[2], engines: engine?.[3], prompt: stats[1], generation: stats[2], running: stats[3], waiting: stats[4] };
}

/** vLLM header time (placeholder year), else an ISO stamp (Dynamo's vLLM formatter) before the message. */
function timeOf(line: string, messageAt: number, zone: Zone): number | undefined {
  const before = line.slice(0, messageAt);
  const m = HEADER.exec(before);
  if (m === null) return findTimestamp(before, zone);
  // The stamp's digits sit where HEADER put them, after the level and its space.
  const at = before.indexOf(' ', m.index) + 1;
  return wallClockToMs(VLLM_PLACEHOLDER_YEAR, digitsAt(before, at, 2), digitsAt(before, at + 3, 2), digitsAt(before, at + 6, 2), digitsAt(before, at + 9, 2), digitsAt(before, at + 12, 2), 0, zone);
}

/** A non-negative safe integer, or `undefined`. */
function count(text: string | undefined): number | undefined {
  const n = Number(text);
  return text !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

/** The layout in vLLM's `non-default args` line; ignored when it names no parallel size. */
function parseArgs(line: string): ParseResult {
  const int = (re: RegExp): number | undefined => {
    const n = Number(re.exec(line)?.[1]);
    return Number.isSafeInteger(n) ? n : undefined;
  };
  const dpSize = int(LAYOUT_ARGS.dpSize);
  const tpSize = int(LAYOUT_ARGS.tpSize);
  if (dpSize === undefined && tpSize === undefined) return IGNORED;
  const record: LayoutRecord = {
    kind: 'layout',
    origin: 'engine_args',
    dpSize,
    tpSize,
    ppSize: int(LAYOUT_ARGS.ppSize),
    epSize: undefined,
    nnodes: undefined,
    nodeRank: undefined,
    firstRank: int(LAYOUT_ARGS.firstRank),
    localRanks: int(LAYOUT_ARGS.localRanks),
    enableDpAttention: undefined,
    disaggregationMode: undefined,
  };
  return { kind: 'record', record };
}

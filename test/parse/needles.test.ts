/**
 * The needle contract (LineParser.needles): a parser recognises a line only when the line, as
 * written, holds one of its needles. The kernel hands a line only to the parsers whose needles it
 * found in the bytes (input/ingest.ts), so a parser that took a line without one (a needle made
 * only by stripping colour codes, say) would read differently there than in the plain reader.
 * Every parser, every fixture line, and the lines with colour and control codes cut into them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createParsers } from '../../src/input/settings.ts';
import type { LineParser } from '../../src/model/records.ts';

const ROOT = join(import.meta.dirname, '..', '..', 'fixtures');

function fixtureLines(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return fixtureLines(path);
    return /\.(?:log|prom|jsonl)$/.test(name) ? readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l !== '') : [];
  });
}

const PARSERS = createParsers({ engine: 'auto', patterns: [], timezone: 'UTC', maxLineBytes: 1 << 20, range: null });
const LINES = fixtureLines(ROOT);

const holds = (parser: LineParser, line: string): boolean => parser.needles.some((n) => line.includes(n));

/**
 * Whether `parser` takes a line the kernel would hand it no longer: one that holds another parser's
 * needle and none of its own. (A line with no needle at all is no candidate: Prometheus's scrape
 * time lines are read only when every line is, `--engine prometheus` or a sniffed dump.)
 */
function breaches(parser: LineParser, line: string): boolean {
  return parser.parse(line).kind !== 'ignored' && !holds(parser, line) && PARSERS.some((other) => holds(other, line));
}

describe('a parser recognises only lines holding one of its needles', () => {
  it('on every fixture line', () => {
    expect(LINES.length).toBeGreaterThan(1000);
    for (const parser of PARSERS) for (const line of LINES) expect(breaches(parser, line), `${parser.name}: ${line}`).toBe(false);
  });

  it('on fixture lines with colour and control codes cut into them, needles too', () => {
    const code = fc.constantFrom('\u001b[0m', '[0m', '\u001b[1;36m', '[36m', '\u001b[2K', '\u001b[A', '\u001b[');
    fc.assert(
      fc.property(fc.constantFrom(...LINES), fc.array(fc.tuple(fc.nat(), code), { minLength: 1, maxLength: 3 }), (seed, cuts) => {
        let line = seed;
        for (const [position, text] of cuts) {
          const at = position % (line.length + 1);
          line = line.slice(0, at) + text + line.slice(at);
        }
        const breaching = PARSERS.find((parser) => breaches(parser, line));
        if (breaching !== undefined) throw new Error(`${breaching.name} takes ${JSON.stringify(line)}`);
        return true;
      }),
      { numRuns: 20_000, seed: 7984 },
    );
  });

  it('a needle split by a colour code is no needle: vLLM, TensorRT-LLM and per-request lines (each with another parser\'s needle)', () => {
    const lines = [
      '(APIServer pid=1) INFO 04-14 10:00:00 [loggers.py:259] Engine 000: Avg prompt\u001b[0m throughput: 1.0 tokens/s, Avg generation throughput: 1.0 tokens/s, Running: 4 reqs, Waiting: 0 reqs dp_rank=1',
      "[04/14/2026-10:00:00] [TRT-LLM] [RANK 0] [I] iter = 0, global[0m_rank = 0, rank = 0, num_scheduled_requests = 2, states = {'num_ctx_requests': 1, 'num_ctx_tokens': 512, 'num_generation_tokens': 3} dp_rank=1",
      "[2026-04-14 10:00:00] Receive: obj=GenerateReqInput(rid='x', data_parallel\u001b[2K_rank=3)",
    ];
    for (const line of lines) for (const parser of PARSERS) expect(breaches(parser, line), `${parser.name}: ${line}`).toBe(false);
  });

  it('a /v1/loads document without dp_rank_count holds a needle of the metrics parser (its entries\' field)', () => {
    const line = '{"loads":[{"dp_rank":0,"num_running_reqs":1,"num_waiting_reqs":2,"num_total_tokens":0,"token_usage":0.1}]}';
    const metrics = PARSERS.find((p) => p.name === 'prometheus');
    expect(metrics?.parse(line).kind).toBe('record');
    expect(metrics !== undefined && holds(metrics, line)).toBe(true);
  });
});

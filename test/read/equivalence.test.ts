/**
 * Every fast path gives the same report, byte for byte, as the plain reader (test/helpers/
 * reference-reader.ts): the needle scanner with the SGLang byte-level fast path, line-aligned byte
 * ranges merged in order (in this thread and on worker threads), stdin cut into blocks, gzip.
 * Inputs: every fixture, both example runs, a generated log mixing every family, and the logs of
 * every format of the bench's formats table (scripts/bench-logs.mjs: each SGLang line shape and
 * envelope, the batch-dense mix, the other families).
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Chalk } from 'chalk';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseOptions, type RawOptions } from '../../src/options/options.ts';
import { RENDERERS } from '../../src/render/index.ts';
import { run, type RunContext } from '../../src/cli/run.ts';
import { generateMixedLog } from '../helpers/mixed-log.ts';
import { referenceReadSources } from '../helpers/reference-reader.ts';
import { FORMATS, WORKERS, benchLogText } from '../../scripts/bench-logs.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = readdirSync(join(ROOT, 'fixtures'))
  .flatMap((dir) => readdirSync(join(ROOT, 'fixtures', dir)).map((f) => join(ROOT, 'fixtures', dir, f)))
  // Log-store exports (fixtures/split/*.json) are one JSON document, not lines: the plain reader cannot
  // read them; test/input/split-ranges.test.ts holds them whole = in ranges = on stdin = gzipped.
  .filter((f) => /\.(?:log|prom|jsonl|jsonl\.gz|json)$/.test(f) && !f.includes('saved-reports') && !/split[/\\][^/\\]+\.json$/.test(f))
  // Dynamo request-trace shards live one directory down.
  .concat(readdirSync(join(ROOT, 'fixtures', 'traces')).flatMap((d) => readdirSync(join(ROOT, 'fixtures', 'traces', d)).map((f) => join(ROOT, 'fixtures', 'traces', d, f))));
const EXAMPLES = ['pr7984-before', 'pr7984-after'].map((d) => join(ROOT, 'examples', d));
const CONTEXT = { chalk: new Chalk({ level: 0 }), width: 100, chart: true };

async function json(paths: readonly string[], raw: RawOptions, context: Partial<RunContext> = {}): Promise<string> {
  const result = await run(paths, parseOptions(raw), { stdin: Readable.from([]), cwd: ROOT, ...context });
  return RENDERERS.json(result.report, CONTEXT);
}

const reference = (paths: readonly string[], raw: RawOptions = {}, context: Partial<RunContext> = {}): Promise<string> => json(paths, raw, { ...context, readSources: referenceReadSources });

let mixed = '';
let mixedGz = '';
/** per bench format, a directory of two worker logs (a prefill and a decode worker) */
const formatDirs = new Map<string, string>();

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'dpskew-equivalence-'));
  for (const format of FORMATS) {
    const formatDir = join(dir, format.name);
    mkdirSync(formatDir);
    for (const worker of [0, 4]) writeFileSync(join(formatDir, WORKERS[worker]?.name ?? `w${worker}.out`), benchLogText(format.name, 150_000, worker));
    formatDirs.set(format.name, formatDir);
  }
  mixed = join(dir, 'mixed-families.log');
  writeFileSync(mixed, generateMixedLog(20260414, 6000));
  mixedGz = join(dir, 'mixed-families.log.gz');
  writeFileSync(mixedGz, gzipSync(readFileSync(mixed)));
});

describe('fast paths equal the plain reader', () => {
  it('has inputs to compare', () => {
    expect(FIXTURES.length).toBeGreaterThan(20);
    expect(statSync(mixed).size).toBeGreaterThan(500_000);
  });

  it.each(FIXTURES.map((f) => [f.slice(ROOT.length + 1), f]))('%s: default reader, and tiny line-aligned ranges in this thread', async (_name, file) => {
    const expected = await reference([file]);
    expect(await json([file], {})).toBe(expected);
    expect(await json([file], {}, { tuning: { taskBytes: 1500 } })).toBe(expected);
  });

  it.each([...EXAMPLES, 'mixed'])('%s: ranges on worker threads, and stdin in blocks on worker threads', async (name) => {
    const path = name === 'mixed' ? mixed : name;
    const expected = await reference([path]);
    expect(await json([path], { jobs: '2' }, { tuning: { taskBytes: 40_000 } })).toBe(expected);
    const bytes = name === 'mixed' ? readFileSync(mixed) : Buffer.concat(readdirSync(path).sort().map((f) => readFileSync(join(path, f))));
    const stdinOptions = { maxLineBytes: '4096', name: 'node-a' };
    const expectedStdin = await reference(['-'], stdinOptions, { stdin: Readable.from([bytes]) });
    expect(await json(['-'], { ...stdinOptions, jobs: '2' }, { stdin: Readable.from([bytes]), tuning: { blockBytes: 20_000 } })).toBe(expectedStdin);
    // A regular file on the descriptor (`dpskew - < log`) is read in ranges, as files are.
    const file = join(mkdtempSync(join(tmpdir(), 'dpskew-stdin-file-')), 'stdin.log');
    writeFileSync(file, bytes);
    const fd = openSync(file, 'r');
    try {
      const fromFd = { fd, stream: () => Readable.from([]) };
      expect(await json(['-'], { ...stdinOptions, jobs: '2' }, { stdin: fromFd, tuning: { taskBytes: 40_000 } })).toBe(expectedStdin);
    } finally {
      closeSync(fd);
    }
  }, 60_000);

  it.each(FORMATS.map((f) => [f.name]))('bench format %s: default reader, ranges on worker threads, and a time filter', async (name) => {
    const dir = formatDirs.get(name) ?? '';
    // Each file is one worker here: a kubectl --prefix file would otherwise be named after its pod
    // (splitting by source has its own equivalence: test/input/split-ranges.test.ts).
    const raw = { split: 'none' };
    const expected = await reference([dir], raw);
    expect(await json([dir], raw)).toBe(expected);
    expect(await json([dir], { ...raw, jobs: '2' }, { tuning: { taskBytes: 30_000 } })).toBe(expected);
    const filtered = { ...raw, since: '2026-04-14 10:00:30', until: '2026-04-14 10:01:30' };
    expect(await json([dir], filtered)).toBe(await reference([dir], filtered));
  }, 60_000);

  it('gzip on worker threads, and a relative time filter (first pass) on ranges', async () => {
    expect(await json([mixedGz], { jobs: '2' })).toBe(await reference([mixedGz]));
    const filtered = { since: '+2m', until: '-1m' };
    expect(await json([mixed], { ...filtered, jobs: '2' }, { tuning: { taskBytes: 30_000 } })).toBe(await reference([mixed], filtered));
  }, 60_000);
});

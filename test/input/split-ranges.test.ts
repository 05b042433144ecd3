/**
 * A split input read in pieces gives the report it gives whole: a file cut into line-aligned
 * ranges (in this thread and on worker threads), stdin cut into blocks, gzip.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { parseOptions, type RawOptions } from '../../src/options/options.ts';
import { RENDERERS } from '../../src/render/index.ts';
import { run, type RunContext } from '../../src/cli/run.ts';
import { SPLIT_FIXTURE_FILES, SPLIT_FIXTURES } from './split-fixtures.ts';

const CONTEXT = { chalk: new Chalk({ level: 0 }), width: 100, chart: true };

async function json(paths: readonly string[], raw: RawOptions, context: Partial<RunContext> = {}): Promise<string> {
  const result = await run(paths, parseOptions(raw), { stdin: Readable.from([]), cwd: SPLIT_FIXTURES, ...context });
  return RENDERERS.json(result.report, CONTEXT);
}

describe('a split input read in pieces', () => {
  it.each(SPLIT_FIXTURE_FILES.map((f) => f.file))('%s: small ranges (on threads for some), blocks of stdin, gzip', async (file) => {
    const path = join(SPLIT_FIXTURES, file);
    const whole = await json([path], {}, { tuning: { taskBytes: 1 << 30 } });
    expect(JSON.parse(whole).workers.length).toBe(2);
    expect(await json([path], {}, { tuning: { taskBytes: 5000 } })).toBe(whole);
    // Worker threads are slow to start: three envelopes (line, JSON line, JSON document) are enough there.
    if (['kubectl-prefix.txt', 'logcli-jsonl.txt', 'loki-query-range.json'].includes(file)) expect(await json([path], { jobs: '2' }, { tuning: { taskBytes: 7000 } })).toBe(whole);
    const bytes = readFileSync(path);
    const chunks = [bytes.subarray(0, 333), bytes.subarray(333, 20_000), bytes.subarray(20_000)];
    const piped = await json(['-'], { name: file.replace(/\..*$/, '') }, { stdin: Readable.from(chunks), tuning: { blockBytes: 4096 } });
    const named = (text: string): unknown => JSON.parse(text.replaceAll(path, 'INPUT').replaceAll('"-"', '"INPUT"'));
    expect(named(piped)).toEqual(named(whole));
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-split-gz-'));
    const gz = join(dir, `${file}.gz`);
    writeFileSync(gz, gzipSync(bytes));
    const zipped = JSON.parse(await json([gz], {}));
    expect(zipped.workers.map((w: { name: string; prefillBatches: number }) => [w.name, w.prefillBatches])).toEqual(JSON.parse(whole).workers.map((w: { name: string; prefillBatches: number }) => [w.name, w.prefillBatches]));
  });
});

describe('unmarked lines at the start of a piece', () => {
  it('continue the source of the line before the piece, as when the input is read whole', async () => {
    const marked = readFileSync(join(SPLIT_FIXTURES, 'kubectl-prefix.txt'), 'utf8').split('\n').slice(0, -1);
    const pod = (line: string | undefined): string | undefined => /^\[pod\/([^/]+)\//.exec(line ?? '')?.[1];
    // Some lines that follow one of their own pod lose their mark, as the lines of a multi-line entry
    // do in a log store's output (few enough for the stream to be told kubectl's).
    const lines = marked.map((line, i) => (i % 4 === 0 && pod(marked[i - 1]) === pod(line) ? line.replace(/^\[pod\/[^\]]*\] /, '') : line));
    expect(lines.filter((line) => pod(line) === undefined).length).toBeGreaterThan(lines.length / 10);
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-split-leading-'));
    const path = join(dir, 'continued.txt');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const whole = await json([path], {}, { tuning: { taskBytes: 1 << 30 } });
    const batches = (text: string): unknown => JSON.parse(text).workers.map((w: { name: string; prefillBatches: number }) => [w.name, w.prefillBatches]);
    // Read whole, every unmarked line is its pod's: the workers of the fully marked stream.
    expect(batches(whole)).toEqual(batches(await json([join(SPLIT_FIXTURES, 'kubectl-prefix.txt')], {}, { tuning: { taskBytes: 1 << 30 } })));
    for (const taskBytes of [2000, 3000, 5000]) expect(await json([path], {}, { tuning: { taskBytes } })).toBe(whole);
    expect(await json([path], { jobs: '2' }, { tuning: { taskBytes: 3000 } })).toBe(whole);
    const bytes = readFileSync(path);
    const named = (text: string): unknown => JSON.parse(text.replaceAll(path, 'INPUT').replaceAll('"-"', '"INPUT"'));
    for (const blockBytes of [1024, 4096]) {
      const piped = await json(['-'], { name: 'continued' }, { stdin: Readable.from([bytes]), tuning: { blockBytes } });
      expect(named(piped)).toEqual(named(whole));
    }
  });
});

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

/**
 * The published schemas (schemas/*.schema.json) and the checks behind them (src/report/validate.ts):
 * everything dpskew writes passes, and each corruption of issue 18 item 6 and issue 19 (a thin
 * saved report, a worker without inputs) is one problem naming the field.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Chalk } from 'chalk';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_SAVED_BUCKETS as MAX_BUCKETS } from '../../src/aggregate/bucket-series.ts';
import { MAX_RANKS } from '../../src/aggregate/worker-state.ts';
import { InputError } from '../../src/model/errors.ts';
import { parseOptions } from '../../src/options/options.ts';
import { RENDERERS } from '../../src/render/index.ts';
import { parseSummary, type Summary } from '../../src/summary/summary.ts';
import { checkReport, checkSummary } from '../../src/summary/validate.ts';
import { run } from '../../src/cli/run.ts';
import { ROOT } from '../cli/run-cli.ts';
import { generateMixedLog } from '../helpers/mixed-log.ts';
import { mulberry32 } from '../helpers/random.ts';

/** Every fixture log, and the two example runs. */
const FIXTURES = readdirSync(join(ROOT, 'fixtures'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.log'))
  .sort()
  .map((f) => join(ROOT, 'fixtures', f));
const EXAMPLES = [join(ROOT, 'examples/pr7984-before'), join(ROOT, 'examples/pr7984-after')];
const CONTEXT = { chalk: new Chalk({ level: 0 }), width: 100, chart: true };
const summarySchema: unknown = JSON.parse(readFileSync(join(ROOT, 'schemas/summary.schema.json'), 'utf8'));
const reportSchema: unknown = JSON.parse(readFileSync(join(ROOT, 'schemas/report.schema.json'), 'utf8'));
const ajv = new Ajv2020({ allowUnionTypes: true });

async function analyse(paths: readonly string[], stdin: readonly Buffer[] = [], raw: Parameters<typeof parseOptions>[0] = {}): Promise<{ summary: string; report: string }> {
  const result = await run(paths, parseOptions(raw), { stdin: Readable.from(stdin), cwd: ROOT });
  return { summary: JSON.stringify(result.summary()), report: RENDERERS.json(result.report, CONTEXT) };
}

/** Keywords whose schemas describe part of an object: the whole is closed where it is named. */
const PARTIAL = new Set(['if', 'then', 'allOf']);

/**
 * The schema with `unevaluatedProperties: false` on every object that lists its properties: the
 * published schemas allow unknown fields (a newer file stays readable), this copy finds a field the
 * schema does not describe, so output that grows without its schema fails here.
 */
function closed(schema: unknown, partial = false): unknown {
  if (Array.isArray(schema)) return schema.map((s) => closed(s, partial));
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, closed(value, PARTIAL.has(key))]));
  if ('properties' in schema && !partial) out['unevaluatedProperties'] = false;
  return out;
}

function compileClosed(schema: unknown): ReturnType<Ajv2020['compile']> {
  const copy = closed(schema);
  if (typeof copy !== 'object' || copy === null) throw new Error('not a schema');
  return ajv.compile(copy);
}

const closedSummary = compileClosed(summarySchema);
const closedReport = compileClosed(reportSchema);

function expectClosed(validate: typeof closedReport, json: string, what: string): void {
  const ok = validate(JSON.parse(json));
  expect(ok ? null : `${what}: ${JSON.stringify(validate.errors?.[0])}`).toBeNull();
}

describe('everything dpskew writes matches its schema', () => {
  const written: Array<{ name: string; summary: string; report: string }> = [];
  beforeAll(async () => {
    for (const path of [...EXAMPLES, ...FIXTURES]) written.push({ name: path, ...(await analyse([path])) });
    written.push({ name: 'mixed families on stdin', ...(await analyse(['-'], [generateMixedLog(20260414, 4000)])) });
    written.push({ name: 'mixed, --by worker', ...(await analyse(['-'], [generateMixedLog(7, 2000)], { by: 'worker' })) });
  }, 120_000);

  it('the JSON report of both examples, every fixture and a log of every family (closed schema: a field the schema lacks fails)', () => {
    expect(written.length).toBe(EXAMPLES.length + FIXTURES.length + 2);
    for (const { name, report } of written) {
      expectClosed(closedReport, report, name);
      expect(checkReport(JSON.parse(report)).problem).toBeNull();
    }
  });

  it('the summary (--save) of each, read back by parseSummary (closed schema too)', () => {
    for (const { name, summary } of written) {
      expectClosed(closedSummary, summary, name);
      expect(() => parseSummary(summary, 's.json')).not.toThrow();
    }
  });

  it('summaries of damaged logs: torn lines, numbers of up to 22 digits', async () => {
    const rand = mulberry32(20261204);
    const lines = generateMixedLog(99, 3000).toString('utf8').split('\n');
    for (let round = 0; round < 8; round++) {
      const damaged = lines.map((line) => {
        const r = rand();
        if (r < 0.1) return line.slice(0, Math.floor(rand() * line.length));
        if (r < 0.3) return line.replace(/\d+/g, () => String(Math.floor(rand() * 10 ** Math.floor(rand() * 22))));
        return line;
      });
      const { summary, report } = await analyse(['-'], [Buffer.from(damaged.join('\n'))]);
      const checked = checkSummary(JSON.parse(summary));
      expect(checked.problem).toBeNull();
      expect(checkReport(JSON.parse(report)).problem).toBeNull();
    }
  }, 60_000);
});

describe('the schemas hold the code’s limits', () => {
  it('MAX_RANKS (4096 per worker, labels below 16×) and MAX_BUCKETS', () => {
    const text = readFileSync(join(ROOT, 'schemas/summary.schema.json'), 'utf8');
    const schema = JSON.parse(text);
    expect(schema.$defs.phase.properties.byDp.maxItems).toBe(MAX_RANKS);
    expect(schema.$defs.phase.properties.byDp.items.prefixItems[1].maxItems).toBe(MAX_RANKS);
    expect(schema.$defs.dpRank.maximum).toBe(MAX_RANKS * 16 - 1);
    expect(schema.$defs.rank.properties.buckets.maxItems).toBe(MAX_BUCKETS * 4);
  });
});

/** A summary of the pr7984-after example, changed by `edit`, as parseSummary sees it. */
let base: Summary;
beforeAll(async () => {
  base = JSON.parse((await analyse([EXAMPLES[1] ?? ''])).summary);
});

function problemAfter(edit: (s: any) => void): string | null {
  const copy = structuredClone(base);
  edit(copy);
  try {
    parseSummary(JSON.stringify(copy), 's.json');
    return null;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    expect(error.path).toBe('s.json');
    return error.message;
  }
}

/** The first worker with prefill ranks, and its DP0 totals. */
const prefillWorker = (s: any): any => s.workers.find((w: any) => w.phases.prefill.byDp.length > 0);
const dp0 = (s: any): any => prefillWorker(s).phases.prefill.byDp[0][1][0][1];

describe('a corrupted summary is one problem naming the field (issue 18 item 6, issue 19)', () => {
  it('accepts the summary as written', () => {
    expect(problemAfter(() => undefined)).toBeNull();
  });

  it.each([
    ['phases: null', (s: any) => (s.workers[0].phases = null), /^\/workers\/0\/phases: must be object, found null$/],
    ['a worker without inputs', (s: any) => delete s.workers[0].inputs, /^\/workers\/0\/inputs: missing$/],
    ['"batches": "many"', (s: any) => (dp0(s).batches = 'many'), /\/phases\/prefill\/byDp\/0\/1\/0\/1\/batches: must be integer, found "many"$/],
    ['negative batches', (s: any) => (dp0(s).batches = -3), /\/batches: must be >= 0, found -3$/],
    ['fractional batches', (s: any) => (dp0(s).batches = 2.5), /\/batches: must be integer, found 2.5$/],
    ['1e308 batches', (s: any) => (dp0(s).batches = 1e308), /\/batches: must be <= 9007199254740991, found 1e\+308$/],
    ['rank "x"', (s: any) => (prefillWorker(s).phases.prefill.byDp[0][0] = 'x'), /\/byDp\/0\/0: must be integer, found "x"$/],
    ['rank -3', (s: any) => (prefillWorker(s).phases.prefill.byDp[0][0] = -3), /\/byDp\/0\/0: must be >= 0, found -3$/],
    ['rank 1e12', (s: any) => (prefillWorker(s).phases.prefill.byDp[0][0] = 1e12), /\/byDp\/0\/0: must be <= 65535, found 1000000000000$/],
    ['a time that is not a number', (s: any) => (dp0(s).firstTime = 'noon'), /\/firstTime: must be number,null, found "noon"$/],
    ['a count in a string', (s: any) => (s.inputs[0].lines.linesRead = '12'), /^\/inputs\/0\/lines\/linesRead: must be integer, found "12"$/],
    ['an unknown log family source', (s: any) => (s.workers[0].requests = [['carrier-pigeon', {}]]), /\/requests\/0\/0: must be equal to one of the allowed values \("sglang-receive", "sglang-finish", "generic"\)/],
    ['a histogram out of order', (s: any) => dp0(s).queue.reverse(), /\/queue\/1\/0: must be greater than the value before it/],
    ['a histogram with a negative count', (s: any) => (dp0(s).queue[0][1] = -1), /\/queue\/0\/1: must be >= 1, found -1$/],
    ['a DP rank twice', (s: any) => prefillWorker(s).phases.prefill.byDp.push(prefillWorker(s).phases.prefill.byDp[0]), /\/byDp\/4\/0: must be greater than the DP rank before it/],
    ['too many DP ranks', (s: any) => (prefillWorker(s).phases.prefill.byDp = Array.from({ length: MAX_RANKS + 1 }, (_, i) => [i, []])), /\/byDp: must NOT have more than 4096 items/],
    ['buckets cut mid-bucket', (s: any) => dp0(s).buckets.pop(), /\/buckets: must hold whole buckets of 4 numbers/],
    ['buckets out of order', (s: any) => (dp0(s).buckets[4] = dp0(s).buckets[0]), /\/buckets\/4: must be greater than the bucket index before it/],
    ['a bucket of no batches', (s: any) => (dp0(s).buckets[1] = 0), /\/buckets\/1: batches must be a positive safe integer, found 0$/],
    ['buckets half flat, half tuples', (s: any) => (dp0(s).buckets[8] = [1, 2, 3, 4]), /\/buckets\/8: must be a number like the items before it/],
    ['a room count per remainder missing', (s: any) => (s.workers[0].requests = [['generic', { lines: 1, none: 0, sentinel: 0, absent: 0, ranks: [], executed: [], roomMods: [[2, [1]]], rooms: 1 }]]), /\/requests\/0\/1\/roomMods\/0\/1: must hold 2 counts/],
    ['a repeated family', (s: any) => (s.workers[0].batchLinesByFamily = [['sglang', 1], ['sglang', 2]]), /\/batchLinesByFamily\/1\/0: family "sglang" appears twice$/],
    ['the wrong tool', (s: any) => (s.tool.name = 'other'), /^\/tool\/name: must be equal to constant "dpskew", found "other"$/],
  ])('%s', (_, edit, expected) => {
    const problem = problemAfter(edit);
    expect(problem).toMatch(expected);
    expect(problem).not.toContain('\n');
  });

  it('what is not a summary at all', () => {
    const problem = (text: string): string => {
      try {
        parseSummary(text, 'x.json');
        return 'accepted';
      } catch (error) {
        return error instanceof InputError ? error.message : 'threw';
      }
    };
    expect(problem('')).toBe('not a dpskew summary: the file is empty');
    expect(problem('{"format": "dpskew-summary",')).toBe('not a dpskew summary: not valid JSON');
    for (const text of ['{}', '[]', 'null', '3', JSON.stringify({ name: 'dpskew', version: '0.1.0' })]) expect(problem(text)).toBe('not a dpskew summary (write one with --save): no "format": "dpskew-summary"');
    expect(problem(JSON.stringify({ ...base, summaryVersion: 4 }))).toBe('summary version 4 is not supported (this dpskew reads 1, 2 and 3)');
    expect(problem(JSON.stringify({ ...base, summaryVersion: '2' }))).toBe('summary version "2" is not supported (this dpskew reads 1, 2 and 3)');
  });
});

describe('a saved report', () => {
  it('a thin one (issue 19) is one problem naming the missing field', async () => {
    expect(checkReport({ schemaVersion: 2, prefill: {}, decode: {}, verdict: 'ok' }).problem).toBe('/tool: missing');
    const full = JSON.parse((await analyse([EXAMPLES[0] ?? ''])).report);
    expect(checkReport(full).problem).toBeNull();
    delete full.prefill.groups[0].ranks[1].queue;
    expect(checkReport(full).problem).toBe('/prefill/groups/0/ranks/1/queue: missing');
    full.prefill.groups[0].ranks[1].queue = { max: 1, p50: 1, p95: 1, mean: 1 };
    full.findings[0].threshold = 'low';
    expect(checkReport(full).problem).toBe('/findings/0/threshold: must be number, found "low"');
  });
});

describe('the schema files', () => {
  it('are written where the README points', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('schemas/summary.schema.json');
    expect(readme).toContain('schemas/report.schema.json');
  });

  it('a summary written to a file reads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-schema-'));
    writeFileSync(join(dir, 's.json'), (await analyse([EXAMPLES[0] ?? ''])).summary);
    expect(checkSummary(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'))).problem).toBeNull();
  });
});

/**
 * JSON read from files, checked before it is used: summaries (`--save`, `dpskew merge`) against
 * schemas/summary.schema.json, saved reports (`dpskew compare`) against schemas/report.schema.json,
 * and then what a schema cannot say (keys in ascending order, the layout of buckets). A problem is
 * one line: the field, as a JSON pointer, and what is wrong with it, e.g.
 * `/workers/0/inputs: must be array (found null)`.
 *
 * The validators are ajv's standalone code for the schemas, generated at build time by
 * scripts/build-schemas.mjs into modules beside this file (and beside the CLI's bundle in dist/),
 * loaded on first use: runs that read no summary and no saved report pay nothing for them (why:
 * that script's header).
 */
import { createRequire } from 'node:module';
import { MAX_SAVED_BUCKETS as MAX_BUCKETS } from '../aggregate/bucket-series.ts';
import type { WorkerJson } from '../aggregate/worker-state.ts';
import type { Summary } from './format.ts';
import type { Report } from '../model/report.ts';

/** An error as ajv reports it (the fields used here). */
interface SchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
}

interface Validator {
  (data: unknown): boolean;
  errors?: readonly SchemaError[] | null;
}

function isValidator(value: unknown): value is Validator {
  return typeof value === 'function';
}

/** The standalone validator of schemas/`name`.schema.json (it requires nothing: build-schemas.mjs checks). */
function loadValidator(name: 'summary' | 'report'): Validator {
  const loaded: unknown = createRequire(import.meta.url)(`./${name}-validator.generated.cjs`);
  if (!isValidator(loaded)) throw new Error(`${name}-validator.generated.cjs is not a validator: rebuild (npm run build)`);
  return loaded;
}

const loaded: { summary?: Validator; report?: Validator } = {};

function summaryValidator(): Validator {
  loaded.summary ??= loadValidator('summary');
  return loaded.summary;
}

function reportValidator(): Validator {
  loaded.report ??= loadValidator('report');
  return loaded.report;
}

export type Checked<T> = { readonly value: T; readonly problem: null } | { readonly value: null; readonly problem: string };

/** `data` as a Summary, or the first problem found (schema first, then key order and buckets). */
export function checkSummary(data: unknown): Checked<Summary> {
  const validate = summaryValidator();
  if (!isSummaryShaped(validate, data)) return { value: null, problem: schemaProblem(validate.errors, data) };
  const problem = summaryProblems(data).next();
  return problem.done === true ? { value: data, problem: null } : { value: null, problem: problem.value };
}

/** `data` as a Report saved with `--format json`, or the first problem found. */
export function checkReport(data: unknown): Checked<Report> {
  const validate = reportValidator();
  return isReportShaped(validate, data) ? { value: data, problem: null } : { value: null, problem: schemaProblem(validate.errors, data) };
}

function isSummaryShaped(validate: Validator, data: unknown): data is Summary {
  return validate(data);
}

function isReportShaped(validate: Validator, data: unknown): data is Report {
  return validate(data);
}

/** ajv's first error as `pointer: problem (found …)`; a missing field is named in the pointer. */
function schemaProblem(errors: readonly SchemaError[] | null | undefined, data: unknown): string {
  const error = errors?.[0];
  if (error === undefined) return 'does not match its schema';
  const { instancePath: at, keyword, params } = error;
  if (keyword === 'required') return `${at}/${escapePointer(String(params['missingProperty']))}: missing`;
  let what = error.message ?? `fails "${keyword}"`;
  if (keyword === 'enum' && Array.isArray(params['allowedValues'])) what += ` (${params['allowedValues'].map((v) => JSON.stringify(v)).join(', ')})`;
  if (keyword === 'const') what += ` ${JSON.stringify(params['allowedValue'])}`;
  const found = `${what}, found ${preview(valueAt(data, at))}`;
  return at === '' ? found : `${at}: ${found}`;
}

/** The value at a JSON pointer (RFC 6901), `undefined` when there is none. */
function valueAt(data: unknown, pointer: string): unknown {
  let value = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = Reflect.get(value, key);
  }
  return value;
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** A short rendering of a value found where another was expected. */
function preview(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

// ---------------------------------------------------------------------------------------------
// What the summary schema cannot say. Merging relies on it: keys in ascending order each once (a
// repeated key would overwrite or double a rank), buckets as whole quadruples in index order.

type PhaseJson = WorkerJson['phases']['prefill'];
type RankJson = PhaseJson['unlabeled'];
type Pairs<K> = ReadonlyArray<readonly [K, ...unknown[]]>;

function* summaryProblems(summary: Summary): Generator<string> {
  for (const [w, worker] of summary.workers.entries()) yield* workerProblems(worker, `/workers/${w}`);
}

function* workerProblems(worker: WorkerJson, at: string): Generator<string> {
  for (const phase of ['prefill', 'decode'] as const) yield* phaseProblems(worker.phases[phase], `${at}/phases/${phase}`);
  yield* ascending(worker.engineStats, `${at}/engineStats`, 'engine index');
  for (const [i, [, engine]] of worker.engineStats.entries()) {
    yield* ascending(engine.waiting, `${at}/engineStats/${i}/1/waiting`, 'value');
    yield* ascending(engine.running, `${at}/engineStats/${i}/1/running`, 'value');
  }
  yield* distinct(worker.routing.byWorker, `${at}/routing/byWorker`, 'worker_id');
  for (const [i, [, tally]] of worker.routing.byWorker.entries()) yield* ascending(tally.ranks, `${at}/routing/byWorker/${i}/1/ranks`, 'rank');
  yield* distinct(worker.requests, `${at}/requests`, 'source');
  for (const [i, [, tally]] of worker.requests.entries()) {
    const here = `${at}/requests/${i}/1`;
    yield* ascending(tally.ranks, `${here}/ranks`, 'rank');
    yield* ascending(tally.executed, `${here}/executed`, 'rank');
    yield* ascending(tally.roomMods, `${here}/roomMods`, 'modulus');
    for (const [k, [modulus, counts]] of tally.roomMods.entries()) {
      if (counts.length !== modulus) yield `${here}/roomMods/${k}/1: must hold ${modulus} counts, one per remainder mod ${modulus}, found ${counts.length}`;
    }
  }
  yield* distinct(worker.batchRanksByFamily, `${at}/batchRanksByFamily`, 'family');
  for (const [i, [, ranks]] of worker.batchRanksByFamily.entries()) yield* ascendingValues(ranks, `${at}/batchRanksByFamily/${i}/1`, 'rank');
  yield* distinct(worker.batchLinesByFamily, `${at}/batchLinesByFamily`, 'family');
}

function* phaseProblems(phase: PhaseJson, at: string): Generator<string> {
  yield* ascending(phase.byDp, `${at}/byDp`, 'DP rank');
  for (const [i, [, byTp]] of phase.byDp.entries()) {
    yield* ascending(byTp, `${at}/byDp/${i}/1`, 'TP label');
    for (const [j, [, rank]] of byTp.entries()) yield* rankProblems(rank, `${at}/byDp/${i}/1/${j}/1`);
  }
  yield* rankProblems(phase.unlabeled, `${at}/unlabeled`);
}

function* rankProblems(rank: RankJson, at: string): Generator<string> {
  yield* ascending(rank.queue, `${at}/queue`, 'value');
  yield* ascending(rank.running, `${at}/running`, 'value');
  if (rank.firstTime !== null && rank.lastTime !== null && rank.firstTime > rank.lastTime) yield `${at}/firstTime: must not be after lastTime`;
  yield* bucketProblems(rank.buckets, `${at}/buckets`);
}

/**
 * Buckets: (index, batches, new tokens, max queue) for each, in strictly ascending index order,
 * at most MAX_BUCKETS, either one after the other in one flat array (version 2) or an array each
 * (version 1). The schema has made every item an integer or an array of four integers.
 */
function* bucketProblems(buckets: RankJson['buckets'], at: string): Generator<string> {
  if (!Array.isArray(buckets) || buckets.length === 0) return;
  const flat = typeof buckets[0] === 'number';
  for (let k = 1; k < buckets.length; k++) {
    if ((typeof buckets[k] === 'number') !== flat) {
      yield `${at}/${k}: must be ${flat ? 'a number like the items before it (buckets one after the other)' : 'an array like the items before it (a bucket each)'}`;
      return;
    }
  }
  const count = flat ? buckets.length / 4 : buckets.length;
  if (!Number.isInteger(count)) {
    yield `${at}: must hold whole buckets of 4 numbers (index, batches, new tokens, max queue), found ${buckets.length} numbers`;
    return;
  }
  if (count > MAX_BUCKETS) {
    yield `${at}: must hold at most ${MAX_BUCKETS} buckets, found ${count}`;
    return;
  }
  // Field f of bucket b, and where it is: one flat array (version 2), or an array per bucket (version 1).
  const where = (b: number, f: number): string => (flat ? `${at}/${b * 4 + f}` : `${at}/${b}/${f}`);
  const field = (b: number, f: number): number => {
    const value: unknown = flat ? buckets[b * 4 + f] : Reflect.get(buckets[b] ?? [], f);
    return typeof value === 'number' ? value : Number.NaN;
  };
  let previous = Number.NEGATIVE_INFINITY;
  for (let b = 0; b < count; b++) {
    const index = field(b, 0);
    const batches = field(b, 1);
    if (!(index > previous)) yield `${where(b, 0)}: must be greater than the bucket index before it (buckets in ascending order, each once)`;
    else if (!(batches >= 1 && Number.isSafeInteger(batches))) yield `${where(b, 1)}: batches must be a positive safe integer, found ${preview(batches)}`;
    else if (!(field(b, 2) >= 0)) yield `${where(b, 2)}: new tokens must be >= 0, found ${preview(field(b, 2))}`;
    else if (!(field(b, 3) >= -1)) yield `${where(b, 3)}: max queue must be >= -1 (-1: none), found ${preview(field(b, 3))}`;
    else {
      previous = index;
      continue;
    }
    return;
  }
}

/** Pairs whose numeric keys must rise strictly (histograms, ranks): the first one that does not. */
function* ascending(pairs: Pairs<number>, at: string, key: string): Generator<string> {
  yield* ascendingValues(
    pairs.map((pair) => pair[0]),
    at,
    key,
    '/0',
  );
}

function* ascendingValues(values: readonly number[], at: string, key: string, field = ''): Generator<string> {
  for (let i = 1; i < values.length; i++) {
    if (!((values[i] ?? 0) > (values[i - 1] ?? 0))) {
      yield `${at}/${i}${field}: must be greater than the ${key} before it (${key}s in ascending order, each once)`;
      return;
    }
  }
}

/** Pairs whose string keys must differ: the first repeated one. */
function* distinct(pairs: Pairs<string>, at: string, key: string): Generator<string> {
  const seen = new Set<string>();
  for (const [i, [name]] of pairs.entries()) {
    if (seen.has(name)) {
      yield `${at}/${i}/0: ${key} ${JSON.stringify(name)} appears twice`;
      return;
    }
    seen.add(name);
  }
}

/**
 * Reads every log source through tasks: plain files in line-aligned byte ranges, gzip files whole,
 * stdin in blocks of whole lines as it arrives. With more than one job the tasks run on worker
 * threads; each source's task outputs are merged in order, which equals reading it in one piece.
 */
import type { Readable } from 'node:stream';
import { readInput } from '../io/read-input.ts';
import type { Source } from '../io/sources.ts';
import { createBlockCutter } from './blocks.ts';
import { planFile, taskBytesFor } from './plan.ts';
import { PoolClosedError, ReadPool } from './pool.ts';
import type { ReadSettings } from './settings.ts';
import { emptyOutput, mergeTaskOutput, runTask, type ReadTask, type TaskMode, type TaskOutput } from './task.ts';

export interface ReadOptions {
  /** threads to read with; 1 reads in this thread */
  readonly jobs: number;
  /** task size for plain files (tests force small ones); default: `taskBytesFor` */
  readonly taskBytes?: number;
  /** block size for stdin; default STDIN_BLOCK_BYTES */
  readonly blockBytes?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ReadProgress) => void;
}

export interface ReadProgress {
  /** bytes of finished tasks and of stdin read so far */
  readonly bytesRead: number;
  /** bytes of all files, `null` while stdin is being read (its size is unknown) */
  readonly bytesTotal: number | null;
}

/**
 * Stdin blocks: 8 MiB keeps a worker busy for ~15 ms (far more than handing a block over costs)
 * while at most 2 × jobs + 1 blocks are in memory at once.
 */
export const STDIN_BLOCK_BYTES = 8 << 20;

/** Plain-file bytes below which threads are not worth starting (a worker takes ~40 ms to boot). */
const MIN_THREADED_BYTES = 32 << 20;

const INTERRUPTED = 'interrupted: read only in part';

/**
 * @returns one output per source, in the order given
 */
export async function readSources(sources: readonly Source[], settings: ReadSettings, mode: TaskMode, options: ReadOptions, stdin: Readable | null): Promise<TaskOutput[]> {
  const files = sources.filter((s) => s.path !== '-');
  const fileBytes = files.reduce((sum, s) => sum + (s.size ?? 0), 0);
  const taskBytes = options.taskBytes ?? taskBytesFor(fileBytes, options.jobs);
  const plans = new Map<Source, ReadTask[]>();
  for (const source of files) plans.set(source, await planFile(source.path, taskBytes));
  const fileTasks = [...plans.values()].reduce((n, tasks) => n + tasks.length, 0);
  const threaded = options.jobs > 1 && (options.taskBytes !== undefined || fileBytes >= MIN_THREADED_BYTES || sources.some((s) => s.path === '-'));
  const pool = threaded ? new ReadPool(options.jobs, settings, (task, m) => runTask(task, settings, m, options.signal)) : null;
  const onAbort = (): void => void pool?.close();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  let bytesDone = 0;
  let stdinOpen = sources.some((s) => s.path === '-');
  const report = (bytes: number): void => {
    bytesDone += bytes;
    options.onProgress?.({ bytesRead: bytesDone, bytesTotal: stdinOpen ? null : fileBytes });
  };
  const runOne = async (task: ReadTask, inProcess: boolean): Promise<TaskOutput> => {
    try {
      const output = inProcess || pool === null ? await runTask(task, settings, mode, options.signal) : await pool.run(task, mode);
      if (task.kind !== 'bytes') report(task.kind === 'range' ? task.end - task.start : output.bytes);
      return output;
    } catch (error) {
      if (!(error instanceof PoolClosedError)) throw error;
      return { ...emptyOutput(), error: INTERRUPTED };
    }
  };

  try {
    // File tasks are queued at once (the pool takes them in order); in-process they run one by one.
    const pending = new Map<Source, Promise<TaskOutput[]>>();
    for (const [source, tasks] of plans) {
      pending.set(source, pool === null || fileTasks < 2 ? sequential(tasks, (t) => runOne(t, true)) : Promise.all(tasks.map((t) => runOne(t, false))));
      if (pool === null) await pending.get(source);
    }
    const outputs: TaskOutput[] = [];
    for (const source of sources) {
      if (source.path === '-') {
        outputs.push(await readStdin(stdin, settings, options, pool, runOne, report));
        stdinOpen = false;
        continue;
      }
      const parts = await (pending.get(source) ?? Promise.resolve([]));
      outputs.push(mergeAll(parts));
    }
    return outputs;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await pool?.close();
  }
}

async function sequential<T, R>(items: readonly T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await f(item));
  return out;
}

function mergeAll(parts: readonly TaskOutput[]): TaskOutput {
  const [first, ...rest] = parts;
  const merged = first ?? emptyOutput();
  for (const part of rest) mergeTaskOutput(merged, part);
  return merged;
}

/**
 * Stdin in blocks. A stream that ends within its first block is read in this thread (no worker
 * is worth starting for it); otherwise blocks go to the pool as they are cut, at most
 * 2 × jobs + 1 in flight, reading pausing meanwhile.
 */
async function readStdin(
  stdin: Readable | null,
  settings: ReadSettings,
  options: ReadOptions,
  pool: ReadPool | null,
  runOne: (task: ReadTask, inProcess: boolean) => Promise<TaskOutput>,
  report: (bytes: number) => void,
): Promise<TaskOutput> {
  const parts: Array<Promise<TaskOutput>> = [];
  const holder: { first: Uint8Array | null } = { first: null };
  let inFlight = 0;
  let wake: (() => void) | null = null;
  const limit = 2 * options.jobs + 1;
  const submit = (bytes: Uint8Array, inProcess: boolean): void => {
    inFlight++;
    parts.push(
      runOne({ kind: 'bytes', bytes }, inProcess).finally(() => {
        inFlight--;
        wake?.();
      }),
    );
  };
  let blocks = 0;
  const cutter = createBlockCutter(options.blockBytes ?? STDIN_BLOCK_BYTES, settings.maxLineBytes, (block) => {
    blocks++;
    if (pool === null) submit(block, true);
    else if (blocks === 1) holder.first = block; // waits to see whether a second block follows
    else {
      if (holder.first !== null) submit(holder.first, false);
      holder.first = null;
      submit(block, false);
    }
  });
  const read = await readInput({ name: '-', path: '-', size: null }, stdin, async (chunk) => {
    cutter.push(chunk);
    report(chunk.length);
    while (inFlight >= limit) await new Promise<void>((resolve) => (wake = resolve));
  }, options.signal);
  cutter.end();
  if (holder.first !== null) submit(holder.first, blocks === 1);
  const merged = mergeAll(await Promise.all(parts));
  merged.lines += cutter.counts.lines;
  merged.oversized += cutter.counts.oversized;
  merged.bytes = read.bytes;
  merged.gzip = read.gzip;
  merged.error ??= read.error === null ? null : read.error.message;
  return merged;
}

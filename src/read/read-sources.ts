/**
 * Reads every log source through tasks: plain files in line-aligned byte ranges, gzip files whole,
 * stdin in blocks of whole lines as it arrives. With more than one job the tasks run on worker
 * threads. Each source's task outputs are merged in order as they arrive (only out-of-order ones
 * wait), which equals reading the source in one piece and keeps memory flat.
 */
import { readInput, type StdinInput } from '../io/read-input.ts';
import type { Source } from '../io/sources.ts';
import { blockSize, createBlockCutter } from './blocks.ts';
import { collectAfter } from './collect.ts';
import { planFile, stdinFile, taskBytesFor } from './plan.ts';
import { filesUseWorkers } from './threads.ts';
import { LocalRunner, PoolClosedError, ReadPool, type TaskRunner } from './pool.ts';
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
 * Stdin blocks: each costs ~1 ms besides its bytes (a task's set-up in its thread, the merge of its
 * output here), so fewer are quicker, while at most 2 × jobs + 1 exist at once (they are reused).
 * 2 cores, `cat 500MB | dpskew -`, 9 alternating runs: 2 MiB 0.86 s and 90 MiB peak RSS, 3 MiB
 * 0.74 s, 4 MiB 0.73 s and 97 MiB, 6 MiB 0.73 s and 105 MiB, 16 MiB 0.79 s and 148 MiB.
 */
export const STDIN_BLOCK_BYTES = 4 << 20;

const INTERRUPTED = 'interrupted: read only in part';

/** Outputs of one source's tasks, merged in task order as they arrive. */
class OrderedMerge {
  private readonly merged = emptyOutput();
  private readonly waiting = new Map<number, TaskOutput>();
  private next = 0;

  put(index: number, output: TaskOutput): void {
    this.waiting.set(index, output);
    for (let part = this.waiting.get(this.next); part !== undefined; part = this.waiting.get(this.next)) {
      mergeTaskOutput(this.merged, part);
      this.waiting.delete(this.next++);
    }
  }

  /** The whole source (call once every task is in). */
  result(): TaskOutput {
    return this.merged;
  }
}

/** @returns one output per source, in the order given */
export async function readSources(sources: readonly Source[], settings: ReadSettings, mode: TaskMode, options: ReadOptions, stdin: StdinInput | null): Promise<TaskOutput[]> {
  // Only the first `-` reads stdin (a second finds it read); a regular file there is read as a file.
  const stdinAt = sources.findIndex((s) => s.path === '-');
  const asFile = stdinAt >= 0 && stdin !== null && 'fd' in stdin ? stdinFile(stdin.fd) : null;
  const fileBytes = sources.reduce((sum, s) => sum + (s.path === '-' ? 0 : (s.size ?? 0)), 0) + (asFile?.size ?? 0);
  const taskBytes = options.taskBytes ?? taskBytesFor(fileBytes, options.jobs);
  const plans: ReadTask[][] = [];
  for (const [i, source] of sources.entries()) {
    if (source.path !== '-') plans.push(await planFile(source.path, taskBytes));
    else plans.push(i === stdinAt && asFile !== null ? await planFile(asFile.path, taskBytes) : []);
  }
  const hasStdin = stdinAt >= 0 && asFile === null;
  // gunzip runs on libuv's thread pool, so each gzip stream already keeps a core busy besides its
  // reading thread: only all-gzip input, half as many reading threads. (2 cores, 5 GB of .gz:
  // 10.3 s in one thread, 9.7 s in two, for 123 instead of 156 MiB peak RSS.)
  const allGzip = !hasStdin && plans.every((tasks) => tasks.every((task) => task.kind === 'file'));
  const jobs = allGzip && options.taskBytes === undefined ? Math.max(1, Math.floor(options.jobs / 2)) : options.jobs;
  const threaded = jobs > 1 && (options.taskBytes !== undefined || options.blockBytes !== undefined || filesUseWorkers(fileBytes, jobs) || hasStdin);
  const runner: TaskRunner = threaded ? new ReadPool(jobs, settings, options.signal) : new LocalRunner(settings, options.signal);
  const onAbort = (): void => runner.cancelPending();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  let bytesDone = 0;
  let stdinOpen = hasStdin;
  const progress = (bytes: number): void => {
    bytesDone += bytes;
    options.onProgress?.({ bytesRead: bytesDone, bytesTotal: stdinOpen ? null : fileBytes });
  };
  const runOne = async (task: ReadTask): Promise<{ output: TaskOutput; buffer: ArrayBuffer | null }> => {
    try {
      const result = await runner.run(task, mode);
      if (task.kind === 'range') progress(task.end - task.start);
      else if (task.kind === 'file') progress(result.output.bytes);
      return result;
    } catch (error) {
      if (!(error instanceof PoolClosedError)) throw error;
      return { output: { ...emptyOutput(), error: INTERRUPTED }, buffer: null };
    }
  };

  try {
    const merges = sources.map(() => new OrderedMerge());
    // Every file task is queued at once: runners take them in order.
    const files = plans.flatMap((tasks, s) => tasks.map((task, k) => runOne(task).then(({ output }) => merges[s]?.put(k, output))));
    const reads: Array<Promise<unknown>> = [...files];
    const merge = merges[stdinAt];
    if (hasStdin && merge !== undefined) {
      // gunzip keeps this thread busy enough (2 cores, 500 MiB .gz through a pipe: 3 % slower with it helping).
      const onGzip = (): void => (runner instanceof ReadPool ? runner.stopHelping() : undefined);
      reads.push(readStdin(stdin, settings, options, runOne, progress, merge, onGzip).finally(() => (stdinOpen = false)));
    }
    await Promise.all(reads);
    return merges.map((m) => m.result());
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await runner.close();
  }
}

/**
 * Stdin in blocks, handed to the runner as they are cut, at most 2 × jobs in flight (reading
 * pauses meanwhile); each block's buffer is reused once its task is done. The cutter's own counts
 * (lines too long for any block) join the merged output.
 */
async function readStdin(
  stdin: StdinInput | null,
  settings: ReadSettings,
  options: ReadOptions,
  runOne: (task: ReadTask) => Promise<{ output: TaskOutput; buffer: ArrayBuffer | null }>,
  progress: (bytes: number) => void,
  merge: OrderedMerge,
  onGzip: () => void,
): Promise<void> {
  const size = blockSize(options.blockBytes ?? STDIN_BLOCK_BYTES, settings.maxLineBytes);
  const free: ArrayBuffer[] = [];
  const limit = 2 * options.jobs;
  const running = new Set<Promise<void>>();
  let blocks = 0;
  const run = (index: number, bytes: Uint8Array, here: boolean): void => {
    const task: ReadTask = { kind: 'bytes', bytes };
    const result = here ? runTask(task, settings, 'analyse').then((output) => ({ output, buffer: null })) : runOne(task);
    const done = result.then(({ output, buffer }) => {
      merge.put(index, output);
      if (buffer !== null && buffer.byteLength === size) free.push(buffer);
    });
    running.add(done);
    void done.finally(() => running.delete(done));
  };
  // The first block waits until a second one exists: a stream that ends within one block (most
  // pipes of a few lines) is read in this thread, without starting a worker for it.
  let first: Uint8Array | null = null;
  const submit = (bytes: Uint8Array): void => {
    const index = blocks++;
    // After Ctrl-C the runner takes no more tasks, but what was read is still counted: here.
    const here = options.signal?.aborted === true;
    if (index === 0 && !here) {
      first = bytes;
      return;
    }
    if (first !== null) {
      run(0, first, here);
      first = null;
    }
    run(index, bytes, here);
  };
  const cutter = createBlockCutter(options.blockBytes ?? STDIN_BLOCK_BYTES, settings.maxLineBytes, submit, () => free.pop() ?? new ArrayBuffer(size));
  const read = await readInput({ name: '-', path: '-', size: null }, stdin, async (chunk) => {
    cutter.push(chunk);
    progress(chunk.length);
    // Each block's output arrives with its own typed arrays, dead once merged: scavenged (collect.ts).
    if (options.jobs > 1) collectAfter(chunk.length);
    while (running.size >= limit) await Promise.race(running);
  }, options.signal, onGzip);
  cutter.end();
  const alone: Uint8Array | null = first;
  if (alone !== null) run(0, alone, true);
  await Promise.all(running);
  const tail = emptyOutput();
  tail.lines = cutter.counts.lines;
  tail.oversized = cutter.counts.oversized;
  tail.error = read.error === null ? null : read.error.message;
  merge.put(blocks, tail);
  const whole = merge.result();
  // The source's size is what was read from it (compressed, for gzip), not the blocks' bytes.
  whole.bytes = read.bytes;
  whole.gzip = read.gzip;
}

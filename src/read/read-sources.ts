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
import { filesUseWorkers, threadsFor } from './threads.ts';
import { LocalRunner, PoolClosedError, ReadPool, type TaskRunner } from './pool.ts';
import type { ReadSettings } from './settings.ts';
import { WorkerState } from '../aggregate/worker-state.ts';
import { mergeWorkerState } from '../report/summary.ts';
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
  /**
   * Per source, the source whose output takes its worker state once both are read: the first
   * source of the same worker (an earlier index; any other value is ignored). A worker's parts are
   * then merged in source order as they come, so 10,000 small files of a few workers hold a few
   * states, not 10,000; the outputs handed over keep their own counts and an empty state.
   * Default: every source keeps its own state.
   */
  readonly stateOwners?: readonly number[];
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

/** File tasks handed to the runner ahead of time, per thread (a worker holds 2: pool.ts WORKER_DEPTH). */
const FILE_TASKS_AHEAD = 4;

/**
 * Outputs of one source's tasks, merged in task order as they arrive. The first part is taken as
 * it is, not merged into an empty output: a source read in one task (most small files) then
 * costs one worker state, not two, and nothing is made for a source before its first part comes
 * (10,000 small files: ~10 KiB less each).
 */
class OrderedMerge {
  private merged: TaskOutput | null = null;
  private waiting: Map<number, TaskOutput> | null = null;
  private next = 0;

  put(index: number, output: TaskOutput): void {
    if (index !== this.next) {
      (this.waiting ??= new Map()).set(index, output);
      return;
    }
    this.take(output);
    for (let part = this.waiting?.get(this.next); part !== undefined; part = this.waiting?.get(this.next)) {
      this.waiting?.delete(this.next);
      this.take(part);
    }
  }

  private take(part: TaskOutput): void {
    this.next++;
    if (this.merged === null) this.merged = part;
    else mergeTaskOutput(this.merged, part);
  }

  /** Parts merged so far (in order). */
  get parts(): number {
    return this.next;
  }

  /** The whole source (call once every task is in). */
  result(): TaskOutput {
    return (this.merged ??= emptyOutput());
  }

  /** The whole source's worker state, handed over: the result keeps its counts and an empty state. */
  takeState(): WorkerState {
    const whole = this.result();
    this.merged = { ...whole, state: HANDED_OVER };
    return whole.state;
  }
}

/** The state of every output whose own was handed over (ReadOptions.stateOwners): empty, and never written. */
const HANDED_OVER = new WorkerState('');

/**
 * Hands each finished source's worker state to its owner (ReadOptions.stateOwners), in source
 * order: a source waits only for the earlier sources of its own worker.
 */
class StateHandOver {
  private readonly owners: readonly number[];
  private readonly merges: readonly OrderedMerge[];
  private readonly finished: boolean[];
  /** per owner: its other sources in order, and how many have been handed over */
  private readonly groups = new Map<number, { readonly members: number[]; handed: number }>();

  constructor(owners: readonly number[], merges: readonly OrderedMerge[]) {
    this.owners = owners.map((owner, s) => (Number.isInteger(owner) && owner >= 0 && owner <= s ? owner : s));
    this.merges = merges;
    this.finished = merges.map(() => false);
    this.owners.forEach((owner, s) => {
      if (owner === s) return;
      const group = this.groups.get(owner) ?? { members: [], handed: 0 };
      group.members.push(s);
      this.groups.set(owner, group);
    });
  }

  /** Source `s` is read whole. */
  finish(s: number): void {
    this.finished[s] = true;
    const owner = this.owners[s] ?? s;
    const group = this.groups.get(owner);
    const into = this.merges[owner];
    if (group === undefined || into === undefined || this.finished[owner] !== true) return;
    for (; group.handed < group.members.length; group.handed++) {
      const member = this.merges[group.members[group.handed] ?? -1];
      if (member === undefined || this.finished[group.members[group.handed] ?? -1] !== true) break;
      mergeWorkerState(into.result().state, member.takeState());
    }
  }
}

/** @returns one output per source, in the order given */
export async function readSources(sources: readonly Source[], settings: ReadSettings, mode: TaskMode, asked: ReadOptions, stdin: StdinInput | null): Promise<TaskOutput[]> {
  // No more threads than cores (threadsFor), except where tests force tasks and blocks to exercise threads.
  const forced = asked.taskBytes !== undefined || asked.blockBytes !== undefined;
  const options = forced ? asked : { ...asked, jobs: threadsFor(asked.jobs) };
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
    const handOver = new StateHandOver(options.stateOwners ?? [], merges);
    for (const [s, tasks] of plans.entries()) if (tasks.length === 0 && !(hasStdin && s === stdinAt)) handOver.finish(s);
    // File tasks are handed to the runner in order, FILE_TASKS_AHEAD per thread at a time: enough to
    // keep every thread busy, while a task's promises and closures are made only just before it
    // runs (queued all at once, 10,000 small files left ~2 KiB each of them for the old generation).
    const queue = plans.flatMap((tasks, s) => tasks.map((task, k) => ({ task, s, k, parts: tasks.length })));
    let taken = 0;
    const feed = async (): Promise<void> => {
      for (let item = queue[taken++]; item !== undefined; item = queue[taken++]) {
        const { output } = await runOne(item.task);
        const merge = merges[item.s];
        merge?.put(item.k, output);
        if (merge?.parts === item.parts) handOver.finish(item.s);
      }
    };
    const files = Array.from({ length: Math.min(queue.length, FILE_TASKS_AHEAD * jobs) }, feed);
    const reads: Array<Promise<unknown>> = [...files];
    const merge = merges[stdinAt];
    if (hasStdin && merge !== undefined) {
      // gunzip keeps this thread busy enough (2 cores, 500 MiB .gz through a pipe: 3 % slower with it helping).
      const onGzip = (): void => (runner instanceof ReadPool ? runner.stopHelping() : undefined);
      reads.push(
        readStdin(stdin, settings, options, runOne, progress, merge, onGzip)
          .then(() => handOver.finish(stdinAt))
          .finally(() => (stdinOpen = false)),
      );
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

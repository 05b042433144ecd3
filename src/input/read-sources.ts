/**
 * Reads every log source through tasks: plain files in line-aligned byte ranges, gzip files whole,
 * streams (stdin, pipes, FIFOs, process substitution, devices, /proc files) in blocks of whole
 * lines as they arrive. With more than one job the tasks run on worker threads. Each source's task
 * outputs are merged in order as they arrive (only out-of-order ones wait), which equals reading
 * the source in one piece and keeps memory flat.
 *
 * A file is read through one descriptor, opened once for all its ranges and checked when they are
 * done: a file that shrank, grew past its plan, was rewritten or replaced while it was read is
 * reported in its `error` (the numbers cover what was read), never passed off as read whole.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { UsageError } from '../model/errors.ts';
import { errorText, openForReading, readBytes, type ByteInput, type StdinInput } from './read-input.ts';
import { fileKey, type Source } from './sources.ts';
import { blockSize, createBlockCutter } from './blocks.ts';
import { collectAfter } from './collect.ts';
import { changeSince, identityOf, planFile, sameIdentity, stdinFile, taskBytesFor, type FilePlan } from './plan.ts';
import { filesUseWorkers, threadsFor } from './threads.ts';
import { LocalRunner, PoolClosedError, ReadPool, type TaskRunner } from './pool.ts';
import { splitOf, type ReadSettings } from './settings.ts';
import { DETECT_BYTES, detectEnvelope, type SplitSpec } from '../parse/envelope.ts';
import { WorkerState } from '../aggregate/worker-state.ts';
import { emptyOutput, mergeTaskOutput, runTask, startStreamTask, type ReadTask, type TaskMode, type TaskOutput } from './task.ts';

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

/**
 * Files open at once for reading: each is open from when its tasks are queued until they are all
 * done, and tasks are taken in order, so a few dozen keep every thread busy while 10,000 files
 * never need 10,000 descriptors.
 */
const MAX_OPEN_FILES = 64;

const INTERRUPTED = 'interrupted: read only in part';

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

  /**
   * Source `s` is read whole. Once its worker's first source is too, that one's state (which has
   * taken the other finished sources') is packed (WorkerState.pack): it is only added to from now
   * on, and most of a fleet's workers are small (10,000 files: ~25 MiB less). A source waiting
   * for its owner is packed with it once handed over.
   */
  finish(s: number): void {
    this.handOver(s);
    const owner = this.owners[s] ?? s;
    if (this.finished[owner] === true) this.merges[owner]?.result().state.pack();
  }

  private handOver(s: number): void {
    this.finished[s] = true;
    const owner = this.owners[s] ?? s;
    const group = this.groups.get(owner);
    const into = this.merges[owner];
    if (group === undefined || into === undefined || this.finished[owner] !== true) return;
    // A source split into workers of its own keeps the others' states apart (they stay with their outputs).
    if (into.result().split !== null) return;
    for (; group.handed < group.members.length; group.handed++) {
      const member = this.merges[group.members[group.handed] ?? -1];
      if (member === undefined || this.finished[group.members[group.handed] ?? -1] !== true) break;
      into.result().state.append(member.takeState());
    }
  }
}

/** How each source is read, decided before reading starts. */
type Plan =
  | { readonly kind: 'file'; readonly path: string; readonly plan: FilePlan }
  /** stdin redirected from a file at its start: planned like a file, read from descriptor `fd` (never closed here) */
  | { readonly kind: 'stdin-file'; readonly fd: number; readonly plan: FilePlan }
  | { readonly kind: 'stream'; readonly input: ByteInput | null; readonly path: string | null }
  | { readonly kind: 'failed'; readonly error: string }
  /** a second `-`: stdin is read once, by the first */
  | { readonly kind: 'empty' };

/** @returns one output per source, in the order given */
export async function readSources(sources: readonly Source[], settings: ReadSettings, mode: TaskMode, asked: ReadOptions, stdin: StdinInput | null): Promise<TaskOutput[]> {
  // No more threads than cores (threadsFor), except where tests force tasks and blocks to exercise threads.
  const forced = asked.taskBytes !== undefined || asked.blockBytes !== undefined;
  const options = forced ? asked : { ...asked, jobs: threadsFor(asked.jobs) };
  if (mode === 'extent') {
    const once = sources.find((s) => s.kind === 'stream');
    if (once !== undefined) throw new UsageError(`--since/--until relative to the log (+5m, -10m) and --skip-warmup read the inputs twice, and ${once.name} is a pipe or device that can be read once; use absolute times`);
  }
  const stdinFd = stdin !== null && 'fd' in stdin ? stdin.fd : null;
  const stdinId = stdinFd === null ? null : fileKey(stdinFd);
  const asFile = stdinFd !== null && sources.some((s) => s.path === '-') ? stdinFile(stdinFd) : null;
  const fileBytes = sources.reduce((sum, s) => sum + (s.path === '-' || s.kind === 'stream' ? 0 : (s.size ?? 0)), 0) + (asFile?.size ?? 0);
  const taskBytes = options.taskBytes ?? taskBytesFor(fileBytes, options.jobs);
  const split = splitOf(settings);
  const plans: Plan[] = [];
  let stdinTaken = false;
  for (const source of sources) {
    if (source.path === '-' || (source.kind === 'stream' && source.id !== undefined && source.id === stdinId)) {
      // `-`, or a path to stdin itself (/dev/stdin: reopening a socket fails, and stdin's reader is faster).
      if (stdinTaken) plans.push({ kind: 'empty' });
      else if (stdinFd !== null && asFile !== null) plans.push(await planned({ kind: 'stdin-file', fd: stdinFd }, taskBytes, split));
      else plans.push(stdin === null ? { kind: 'failed', error: 'no standard input here' } : { kind: 'stream', input: stdin, path: null });
      stdinTaken = true;
    } else if (source.kind === 'stream') plans.push({ kind: 'stream', input: null, path: source.path });
    else plans.push(await planned({ kind: 'file', path: source.path }, taskBytes, split));
  }
  const streaming = plans.some((p) => p.kind === 'stream');
  // gunzip runs on libuv's thread pool, so each gzip stream already keeps a core busy besides its
  // reading thread: only all-gzip input, half as many reading threads. (2 cores, 5 GB of .gz:
  // 10.3 s in one thread, 9.7 s in two, for 123 instead of 156 MiB peak RSS.)
  const allGzip = !streaming && plans.every((p) => (p.kind === 'file' || p.kind === 'stdin-file') && p.plan.gzip);
  const jobs = allGzip && options.taskBytes === undefined ? Math.max(1, Math.floor(options.jobs / 2)) : options.jobs;
  const threaded = jobs > 1 && (options.taskBytes !== undefined || options.blockBytes !== undefined || filesUseWorkers(fileBytes, jobs) || streaming);
  const runner: TaskRunner = threaded ? new ReadPool(jobs, settings, options.signal) : new LocalRunner(settings, options.signal);
  const onAbort = (): void => runner.cancelPending();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  let bytesDone = 0;
  let streamsOpen = plans.filter((p) => p.kind === 'stream').length;
  const progress = (bytes: number): void => {
    bytesDone += bytes;
    options.onProgress?.({ bytesRead: bytesDone, bytesTotal: streamsOpen > 0 ? null : fileBytes });
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
    const blocks: BlockBudget = { running: new Set(), limit: 2 * options.jobs };
    // Streams are read as they arrive, all at once (a FIFO's writer may wait for its reader).
    const reads: Array<Promise<unknown>> = plans.map(async (plan, i) => {
      const merge = merges[i] as OrderedMerge;
      if (plan.kind !== 'stream') return;
      // gunzip keeps this thread busy enough (2 cores, 500 MiB .gz through a pipe: 3 % slower with it helping).
      const onGzip = (): void => (runner instanceof ReadPool ? runner.stopHelping() : undefined);
      await readStream(sources[i]?.name ?? '', plan, settings, options, runOne, progress, merge, blocks, onGzip).finally(() => streamsOpen--);
      handOver.finish(i);
    });
    // Files: their tasks are queued in order, a few files open at a time (MAX_OPEN_FILES), so
    // 10,000 small files never hold 10,000 descriptors or queued tasks.
    const open = new Set<Promise<void>>();
    for (const [i, plan] of plans.entries()) {
      const merge = merges[i] as OrderedMerge;
      if (plan.kind === 'failed') merge.put(0, { ...emptyOutput(), error: plan.error });
      if (plan.kind !== 'file' && plan.kind !== 'stdin-file') {
        if (plan.kind !== 'stream') handOver.finish(i);
        continue;
      }
      while (open.size >= MAX_OPEN_FILES) await Promise.race(open);
      if (options.signal?.aborted === true) {
        merge.put(0, { ...emptyOutput(), error: INTERRUPTED });
        handOver.finish(i);
        continue;
      }
      const reading = readFile(plan, taskBytes, split, runOne, merge, options.signal).then(() => handOver.finish(i));
      open.add(reading);
      void reading.finally(() => open.delete(reading));
      reads.push(reading);
    }
    await Promise.all(reads);
    return merges.map((m) => m.result());
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await runner.close();
  }
}

/** A file's plan, made from a descriptor opened for it (closed again: reading opens it once more, and checks it is the same). */
async function planned(what: { kind: 'file'; path: string } | { kind: 'stdin-file'; fd: number }, taskBytes: number, split: SplitSpec | 'detect' | null): Promise<Plan> {
  if (what.kind === 'stdin-file') {
    try {
      return { ...what, plan: await planFile(what.fd, taskBytes, split) };
    } catch (error) {
      return { kind: 'failed', error: errorText(error) };
    }
  }
  let fd: number;
  try {
    fd = openSync(what.path, 'r');
  } catch (error) {
    return { kind: 'failed', error: errorText(error) };
  }
  try {
    return { ...what, plan: await planFile(fd, taskBytes, split) };
  } catch (error) {
    return { kind: 'failed', error: errorText(error) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads one file through one descriptor: opened again, planned again if it changed since it was
 * planned, its tasks queued, and, once all are done, checked for changes while it was read.
 */
async function readFile(
  plan: Extract<Plan, { kind: 'file' | 'stdin-file' }>,
  taskBytes: number,
  split: SplitSpec | 'detect' | null,
  runOne: (task: ReadTask) => Promise<{ output: TaskOutput }>,
  merge: OrderedMerge,
  signal?: AbortSignal,
): Promise<void> {
  let fd: number;
  if (plan.kind === 'stdin-file') fd = plan.fd;
  else {
    try {
      fd = openSync(plan.path, 'r');
    } catch (error) {
      merge.put(0, { ...emptyOutput(), error: errorText(error) });
      return;
    }
  }
  try {
    let current = plan.plan;
    if (plan.kind === 'file' && !sameIdentity(identityOf(fstatSync(fd)), current.identity)) {
      // Replaced or changed since it was planned: planned again, as it is now.
      try {
        current = await planFile(fd, taskBytes, split);
      } catch (error) {
        merge.put(0, { ...emptyOutput(), error: errorText(error) });
        return;
      }
    }
    const how = current.split === null ? {} : { split: current.split };
    const tasks: ReadTask[] = current.gzip ? [{ kind: 'file', fd, ...how }] : current.ranges.map(([start, end]) => ({ kind: 'range', fd, start, end, ...how }));
    await Promise.all(tasks.map((task, k) => runOne(task).then(({ output }) => merge.put(k, output))));
    const changed = signal?.aborted === true ? null : changeSince(fd, current.identity, plan.kind === 'file' ? plan.path : null);
    if (changed !== null) merge.result().error = changed;
  } finally {
    // Every task that reads it has settled: none is reading it any more.
    if (plan.kind === 'file') closeSync(fd);
  }
}

/** Stream blocks in flight, all streams together: at most `limit` (each holds a block buffer). */
interface BlockBudget {
  readonly running: Set<Promise<void>>;
  readonly limit: number;
}

/**
 * A stream in blocks, handed to the runner as they are cut, at most `budget.limit` in flight over
 * all streams (reading pauses meanwhile); each block's buffer is reused once its task is done. The
 * cutter's own counts (lines too long for any block) join the merged output.
 */
async function readStream(
  name: string,
  plan: Extract<Plan, { kind: 'stream' }>,
  settings: ReadSettings,
  options: ReadOptions,
  runOne: (task: ReadTask) => Promise<{ output: TaskOutput; buffer: ArrayBuffer | null }>,
  progress: (bytes: number) => void,
  merge: OrderedMerge,
  budget: BlockBudget,
  onGzip: () => void,
): Promise<void> {
  let input: ByteInput;
  let owned = false;
  if (plan.input !== null) input = plan.input;
  else {
    try {
      // A FIFO's open waits for its writer; Ctrl-C does not.
      const fd = await openForReading(plan.path ?? '', options.signal);
      if (fd === null) {
        merge.put(0, { ...emptyOutput(), error: INTERRUPTED });
        return;
      }
      input = { fd };
      owned = true;
    } catch (error) {
      merge.put(0, { ...emptyOutput(), error: errorText(error) });
      return;
    }
  }
  const size = blockSize(options.blockBytes ?? STDIN_BLOCK_BYTES, settings.maxLineBytes);
  const free: ArrayBuffer[] = [];
  const mine = new Set<Promise<void>>();
  let blocks = 0;
  // How the stream's lines are split: told from its first bytes, held until then (`detect`).
  const asked = splitOf(settings);
  let spec: SplitSpec | null | undefined = asked === 'detect' ? undefined : asked;
  const held: Buffer[] = [];
  let heldBytes = 0;
  /** a JSON document (a log store's export) is read whole, in this thread, as it arrives */
  let jsonTask: ReturnType<typeof startStreamTask> | null = null;
  const documentTask = (): ReturnType<typeof startStreamTask> | null => jsonTask;
  const run = (index: number, bytes: Uint8Array, here: boolean): void => {
    const task: ReadTask = spec == null ? { kind: 'bytes', bytes } : { kind: 'bytes', bytes, split: spec };
    const result = here ? runTask(task, settings, 'analyse').then((output) => ({ output, buffer: null })) : runOne(task);
    const done = result.then(({ output, buffer }) => {
      merge.put(index, output);
      if (buffer !== null && buffer.byteLength === size) free.push(buffer);
    });
    mine.add(done);
    budget.running.add(done);
    void done.finally(() => {
      mine.delete(done);
      budget.running.delete(done);
    });
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
  const route = (chunk: Buffer): void => {
    if (jsonTask !== null) jsonTask.push(chunk);
    else cutter.push(chunk);
  };
  const decide = (complete: boolean): void => {
    const sample = Buffer.concat(held, heldBytes);
    spec = detectEnvelope(sample.subarray(0, DETECT_BYTES), complete);
    if (spec !== null && (spec.kind === 'loki-json' || spec.kind === 'es-json')) jsonTask = startStreamTask(spec, settings, 'analyse');
    held.length = 0;
    heldBytes = 0;
    if (sample.length > 0) route(sample);
  };
  const read = await readBytes(
    name,
    input,
    async (chunk) => {
      progress(chunk.length);
      if (spec === undefined) {
        held.push(Buffer.from(chunk));
        heldBytes += chunk.length;
        if (heldBytes < DETECT_BYTES) return;
        decide(false);
      } else route(chunk);
      // Each block's output arrives with its own typed arrays, dead once merged: scavenged (collect.ts).
      if (options.jobs > 1) collectAfter(chunk.length);
      while (budget.running.size >= budget.limit) await Promise.race(budget.running);
    },
    options.signal,
    onGzip,
    owned,
  );
  if (spec === undefined) decide(true);
  const document = documentTask();
  if (document !== null) {
    const output = document.finish();
    output.error = read.error === null ? null : read.error.message;
    output.bytes = read.bytes;
    output.gzip = read.gzip;
    merge.put(0, output);
    return;
  }
  cutter.end();
  const alone: Uint8Array | null = first;
  if (alone !== null) run(0, alone, true);
  await Promise.all(mine);
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

/**
 * Where read tasks run: a pool of worker threads, or this thread. Both take tasks in the order
 * given and settle each on its own promise; a `bytes` task's buffer comes back with its output,
 * so stdin blocks are reused instead of allocated anew.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ReadSettings } from './settings.ts';
import { runTask, taskOutputFromJson, type ReadTask, type TaskMode, type TaskOutput } from './task.ts';
import type { ResultMessage, TaskMessage } from './worker-thread.ts';

export interface TaskResult {
  readonly output: TaskOutput;
  /** the buffer of a `bytes` task, handed back for reuse */
  readonly buffer: ArrayBuffer | null;
}

export interface TaskRunner {
  run(task: ReadTask, mode: TaskMode): Promise<TaskResult>;
  /** Ctrl-C: tasks not started yet (and any given later) are rejected with PoolClosedError; running ones finish. */
  cancelPending(): void;
  /** Stop; tasks not finished are rejected with PoolClosedError. */
  close(): Promise<void>;
}

/** Raised for the tasks still pending when a runner is closed early (Ctrl-C). */
export class PoolClosedError extends Error {
  override readonly name = 'PoolClosedError';
}

interface Job {
  readonly message: TaskMessage;
  readonly transfer: ArrayBuffer[];
  readonly resolve: (result: TaskResult) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  /** the task running and the one queued behind it, in order */
  readonly jobs: Job[];
}

/** Tasks a worker holds at once: the running one and the next, so it never waits for this thread. */
const WORKER_DEPTH = 2;

/**
 * Worker threads, started on demand, for `jobs` threads in all, this one included (at least one
 * worker). This thread reads tasks too whenever every worker holds WORKER_DEPTH, so it works from
 * the start instead of waiting ~60 ms for a worker to boot. Reading stdin, it is
 * busy cutting the stream into blocks as well, so it takes one only when the workers are behind:
 * one more worker instead would compete with it and with the program writing the pipe (2 cores,
 * `cat 500MB | dpskew -`: 1.06 s with one worker, 1.34 s with two, and 107 instead of 123 MiB peak
 * RSS), and a gunzipping one stops helping (`stopHelping`).
 */
export class ReadPool implements TaskRunner {
  private readonly size: number;
  private readonly settings: ReadSettings;
  /** this thread's share of the tasks */
  private readonly here: LocalRunner;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  private localBusy = false;
  private helping = true;

  constructor(jobs: number, settings: ReadSettings, signal?: AbortSignal) {
    this.size = Math.max(1, jobs - 1);
    this.settings = settings;
    this.here = new LocalRunner(settings, signal);
  }

  /** No more tasks in this thread (it has other work: gunzipping stdin). */
  stopHelping(): void {
    this.helping = false;
  }

  run(task: ReadTask, mode: TaskMode): Promise<TaskResult> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new PoolClosedError('the read pool is closed'));
        return;
      }
      const transfer = task.kind === 'bytes' && task.bytes.buffer instanceof ArrayBuffer ? [task.bytes.buffer] : [];
      this.queue.push({ message: { id: this.nextId++, task, mode, settings: this.settings }, transfer, resolve, reject });
      this.dispatch();
    });
  }

  cancelPending(): void {
    this.closed = true;
    this.here.cancelPending();
    for (const job of this.queue.splice(0)) job.reject(new PoolClosedError('interrupted'));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.here.close();
    const pending = [...this.queue.splice(0), ...this.slots.flatMap((s) => s.jobs.splice(0))];
    for (const job of pending) job.reject(new PoolClosedError('interrupted'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      // The least busy worker; a new one while there is room and none is idle.
      let slot: Slot | undefined = this.slots.reduce<Slot | undefined>((best, s) => (s.jobs.length < WORKER_DEPTH && (best === undefined || s.jobs.length < best.jobs.length) ? s : best), undefined);
      if ((slot === undefined || slot.jobs.length > 0) && this.slots.length < this.size) slot = this.spawn();
      if (slot === undefined) break;
      const job = this.queue.shift();
      if (job === undefined) return;
      slot.jobs.push(job);
      slot.worker.postMessage(job.message, job.transfer);
    }
    if (this.helping && !this.localBusy) {
      const job = this.queue.shift();
      if (job !== undefined) this.runHere(job);
    }
  }

  /** Runs a task in this thread, one at a time, so that workers' results are taken in between. */
  private runHere(job: Job): void {
    this.localBusy = true;
    this.here
      .run(job.message.task, job.message.mode)
      .then(job.resolve, (error: unknown) => job.reject(error instanceof Error ? error : new Error(String(error))))
      .finally(() => {
        this.localBusy = false;
        this.dispatch();
      });
  }

  private spawn(): Slot {
    const worker = new Worker(workerEntry(), { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    const slot: Slot = { worker, jobs: [] };
    worker.on('message', (message: ResultMessage) => {
      const index = slot.jobs.findIndex((j) => j.message.id === message.id);
      const [job] = index === -1 ? [] : slot.jobs.splice(index, 1);
      if (job !== undefined) {
        if ('output' in message) job.resolve({ output: taskOutputFromJson(message.output), buffer: message.buffer });
        else job.reject(new Error(`read worker failed:\n${message.failure}`));
      }
      this.dispatch();
    });
    worker.on('error', (error) => {
      for (const job of slot.jobs.splice(0)) job.reject(error);
    });
    this.slots.push(slot);
    return slot;
  }
}

/**
 * Young-generation limit of a worker, in MiB. Reading keeps little (records are reused; decoded
 * lines are few), so a small young generation keeps memory flat: measured on the benchmark logs,
 * 8 MiB instead of the default saves ~20 MiB of RSS per worker; 2 MiB was ~5 % slower.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

/** Tasks in this thread, one per turn of the event loop, so Ctrl-C is seen between tasks. */
export class LocalRunner implements TaskRunner {
  private readonly settings: ReadSettings;
  private readonly signal: AbortSignal | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(settings: ReadSettings, signal?: AbortSignal) {
    this.settings = settings;
    this.signal = signal;
  }

  run(task: ReadTask, mode: TaskMode): Promise<TaskResult> {
    const result = this.tail.then(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.closed) throw new PoolClosedError('interrupted');
      const output = await runTask(task, this.settings, mode, this.signal);
      return { output, buffer: task.kind === 'bytes' && task.bytes.buffer instanceof ArrayBuffer ? task.bytes.buffer : null };
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  cancelPending(): void {
    this.closed = true;
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/**
 * The worker script. Built code runs dist/worker.cjs, next to the CLI's bundle; from TypeScript
 * sources (tests, tsx) there is none, so a bootstrap registers tsx in the worker and imports
 * `worker-thread.ts` (tsx's ESM entry sits next to the CommonJS one that `require.resolve` finds).
 */
function workerEntry(): URL {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new URL('./worker.cjs', self);
  const tsx = pathToFileURL(createRequire(self).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./worker-thread.ts', self).href;
  const bootstrap = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(entry)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`);
}

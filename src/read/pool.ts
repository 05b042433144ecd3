/**
 * Runs read tasks on `size` threads: this one and `size − 1` worker threads, started on demand.
 * Tasks are taken in the order given and each result comes back on its own promise. Workers are
 * sent their next task before they finish the current one, so they never wait on this thread
 * while it reads a task of its own.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ReadSettings } from './settings.ts';
import { taskOutputFromJson, type ReadTask, type TaskMode, type TaskOutput } from './task.ts';
import type { ResultMessage, TaskMessage } from './worker.ts';

interface Job {
  readonly message: TaskMessage;
  readonly transfer: ArrayBuffer[];
  readonly resolve: (output: TaskOutput) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  /** the task running and the one queued behind it, in order */
  readonly jobs: Job[];
}

/** Tasks a worker holds at once: the running one and the next. */
const WORKER_DEPTH = 2;

/** Raised for the tasks still pending when the pool is closed early (Ctrl-C). */
export class PoolClosedError extends Error {
  override readonly name = 'PoolClosedError';
}

export class ReadPool {
  private readonly size: number;
  private readonly settings: ReadSettings;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  private localBusy = false;
  private readonly runLocal: (job: Job) => Promise<TaskOutput>;

  /** @param runLocal runs a task in this thread */
  constructor(size: number, settings: ReadSettings, runLocal: (task: ReadTask, mode: TaskMode) => Promise<TaskOutput>) {
    this.size = Math.max(1, size);
    this.settings = settings;
    this.runLocal = (job) => runLocal(job.message.task, job.message.mode);
  }

  /** Queue a task; `bytes` tasks hand their buffer over to the worker (it is unusable here afterwards). */
  run(task: ReadTask, mode: TaskMode): Promise<TaskOutput> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new PoolClosedError('the read pool is closed'));
        return;
      }
      const transfer = task.kind === 'bytes' && task.bytes.buffer instanceof ArrayBuffer ? [task.bytes.buffer] : [];
      this.queue.push({ message: { id: this.nextId++, task, mode }, transfer, resolve, reject });
      this.dispatch();
    });
  }

  /** Stop every worker; tasks not finished are rejected with PoolClosedError. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.queue.splice(0), ...this.slots.flatMap((s) => s.jobs.splice(0))];
    for (const job of pending) job.reject(new PoolClosedError('interrupted'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private dispatch(): void {
    // Workers first, up to WORKER_DEPTH tasks each; then this thread takes one.
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.jobs.length < WORKER_DEPTH);
      if (slot === undefined && this.slots.length < this.size - 1) slot = this.spawn();
      if (slot === undefined) break;
      const job = this.queue.shift();
      if (job === undefined) break;
      slot.jobs.push(job);
      slot.worker.postMessage(job.message, job.transfer);
    }
    const job = this.localBusy || this.closed ? undefined : this.queue.shift();
    if (job === undefined) return;
    this.localBusy = true;
    // On the next turn, so the tasks just posted reach the workers before this thread is busy.
    setImmediate(() => {
      this.runLocal(job)
        .then(job.resolve, job.reject)
        .finally(() => {
          this.localBusy = false;
          this.dispatch();
        });
    });
  }

  private spawn(): Slot {
    const worker = new Worker(...workerEntry(), { workerData: this.settings });
    const slot: Slot = { worker, jobs: [] };
    worker.on('message', (message: ResultMessage) => {
      const index = slot.jobs.findIndex((j) => j.message.id === message.id);
      const [job] = index === -1 ? [] : slot.jobs.splice(index, 1);
      if (job !== undefined) {
        if ('output' in message) job.resolve(taskOutputFromJson(message.output));
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
 * The worker script. Built code runs `worker.js` next to this file; from TypeScript sources (tests,
 * tsx) there is no such file, so a bootstrap registers tsx in the worker and imports `worker.ts`.
 */
function workerEntry(): [URL] {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return [new URL('./worker.js', self)];
  const tsx = pathToFileURL(createRequire(self).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./worker.ts', self).href;
  const bootstrap = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(entry)});`;
  return [new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`)];
}

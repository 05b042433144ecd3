/**
 * Worker-thread entry: reads the tasks it is sent with `runTask` and posts back plain-data outputs.
 * Messages are `{ id, task, mode, settings }`.
 */
import { parentPort } from 'node:worker_threads';
import type { ReadSettings } from './settings.ts';
import { runTask, taskOutputToJson, type ReadTask, type TaskMode } from './task.ts';

export interface TaskMessage {
  readonly id: number;
  readonly task: ReadTask;
  readonly mode: TaskMode;
  /** sent with each task, so a worker needs no set-up message */
  readonly settings: ReadSettings;
}

/** The output, and the buffer of a `bytes` task handed back for reuse. */
export type ResultMessage =
  | { readonly id: number; readonly output: ReturnType<typeof taskOutputToJson>; readonly buffer: ArrayBuffer | null }
  | { readonly id: number; readonly failure: string };

function isTaskMessage(value: unknown): value is TaskMessage {
  return typeof value === 'object' && value !== null && 'id' in value && typeof value.id === 'number' && 'task' in value && 'mode' in value && 'settings' in value && isReadSettings(value.settings);
}

function isReadSettings(value: unknown): value is ReadSettings {
  return typeof value === 'object' && value !== null && 'engine' in value && 'patterns' in value && 'timezone' in value && 'maxLineBytes' in value;
}

const port = parentPort;
if (port !== null) {
  // One task at a time (the pool sends the next one early): gzip tasks would otherwise interleave.
  let tail: Promise<unknown> = Promise.resolve();
  port.on('message', (message: unknown) => {
    if (!isTaskMessage(message)) return;
    const task = message.task;
    const buffer = task.kind === 'bytes' && task.bytes.buffer instanceof ArrayBuffer ? task.bytes.buffer : null;
    tail = tail.then(() => runTask(task, message.settings, message.mode)).then(
      (output) => {
        const transfer: ArrayBuffer[] = buffer === null ? [] : [buffer];
        port.postMessage({ id: message.id, output: taskOutputToJson(output, transfer), buffer } satisfies ResultMessage, transfer);
      },
      (error: unknown) => port.postMessage({ id: message.id, failure: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ResultMessage),
    );
  });
}

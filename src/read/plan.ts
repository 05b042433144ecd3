/**
 * How a file is split into tasks: plain files into byte ranges that start at line starts (so a
 * task never needs bytes outside its range), gzip files whole. Only the bytes around each cut are
 * read here.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { isGzipMagic } from '../io/gzip-magic.ts';
import type { ReadTask } from './task.ts';

/** Bytes read at a time while looking for the line end after a cut. */
const PROBE_BYTES = 1 << 16;

/**
 * Task size for `totalBytes` of plain files and `jobs` threads: about four tasks per thread (so a
 * slow file does not leave the others idle at the end), within [MIN_TASK_BYTES, MAX_TASK_BYTES].
 */
export const MIN_TASK_BYTES = 4 << 20;
export const MAX_TASK_BYTES = 64 << 20;

export function taskBytesFor(totalBytes: number, jobs: number): number {
  return Math.min(MAX_TASK_BYTES, Math.max(MIN_TASK_BYTES, Math.ceil(totalBytes / (jobs * 4))));
}

/**
 * The tasks of one file: `[{kind: 'file'}]` for gzip (magic bytes 1f 8b) or a file that cannot be
 * opened (the task reports the error); otherwise ranges of about `taskBytes` cut just after a `\n`.
 */
export async function planFile(path: string, taskBytes: number): Promise<ReadTask[]> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch {
    return [{ kind: 'file', path }];
  }
  try {
    const size = (await handle.stat()).size;
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    if (isGzipMagic(head.subarray(0, bytesRead))) return [{ kind: 'file', path }];
    // Equal parts, as many as make them closest to taskBytes (a 67 MB file and 64 MB tasks: one part, not 64 + 3).
    const parts = Math.max(1, Math.round(size / taskBytes));
    const tasks: ReadTask[] = [];
    let start = 0;
    for (let k = 1; k <= parts && start < size; k++) {
      const end = k === parts ? size : await lineStartAtOrAfter(handle, Math.max(start + 1, Math.round((size * k) / parts)), size);
      tasks.push({ kind: 'range', path, start, end });
      start = end;
    }
    return tasks.length > 0 ? tasks : [{ kind: 'range', path, start: 0, end: 0 }];
  } finally {
    await handle.close();
  }
}

/** The first line start at or after `at`: `at` itself when byte `at − 1` is `\n`, else just past the next `\n`; `size` if none. */
async function lineStartAtOrAfter(handle: FileHandle, at: number, size: number): Promise<number> {
  const probe = Buffer.allocUnsafe(PROBE_BYTES);
  for (let position = at - 1; position < size; position += PROBE_BYTES) {
    const { bytesRead } = await handle.read(probe, 0, PROBE_BYTES, position);
    if (bytesRead === 0) break;
    const nl = probe.subarray(0, bytesRead).indexOf(0x0a);
    if (nl !== -1) return position + nl + 1;
  }
  return size;
}

/**
 * Stdin that is a regular file read from its start (`dpskew - < log`): the path that opens that
 * file afresh, for planning and reading it like any file, in ranges on every thread (2 cores, 500
 * MiB: 0.50 instead of 0.72 s). Null for anything else, read as a stream: a pipe or socket, a file
 * whose offset is past its start (`(head -n 5; dpskew -) < log` reads on from there), or where
 * there is no /proc to tell (Linux only).
 */
export function stdinFile(fd: number): { readonly path: string; readonly size: number } | null {
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return null;
    if (!/^pos:\s*0$/m.test(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))) return null;
    // Opened again here as the readers will: the same file, and one this process may open.
    const path = `/proc/self/fd/${fd}`;
    const probe = openSync(path, 'r');
    try {
      const again = fstatSync(probe);
      return again.dev === info.dev && again.ino === info.ino ? { path, size: info.size } : null;
    } finally {
      closeSync(probe);
    }
  } catch {
    return null;
  }
}

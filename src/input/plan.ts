/**
 * How a file is split into tasks: plain files into byte ranges that start at line starts (so a
 * task never needs bytes outside its range), gzip files whole. Only the bytes around each cut are
 * read here. Plans are made from an open descriptor, and say which file they were made for
 * (`FileIdentity`), so a reader can tell when the file changed before or while it was read.
 */
import { fstatSync, read, readFileSync, statSync, type Stats } from 'node:fs';
import { isGzipMagic } from './gzip-magic.ts';
import { DETECT_BYTES, detectEnvelope, type SplitSpec } from '../parse/envelope.ts';

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

/** A file as it was when planned: another inode, size or modification time is another file. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

export interface FilePlan {
  readonly identity: FileIdentity;
  /** gzip (magic bytes 1f 8b): read whole, by one task */
  readonly gzip: boolean;
  /** plain: `[start, end)` ranges of about the task size, each cut just after a `\n`, covering the file */
  readonly ranges: ReadonlyArray<readonly [number, number]>;
  /** how its tasks split lines by source (ReadTask.split): the envelope told from its first bytes, `detect` for gzip (the task tells), null: not split */
  readonly split: SplitSpec | 'detect' | null;
}

export function identityOf(info: Stats): FileIdentity {
  return { dev: info.dev, ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/**
 * The plan of the regular file open on `fd`. Equal parts, as many as make them closest to
 * `taskBytes` (a 67 MB file and 64 MB tasks: one part, not 64 + 3). Read errors are thrown.
 * @param split `detect`: the envelope is told from the file's first bytes (DETECT_BYTES); a JSON
 *   document (a log store's export) is then read by one task, as it cannot be entered mid-way
 */
export async function planFile(fd: number, taskBytes: number, split: SplitSpec | 'detect' | null = null): Promise<FilePlan> {
  const identity = identityOf(fstatSync(fd));
  const size = identity.size;
  const head = Buffer.alloc(split === 'detect' ? Math.min(size, DETECT_BYTES) : 2);
  const headBytes = await pread(fd, head, 0);
  if (isGzipMagic(head.subarray(0, Math.min(2, headBytes)))) return { identity, gzip: true, ranges: [], split };
  const spec = split === 'detect' ? detectEnvelope(head.subarray(0, headBytes), headBytes >= size) : split;
  if (spec !== null && (spec.kind === 'loki-json' || spec.kind === 'es-json')) return { identity, gzip: false, ranges: [[0, size]], split: spec };
  const parts = Math.max(1, Math.round(size / taskBytes));
  const ranges: Array<readonly [number, number]> = [];
  let start = 0;
  for (let k = 1; k <= parts && start < size; k++) {
    const end = k === parts ? size : await lineStartAtOrAfter(fd, Math.max(start + 1, Math.round((size * k) / parts)), size);
    ranges.push([start, end]);
    start = end;
  }
  return { identity, gzip: false, ranges: ranges.length > 0 ? ranges : [[0, 0]], split: spec };
}

/** The first line start at or after `at`: `at` itself when byte `at − 1` is `\n`, else just past the next `\n`; `size` if none. */
async function lineStartAtOrAfter(fd: number, at: number, size: number): Promise<number> {
  const probe = Buffer.allocUnsafe(PROBE_BYTES);
  for (let position = at - 1; position < size; position += PROBE_BYTES) {
    const bytesRead = await pread(fd, probe, position);
    if (bytesRead === 0) break;
    const nl = probe.subarray(0, bytesRead).indexOf(0x0a);
    if (nl !== -1) return position + nl + 1;
  }
  return size;
}

function pread(fd: number, buffer: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buffer, 0, buffer.length, position, (error, n) => (error === null ? resolve(n) : reject(error))));
}

/**
 * What changed in the file open on `fd` since it was planned as `planned`, as the error to report,
 * or `null`. The ranges were read from this descriptor, so a file renamed over `path` meanwhile
 * was not mixed in; it is reported all the same, as the numbers no longer describe what is there.
 * @param path the path it was opened by, or null (stdin)
 */
export function changeSince(fd: number, planned: FileIdentity, path: string | null): string | null {
  let now: Stats;
  try {
    now = fstatSync(fd);
  } catch {
    return null; // nothing to compare with: the read itself reported what went wrong
  }
  if (now.size < planned.size) return `changed while it was read: it shrank from ${planned.size} to ${now.size} bytes (truncated?), so only part of it was read`;
  if (now.size > planned.size) return `changed while it was read: it grew from ${planned.size} to ${now.size} bytes; the numbers cover its first ${planned.size} (for a log still being written, use dpskew watch)`;
  if (now.mtimeMs !== planned.mtimeMs) return 'changed while it was read: it was rewritten in place, so the numbers may mix old and new contents';
  if (path === null) return null;
  let there: Stats | undefined;
  try {
    there = statSync(path, { throwIfNoEntry: false });
  } catch {
    there = undefined;
  }
  if (there === undefined || there.dev !== now.dev || there.ino !== now.ino) {
    return 'changed while it was read: another file was put in its place (renamed over, rotated or deleted); the numbers cover the file that was there when reading began';
  }
  return null;
}

/**
 * Stdin that is a regular file read from its start (`dpskew - < log`): its size, for planning and
 * reading it like any file (positional reads of the descriptor), in ranges on every thread (2
 * cores, 500 MiB: 0.50 instead of 0.72 s). Null for anything else, read as a stream: a pipe or
 * socket, a file whose offset is past its start (`(head -n 5; dpskew -) < log` reads on from
 * there), or where there is no /proc to tell (Linux only).
 */
export function stdinFile(fd: number): { readonly size: number } | null {
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return null;
    if (!/^pos:\s*0$/m.test(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))) return null;
    return { size: info.size };
  } catch {
    return null;
  }
}

/**
 * Turns command-line paths into input sources: files, directories (recursive), stdin, and what can
 * only be read once from start to end (pipes, FIFOs, process substitution, devices). Nothing here
 * is read yet; problems with a path become `InputError`s reported next to the results. The same
 * file reached twice (a symlink to it, a hard link, a file named and also found in its directory,
 * `/dev/stdin` next to `-`) is one source; the others are listed as duplicates.
 */
import { fstatSync, type Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { InputError } from '../model/errors.ts';
import type { DuplicateInput } from '../model/report.ts';

export interface Source {
  /** path as given or found under a directory, `-` for stdin */
  readonly name: string;
  /** `-` or a file path to open */
  readonly path: string;
  /** size in bytes when known (files) */
  readonly size: number | null;
  /**
   * How it is read: `file`, a regular file, planned in byte ranges; `stream`, read once from start
   * to end: a pipe, FIFO, process substitution (`/dev/fd/N`), socket, character or block device,
   * or a regular file that reports size 0 (`/proc/…`, whose size says nothing). Absent: `file`
   * (stdin, `-`, is read as what it turns out to be).
   */
  readonly kind?: 'file' | 'stream';
  /** `dev:ino` of what the path named when it was resolved (a stream equal to stdin's is read from stdin) */
  readonly id?: string;
}

export interface SourceList {
  readonly sources: readonly Source[];
  /** files under a directory that were skipped because their name says they are not logs */
  readonly skipped: readonly string[];
  readonly errors: readonly InputError[];
  /** inputs left out because they are the same file (device and inode) as a source read */
  readonly duplicates: readonly DuplicateInput[];
}

/**
 * Names read from directories: worker logs (`*.out`, `*.err`, `*.log`, `*.txt`), rotated copies
 * (`x.log.1`, `x.log-20260414`), their `.gz`, and extension-less files; Dynamo request-trace shards
 * (`*.jsonl`, `*.jsonl.gz`) and Prometheus dumps (`*.prom`). Files named on the command line are
 * always read, whatever their name (a saved `*.json` API result among them: JSON in a directory is
 * more often configuration).
 */
const LOG_NAME = /\.(?:out|err|log|txt|stdout|stderr|jsonl|prom)(?:[.-]\d+)*(?:\.gz)?$|^[^.]+(?:\.gz)?$/i;

/** Whether a directory entry named `name` is read as a log (LOG_NAME; dot files never are). */
export function isLogName(name: string): boolean {
  return !name.startsWith('.') && LOG_NAME.test(name);
}

/** A source found, before duplicates are set aside. */
interface Found {
  readonly source: Source;
  /** `dev:ino`, or null when unknown (stdin given as a stream) */
  readonly key: string | null;
  /** reached through a symbolic link: another path to the same file is the better name */
  readonly link: boolean;
}

/**
 * Expand paths (`-` = stdin) into sources, in argument order; directories are walked in name order.
 * @param stdinFd standard input's descriptor, when it is one: `-` is then known by its file, so
 *   `/dev/stdin`, or the file redirected in, named besides `-` is not read twice
 */
export async function resolveSources(paths: readonly string[], stdinFd?: number): Promise<SourceList> {
  const found: Found[] = [];
  const skipped: string[] = [];
  const errors: InputError[] = [];
  const seenDirs = new Set<string>();

  const walk = async (dir: string): Promise<void> => {
    let real: string;
    try {
      real = await realpath(dir);
    } catch (error) {
      errors.push(new InputError(dir, describeFsError(error), { cause: error }));
      return;
    }
    if (seenDirs.has(real)) return; // symlink loop or the same directory twice
    seenDirs.add(real);
    let entries;
    try {
      entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (error) {
      errors.push(new InputError(dir, describeFsError(error), { cause: error }));
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      let info;
      try {
        info = await stat(path);
      } catch (error) {
        errors.push(new InputError(path, describeFsError(error), { cause: error }));
        continue;
      }
      // Only regular files are read from a directory: a FIFO or device found there was not asked for.
      if (info.isDirectory()) await walk(path);
      else if (!info.isFile()) continue;
      else if (isLogName(entry.name)) found.push(foundFile(path, info, entry.isSymbolicLink()));
      else skipped.push(path);
    }
  };

  for (const path of paths) {
    if (path === '-') {
      found.push({ source: { name: '-', path: '-', size: null }, key: fileKey(stdinFd), link: false });
      continue;
    }
    let info;
    let link = false;
    try {
      info = await stat(path);
      link = (await lstat(path)).isSymbolicLink();
    } catch (error) {
      errors.push(new InputError(path, describeFsError(error), { cause: error }));
      continue;
    }
    if (info.isDirectory()) await walk(path);
    else found.push(foundFile(path, info, link));
  }
  return { ...setAsideDuplicates(found), skipped, errors };
}

function foundFile(path: string, info: Stats, link: boolean): Found {
  const key = `${info.dev}:${info.ino}`;
  // A regular file's size says how to plan it; a /proc file says 0 whatever it holds.
  const kind = info.isFile() && info.size > 0 ? 'file' : 'stream';
  return { source: { name: path, path, size: kind === 'file' ? info.size : null, kind, id: key }, key, link };
}

/** `dev:ino` of an open descriptor (as `Source.id`), or null. */
export function fileKey(fd: number | undefined): string | null {
  if (fd === undefined) return null;
  try {
    const info = fstatSync(fd);
    return `${info.dev}:${info.ino}`;
  } catch {
    return null;
  }
}

/**
 * One source per file: of the paths that reach the same device and inode, the first one not
 * through a symbolic link is read (`run.log`, not `latest.log -> run.log`), else the first; the
 * others are duplicates. Sources keep their order.
 */
function setAsideDuplicates(found: readonly Found[]): { sources: Source[]; duplicates: DuplicateInput[] } {
  const keeper = new Map<string, number>();
  found.forEach((f, i) => {
    if (f.key === null) return;
    const kept = keeper.get(f.key);
    if (kept === undefined || (found[kept]?.link === true && !f.link)) keeper.set(f.key, i);
  });
  const sources: Source[] = [];
  const duplicates: DuplicateInput[] = [];
  found.forEach((f, i) => {
    const kept = f.key === null ? i : (keeper.get(f.key) ?? i);
    if (kept === i) sources.push(f.source);
    else duplicates.push({ name: f.source.name, sameAs: found[kept]?.source.name ?? f.source.name });
  });
  return { sources, duplicates };
}

/**
 * `node1_prefill_w0.out.1.gz` → `node1_prefill_w0`: one worker per log, rotated copies and .out/.err
 * joined; `vllm.prom` → `vllm`; the shards of one Dynamo request trace (`dynamo-request-trace.000000.jsonl.gz`,
 * `.000001.jsonl`, …) → `dynamo-request-trace`, one worker.
 */
export function workerStem(path: string): string {
  if (path === '-') return 'stdin';
  let name = basename(path);
  for (;;) {
    const shorter = name.replace(/(?:\.gz|[.-]\d+|\.(?:out|err|log|txt|stdout|stderr|prom|jsonl))$/i, '');
    if (shorter === name || shorter === '') break;
    name = shorter;
  }
  return name;
}

/**
 * Worker names for sources: the file stem, qualified by its directory (relative to the working
 * directory) only where two directories hold the same stem.
 */
export function workerNames(sources: readonly Source[], cwd: string): Map<string, string> {
  const dirsByStem = new Map<string, Set<string>>();
  for (const source of sources) {
    const stem = workerStem(source.path);
    const dirs = dirsByStem.get(stem) ?? new Set<string>();
    dirs.add(source.path === '-' ? '' : dirname(source.path));
    dirsByStem.set(stem, dirs);
  }
  const names = new Map<string, string>();
  for (const source of sources) {
    const stem = workerStem(source.path);
    const unique = (dirsByStem.get(stem)?.size ?? 1) <= 1;
    names.set(source.name, unique ? stem : join(relative(cwd, dirname(source.path)) || '.', stem));
  }
  return names;
}

function describeFsError(error: unknown): string {
  if (error instanceof Error && 'code' in error) {
    switch (error.code) {
      case 'ENOENT':
        return 'no such file or directory';
      case 'EACCES':
      case 'EPERM':
        return 'permission denied';
      case 'ELOOP':
        return 'too many levels of symbolic links';
      case 'EISDIR':
        return 'is a directory';
      default:
        return error.message;
    }
  }
  return String(error);
}

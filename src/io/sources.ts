/**
 * Turns command-line paths into input sources: files, directories (recursive) and stdin.
 * Nothing here is read yet; problems with a path become `InputError`s reported next to the results.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { InputError } from '../errors.ts';

export interface Source {
  /** path as given or found under a directory, `-` for stdin */
  readonly name: string;
  /** `-` or a file path to open */
  readonly path: string;
  /** size in bytes when known (files) */
  readonly size: number | null;
}

export interface SourceList {
  readonly sources: readonly Source[];
  /** files under a directory that were skipped because their name says they are not logs */
  readonly skipped: readonly string[];
  readonly errors: readonly InputError[];
}

/**
 * Names read from directories: worker logs (`*.out`, `*.err`, `*.log`, `*.txt`), rotated copies
 * (`x.log.1`, `x.log-20260414`), their `.gz`, and extension-less files. Files named on the command
 * line are always read, whatever their name.
 */
const LOG_NAME = /\.(?:out|err|log|txt|stdout|stderr)(?:[.-]\d+)*(?:\.gz)?$|^[^.]+(?:\.gz)?$/i;

/** Whether a directory entry named `name` is read as a log (LOG_NAME; dot files never are). */
export function isLogName(name: string): boolean {
  return !name.startsWith('.') && LOG_NAME.test(name);
}

/** Expand paths (`-` = stdin) into sources, in argument order; directories are walked in name order. */
export async function resolveSources(paths: readonly string[]): Promise<SourceList> {
  const sources: Source[] = [];
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
    let entries: string[];
    try {
      entries = (await readdir(dir)).sort();
    } catch (error) {
      errors.push(new InputError(dir, describeFsError(error), { cause: error }));
      return;
    }
    for (const entry of entries) {
      if (entry.startsWith('.')) continue;
      const path = join(dir, entry);
      let info;
      try {
        info = await stat(path);
      } catch (error) {
        errors.push(new InputError(path, describeFsError(error), { cause: error }));
        continue;
      }
      if (info.isDirectory()) await walk(path);
      else if (!info.isFile()) continue;
      else if (isLogName(entry)) sources.push({ name: path, path, size: info.size });
      else skipped.push(path);
    }
  };

  for (const path of paths) {
    if (path === '-') {
      sources.push({ name: '-', path: '-', size: null });
      continue;
    }
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      errors.push(new InputError(path, describeFsError(error), { cause: error }));
      continue;
    }
    if (info.isDirectory()) await walk(path);
    else sources.push({ name: path, path, size: info.size });
  }
  return { sources, skipped, errors };
}

/** `node1_prefill_w0.out.1.gz` → `node1_prefill_w0`: one worker per log, rotated copies and .out/.err joined. */
export function workerStem(path: string): string {
  if (path === '-') return 'stdin';
  let name = basename(path);
  for (;;) {
    const shorter = name.replace(/(?:\.gz|[.-]\d+|\.(?:out|err|log|txt|stdout|stderr))$/i, '');
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

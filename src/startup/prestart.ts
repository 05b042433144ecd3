/**
 * Whether a command line will read enough plain files to start worker threads, guessed before it
 * is parsed, so the CLI can start a worker at once (prestartReadWorker in pool.ts) rather than
 * ~25 ms later, after loading and parsing. A wrong "yes" costs an idle worker (~17 ms at exit), a
 * wrong "no" only the head start, so the guess is narrow: the report and `check` commands, files
 * and directories named on the command line (gzip and stdin not counted), readSources' own rule.
 */
import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isGzipMagic } from '../input/gzip-magic.ts';
import { isLogName } from '../input/sources.ts';
import { filesUseWorkers, threadsFor } from '../input/threads.ts';

const NOT_READING = new Set(['watch', 'compare', 'merge', 'help', '-h', '--help', '-V', '--version']);

/** @param args the arguments after the script; `defaultJobs` what `--jobs` defaults to */
export function argvWantsReadWorker(args: readonly string[], defaultJobs: number): boolean {
  if (args.some((a) => NOT_READING.has(a))) return false;
  const jobs = threadsFor(jobsIn(args) ?? defaultJobs);
  if (!filesUseWorkers(Number.MAX_SAFE_INTEGER, jobs)) return false;
  let bytes = 0;
  const seen = new Set<string>();
  // Stops as soon as the answer is yes: a directory of many logs is not walked to its end here.
  const add = (path: string): boolean => {
    let info;
    try {
      info = statSync(path);
    } catch {
      return false; // not a path (an option's value) or unreadable: readSources will say
    }
    if (info.isFile()) {
      if (!isGzip(path)) bytes += info.size;
      return filesUseWorkers(bytes, jobs);
    }
    if (!info.isDirectory()) return false;
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      return false;
    }
    if (seen.has(real)) return false;
    seen.add(real);
    let entries: string[];
    try {
      entries = readdirSync(path);
    } catch {
      return false;
    }
    for (const entry of entries) {
      if (entry.startsWith('.')) continue; // as resolveSources: dot files and directories are not read
      const child = join(path, entry);
      let childInfo;
      try {
        childInfo = statSync(child);
      } catch {
        continue;
      }
      if ((childInfo.isDirectory() || (childInfo.isFile() && isLogName(entry))) && add(child)) return true;
    }
    return false;
  };
  return args.some((arg) => !arg.startsWith('-') && add(arg));
}

/** The value of `-j N`, `-jN`, `--jobs N` or `--jobs=N`, if given. */
function jobsIn(args: readonly string[]): number | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const value = arg === '-j' || arg === '--jobs' ? args[i + 1] : arg.startsWith('--jobs=') ? arg.slice(7) : /^-j\d/.test(arg) ? arg.slice(2) : undefined;
    if (value !== undefined) return Number.parseInt(value, 10) || undefined;
  }
  return undefined;
}

function isGzip(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(2);
    return isGzipMagic(head.subarray(0, readSync(fd, head, 0, 2, 0)));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** How many threads a read uses: the default for `--jobs`, and when plain files start workers. */
import { availableParallelism } from 'node:os';

/** Default threads: the cores, at most 8 (past 8, reading is bound by memory bandwidth, and each worker costs ~20 MiB). */
export const DEFAULT_JOBS_MAX = 8;
export const DEFAULT_JOBS = Math.min(DEFAULT_JOBS_MAX, availableParallelism());

/**
 * Plain-file bytes that make threads worth starting, times the jobs: a worker costs ~60 ms to boot,
 * merging parts costs more, and two busy cores run ~1.5× one, not 2×. Measured with 2 jobs on
 * the benchmark logs: threads lose 10–15 % at 134 and 268 MiB and win 18 % at 511 MiB.
 */
const THREADED_BYTES_TIMES_JOBS = 768 << 20;

/** Whether reading `bytes` of plain files with `jobs` threads starts worker threads (see readSources). */
export function filesUseWorkers(bytes: number, jobs: number): boolean {
  return jobs > 1 && bytes * jobs >= THREADED_BYTES_TIMES_JOBS;
}

/**
 * The threads a read asked for `jobs` uses: no more than the cores. Threads past them only cost:
 * a Node worker takes ~8.5 MiB before it reads a byte and ~19 MiB reading, and on 2 cores 64 ranks
 * over a week (300 MiB of log) took 3.5 s and 203 MiB with --jobs 8 (7 workers) against 1.3 s and
 * 88 MiB in one thread.
 */
export function threadsFor(jobs: number, cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(jobs, cores));
}

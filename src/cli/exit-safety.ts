/**
 * Keeps the process from hanging as it ends. Node 20 can deadlock there (nodejs/node#54918): once
 * the event loop is empty the main thread waits for V8's background jobs, and an optimizing compile
 * job that needs a garbage collection waits for the main thread. Seen here about once in 100 runs
 * of `cat 500MB | dpskew -`, a few milliseconds after the report was written.
 *
 * The code that runs last (merging, the report, rendering) is what such jobs are compiling then, so
 * the CLI turns V8's optimizing compiler off once reading is done: jobs started before it finish
 * while this thread is still busy and can collect, and none start after. The last phase runs
 * unoptimized, which costs little: its loops are short. V8 flags are process-wide, and a worker
 * started while a flag differs from its default boots without V8's startup snapshot (collect.ts), so
 * the compiler is turned back on before any reading. `watch` turns it off once it stops following,
 * before its last report and `process.exit` (whose platform shutdown can wait on such a job too).
 */
import { setFlagsFromString } from 'node:v8';

/** `false`: no more optimizing compiles in this process until `true` again. */
export function setOptimizing(on: boolean): void {
  setFlagsFromString(on ? '--turbofan' : '--no-turbofan');
}

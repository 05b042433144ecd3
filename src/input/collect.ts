/**
 * Explicit young-generation collections, to keep memory flat on long inputs, where buffers outside
 * the V8 heap die young but in bulk: the typed arrays of stdin blocks' outputs on the main thread
 * (5 GB through a pipe: up to 156 instead of ~135 MiB when measured). V8 frees such memory late on
 * a thread that allocates little on its heap; a scavenge every COLLECT_EVERY_BYTES frees it.
 * (gunzip's output was collected this way too, until that made peak RSS higher: task.ts.)
 *
 * Only scavenges while reading, never full collections: after a forced full collection V8 sets the
 * heap's limit close to what is live, and then a background compile job on the main thread soon asks
 * for a collection of its own. If that happens as the process ends, Node waits for the job while the
 * job waits for the collection (nodejs/node#54918): this deadlocked about one run in 80 of
 * `cat 500MB | dpskew -` here, with full collections every 256 MiB on the main thread. The one full
 * collection made (`collectFully`) comes after reading, once the optimizing compiler is off
 * (exit-safety.ts): no compile job starts after it, and the report built next keeps this thread
 * collecting whenever one started before asks.
 *
 * `gc` is looked up once per thread with `--expose-gc` turned on just for the lookup and off again
 * (the function keeps working). Left on, the changed flag makes V8 refuse its startup snapshot in
 * every worker started later: a worker then boots in ~70 instead of ~35 ms here, time in which only
 * one thread reads. The CLI looks it up before starting any worker (`prepareCollector`). Where
 * it cannot be had, collection is left to V8.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Bytes read between collections. */
const COLLECT_EVERY_BYTES = 16 << 20;

/** V8's gc(): a full collection, or with `{ type: 'minor' }` a scavenge. */
type Gc = (options?: { readonly type: 'minor' | 'major' }) => void;

/** This thread's gc(), once looked up (`null`: none to be had). */
let gc: Gc | null | undefined = undefined;
let since = 0;

/** `(bytes) => void`: count bytes read; a scavenge once COLLECT_EVERY_BYTES have passed. One count per thread. */
export function collectAfter(bytes: number): void {
  since += bytes;
  if (since < COLLECT_EVERY_BYTES) return;
  since = 0;
  gc ??= findGc();
  gc?.({ type: 'minor' });
}

/** Workers in a report from which collecting in full before building it is worth its ~40 ms (`collectFully`). */
export const MANY_WORKERS = 1000;

/**
 * One full collection, before the report of many workers is built (issue 18). By then their state is
 * most of the heap, and the garbage of reading them (each input's output and tally, kept until every
 * input was read, so old enough to be promoted) sits in the old space on top of it: V8 collects the
 * old space in full only once it has grown to up to 4× what its last full collection left, and
 * building the report adds its own on top of both. 10,000 files that are each a worker of their
 * own: peak RSS 161 → 145–147 MiB (`npm run bench -- --memory`, largest of 5), the collection
 * ~40 ms.
 */
export function collectFully(): void {
  gc ??= findGc();
  gc?.();
}

/** Look `gc` up now: the CLI calls this before any worker starts, so none boots while the flag is on. */
export function prepareCollector(): void {
  gc ??= findGc();
}

/** This thread's gc(), or null. */
function findGc(): Gc | null {
  const given: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof given === 'function') return given as Gc; // node --expose-gc
  try {
    setFlagsFromString('--expose-gc');
    const found: unknown = runInNewContext('typeof gc === "function" ? gc : null');
    return typeof found === 'function' ? (found as Gc) : null;
  } catch {
    return null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

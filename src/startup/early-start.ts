/**
 * What the built CLI's entry point (dist/cli.cjs, src/entry/cli.ts) does before the CLI's
 * bundle loads, handed to the bundle through a global: gc() looked up (collect.ts) and, for a read
 * that will want one (prestart.ts), a read worker started. The bundle's own top level comes ~15 ms
 * later, after all its modules have initialised; a worker started there begins reading that much
 * later (500 MiB bench, 21 alternating runs: 491 -> 478 ms).
 */
import { Worker } from 'node:worker_threads';

export interface EarlyStart {
  /** collect.ts's gc(), or null where there is none to be had */
  readonly gc: (() => void) | null;
  /** a read worker booting, not yet referenced (it keeps the process alive once a pool takes it) */
  readonly worker: Worker | null;
}

const KEY = Symbol.for('dpskew.earlyStart');
type Holder = { [KEY]?: EarlyStart };

export function handOverEarlyStart(start: EarlyStart): void {
  (globalThis as Holder)[KEY] = start;
}

/** What the entry point started, once (undefined: nothing ran before this code, as under tsx). */
export function takeEarlyStart(): EarlyStart | undefined {
  const holder = globalThis as Holder;
  const start = holder[KEY];
  delete holder[KEY];
  return start;
}

/**
 * Young-generation limit of a worker, in MiB. Reading keeps little (records are reused; decoded
 * lines are few), so a small young generation keeps memory flat: measured on the benchmark logs,
 * 8 MiB instead of the default saves ~20 MiB of RSS per worker; 2 MiB was ~5 % slower.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

/** A read worker running `entry`; it takes its settings with each task (pool.ts). */
export function startReadWorker(entry: string | URL): Worker {
  return new Worker(entry, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
}

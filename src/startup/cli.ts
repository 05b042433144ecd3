/**
 * dist/cli.cjs, the `dpskew` command: does what early-start.ts describes — gc() looked up and, for
 * a big read, a read worker started — before the CLI's bundle (src/cli.ts) loads and runs.
 */
import { join } from 'node:path';
import { findGc } from '../input/collect.ts';
import { handOverEarlyStart, startReadWorker } from './early-start.ts';
import { argvWantsReadWorker } from './prestart.ts';
import { DEFAULT_JOBS } from '../input/threads.ts';
import { runBundle } from './load-bundle.ts';

const gc = findGc();
const worker = argvWantsReadWorker(process.argv.slice(2), DEFAULT_JOBS) ? startReadWorker(join(__dirname, 'worker.cjs')) : null;
worker?.unref();
handOverEarlyStart({ gc, worker });
runBundle(__dirname, 'cli-bundle.cjs');

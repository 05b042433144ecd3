/** dist/worker.cjs, a read worker thread's script: the worker's bundle (src/read/worker.ts). */
import { runBundle } from './load-bundle.ts';

runBundle(__dirname, 'worker-bundle.cjs');

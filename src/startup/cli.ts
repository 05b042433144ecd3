/**
 * dist/cli.cjs, the `dpskew` command: the CLI's bundle (src/cli/main.ts) run through its code cache
 * (load-bundle.ts).
 */
import { runBundle } from './load-bundle.ts';

runBundle(__dirname, 'cli-bundle.cjs');

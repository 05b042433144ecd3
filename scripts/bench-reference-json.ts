// The formats bench's check (`npm run bench -- --formats --verify`): the JSON report of a directory
// read by the plain reader the tests hold the fast paths to (test/helpers/reference-reader.ts:
// split2, every line decoded, no kernel), for comparison with `dpskew --format json` byte for byte.
// scripts/bench-formats.mjs bundles it (esbuild) and runs it on one format's directory.
import { Readable } from 'node:stream';
import { Chalk } from 'chalk';
import { run } from '../src/cli/run.ts';
import { parseOptions } from '../src/options/options.ts';
import { RENDERERS } from '../src/render/index.ts';
import { referenceReadSources } from '../test/helpers/reference-reader.ts';

const paths = process.argv.slice(2);
const result = await run(paths, parseOptions({ format: 'json' }), { stdin: Readable.from([]), cwd: process.cwd(), readSources: referenceReadSources });
process.stdout.write(RENDERERS.json(result.report, { chalk: new Chalk({ level: 0 }), width: 100, chart: false }));

// The bench's "split2 line stream" row: dpskew's parsers behind a plain split2 line stream, the
// way a line-by-line tool would read. scripts/bench.mjs bundles it (esbuild) and runs it on a
// directory of logs; it prints the batch lines it counted.
import { createReadStream, readdirSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import split2 from 'split2';
import { WorkerState } from '../src/aggregate/worker-state.ts';
import { createTextLineHandler, emptyTally } from '../src/input/ingest.ts';
import { createParsers } from '../src/input/settings.ts';

const parsers = createParsers({ engine: 'auto', patterns: [], timezone: 'UTC', maxLineBytes: 1 << 20, range: null });
const dir = process.argv[2] ?? '.';
let batches = 0;
for (const f of readdirSync(dir).sort()) {
  const worker = new WorkerState(f);
  const tally = emptyTally();
  const handle = createTextLineHandler(parsers, worker, tally, null);
  await pipeline(createReadStream(`${dir}/${f}`, { highWaterMark: 1 << 20 }), split2(), async (lines: AsyncIterable<string>) => {
    for await (const line of lines) handle(line);
  });
  batches += tally.batchLines;
}
console.log(batches);

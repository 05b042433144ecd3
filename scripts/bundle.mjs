#!/usr/bin/env node
// Bundles the CLI and the read worker into one file each (dist/cli.js, dist/worker.js), after tsc
// has written dist/. Loading one file instead of ~70 modules, and the runtime dependencies
// (commander, chalk, asciichart) inside it instead of resolved from node_modules, saves ~45 ms of
// every run's start-up (~30 ms for our modules, ~15 ms more for the dependencies, here; the
// main thread's and each worker's). The rest of dist/ stays tsc's, module by module.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

// Bundled CommonJS dependencies (commander) call require() for Node's built-ins.
const banner = { js: "import { createRequire as __dpskewCreateRequire } from 'node:module';\nconst require = __dpskewCreateRequire(import.meta.url);" };

const bundled = new Set();
for (const [entry, outfile] of [
  ['src/cli.ts', 'dist/cli.js'],
  ['src/read/worker.ts', 'dist/worker.js'],
]) {
  const { metafile } = await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', sourcemap: true, logLevel: 'warning', banner, metafile: true });
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match !== null) bundled.add(match[1]);
  }
}

// The bundled packages' licences travel with the bundles (their MIT terms ask for the notice).
const notices = [...bundled].sort().map((name) => {
  const dir = join('node_modules', name);
  const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return `${name} ${version}\n\n${file === undefined ? '(no licence file)' : readFileSync(join(dir, file), 'utf8').trim()}\n`;
});
writeFileSync('dist/THIRD-PARTY-LICENSES.txt', `Bundled into dist/cli.js and dist/worker.js:\n\n${notices.join('\n---\n\n')}`);

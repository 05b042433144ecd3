#!/usr/bin/env node
// Writes dist/: the CLI and the read worker bundled into one CommonJS file each
// (dist/cli-bundle.cjs, dist/worker-bundle.cjs), what starts them, the entry points dist/cli.cjs
// and dist/worker.cjs (src/startup/), and a V8 code cache per bundle.
// Loading one file instead of ~70 modules, and the runtime dependencies (commander, chalk,
// asciichart) inside it instead of resolved from node_modules, saves ~45 ms of every run's
// start-up here (the main thread's and each worker's); the code cache ~10 ms more, CommonJS
// instead of an ES module ~5 ms (no ESM loader).
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { build, transform } from 'esbuild';

// Read by src/startup/load-bundle.ts: a bundle ends with this mark and the first 16 hex digits of the
// SHA-256 of what precedes it; its cache file starts with the same 16 digits.
const BUILD_HASH_MARK = '\n//# dpskewBuildHash=';

// The sources are ES modules: import.meta.url becomes the bundle's own file URL.
const banner = { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" };
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' };

// The flags the bundles run under (src/startup/v8-flags.ts), set here too: V8 refuses a code cache
// made under other flags.
const { code: flagsModule } = await transform(readFileSync('src/startup/v8-flags.ts', 'utf8'), { loader: 'ts', format: 'esm' });
const { V8_FLAGS } = await import(`data:text/javascript,${encodeURIComponent(flagsModule)}`);
setFlagsFromString(V8_FLAGS);

rmSync('dist', { recursive: true, force: true }); // nothing of an earlier build's layout stays

const bundled = new Set();
for (const [entry, name] of [
  ['src/cli/main.ts', 'cli'],
  ['src/input/worker-thread.ts', 'worker'],
]) {
  const bundle = `${name}-bundle.cjs`;
  const outfile = join('dist', bundle);
  const { metafile } = await build({ ...common, entryPoints: [entry], outfile, sourcemap: true, banner, define: { 'import.meta.url': 'importMetaUrl' }, metafile: true });
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match !== null) bundled.add(match[1]);
  }
  // The entry's `#!` line would be a syntax error inside Module.wrap's function; `//` keeps the
  // source map's line numbers.
  const source = readFileSync(outfile, 'utf8').replace(/^#!/, '//');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const stamped = `${source}${BUILD_HASH_MARK}${hash}\n`;
  writeFileSync(outfile, stamped);
  writeFileSync(`${outfile}.cache`, Buffer.concat([Buffer.from(hash, 'latin1'), codeCache(stamped, resolve(outfile))]));
  await build({ ...common, entryPoints: [`src/startup/${name}.ts`], outfile: join('dist', `${name}.cjs`), banner: name === 'cli' ? { js: '#!/usr/bin/env node' } : {} });
}
// The schema validators (scripts/build-schemas.mjs) stay out of the bundle: src/summary/validate.ts
// loads them from beside itself, in dist/ beside the bundle, only when a summary or report is read.
for (const file of readdirSync('src/summary').filter((f) => f.endsWith('-validator.generated.cjs'))) copyFileSync(join('src/summary', file), join('dist', file));
chmodSync('dist/cli.cjs', 0o755);
chmodSync('dist/cli-bundle.cjs', 0o644);

/**
 * V8's code cache for the bundle as src/startup/load-bundle.ts compiles it. Every function is compiled
 * into it (`--no-lazy` while compiling), not only the top level, so a run compiles almost nothing.
 * The flag is back at its default before the cache is made: V8 stores a hash of its flags in the
 * cache and refuses it under others.
 */
function codeCache(source, filename) {
  setFlagsFromString('--no-lazy');
  let script;
  try {
    script = new Script(Module.wrap(source), { filename });
  } finally {
    setFlagsFromString('--lazy');
  }
  return script.createCachedData();
}

// uPlot reaches the CLI bundle as text (the HTML page's inlined script, scripts/build-html-assets.mjs),
// not as an esbuild input, so it is named here.
bundled.add('uplot');
// The bundled packages' licences travel with the bundles (their MIT terms ask for the notice).
const notices = [...bundled].sort().map((name) => {
  const dir = join('node_modules', name);
  const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return `${name} ${version}\n\n${file === undefined ? '(no licence file)' : readFileSync(join(dir, file), 'utf8').trim()}\n`;
});
writeFileSync('dist/THIRD-PARTY-LICENSES.txt', `Bundled into dist/cli-bundle.cjs and dist/worker-bundle.cjs:\n\n${notices.join('\n---\n\n')}`);

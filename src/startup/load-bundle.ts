/**
 * How the built CLI and read worker start (dist/cli.cjs and dist/worker.cjs, bundled from the
 * entry points beside this file by scripts/bundle.mjs): their bundle in dist/ is compiled through
 * the V8 code cache the build wrote beside it, so each start deserializes compiled functions
 * instead of parsing and compiling ~440 KB of JavaScript (~10 ms of every run here; the CLI's whole
 * start-up to reading is ~110 ms). CommonJS throughout: Node 20 takes a code cache only through
 * `vm.Script`.
 *
 * The cache only ever saves time. One made for another bundle is never read: its first bytes must
 * be the build hash on the bundle's last line (V8 itself checks no more than the source's length).
 * V8 refuses one made by another V8 version or under other V8 flags. Either way the bundle is
 * compiled from source as usual.
 *
 * No dynamic `import()` in src/: a script compiled this way has no callback for it and throws
 * ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING (vm's USE_MAIN_CONTEXT_DEFAULT_LOADER does not survive the
 * code cache in Node 20). test/cli/code-cache.test.ts holds src/ to that.
 */
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { V8_FLAGS } from './v8-flags.ts';

/** How scripts/bundle.mjs ends a bundle: this mark, then the first 16 hex digits of its SHA-256. */
const BUILD_HASH_MARK = '\n//# dpskewBuildHash=';
const BUILD_HASH_BYTES = 16;

/** Runs dist/`name` (a CommonJS bundle) as a module of its own; `dir` is dist/. */
export function runBundle(dir: string, name: string): void {
  // Process-wide: a read worker sets what the main thread set already.
  setFlagsFromString(V8_FLAGS);
  const file = join(dir, name);
  const source = readFileSync(file, 'utf8');
  const mark = source.lastIndexOf(BUILD_HASH_MARK);
  const hash = mark < 0 ? null : source.slice(mark + BUILD_HASH_MARK.length, mark + BUILD_HASH_MARK.length + BUILD_HASH_BYTES);
  const script = new Script(Module.wrap(source), { filename: file, cachedData: cacheFor(file, hash) });
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  const bundleModule = { exports: {} };
  run.call(bundleModule.exports, bundleModule.exports, Module.createRequire(file), bundleModule, file, dir);
}

function cacheFor(file: string, bundleHash: string | null): Buffer | undefined {
  if (bundleHash === null) return undefined;
  let cache: Buffer;
  try {
    cache = readFileSync(`${file}.cache`);
  } catch {
    return undefined;
  }
  return cache.toString('latin1', 0, BUILD_HASH_BYTES) === bundleHash ? cache.subarray(BUILD_HASH_BYTES) : undefined;
}

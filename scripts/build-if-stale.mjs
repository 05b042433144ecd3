// Builds what is older than its sources, judged by modification times (a few hundred stat calls,
// milliseconds), so that nothing runs against stale output:
//
//   node scripts/build-if-stale.mjs kernel   the kernel's generated module (src/scan/kernel-wasm.generated.ts),
//                                            which `npm run typecheck` needs on a fresh clone
//   node scripts/build-if-stale.mjs html     the HTML page's inlined assets (src/render/html/assets.generated.ts),
//                                            which `npm run typecheck` needs too
//   node scripts/build-if-stale.mjs dist     dist/ (`npm run build`), which the CLI tests run; vitest's
//                                            global setup (test/global-setup.mjs) calls it once per run
//
// A missing output is stale; an output is stale when any of its sources was modified after it.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

/** Generated files sit in src/ but are outputs of kernel/ and schemas/ (and rewritten by every build). */
const isGenerated = (name) => name.includes('.generated.');

/** What each target is made of and made from, relative to the repository root. */
export const TARGETS = {
  kernel: {
    outputs: ['src/scan/kernel-wasm.generated.ts'],
    sources: ['kernel', 'scripts/build-kernel.mjs'],
    command: [process.execPath, ['scripts/build-kernel.mjs']],
  },
  html: {
    outputs: ['src/render/html/assets.generated.ts'],
    sources: ['src/render/html/client', 'scripts/build-html-assets.mjs'],
    command: [process.execPath, ['scripts/build-html-assets.mjs']],
  },
  dist: {
    outputs: ['dist/cli.cjs', 'dist/cli-bundle.cjs', 'dist/worker.cjs', 'dist/worker-bundle.cjs', 'dist/summary-validator.generated.cjs', 'dist/report-validator.generated.cjs'],
    sources: ['src', 'kernel', 'schemas', 'scripts/build-kernel.mjs', 'scripts/build-schemas.mjs', 'scripts/build-html-assets.mjs', 'scripts/bundle.mjs'],
    command: ['npm', ['run', 'build', '--silent']],
  },
};

/** The newest modification time (ms) of the files at `paths` (directories walked), and that file. */
function newest(root, paths) {
  let best = { mtime: Number.NEGATIVE_INFINITY, file: null };
  const visit = (path) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return; // a source that is not there cannot be newer
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) if (!isGenerated(entry)) visit(join(path, entry));
    } else if (stat.mtimeMs > best.mtime) best = { mtime: stat.mtimeMs, file: path };
  };
  for (const path of paths) visit(join(root, path));
  return best;
}

/**
 * Why `target`'s outputs under `root` need building: a missing output, or the source newer than the
 * oldest output; `null` when they are up to date.
 */
export function staleReason(target, root = ROOT) {
  const { outputs, sources } = TARGETS[target];
  let oldest = Number.POSITIVE_INFINITY;
  for (const output of outputs) {
    let mtime;
    try {
      mtime = statSync(join(root, output)).mtimeMs;
    } catch {
      return `${output} is missing`;
    }
    oldest = Math.min(oldest, mtime);
  }
  const source = newest(root, sources);
  return source.mtime > oldest ? `${source.file.slice(root.length + 1)} is newer than the build` : null;
}

/** Builds `target` when it is stale; throws when the build fails. Returns whether it built. */
export function buildIfStale(target, root = ROOT) {
  const reason = staleReason(target, root);
  if (reason === null) return false;
  process.stderr.write(`building ${target}: ${reason}\n`);
  const [command, args] = TARGETS[target].command;
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`building ${target} failed (exit ${result.status ?? result.signal})`);
  return true;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const target = process.argv[2];
  if (!(target in TARGETS)) {
    console.error(`usage: node scripts/build-if-stale.mjs ${Object.keys(TARGETS).join('|')}`);
    process.exit(2);
  }
  try {
    buildIfStale(target);
  } catch (error) {
    console.error(`error: ${error.message}`);
    process.exit(1);
  }
}

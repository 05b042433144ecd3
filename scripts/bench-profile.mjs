// Where the time goes, per format: V8's CPU profile of `dpskew --jobs 1 --format json DIR` (one
// thread, so the profile holds all the work), its self time put into a few buckets:
//
//   node scripts/bench-profile.mjs DIR/comma DIR/period …   (directories of `npm run bench -- --formats --keep`)
//
// Buckets: the WebAssembly kernel (scanning, the batch reader, the fold), reading files (the
// read syscalls), start-up (Node's module loader and compiling the bundle), garbage collection, and
// the JavaScript of dpskew itself (parsers, aggregation, report), whose top functions are listed.
// Needs a built dist/.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

const cli = resolve('dist/cli.cjs');
const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('error: no directory given (node scripts/bench-profile.mjs DIR …, the format directories of npm run bench -- --formats --keep)');
  process.exit(2);
}

/** The bucket of a profile node's own time. */
function bucketOf(frame) {
  const name = frame.functionName;
  const url = frame.url;
  if (name.startsWith('wasm-function') || url.startsWith('wasm://')) return 'kernel (wasm)';
  if (name === '(garbage collector)') return 'gc';
  if (name === 'read' || name === 'readFileUtf8' || name === 'open' || name === 'close' || name === 'fstat' || name === 'stat') return 'file reads';
  if (name === '(program)' || name === '(idle)' || url.startsWith('node:') || url === '' || /realm|loader|cli\.cjs$/.test(url)) return 'start-up and Node';
  return 'dpskew JavaScript';
}

console.log('| format | total ms | kernel (wasm) | dpskew JavaScript | file reads | gc | start-up and Node | top JavaScript functions (self ms) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const dir of dirs) {
  const out = mkdtempSync(join(tmpdir(), 'dpskew-profile-'));
  const run = spawnSync('node', ['--cpu-prof', `--cpu-prof-dir=${out}`, cli, '--format', 'json', '--jobs', '1', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0) {
    console.error(`error: dpskew failed on ${dir} (exit ${run.status})`);
    process.exit(2);
  }
  const file = readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
  const profile = JSON.parse(readFileSync(join(out, file ?? ''), 'utf8'));
  rmSync(out, { recursive: true, force: true });
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const buckets = new Map();
  const functions = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id).callFrame;
    const dt = profile.timeDeltas[i] / 1000;
    total += dt;
    const bucket = bucketOf(frame);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + dt);
    if (bucket === 'dpskew JavaScript') functions.set(frame.functionName || '(anonymous)', (functions.get(frame.functionName || '(anonymous)') ?? 0) + dt);
  });
  const cell = (bucket) => {
    const ms = buckets.get(bucket) ?? 0;
    return `${ms.toFixed(0)} (${((100 * ms) / total).toFixed(0)} %)`;
  };
  const top = [...functions].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([name, ms]) => `${name} ${ms.toFixed(0)}`).join(', ');
  console.log(`| ${basename(dir)} | ${total.toFixed(0)} | ${cell('kernel (wasm)')} | ${cell('dpskew JavaScript')} | ${cell('file reads')} | ${cell('gc')} | ${cell('start-up and Node')} | ${top} |`);
}

// Peak memory of dpskew on the shapes that once made it grow (issue 18, item 9), against the
// 150 MiB bound docs/guarantees.md states:
//
//   npm run bench -- --memory [--runs 1] [--dir DIR] [--keep] [--only NAME]
//
// Generates each shape (scripts/memory-logs.mjs, and the speed bench's 500 MiB set from
// scripts/bench-logs.mjs) in a temporary directory, or DIR, reused when it already holds them; runs
// `dpskew --format json` on it --runs times under GNU time (`/usr/bin/time -v`) and prints the
// largest "Maximum resident set size" (every thread of the process), with the median wall time.
// Needs a built dist/ (npm run bench builds first).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { generateBenchLogs } from './bench-logs.mjs';
import { generateManyFiles, generateRanks4096, generateWeek64 } from './memory-logs.mjs';

const TARGET_MIB = 150;
const GNU_TIME = '/usr/bin/time';

export async function benchMemory(args) {
  const flag = (name, fallback) => {
    const i = args.indexOf(name);
    return i === -1 ? fallback : args[i + 1];
  };
  const runs = Number(flag('--runs', '1'));
  const only = flag('--only', null);
  const cli = resolve('dist/cli.cjs');
  if (!existsSync(cli)) {
    console.error('error: dist/cli.cjs not found (run npm run build first)');
    return 2;
  }
  if (spawnSync(GNU_TIME, ['-v', 'true'], { encoding: 'utf8' }).stderr?.includes('Maximum resident set size') !== true) {
    console.error(`error: GNU time not found at ${GNU_TIME} (it measures peak RSS: apt-get install -y time, or your system's package for GNU time)`);
    return 2;
  }
  const given = flag('--dir', undefined);
  const root = given ?? mkdtempSync(join(tmpdir(), 'dpskew-bench-memory-'));
  mkdirSync(root, { recursive: true });
  const made = (name, generate) => {
    const dir = join(root, name);
    if (!existsSync(dir) || readdirSync(dir).length === 0) {
      process.stderr.write(`generating ${name} in ${dir} …\n`);
      mkdirSync(dir, { recursive: true });
      generate(dir);
    }
    return dir;
  };
  const shapes = [
    { name: 'week64', what: '64 DP ranks over 7 days (8 node logs)', dir: () => made('week64', (d) => generateWeek64(d)), args: [] },
    { name: 'week64-jobs8', what: '64 DP ranks over 7 days, --jobs 8', dir: () => made('week64', (d) => generateWeek64(d)), args: ['--jobs', '8'] },
    { name: 'ranks4096', what: '4,096 DP ranks over 7 days, one worker', dir: () => made('ranks4096', (d) => generateRanks4096(d)), args: [] },
    { name: 'files10k-rotated', what: '10,000 small files of 100 workers', dir: () => made('files10k-rotated', (d) => generateManyFiles(d, { rotated: true })), args: [] },
    { name: 'files10k', what: '10,000 small files, each its own worker', dir: () => made('files10k', (d) => generateManyFiles(d)), args: [] },
    { name: 'bench500', what: 'the speed bench set (8 workers, 2.7 h)', dir: () => made('bench500', (d) => generateBenchLogs(d, 500 * 1024 * 1024)), args: [] },
  ].filter((s) => only === null || s.name === only);

  const rows = [];
  for (const shape of shapes) {
    const dir = shape.dir();
    const { files, bytes } = sizeOf(dir);
    const samples = [];
    for (let run = 0; run < runs; run++) {
      process.stderr.write(`run ${run + 1}/${runs}: ${shape.name}\n`);
      samples.push(measure(cli, [...shape.args, '--format', 'json', dir]));
    }
    const mib = Math.max(...samples.map((s) => s.kib)) / 1024;
    const seconds = median(samples.map((s) => s.seconds));
    rows.push({ shape, files, bytes, mib, seconds });
  }
  console.log(`\nPeak RSS (GNU time, largest of ${runs} run${runs === 1 ? '' : 's'}; every thread counted), target < ${TARGET_MIB} MiB`);
  console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n`);
  console.log('| shape | files | MiB of log | median s | peak RSS MiB | target |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const r of rows) {
    console.log(`| ${r.shape.what} | ${r.files.toLocaleString('en')} | ${(r.bytes / 2 ** 20).toFixed(0)} | ${r.seconds.toFixed(2)} | ${r.mib.toFixed(0)} | ${r.mib < TARGET_MIB ? 'met' : 'NOT MET'} |`);
  }
  if (given === undefined && !args.includes('--keep')) rmSync(root, { recursive: true, force: true });
  else console.log(`\nlogs kept in ${root}`);
  return 0;
}

/** Wall seconds and peak RSS (KiB) of one run, from `/usr/bin/time -v`. */
function measure(cli, args) {
  const result = spawnSync(GNU_TIME, ['-v', process.execPath, cli, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`dpskew failed (${result.status}): ${args.join(' ')}\n${result.stderr}`);
  const field = (label) => /:\s*(\S+)\s*$/.exec(result.stderr.split('\n').find((l) => l.includes(label)) ?? '')?.[1] ?? '';
  const seconds = field('Elapsed (wall clock) time')
    .split(':')
    .reduce((sum, part) => sum * 60 + Number(part), 0);
  return { kib: Number(field('Maximum resident set size')), seconds };
}

/** Files and bytes under `dir`. */
function sizeOf(dir) {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += statSync(join(entry.parentPath ?? entry.path, entry.name)).size;
  }
  return { files, bytes };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

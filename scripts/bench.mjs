#!/usr/bin/env node
// Benchmark: dpskew against the tools people use today, on a deterministic synthetic log set.
//
//   npm run bench -- [--size-mb 500] [--runs 3] [--dir DIR] [--keep] [--only dpskew]
//   npm run bench -- --memory [--runs 1] [--dir DIR] [--keep] [--only SHAPE]   (scripts/bench-memory.mjs)
//   npm run bench -- --formats [--size-mb 500] [--runs 3] [--dir DIR] [--keep] [--only a,b] [--verify]   (scripts/bench-formats.mjs)
//   npm run bench -- --split [--size-mb 200] [--runs 5] [--dir DIR] [--keep] [--only kubectl,stern]   (scripts/bench-split.mjs)
//
// The default run ends with the split rows (issue 22) on the first --split-mb MiB (default 100;
// 0 leaves them out) of its logs, interleaved and wrapped in each envelope, read as files.
//
// Generates SGLang worker logs (scripts/bench-logs.mjs) in a temporary directory (or DIR, reused
// when it already holds them), gzips a copy, then runs every command --runs times, in alternating
// order, and prints medians, ratios to the mawk one-liner from the same run, peak RSS (GNU time),
// and the targets of issue #6. Needs a built dist/ (npm run bench builds first).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { AWK_PROGRAM, generateBenchLogs } from './bench-logs.mjs';

const args = process.argv.slice(2);
if (args.includes('--memory')) {
  const { benchMemory } = await import('./bench-memory.mjs');
  process.exit(await benchMemory(args));
}
if (args.includes('--split')) {
  const { benchSplit } = await import('./bench-split.mjs');
  process.exit(await benchSplit(args));
}
if (args.includes('--formats')) {
  const { benchFormats } = await import('./bench-formats.mjs');
  process.exit(await benchFormats(args));
}
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};
const SIZE_MB = Number(flag('--size-mb', '500'));
const RUNS = Number(flag('--runs', '3'));
const KEEP = args.includes('--keep');
const ONLY = flag('--only', null);
const SPLIT_MB = Number(flag('--split-mb', '100'));
const CLI = resolve('dist/cli.cjs');
if (!existsSync(CLI)) {
  console.error('error: dist/cli.cjs not found: run npm run build first');
  process.exit(2);
}

// ---------------------------------------------------------------- the comparisons
// The one-liner people use (AWK_PROGRAM): prefill batches and peak #queue-req per DP rank, nothing else.
// What existing tools do: a regex per line, fields into a dict.
const PYTHON_PARSER = `
import re, sys, glob
prefix = re.compile(r'\\[(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2})((?: (?:DP|TP|EP|PP)\\d+)*)\\] (Prefill|Decode) batch[,.] (.*)$')
field = re.compile(r'(#[a-z-]+): (\\d+)')
counts, peak = {}, {}
for path in sorted(glob.glob(sys.argv[1] + '/*.out')):
    with open(path, errors='replace') as f:
        for line in f:
            m = prefix.search(line)
            if not m: continue
            dp = re.search(r'DP(\\d+)', m.group(2))
            key = (m.group(3), dp.group(1) if dp else '-')
            counts[key] = counts.get(key, 0) + 1
            fields = dict(field.findall(m.group(4)))
            q = int(fields.get('#queue-req', 0))
            peak[key] = max(peak.get(key, 0), q)
for k in sorted(counts): print(k, counts[k], peak[k])
`;
// dpskew's parsers behind a plain split2 line stream (every line decoded), the way a line-stream
// tool would read: the reason the reader scans bytes instead (split2 stays in live mode).

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

function commands(dir, gzDir, files, gzFiles, joined) {
  const node = `node ${CLI} --format json`;
  const list = [
    { name: 'dpskew files', sh: `${node} ${dir} > /dev/null`, key: 'files' },
    { name: 'dpskew stdin (cat files |)', sh: `cat ${files.join(' ')} | ${node} - > /dev/null`, key: 'stdin' },
    // The same bytes as one file redirected in: stdin that is not a pipe.
    { name: 'dpskew stdin (- < one file)', sh: `${node} - < ${joined} > /dev/null`, key: 'redirect' },
    { name: 'dpskew gzip files', sh: `${node} ${gzDir} > /dev/null`, key: 'gzip' },
    { name: 'dpskew files --jobs 1', sh: `${node} --jobs 1 ${dir} > /dev/null`, key: 'jobs1' },
    { name: 'mawk one-liner', sh: `mawk '${AWK_PROGRAM}' ${files.join(' ')} > /dev/null`, key: 'mawk' },
    { name: 'zcat | mawk one-liner', sh: `zcat ${gzFiles.join(' ')} | mawk '${AWK_PROGRAM}' > /dev/null`, key: 'zcat' },
    { name: "grep -c 'Prefill batch'", sh: `grep -c 'Prefill batch' ${files.join(' ')} > /dev/null` },
    // What any stdin reader pays before reading a byte: the pipe itself.
    { name: 'cat files | wc -c (the pipe alone)', sh: `cat ${files.join(' ')} | wc -c > /dev/null`, key: 'pipe' },
  ];
  if (has('gawk')) list.push({ name: 'gawk one-liner', sh: `gawk '${AWK_PROGRAM}' ${files.join(' ')} > /dev/null` });
  if (has('python3')) list.push({ name: 'python3 regex parser', sh: `python3 -c "$PYTHON_PARSER" ${dir} > /dev/null` });
  list.push({ name: 'split2 line stream, same parsers', sh: `node ${SPLIT2_READER} ${dir} > /dev/null` });
  return ONLY === 'dpskew' ? list.filter((c) => c.name.startsWith('dpskew') || c.key === 'mawk' || c.key === 'zcat' || c.key === 'pipe') : list;
}

/** Wall seconds and peak RSS (KiB of the largest process of the pipeline) from GNU time. */
function measure(sh) {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', 'bash', '-c', `set -o pipefail; ${sh}`], {
    encoding: 'utf8',
    env: { ...process.env, PYTHON_PARSER, NO_COLOR: '1' },
    maxBuffer: 1 << 26,
  });
  if (result.status !== 0) throw new Error(`command failed (${result.status}): ${sh}\n${result.stderr}`);
  const last = result.stderr.trim().split('\n').pop() ?? '';
  const [seconds, kib] = last.split(' ').map(Number);
  return { seconds, kib };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------- main
const given = flag('--dir', undefined);
const root = given ?? mkdtempSync(join(tmpdir(), 'dpskew-bench-'));
// Plain and gzipped copies side by side (dpskew walks directories recursively).
const dir = join(root, 'plain');
const gzDir = join(root, 'gz');
mkdirSync(dir, { recursive: true });
let files = readdirSync(dir).filter((f) => f.endsWith('.out')).sort().map((f) => join(dir, f));
if (files.length === 0) {
  process.stderr.write(`generating ${SIZE_MB} MiB in ${dir} …\n`);
  files = generateBenchLogs(dir, SIZE_MB * 1024 * 1024);
}
if (!existsSync(gzDir)) {
  mkdirSync(gzDir);
  process.stderr.write('compressing (gzip -1) …\n');
  for (const f of files) execFileSync('sh', ['-c', `gzip -1 -c ${f} > ${join(gzDir, f.split('/').pop())}.gz`]);
}
const gzFiles = readdirSync(gzDir).sort().map((f) => join(gzDir, f));
// The redirect row's input: every file, one after the other (beside the directories dpskew walks).
const joined = join(root, 'stdin.log');
if (!existsSync(joined)) execFileSync('sh', ['-c', `cat ${files.join(' ')} > ${joined}`]);
// The split2 row's reader, bundled like the CLI (scripts/bench-split2-reader.ts).
const readerDir = mkdtempSync(join(tmpdir(), 'dpskew-bench-split2-'));
const SPLIT2_READER = join(readerDir, 'reader.mjs');
await build({ entryPoints: ['scripts/bench-split2-reader.ts'], outfile: SPLIT2_READER, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" } });
const bytes = files.reduce((s, f) => s + statSync(f).size, 0);
const gzBytes = gzFiles.reduce((s, f) => s + statSync(f).size, 0);
const list = commands(dir, gzDir, files, gzFiles, joined);
const samples = new Map(list.map((c) => [c.name, []]));
for (let run = 0; run < RUNS; run++) {
  // Alternate the order so no command always runs on a warm or cold cache.
  const order = run % 2 === 0 ? list : [...list].reverse();
  for (const c of order) {
    process.stderr.write(`run ${run + 1}/${RUNS}: ${c.name}\n`);
    samples.get(c.name).push(measure(c.sh));
  }
}
const sec = (c) => median(samples.get(c.name).map((s) => s.seconds));
const byKey = (key) => list.find((c) => c.key === key);
const base = sec(byKey('mawk'));
const mib = bytes / 1024 / 1024;
const lines = spawnSync('sh', ['-c', `cat ${files.join(' ')} | wc -l`], { encoding: 'utf8' }).stdout.trim();
console.log(`\nInput: ${files.length} files, ${mib.toFixed(0)} MiB, ${lines} lines (${(gzBytes / 1024 / 1024).toFixed(0)} MiB gzipped); ${RUNS} runs each, alternating`);
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n`);
console.log('| command | median s | MiB/s | vs mawk one-liner | peak RSS MiB |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const c of list) {
  const s = samples.get(c.name);
  const rss = Math.max(...s.map((x) => x.kib)) / 1024;
  console.log(`| ${c.name} | ${sec(c).toFixed(2)} | ${(mib / sec(c)).toFixed(0)} | ${(sec(c) / base).toFixed(2)}× | ${rss.toFixed(0)} |`);
}
const rssOf = (key) => Math.max(...samples.get(byKey(key).name).map((x) => x.kib)) / 1024;
const files$ = sec(byKey('files'));
const check = (ok) => (ok ? 'met' : 'NOT met');
console.log('\nTargets (issue #6, same run):');
console.log(`- files ≤ mawk one-liner: ${(files$ / base).toFixed(2)}× — ${check(files$ <= base)}`);
const share = (key) => `${((files$ / sec(byKey(key))) * 100).toFixed(0)} %`;
console.log(`- stdin ≥ 70 % of file throughput (through the pipe): ${share('stdin')} — ${check(files$ / sec(byKey('stdin')) >= 0.7)}; redirected from one file: ${share('redirect')}`);
console.log(`- gzip ≤ 1.2 × zcat | mawk: ${(sec(byKey('gzip')) / sec(byKey('zcat'))).toFixed(2)}× — ${check(sec(byKey('gzip')) <= 1.2 * sec(byKey('zcat')))}`);
const peak = Math.max(rssOf('files'), rssOf('stdin'), rssOf('redirect'), rssOf('gzip'));
console.log(`- peak RSS < 150 MiB (files, stdin, gzip): ${peak.toFixed(0)} MiB — ${check(peak < 150)}`);
if (SPLIT_MB > 0 && ONLY !== 'dpskew') {
  // Splitting by source marks (issue 22): the same lines as one plain stream and in each envelope.
  const { measureSplit, splitTable, splitTarget, writeStreams, SPLIT_KINDS } = await import('./bench-split.mjs');
  const splitDir = join(root, `split-${SPLIT_MB}`);
  mkdirSync(splitDir, { recursive: true });
  if (SPLIT_KINDS.some((k) => !existsSync(join(splitDir, `${k}.log`)))) {
    process.stderr.write(`interleaving ${SPLIT_MB} MiB into each envelope …\n`);
    writeStreams(splitDir, files, SPLIT_KINDS, Math.ceil((SPLIT_MB * 1024 * 1024) / files.length));
  }
  const results = measureSplit(splitDir, SPLIT_KINDS, ['file'], Math.max(RUNS, 5), (line) => process.stderr.write(line));
  console.log(`\nSplit streams (issue 22): ${files.length} workers interleaved line by line, --jobs 1, ${Math.max(RUNS, 5)} runs each, alternating, medians\n`);
  console.log(splitTable(results));
  console.log(`- ${splitTarget(results)}`);
}
rmSync(readerDir, { recursive: true, force: true });
if (!KEEP && given === undefined) rmSync(root, { recursive: true, force: true });

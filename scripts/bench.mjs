#!/usr/bin/env node
// Benchmark: dpskew against the awk one-liner people use today, on a deterministic synthetic log set.
//
//   npm run bench -- [--size-mb 500] [--runs 3] [--keep] [--dir DIR]
//
// Generates SGLang worker logs (prefill, decode and noise lines from 8 workers) in a temporary
// directory, then runs every command --runs times, alternating, and prints medians, ratios to the
// mawk one-liner from the same run, and peak RSS (GNU time). Needs a built dist/ (npm run build).
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};
const SIZE_MB = Number(flag('--size-mb', '500'));
const RUNS = Number(flag('--runs', '3'));
const KEEP = args.includes('--keep');
const CLI = resolve('dist/cli.js');
if (!existsSync(CLI)) {
  console.error('error: dist/cli.js not found: run npm run build first');
  process.exit(2);
}

// ---------------------------------------------------------------- generation
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
function stamp(seconds) {
  const d = new Date(Date.UTC(2026, 3, 14, 10, 0, 0) + seconds * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function generate(dir, totalBytes) {
  const workers = [
    ...[0, 1, 2, 3].map((i) => ({ name: `bench-n0${i}_prefill_w${i}.out`, role: 'prefill', dp: 4 })),
    ...[0, 1, 2, 3].map((i) => ({ name: `bench-n1${i}_decode_w${i}.out`, role: 'decode', dp: 8 })),
  ];
  const perFile = Math.ceil(totalBytes / workers.length);
  workers.forEach((w, index) => {
    const rand = mulberry32(1234 + index);
    const fd = openSync(join(dir, w.name), 'w');
    let written = 0;
    let t = 0;
    const header = `[${stamp(0)}] server_args=ServerArgs(model_path='deepseek-ai/DeepSeek-R1', tp_size=${w.dp}, pp_size=1, dp_size=${w.dp}, ep_size=${w.dp}, enable_dp_attention=True, disaggregation_mode='${w.role}', nnodes=1, node_rank=0, moe_dp_size=1)\n`;
    writeSync(fd, header);
    written += header.length;
    while (written < perFile) {
      const lines = [];
      for (let k = 0; k < 20000; k++) {
        if (rand() < 0.02) t++;
        const dp = Math.floor(rand() * w.dp);
        const ts = stamp(t);
        const r = rand();
        if (w.role === 'prefill' && r < 0.3) {
          const q = Math.floor(rand() * 40);
          lines.push(
            `[${ts} DP${dp} TP${dp} EP${dp}] Prefill batch, #new-seq: ${1 + Math.floor(rand() * 4)}, #new-token: ${1024 + Math.floor(rand() * 7168)}, #cached-token: ${Math.floor(rand() * 512)}, token usage: 0.${pad(Math.floor(rand() * 99))}, #running-req: 0, #queue-req: ${q}, #pending-token: ${Math.floor(rand() * 9000)}, #bootstrap-req: 0, #inflight-req: ${Math.floor(rand() * 4)}, cuda graph: False, input throughput (token/s): ${(rand() * 20000).toFixed(2)}`,
          );
        } else if (w.role === 'decode' && r < 0.3) {
          lines.push(
            `[${ts} DP${dp} TP${dp} EP${dp}] Decode batch, #running-req: ${Math.floor(rand() * 64)}, #token: ${Math.floor(rand() * 60000)}, token usage: 0.${pad(Math.floor(rand() * 99))}, pre-allocated usage: 0.00, #prealloc-req: 0, #transfer-req: 0, #retracted-req: 0, cuda graph: True, gen throughput (token/s): ${(rand() * 2000).toFixed(2)}, #queue-req: ${Math.floor(rand() * 3)}`,
          );
        } else if (r < 0.85) {
          lines.push(`[${ts}] INFO:     127.0.0.1:${40000 + Math.floor(rand() * 20000)} - "POST /generate HTTP/1.1" 200 OK`);
        } else {
          lines.push(`[${ts} DP${dp} TP${dp} EP${dp}] KV transfer done for request ${Math.floor(rand() * 1e12).toString(16)}, bootstrap_room=${Math.floor(rand() * 1e15)}`);
        }
      }
      const chunk = `${lines.join('\n')}\n`;
      writeSync(fd, chunk);
      written += chunk.length;
    }
    closeSync(fd);
  });
  return workers.map((w) => join(dir, w.name));
}

// ---------------------------------------------------------------- commands
const AWK_PROGRAM =
  '/Prefill batch/ { if (match($0, / DP[0-9]+/)) { dp = substr($0, RSTART + 3, RLENGTH - 3); n[dp]++; if (match($0, /#queue-req: [0-9]+/)) { q = substr($0, RSTART + 12, RLENGTH - 12) + 0; if (q > m[dp]) m[dp] = q } } } END { for (d in n) print "DP" d, n[d], m[d] }';
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

function commands(dir, gzDir, files, gzFiles) {
  const list = [
    { name: 'dpskew files (json)', sh: `node ${CLI} --format json ${dir} > /dev/null` },
    { name: 'dpskew stdin (json)', sh: `cat ${files.join(' ')} | node ${CLI} --format json - > /dev/null` },
    { name: 'dpskew gzip files (json)', sh: `node ${CLI} --format json ${gzDir} > /dev/null` },
    { name: 'mawk one-liner', sh: `mawk '${AWK_PROGRAM}' ${files.join(' ')} > /dev/null`, baseline: true },
    { name: 'zcat | mawk one-liner', sh: `zcat ${gzFiles.join(' ')} | mawk '${AWK_PROGRAM}' > /dev/null` },
    { name: "grep -c 'Prefill batch'", sh: `grep -c 'Prefill batch' ${files.join(' ')} > /dev/null` },
  ];
  if (spawnSync('sh', ['-c', 'command -v gawk']).status === 0) {
    list.push({ name: 'gawk one-liner', sh: `gawk '${AWK_PROGRAM}' ${files.join(' ')} > /dev/null` });
  }
  if (spawnSync('sh', ['-c', 'command -v python3']).status === 0) {
    list.push({ name: 'python3 regex parser', sh: `python3 -c "$PYTHON_PARSER" ${dir} > /dev/null` });
  }
  return list;
}

/** Wall seconds and peak RSS (KiB, the largest process of the pipeline) from GNU time. */
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
const root = flag('--dir', undefined) ?? mkdtempSync(join(tmpdir(), 'dpskew-bench-'));
// Plain and gzipped copies side by side: dpskew walks directories recursively.
const dir = join(root, 'plain');
const gzDir = join(root, 'gz');
mkdirSync(dir, { recursive: true });
let files = readdirSync(dir).filter((f) => f.endsWith('.out')).map((f) => join(dir, f));
if (files.length === 0) {
  process.stderr.write(`generating ${SIZE_MB} MiB in ${dir} …\n`);
  files = generate(dir, SIZE_MB * 1024 * 1024);
}
if (!existsSync(gzDir)) {
  mkdirSync(gzDir);
  process.stderr.write('compressing (gzip -1) …\n');
  for (const f of files) execFileSync('sh', ['-c', `gzip -1 -c ${f} > ${join(gzDir, f.split('/').pop())}.gz`]);
}
const gzFiles = readdirSync(gzDir).map((f) => join(gzDir, f));
const bytes = files.reduce((s, f) => s + statSync(f).size, 0);
const gzBytes = gzFiles.reduce((s, f) => s + statSync(f).size, 0);
const list = commands(dir, gzDir, files, gzFiles);
const samples = new Map(list.map((c) => [c.name, []]));
for (let run = 0; run < RUNS; run++) {
  // Alternate the order so no command always runs on a warm or cold cache.
  const order = run % 2 === 0 ? list : [...list].reverse();
  for (const c of order) {
    process.stderr.write(`run ${run + 1}/${RUNS}: ${c.name}\n`);
    samples.get(c.name).push(measure(c.sh));
  }
}
const base = median(samples.get(list.find((c) => c.baseline).name).map((s) => s.seconds));
const mb = bytes / 1024 / 1024;
console.log(`\nInput: ${files.length} files, ${mb.toFixed(0)} MiB (${(gzBytes / 1024 / 1024).toFixed(0)} MiB gzipped); ${RUNS} runs each, alternating`);
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n`);
console.log('| command | median s | MiB/s | vs mawk one-liner | peak RSS MiB |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const c of list) {
  const s = samples.get(c.name);
  const sec = median(s.map((x) => x.seconds));
  const rss = Math.max(...s.map((x) => x.kib)) / 1024;
  console.log(`| ${c.name} | ${sec.toFixed(2)} | ${(mb / sec).toFixed(0)} | ${(sec / base).toFixed(2)}× | ${rss.toFixed(0)} |`);
}
if (!KEEP && flag('--dir', undefined) === undefined) rmSync(root, { recursive: true, force: true });

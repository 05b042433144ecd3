#!/usr/bin/env node
// What splitting a stream by source costs (issue 22): the bench logs (scripts/bench-logs.mjs),
// interleaved line by line in random order between workers, read once as they are (one worker)
// and once with each line wrapped in an envelope (kubectl --prefix, stern, logcli, docker
// compose), as a file and from a pipe. The envelope rows must stay within 10 % of the plain row
// of the same kind, measured in the same run (alternating order, medians).
//
//   node scripts/bench-split.mjs [--size-mb 200] [--runs 3] [--dir DIR] [--keep] [--only kubectl,stern]
//
// Needs a built dist/ (npm run build).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateBenchLogs, mulberry32 } from './bench-logs.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};
const SIZE_MB = Number(flag('--size-mb', '200'));
const RUNS = Number(flag('--runs', '3'));
const KEEP = args.includes('--keep');
const ONLY = flag('--only', null)?.split(',') ?? null;
const CLI = resolve('dist/cli.cjs');
if (!existsSync(CLI)) {
  console.error('error: dist/cli.cjs not found (run npm run build first)');
  process.exit(2);
}

/** Each envelope as the tool writes it, for a line of pod `pod` (its index `i`). */
const ENVELOPES = {
  plain: (_pod, _i, line) => line,
  kubectl: (pod, _i, line) => `[pod/${pod}/sglang] ${line}`,
  stern: (pod, _i, line) => `\u001b[96m${pod}\u001b[0m \u001b[32msglang\u001b[0m ${line}`,
  logcli: (pod, _i, line) => `2026-04-14T10:00:00Z {app="sglang", namespace="inference", pod="${pod}"} ${line}`,
  compose: (pod, _i, line) => `${pod.padEnd(28)} | ${line}`,
};

/** Every worker's lines, interleaved at random (each worker's order kept), into one file per envelope. */
function writeStreams(dir, files, kinds) {
  const rand = mulberry32(42);
  const sources = files.map((path, i) => ({ pod: `sglang-${path.split('/').pop().replace(/\.out$/, '').replaceAll('_', '-')}`, i, text: readFileSync(path, 'latin1'), at: 0 }));
  const outs = kinds.map((kind) => ({ kind, fd: openSync(join(dir, `${kind}.log`), 'w'), parts: [], size: 0 }));
  const flush = () => {
    for (const o of outs) {
      writeSync(o.fd, o.parts.join(''), null, 'latin1');
      o.parts = [];
      o.size = 0;
    }
  };
  let live = sources.filter((s) => s.text.length > 0);
  while (live.length > 0) {
    const s = live[Math.floor(rand() * live.length)];
    // A few lines at a time, as a log collector's reads interleave.
    const run = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < run && s.at < s.text.length; k++) {
      let nl = s.text.indexOf('\n', s.at);
      if (nl === -1) nl = s.text.length;
      const line = s.text.slice(s.at, nl);
      s.at = nl + 1;
      for (const o of outs) {
        const text = `${ENVELOPES[o.kind](s.pod, s.i, line)}\n`;
        o.parts.push(text);
        o.size += text.length;
      }
    }
    if (s.at >= s.text.length) live = live.filter((x) => x !== s);
    if ((outs[0]?.size ?? 0) > 16 << 20) flush();
  }
  flush();
  for (const o of outs) closeSync(o.fd);
}

function timeOnce(sh) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', sh], { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${sh} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

const given = flag('--dir', null);
const dir = given === null ? mkdtempSync(join(tmpdir(), 'dpskew-bench-split-')) : resolve(given);
mkdirSync(dir, { recursive: true });
const logs = join(dir, 'workers');
const kinds = Object.keys(ENVELOPES).filter((k) => k === 'plain' || ONLY === null || ONLY.includes(k));
try {
  if (!existsSync(join(dir, 'plain.log')) || kinds.some((k) => !existsSync(join(dir, `${k}.log`)))) {
    mkdirSync(logs, { recursive: true });
    const files = readdirSync(logs).length > 0 ? readdirSync(logs).sort().map((f) => join(logs, f)) : generateBenchLogs(logs, SIZE_MB * 1024 * 1024);
    writeStreams(dir, files, kinds);
  }
  const node = `node ${CLI} --format json`;
  const rows = kinds.flatMap((kind) => {
    const path = join(dir, `${kind}.log`);
    return [
      { kind, how: 'file', sh: `${node} ${path} > /dev/null` },
      { kind, how: 'pipe', sh: `cat ${path} | ${node} - > /dev/null` },
    ];
  });
  // Check the split: every envelope must give the plain stream's batch counts, over the right workers.
  const workersOf = (kind) => {
    const r = spawnSync('node', [CLI, '--format', 'json', join(dir, `${kind}.log`)], { encoding: 'utf8', maxBuffer: 1 << 28 });
    return JSON.parse(r.stdout).workers.length;
  };
  for (const kind of kinds) if (kind !== 'plain') console.log(`${kind}: ${workersOf(kind)} workers`);
  const times = new Map(rows.map((r) => [r, []]));
  for (let run = 0; run < RUNS; run++) {
    const order = run % 2 === 0 ? rows : [...rows].reverse();
    for (const row of order) times.get(row)?.push(timeOnce(row.sh));
  }
  const plainOf = (how) => median(times.get(rows.find((r) => r.kind === 'plain' && r.how === how)) ?? []);
  console.log(`\n${(statSync(join(dir, 'plain.log')).size / 1048576).toFixed(0)} MiB of lines, ${RUNS} runs each, median wall time`);
  console.log('| input | file | vs plain | pipe | vs plain |');
  console.log('|---|---:|---:|---:|---:|');
  for (const kind of kinds) {
    const cell = (how) => median(times.get(rows.find((r) => r.kind === kind && r.how === how)) ?? []);
    const size = (statSync(join(dir, `${kind}.log`)).size / 1048576).toFixed(0);
    const pct = (how) => `${(((cell(how) - plainOf(how)) / plainOf(how)) * 100).toFixed(1)} %`;
    console.log(`| ${kind} (${size} MiB) | ${(cell('file') / 1000).toFixed(2)} s | ${pct('file')} | ${(cell('pipe') / 1000).toFixed(2)} s | ${pct('pipe')} |`);
  }
} finally {
  if (!KEEP && given === null) rmSync(dir, { recursive: true, force: true });
}

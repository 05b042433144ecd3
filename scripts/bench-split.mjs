#!/usr/bin/env node
// What splitting a stream by source costs (issue 22): the bench logs (scripts/bench-logs.mjs),
// interleaved line by line in random order between workers, read once as they are (one worker)
// and once with each line wrapped in an envelope (kubectl --prefix, stern, logcli, docker
// compose), as a file and from a pipe. The envelope rows must stay within 10 % of the plain row
// of the same kind, measured in the same run (alternating order, medians) in CPU time (user +
// system: the machine may be shared; wall time is shown too).
//
//   npm run bench -- --split [--size-mb 200] [--runs 5] [--dir DIR] [--keep] [--only kubectl,stern]
//
// `npm run bench` runs the file rows too, on a smaller set (`splitRows`). Needs a built dist/.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateBenchLogs, mulberry32 } from './bench-logs.mjs';

const CLI = resolve('dist/cli.cjs');

/** Each envelope as the tool writes it, for a line of pod `pod` (its index `i`). */
const ENVELOPES = {
  plain: (_pod, _i, line) => line,
  kubectl: (pod, _i, line) => `[pod/${pod}/sglang] ${line}`,
  stern: (pod, _i, line) => `\u001b[96m${pod}\u001b[0m \u001b[32msglang\u001b[0m ${line}`,
  logcli: (pod, _i, line) => `2026-04-14T10:00:00Z {app="sglang", namespace="inference", pod="${pod}"} ${line}`,
  compose: (pod, _i, line) => `${pod.padEnd(28)} | ${line}`,
};

/**
 * Every worker's lines (the first `perFile` bytes of each file, whole lines), interleaved at random
 * (each worker's order kept), into one file per envelope: DIR/KIND.log.
 */
export function writeStreams(dir, files, kinds, perFile = Infinity) {
  const rand = mulberry32(42);
  const head = (text) => (text.length <= perFile ? text : text.slice(0, text.lastIndexOf('\n', perFile) + 1));
  const sources = files.map((path, i) => ({ pod: `sglang-${path.split('/').pop().replace(/\.out$/, '').replaceAll('_', '-')}`, i, text: head(readFileSync(path, 'latin1')), at: 0 }));
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

/** CPU seconds (user + system, every process of the pipeline) and wall seconds of one run. */
function timeOnce(sh) {
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %e', 'sh', '-c', sh], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${sh} exited ${r.status}: ${r.stderr}`);
  const [user, system, wall] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  return { cpu: user + system, wall };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * The split rows: each envelope's stream and the plain one read --jobs 1 (`hows`: as a file, from
 * a pipe), `runs` times in alternating order; medians, and each row's CPU time over the plain
 * row's of the same kind.
 */
export function measureSplit(dir, kinds, hows, runs, log = () => undefined) {
  const node = `node ${CLI} --jobs 1 --format json`;
  const rows = kinds.flatMap((kind) =>
    hows.map((how) => {
      const path = join(dir, `${kind}.log`);
      return { kind, how, sh: how === 'file' ? `${node} ${path} > /dev/null` : `cat ${path} | ${node} - > /dev/null`, times: [] };
    }),
  );
  for (let run = 0; run < runs; run++) {
    for (const row of run % 2 === 0 ? rows : [...rows].reverse()) {
      log(`run ${run + 1}/${runs}: split ${row.kind} (${row.how})\n`);
      row.times.push(timeOnce(row.sh));
    }
  }
  const plain = (how) => median(rows.find((r) => r.kind === 'plain' && r.how === how)?.times.map((t) => t.cpu) ?? []);
  return rows.map((row) => {
    const cpu = median(row.times.map((t) => t.cpu));
    return { kind: row.kind, how: row.how, mib: statSync(join(dir, `${row.kind}.log`)).size / 1048576, cpu, wall: median(row.times.map((t) => t.wall)), ratio: cpu / plain(row.how) };
  });
}

/** The rows as a Markdown table (CPU time and its ratio to plain, wall time beside). */
export function splitTable(results) {
  const out = ['| input | read as | MiB | CPU s | vs plain (CPU) | wall s |', '|---|---|---:|---:|---:|---:|'];
  for (const r of results) out.push(`| ${r.kind} | ${r.how} | ${r.mib.toFixed(0)} | ${r.cpu.toFixed(2)} | ${r.kind === 'plain' ? '—' : `${((r.ratio - 1) * 100).toFixed(1)} %`} | ${r.wall.toFixed(2)} |`);
  return out.join('\n');
}

/** The worst envelope's CPU ratio to plain, and whether it is within the target (≤ 1.10). */
export function splitTarget(results) {
  const worst = results.filter((r) => r.kind !== 'plain').reduce((w, r) => (r.ratio > w.ratio ? r : w), { kind: 'none', how: '', ratio: 0 });
  return `splitting ≤ 10 % over plain (CPU, --jobs 1): worst ${worst.kind} (${worst.how}) +${((worst.ratio - 1) * 100).toFixed(1)} % — ${worst.ratio <= 1.1 ? 'met' : 'NOT met'}`;
}

export const SPLIT_KINDS = Object.keys(ENVELOPES);

/** `npm run bench -- --split`: make (or reuse) the streams, measure, print. */
export async function benchSplit(args) {
  const flag = (name, fallback) => {
    const i = args.indexOf(name);
    return i === -1 ? fallback : args[i + 1];
  };
  if (!existsSync(CLI)) {
    console.error('error: dist/cli.cjs not found (run npm run build first)');
    return 2;
  }
  const sizeMb = Number(flag('--size-mb', '200'));
  const runs = Number(flag('--runs', '5'));
  const only = flag('--only', null)?.split(',') ?? null;
  const given = flag('--dir', null);
  const dir = given === null ? mkdtempSync(join(tmpdir(), 'dpskew-bench-split-')) : resolve(given);
  mkdirSync(dir, { recursive: true });
  const kinds = SPLIT_KINDS.filter((k) => k === 'plain' || only === null || only.includes(k));
  try {
    if (kinds.some((k) => !existsSync(join(dir, `${k}.log`)))) {
      const logs = join(dir, 'workers');
      mkdirSync(logs, { recursive: true });
      const files = readdirSync(logs).length > 0 ? readdirSync(logs).sort().map((f) => join(logs, f)) : generateBenchLogs(logs, sizeMb * 1024 * 1024);
      writeStreams(dir, files, kinds);
    }
    const results = measureSplit(dir, kinds, ['file', 'pipe'], runs, (line) => process.stderr.write(line));
    console.log(`\nSplit streams: ${runs} runs each, alternating, medians, --jobs 1\n`);
    console.log(splitTable(results));
    console.log(`\n- ${splitTarget(results)}`);
    return 0;
  } finally {
    if (!args.includes('--keep') && given === null) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(await benchSplit(process.argv.slice(2)));

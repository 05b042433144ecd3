// The formats table (issue 20): dpskew on the same content in every line shape and envelope it
// reads, on a batch-dense mix and on the other families' logs, each against its own awk one-liner
// (scripts/bench-logs.mjs, FORMATS), in one run:
//
//   npm run bench -- --formats [--size-mb 500] [--runs 3] [--dir DIR] [--keep] [--only a,b,…] [--verify] [--before CLI]
//
// Per format: `dpskew --format json DIR` with the default jobs and with --jobs 1, and `mawk
// '<one-liner>' FILES`, --runs times each, formats in alternating order, so every ratio compares
// numbers from the same run. Prints the table (markdown), the targets of issue 20 and whether each
// is met. --before CLI also times another build's dist/cli.cjs (say, main's) on the same files, for
// a before/after column from the same run. --verify also checks, per format, that dpskew's JSON equals the plain reader's
// (scripts/bench-reference-json.ts) byte for byte. Files go to DIR (reused when they are there
// already, for the same size) or a temporary directory removed at the end. Needs a built dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { FORMATS, generateBenchLogs } from './bench-logs.mjs';

/** Targets of issue 20 (same run, 2 cores). */
const SHAPE_SPREAD = 1.25; // every SGLang shape and envelope within this of the fastest of them
const SHAPE_VS_AWK = 1.0; // and at most its awk one-liner; the batch-dense mix too
const FAMILY_VS_AWK = 2.0; // the other families at most twice their one-liner
const RSS_MIB = 150;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Wall seconds, CPU seconds (user + system, all threads) and peak RSS (KiB) of a shell command, from GNU time. */
function measure(sh) {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', 'bash', '-c', `set -o pipefail; ${sh}`], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 26 });
  if (result.status !== 0) throw new Error(`command failed (${result.status}): ${sh}\n${result.stderr}`);
  const [wall, user, system, kib] = (result.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  return { wall, cpu: user + system, kib };
}

const quote = (s) => `'${s.replace(/'/g, "'\\''")}'`;

export async function benchFormats(args) {
  const flag = (name, fallback) => {
    const i = args.indexOf(name);
    return i === -1 ? fallback : args[i + 1];
  };
  const sizeMb = Number(flag('--size-mb', '500'));
  const runs = Number(flag('--runs', '3'));
  const only = flag('--only', null)?.split(',') ?? null;
  const verify = args.includes('--verify');
  const before = flag('--before', null);
  if (before !== null && !existsSync(before)) {
    console.error(`error: ${before} not found (--before takes another build's dist/cli.cjs)`);
    return 2;
  }
  const cli = resolve('dist/cli.cjs');
  if (!existsSync(cli)) {
    console.error('error: dist/cli.cjs not found (run npm run build first)');
    return 2;
  }
  if (spawnSync('sh', ['-c', 'command -v mawk']).status !== 0) {
    console.error('error: mawk not found (the one-liners run on mawk: apt-get install -y mawk)');
    return 2;
  }
  const given = flag('--dir', undefined);
  const root = given ?? mkdtempSync(join(tmpdir(), 'dpskew-bench-formats-'));
  mkdirSync(root, { recursive: true });
  const formats = FORMATS.filter((f) => only === null || only.includes(f.name));
  if (formats.length === 0) {
    console.error(`error: no format named ${only?.join(', ')} (formats: ${FORMATS.map((f) => f.name).join(', ')})`);
    return 2;
  }

  // Each format in its own directory; a marker beside it (not inside: dpskew would read it) says for which size.
  const sets = formats.map((format) => {
    const dir = join(root, format.name);
    const marker = join(root, `${format.name}.size`);
    if (!existsSync(marker) || readFileSync(marker, 'utf8') !== String(sizeMb)) {
      process.stderr.write(`generating ${format.name} (${sizeMb} MiB) in ${dir} …\n`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      generateBenchLogs(dir, sizeMb * 1024 * 1024, format.name);
      writeFileSync(marker, String(sizeMb));
    }
    const files = readdirSync(dir).sort().map((f) => join(dir, f));
    const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
    const node = `node ${cli} --format json`;
    return {
      format,
      dir,
      bytes,
      commands: {
        dpskew: `${node} ${dir} > /dev/null`,
        jobs1: `${node} --jobs 1 ${dir} > /dev/null`,
        awk: `mawk ${quote(format.awk)} ${files.join(' ')} > /dev/null`,
        ...(before === null ? {} : { before: `node ${resolve(before)} --format json ${dir} > /dev/null`, before1: `node ${resolve(before)} --format json --jobs 1 ${dir} > /dev/null` }),
      },
      samples: { dpskew: [], jobs1: [], awk: [], before: [], before1: [] },
    };
  });

  if (verify) {
    // Under the project, not the system's tmp: the report's version comes from the package.json above the bundle.
    mkdirSync(join('node_modules', '.cache'), { recursive: true });
    const readerDir = mkdtempSync(join('node_modules', '.cache', 'dpskew-bench-reference-'));
    const reader = join(readerDir, 'reference.mjs');
    await build({ entryPoints: ['scripts/bench-reference-json.ts'], outfile: reader, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" } });
    for (const set of sets) {
      process.stderr.write(`verifying ${set.format.name} against the plain reader …\n`);
      const fast = spawnSync('node', [cli, '--format', 'json', set.dir], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout;
      const plain = spawnSync('node', ['--max-old-space-size=4096', reader, set.dir], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout;
      set.identical = fast.length > 0 && fast === plain;
    }
    rmSync(readerDir, { recursive: true, force: true });
  }

  const loadBefore = loadavg().map((l) => l.toFixed(1)).join(' ');
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? sets : [...sets].reverse();
    for (const set of order) {
      const keys = Object.keys(set.commands);
      for (const key of run % 2 === 0 ? keys : [...keys].reverse()) {
        process.stderr.write(`run ${run + 1}/${runs}: ${set.format.name} ${key}\n`);
        set.samples[key].push(measure(set.commands[key]));
      }
    }
  }

  console.log(`\nMachine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load average before the runs ${loadBefore}, after ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  // Wall time is what the targets are about; on a machine shared with other work, CPU time (all
  // threads, so it charges dpskew's second thread and favours awk) is the steadier measure.
  // Both tables come from the same samples.
  for (const metric of ['wall', 'cpu']) {
    const sec = (set, key) => median(set.samples[key].map((s) => s[metric]));
    const rss = (set) => Math.max(...set.samples.dpskew.map((s) => s.kib), ...set.samples.jobs1.map((s) => s.kib)) / 1024;
    const sglang = sets.filter((s) => s.format.kind === 'shape' || s.format.kind === 'envelope');
    const fastest = (key) => (sglang.length === 0 ? Number.NaN : Math.min(...sglang.map((s) => sec(s, key))));
    const best = { dpskew: fastest('dpskew'), jobs1: fastest('jobs1') };
    const x = (v) => `${v.toFixed(2)}×`;

    console.log(`\nFormats: ${sizeMb} MiB of content each (SGLang formats: the bytes of the comma shape; the same lines in every shape); ${runs} runs each, alternating; medians of ${metric === 'wall' ? 'wall' : 'CPU (user + system)'} seconds`);
    const beforeHead = before === null ? '' : ' | before s (default / --jobs 1) | after ÷ before (default / --jobs 1)';
    console.log(`| format | MiB | dpskew s | vs awk | --jobs 1 s | vs awk | vs fastest shape (default / --jobs 1) | awk s | peak RSS MiB${beforeHead}${verify ? ' | JSON = plain reader' : ''} |`);
    console.log(`| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---:${before === null ? '' : ' | ---: | ---:'}${verify ? ' | :---:' : ''} |`);
    for (const set of sets) {
      const spread = set.format.kind === 'shape' || set.format.kind === 'envelope' ? `${x(sec(set, 'dpskew') / best.dpskew)} / ${x(sec(set, 'jobs1') / best.jobs1)}` : '';
      const cells = [
        `${set.format.name}: ${set.format.what}`,
        (set.bytes / 2 ** 20).toFixed(0),
        sec(set, 'dpskew').toFixed(2),
        x(sec(set, 'dpskew') / sec(set, 'awk')),
        sec(set, 'jobs1').toFixed(2),
        x(sec(set, 'jobs1') / sec(set, 'awk')),
        spread,
        sec(set, 'awk').toFixed(2),
        rss(set).toFixed(0),
        ...(before === null
          ? []
          : [`${sec(set, 'before').toFixed(2)} / ${sec(set, 'before1').toFixed(2)}`, `${x(sec(set, 'dpskew') / sec(set, 'before'))} / ${x(sec(set, 'jobs1') / sec(set, 'before1'))}`]),
        ...(verify ? [set.identical ? 'yes' : '**NO**'] : []),
      ];
      console.log(`| ${cells.join(' | ')} |`);
    }

    const misses = [];
    const check = (ok, what) => {
      if (!ok) misses.push(what);
      return ok ? 'met' : 'NOT met';
    };
    const worst = (list, ratio) => list.reduce((w, s) => (ratio(s) > ratio(w) ? s : w), list[0]);
    console.log(`\nTargets (issue 20, same run, ${metric === 'wall' ? 'wall' : 'CPU'} seconds):`);
    for (const key of ['dpskew', 'jobs1']) {
      const label = key === 'dpskew' ? 'default jobs' : '--jobs 1';
      if (sglang.length > 0) {
        const spread = worst(sglang, (s) => sec(s, key) / best[key]);
        console.log(`- ${label}: every SGLang shape and envelope within ${SHAPE_SPREAD}× of the fastest: worst ${spread.format.name} ${x(sec(spread, key) / best[key])} — ${check(sec(spread, key) / best[key] <= SHAPE_SPREAD, `${label} spread ${spread.format.name}`)}`);
        const awk = worst(sglang, (s) => sec(s, key) / sec(s, 'awk'));
        console.log(`- ${label}: every SGLang shape and envelope ≤ ${SHAPE_VS_AWK}× its awk one-liner: worst ${awk.format.name} ${x(sec(awk, key) / sec(awk, 'awk'))} — ${check(sec(awk, key) / sec(awk, 'awk') <= SHAPE_VS_AWK, `${label} vs awk ${awk.format.name}`)}`);
      }
      for (const set of sets.filter((s) => s.format.kind === 'dense')) {
        console.log(`- ${label}: ${set.format.name} ≤ ${SHAPE_VS_AWK}× awk: ${x(sec(set, key) / sec(set, 'awk'))} — ${check(sec(set, key) / sec(set, 'awk') <= SHAPE_VS_AWK, `${label} ${set.format.name}`)}`);
      }
      const families = sets.filter((s) => s.format.kind === 'family');
      if (families.length > 0) {
        const family = worst(families, (s) => sec(s, key) / sec(s, 'awk'));
        console.log(`- ${label}: other families ≤ ${FAMILY_VS_AWK}× their awk one-liner: worst ${family.format.name} ${x(sec(family, key) / sec(family, 'awk'))} — ${check(sec(family, key) / sec(family, 'awk') <= FAMILY_VS_AWK, `${label} ${family.format.name}`)}`);
      }
    }
    const peak = worst(sets, rss);
    console.log(`- peak RSS < ${RSS_MIB} MiB everywhere: worst ${peak.format.name} ${rss(peak).toFixed(0)} MiB — ${check(rss(peak) < RSS_MIB, 'RSS')}`);
    if (verify) console.log(`- JSON identical to the plain reader on every format — ${check(sets.every((s) => s.identical), 'JSON')}`);
  }

  if (!args.includes('--keep') && given === undefined) rmSync(root, { recursive: true, force: true });
  return 0;
}

/** Issue #5 end to end: assertions, config files, saved summaries and merge. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, runJson } from './run-cli.ts';

const BEFORE = join(ROOT, 'examples/pr7984-before');
const AFTER = join(ROOT, 'examples/pr7984-after');

describe('check --assert / --warn', () => {
  it('a misspelled metric is a usage error naming it, never a pass', async () => {
    const { code, stderr } = await runCli(['check', AFTER, '--assert', 'prefil.balance>=0.5']);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown metric 'prefil.balance'");
    expect(stderr).toContain('did you mean prefill.balance');
  });

  it.each(['prefill.balance=>0.5', 'prefill.balance >= ', '>= 0.5', 'prefill.balance>=0.5x'])('malformed %j exits 2', async (expr) => {
    expect((await runCli(['check', AFTER, '--assert', expr])).code).toBe(2);
  });

  it('passing assertions exit 0; a failing one exits 1; a failing --warn only warns', async () => {
    const passing = await runJson(['check', AFTER, '--assert', 'prefill.balance>=0.7', '--assert', 'prefill.maxShare<0.5', '--assert', 'idleRanks==0', '--assert', 'prefill.queue.max<=500', '--assert', 'window.balance.p10>=0.5']);
    expect(passing.result.code).toBe(0);
    expect(passing.json.assertions.map((a) => a.passed)).toEqual([true, true, true, true, true]);
    const failing = await runJson(['check', BEFORE, '--assert', 'prefill.maxShare<50%']);
    expect(failing.result.code).toBe(1);
    expect(failing.json.assertions[0]).toMatchObject({ metric: 'prefill.maxShare', operator: '<', threshold: 0.5, passed: false });
    expect(failing.json.assertions[0]?.actual).toBeCloseTo(6111 / 6159, 10);
    const warned = await runJson(['check', AFTER, '--warn', 'prefill.balance>=0.999']);
    expect(warned.result.code).toBe(0);
    expect(warned.json.verdict).toBe('warn');
    expect((await runCli(['check', AFTER, '--warn', 'prefill.balance>=0.999', '--strict'])).code).toBe(1);
  });

  it('an assertion on a metric without data fails', async () => {
    const { result, json } = await runJson(['check', AFTER, '--assert', 'engine.balance>=0.5']);
    expect(json.assertions[0]).toMatchObject({ actual: null, passed: false });
    expect(result.code).toBe(1);
  });

  it('--list-metrics lists every name the grammar accepts', async () => {
    const { code, stdout } = await runCli(['check', '--list-metrics']);
    expect(code).toBe(0);
    for (const name of ['prefill.balance', 'prefill.maxShare', 'idleRanks', 'prefill.queue.max', 'window.balance.p10', 'routing.pinnedWorkers']) {
      expect(stdout).toMatch(new RegExp(`^${name.replace(/\./g, '\\.')}\\s`, 'm'));
    }
  });
});

describe('config files', () => {
  it('are read from ./.dpskew.json or --config, and flags override them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-config-'));
    writeFileSync(join(dir, '.dpskew.json'), JSON.stringify({ assert: ['prefill.balance>=0.9'], failBalance: 0.3, window: '1m' }));
    const fromCwd = await runJson(['check', AFTER], { cwd: dir });
    expect(fromCwd.json.assertions).toHaveLength(1);
    expect(fromCwd.json.thresholds.failBalance).toBe(0.3);
    expect(fromCwd.json.windows?.sizeSeconds).toBe(60);
    const overridden = await runJson(['check', AFTER, '--fail-balance', '0.4', '--window', '30s'], { cwd: dir });
    expect(overridden.json.thresholds.failBalance).toBe(0.4);
    expect(overridden.json.windows?.sizeSeconds).toBe(30);
    const strict = join(dir, 'strict.json');
    writeFileSync(strict, JSON.stringify({ assert: ['prefill.balance>=0.9999'] }));
    expect((await runCli(['check', AFTER, '--config', strict])).code).toBe(1);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ warnBalanse: 0.9 }));
    const bad = await runCli(['check', AFTER, '--config', join(dir, 'bad.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown setting "warnBalanse"');
    expect((await runCli(['check', AFTER, '--config', join(dir, 'missing.json')])).code).toBe(2);
  });
});

describe('--save and merge', () => {
  it('one summary per worker file, merged, equals analysing the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-save-'));
    for (const file of readdirSync(BEFORE)) {
      const { code } = await runCli([join(BEFORE, file), '--save', join(dir, `${file}.json`), '--format', 'json']);
      expect(code).toBe(0);
    }
    const direct = await runJson([BEFORE]);
    const merged = await runJson(['merge', ...readdirSync(dir).map((f) => join(dir, f))]);
    expect(merged.result.code).toBe(0);
    expect(merged.json).toEqual(direct.json);
  });

  it('merges hierarchically and mixes summaries with logs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-tree-'));
    const files = readdirSync(AFTER).map((f) => join(AFTER, f));
    await runCli([...files.slice(0, 6), '--save', join(dir, 'a.json')]);
    await runCli([...files.slice(6, 9), '--save', join(dir, 'b.json')]);
    await runCli(['merge', join(dir, 'b.json'), '--save', join(dir, 'b2.json')]);
    const mixed = await runJson([join(dir, 'a.json'), join(dir, 'b2.json'), ...files.slice(9)]);
    expect(mixed.json).toEqual((await runJson([AFTER])).json);
  });

  it('refuses summaries read with other settings, and merge refuses logs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-tz-'));
    await runCli([AFTER, '--tz', 'Europe/Berlin', '--save', join(dir, 'berlin.json')]);
    const { code, stderr } = await runCli(['merge', join(dir, 'berlin.json')]);
    expect(code).toBe(2);
    expect(stderr).toContain('--tz Europe/Berlin');
    expect((await runCli(['merge', AFTER])).code).toBe(2);
  });
});

describe('corrupted summaries and saved reports (issue 18 item 6, issue 19)', () => {
  /** The summary of pr7984-after, changed by `edit`, in a file of its own. */
  async function corrupted(dir: string, name: string, edit: (s: any) => void): Promise<string> {
    const file = join(dir, name);
    if (!existsSync(join(dir, 'base.json'))) expect((await runCli([AFTER, '--save', join(dir, 'base.json')])).code).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'base.json'), 'utf8'));
    edit(summary);
    writeFileSync(file, JSON.stringify(summary));
    return file;
  }
  const dp0 = (s: any): any => s.workers.find((w: any) => w.phases.prefill.byDp.length > 0).phases.prefill.byDp[0][1][0][1];

  it('merge and check: one line naming the file and the field, exit 2, no report, never a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-corrupt-'));
    const cases: Array<[string, (s: any) => void, string]> = [
      ['null-phases.json', (s) => (s.workers[0].phases = null), '/workers/0/phases: must be object, found null'],
      ['many.json', (s) => (dp0(s).batches = 'many'), '/phases/prefill/byDp/0/1/0/1/batches: must be integer, found "many"'],
      ['no-inputs.json', (s) => delete s.workers[0].inputs, '/workers/0/inputs: missing'],
      ['negative.json', (s) => (dp0(s).batches = -3), '/batches: must be >= 0, found -3'],
      ['rank.json', (s) => (s.workers.find((w: any) => w.phases.prefill.byDp.length > 0).phases.prefill.byDp[0][0] = 1e12), '/byDp/0/0: must be <= 65535, found 1000000000000'],
    ];
    for (const [name, edit, problem] of cases) {
      const file = await corrupted(dir, name, edit);
      for (const command of [['merge', file], ['check', file], [file]]) {
        const { code, stdout, stderr } = await runCli([...command, '--format', 'json']);
        expect(code, `${command.join(' ')}`).toBe(2);
        expect(stderr).toBe(`error: ${file}: ${stderr.slice(`error: ${file}: `.length)}`);
        expect(stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(stderr).toContain(problem);
        expect(stdout).toBe(''); // nothing else was read: no report, only the error
      }
    }
  });

  it('what the line quotes from the file reaches the terminal escaped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-escape-'));
    const title = '\u001b]0;pwned\u0007\u202e';
    const key = await corrupted(dir, 'key.json', (s) => (s.inputs[0].families = { [title]: 'x' }));
    const broken = await corrupted(dir, 'broken.json', (s) => Object.assign(s.inputs[0], { name: `${title}.out`, error: `bad${title}` }));
    for (const file of [key, broken]) {
      const { code, stderr } = await runCli(['merge', file]);
      expect(code).toBe(2);
      expect(stderr).toContain('\\x1b]0;pwned\\x07\\u{202e}');
      for (const raw of ['\u001b', '\u0007', '\u202e']) expect(stderr).not.toContain(raw);
    }
  });

  it('merge of what is not a summary ({}, [], package.json, an empty file) exits 2 with one line each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-not-summary-'));
    writeFileSync(join(dir, 'object.json'), '{}');
    writeFileSync(join(dir, 'array.json'), '[]');
    writeFileSync(join(dir, 'empty.json'), '');
    for (const file of [join(dir, 'object.json'), join(dir, 'array.json'), join(dir, 'empty.json'), join(ROOT, 'package.json')]) {
      const { code, stderr } = await runCli(['merge', file]);
      expect(code, file).toBe(2);
      expect(stderr).toMatch(new RegExp(`^error: ${file.replace(/[.]/g, '\\.')}: not a dpskew summary[^\n]*\n$`));
    }
    // Given to the report command, the same files stay what they always were: logs (with no batch lines).
    expect((await runCli([join(dir, 'object.json')])).code).toBe(0);
  });

  it('compare with a thin saved report: one line naming the missing field, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-thin-'));
    const thin = join(dir, 'thin.json');
    writeFileSync(thin, JSON.stringify({ schemaVersion: 1, prefill: {}, decode: {}, verdict: 'ok' }));
    const { code, stderr } = await runCli(['compare', thin, AFTER]);
    expect(code).toBe(2);
    expect(stderr).toBe(`error: ${thin}: /tool: missing\n`);
    const truncated = join(dir, 'cut.json');
    await runCli([BEFORE, '--out', join(dir, 'before.json')]);
    writeFileSync(truncated, readFileSync(join(dir, 'before.json'), 'utf8').slice(0, 5000));
    const cut = await runCli(['compare', truncated, AFTER]);
    expect(cut.code).toBe(2);
    expect(cut.stderr).toBe(`error: ${truncated}: not a saved dpskew report: not valid JSON (save one with --format json or --out FILE.json)\n`);
  });
});

describe('the outcome of a run survives --save (issue 18 item 7)', () => {
  it('a summary of a truncated gzip: merge and check exit 2 as the run did, naming the input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-broken-'));
    const gz = gzipSync(readFileSync(join(AFTER, readdirSync(AFTER)[0] ?? '')));
    const cut = join(dir, 'cut.out.gz');
    writeFileSync(cut, gz.subarray(0, gz.length >> 1));
    const saving = await runCli([cut, '--save', join(dir, 's.json'), '--format', 'json']);
    expect(saving.code).toBe(2);
    const original = saving.stderr.trimEnd();
    expect(original).toMatch(new RegExp(`^error: ${cut}: `));
    for (const command of ['merge', 'check']) {
      const { code, stderr } = await runCli([command, join(dir, 's.json'), '--format', 'json']);
      expect(code, command).toBe(2);
      expect(stderr).toBe(`${original} (as read for ${join(dir, 's.json')})\n`);
    }
    // And once more through a merged summary of it.
    expect((await runCli(['merge', join(dir, 's.json'), '--save', join(dir, 'again.json')])).code).toBe(2);
    expect((await runCli(['check', join(dir, 'again.json')])).code).toBe(2);
  });

  it('a summary of an interrupted run says so, and merging it gives a partial report and exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-interrupted-'));
    const saved = join(dir, 'partial.json');
    const child = spawn(process.execPath, [CLI, '-', '--save', saved, '--format', 'json'], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1' } });
    const lines = readFileSync(join(AFTER, readdirSync(AFTER).find((f) => f.includes('prefill')) ?? ''), 'utf8');
    child.stdin.write(lines); // stdin stays open, like `kubectl logs -f | dpskew`
    setTimeout(() => child.kill('SIGINT'), 1000);
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(130);
    const summary = JSON.parse(readFileSync(saved, 'utf8'));
    expect(summary.interrupted).toBe(true);
    for (const command of [['merge'], ['check'], []]) {
      const { code, stdout, stderr } = await runCli([...command, saved, '--format', 'json']);
      expect(code, command.join(' ')).toBe(2);
      expect(JSON.parse(stdout).interrupted).toBe(true);
      expect(stderr).toContain(`error: ${saved}: saved by an interrupted run (Ctrl-C): its numbers cover only what was read`);
    }
    const table = await runCli(['merge', saved]);
    expect(table.stdout).toContain('PARTIAL: interrupted (Ctrl-C, or a summary of an interrupted run)');
    // Merged again, the mark stays.
    await runCli(['merge', saved, '--save', join(dir, 'merged.json')]);
    expect(JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')).interrupted).toBe(true);
  }, 30_000);

  it('a summary of a whole run carries no mark and no error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-whole-'));
    await runCli([AFTER, '--save', join(dir, 's.json')]);
    expect('interrupted' in JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'))).toBe(false);
    const { code, stderr } = await runCli(['check', join(dir, 's.json')]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });
});

describe('the same summary given twice counts once (issue 18 item 4)', () => {
  it('merge s.json copy-of-s.json is merge s.json, with a note; a part of a summary given too is left out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-twice-'));
    const files = readdirSync(AFTER).map((f) => join(AFTER, f));
    const s = join(dir, 's.json');
    await runCli([AFTER, '--save', s]);
    writeFileSync(join(dir, 'copy-of-s.json'), readFileSync(s));
    const once = await runJson(['merge', s]);
    const twice = await runJson(['merge', s, join(dir, 'copy-of-s.json')]);
    expect(twice.result.code).toBe(0);
    expect(twice.json).toEqual(once.json);
    expect(twice.result.stderr).toBe(`note: ${join(dir, 'copy-of-s.json')}: every input of it is already in ${s}: left out, so each input counts once\n`);
    expect((await runCli(['check', s, join(dir, 'copy-of-s.json')])).code).toBe(0);
    // A summary of some of the same logs, before or after the whole one.
    await runCli([...files.slice(0, 3), '--save', join(dir, 'part.json')]);
    for (const order of [[join(dir, 'part.json'), s], [s, join(dir, 'part.json')]]) {
      const merged = await runJson(['merge', ...order]);
      expect(merged.result.code).toBe(0);
      expect(merged.json).toEqual(once.json);
    }
    // Logs read in this run, and a summary of them.
    const mixed = await runJson([...files, join(dir, 'part.json')]);
    expect(mixed.json).toEqual((await runJson(files)).json);
    expect(mixed.result.stderr).toContain('every input of it is already in the logs read here');
  });

  it('summaries that share only some inputs: the later one is left out, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-overlap-'));
    const files = readdirSync(AFTER).map((f) => join(AFTER, f));
    await runCli([...files.slice(0, 6), '--save', join(dir, 'a.json')]);
    await runCli([...files.slice(5, 9), '--save', join(dir, 'b.json')]);
    const { result, json } = await runJson(['merge', join(dir, 'a.json'), join(dir, 'b.json')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: ${join(dir, 'b.json')}: input ${files[5]} is also in ${join(dir, 'a.json')}: its counts would be doubled, so this summary is left out (merge summaries of disjoint inputs)\n`);
    expect(json.inputs.map((i) => i.name)).toEqual(files.slice(0, 6));
  });
});

describe('CI outputs', () => {
  it('--junit, --out and GitHub annotations plus step summary under GITHUB_ACTIONS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-ci-'));
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const { code, stdout } = await runCli(
      ['check', BEFORE, '--assert', 'prefill.balance>=0.7', '--junit', join(dir, 'junit.xml'), '--out', join(dir, 'report.json')],
      { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } },
    );
    expect(code).toBe(1);
    expect(stdout).toContain('::error title=dpskew BATCH_SKEW::');
    expect(stdout).toContain('::error title=dpskew --assert::prefill.balance>=0.7 is false');
    expect(stdout).toContain('Verdict: FAIL');
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(junit).toContain('<testcase classname="dpskew.assert" name="prefill.balance&gt;=0.7"');
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).verdict).toBe('fail');
    const md = readFileSync(summary, 'utf8');
    expect(md.startsWith('# earlier step\n### dpskew: FAIL')).toBe(true);
  });

  it('keeps JSON on stdout parseable by sending annotations to stderr', async () => {
    const { stdout, stderr } = await runCli([BEFORE, '--format', 'json', '--github']);
    expect(JSON.parse(stdout).verdict).toBe('fail');
    expect(stderr).toContain('::error title=dpskew BATCH_SKEW::');
  });

  it('--format csv prints one row per rank', async () => {
    const { stdout } = await runCli([AFTER, '--format', 'csv']);
    const rows = stdout.trimEnd().split('\r\n');
    expect(rows).toHaveLength(1 + 4 + 8);
    expect(rows[1]).toMatch(/^prefill,,0,1936,/);
  });
});

describe('compare', () => {
  it('reproduces the PR evidence side by side, in markdown ready for a pull request', async () => {
    const { code, stdout } = await runCli(['compare', BEFORE, AFTER, '--format', 'markdown']);
    expect(code).toBe(0);
    expect(stdout).toContain('### dpskew: FAIL → OK');
    expect(stdout).toContain('| DP0 | 6,111 | 99.2% | 1,936 | 25.1% | −74.1 pt |');
    expect(stdout).toContain('| DP1 | 16 | 0.3% | 1,931 | 25.0% |');
    expect(stdout).toContain('Peak queue depth: 771 → 83 requests');
  });

  it('--fail-on-regression exits 1 only when the after side is worse; sides may be saved reports or summaries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-compare-'));
    await runCli([BEFORE, '--out', join(dir, 'before.json')]);
    await runCli([AFTER, '--save', join(dir, 'after-summary.json')]);
    const improved = await runJson(['compare', join(dir, 'before.json'), join(dir, 'after-summary.json'), '--fail-on-regression']);
    expect(improved.result.code).toBe(0);
    const worse = await runCli(['compare', AFTER, join(dir, 'before.json'), '--fail-on-regression']);
    expect(worse.code).toBe(1);
    expect(worse.stdout).toContain('regression: verdict ok → fail');
    expect((await runCli(['compare', AFTER, join(dir, 'before.json')])).code).toBe(0);
    const json = JSON.parse((await runCli(['compare', BEFORE, AFTER, '--format', 'json'])).stdout);
    expect(json).toMatchObject({ kind: 'comparison', schemaVersion: 1, regression: false, before: { verdict: 'fail' }, after: { verdict: 'ok' } });
  });
});

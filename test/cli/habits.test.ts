/**
 * What rg, jq and eslint users expect: a mistyped command is named as one, `help` works, and when
 * nothing could be read the error is one line on stderr with nothing on stdout.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.ts';

const SCENARIO = join(ROOT, 'fixtures', 'scenarios', 'balanced-dp4.log');

describe('commands', () => {
  it.each([
    [['chekc', 'fixtures'], "error: unknown command 'chekc' (did you mean 'check'?)\n"],
    [['compre', 'a', 'b'], "error: unknown command 'compre' (did you mean 'compare'?)\n"],
    [['wathc'], "error: unknown command 'wathc' (did you mean 'watch'?)\n"],
    [['help', 'chek'], "error: unknown command 'chek' (did you mean 'check'?)\n"],
    [['help', 'nope'], "error: unknown command 'nope' (commands: check, compare, watch, merge)\n"],
  ])('dpskew %j: one line, exit 2, nothing read', async (args, stderr) => {
    expect(await runCli(args)).toEqual({ code: 2, stdout: '', stderr });
  });

  it('a path that exists is read even when its name is close to a command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-habits-'));
    writeFileSync(join(dir, 'chekc'), `${'[2026-04-14 10:00:00 DP0 TP0] Prefill batch, #new-seq: 1, #new-token: 10, #cached-token: 0, #running-req: 0, #queue-req: 0\n'.repeat(3)}`);
    const { code, stdout } = await runCli(['chekc', '--format', 'json'], { cwd: dir });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).prefill.batches).toBe(3);
  });

  it('a path that does not exist and is close to no command is reported as a missing path', async () => {
    expect(await runCli(['nope.log'])).toEqual({ code: 2, stdout: '', stderr: 'error: nope.log: no such file or directory\n' });
  });

  it('help, help <command>: the help, exit 0', async () => {
    const top = await runCli(['help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Usage: dpskew \[options\] \[command\] \[paths\.\.\.\]/);
    expect(top.stdout).toContain('help [command]');
    const check = await runCli(['help', 'check']);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/^Usage: dpskew check \[options\] \[paths\.\.\.\]/);
    // a command's own options come first, the shared ones after, in groups
    expect(check.stdout.indexOf('Check options:')).toBeLessThan(check.stdout.indexOf('Output options:'));
    expect(check.stdout).toContain('Threshold options:');
  });
});

describe('nothing read: one line on stderr, nothing on stdout, exit 2', () => {
  it('an empty directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-habits-'));
    expect(await runCli([dir])).toEqual({ code: 2, stdout: '', stderr: `error: ${dir}: no log files (nothing in it)\n` });
  });

  it('a directory of JSON and YAML files: how many were skipped and why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-habits-'));
    mkdirSync(join(dir, 'conf'));
    for (const name of ['a.json', 'b.yaml', 'conf/c.yml', 'd.png']) writeFileSync(join(dir, name), '{}\n');
    const { code, stdout, stderr } = await runCli(['check', dir]);
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toBe(`error: ${dir}: no log files (4 files skipped as not logs by name: ${join(dir, 'a.json')}, ${join(dir, 'b.yaml')}, ${join(dir, 'conf/c.yml')}, … 1 more; name a file to read it anyway)\n`);
  });

  it('empty stdin, for the report and for check', async () => {
    for (const args of [[], ['check'], ['-']]) {
      expect(await runCli(args, { stdin: '' })).toEqual({ code: 2, stdout: '', stderr: 'error: stdin: empty: nothing was piped in\n' });
    }
  });

  it('compare: a side with nothing to read is one line, no comparison', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-habits-'));
    expect(await runCli(['compare', SCENARIO, dir])).toEqual({ code: 2, stdout: '', stderr: `error: ${dir}: no log files (nothing in it)\n` });
  });

  it('something read next to a missing path: the report, and the error after it (exit 2)', async () => {
    const { code, stdout, stderr } = await runCli([SCENARIO, 'nope.log', '--format', 'json']);
    expect(code).toBe(2);
    expect(JSON.parse(stdout).prefill.batches).toBe(200);
    expect(stderr).toBe('error: nope.log: no such file or directory\n');
  });
});

describe('usage errors are one line', () => {
  it.each([
    [['--frmat', 'json', SCENARIO], "error: unknown option '--frmat' (did you mean --format?)\n"],
    [['check', '--asert', 'x', SCENARIO], "error: unknown option '--asert' (did you mean --assert?)\n"],
    [['watch', '-f', 'csv', SCENARIO], 'error: watch: --format csv cannot be streamed; use table (a live screen) or json (NDJSON)\n'],
    [['watch', '-f', 'markdown', SCENARIO], 'error: watch: --format markdown cannot be streamed; use table (a live screen) or json (NDJSON)\n'],
  ])('dpskew %j', async (args, stderr) => {
    expect(await runCli(args)).toEqual({ code: 2, stdout: '', stderr });
  });
});

describe('subcommand help', () => {
  it.each([
    ['check', 'Check options:'],
    ['compare', 'Compare options:'],
    ['watch', 'Watch options:'],
    ['merge', 'Output options:'],
  ])('%s --help: its own options first, the shared ones grouped after, and examples', async (command, first) => {
    const { code, stdout } = await runCli([command, '--help']);
    expect(code).toBe(0);
    const groups = [...stdout.matchAll(/^([A-Z][a-z]+ options):$/gm)].map((m) => `${m[1] ?? ''}:`);
    expect(groups[0]).toBe(first);
    expect(new Set(groups).size).toBe(groups.length);
    expect(stdout).toMatch(/^Examples:\n {2}\S/m);
    expect(stdout.slice(stdout.indexOf('Examples:'))).toContain(`dpskew ${command}`);
  });
});

describe('the verdict line', () => {
  it('quotes the measure that set the level: tokens when batches alone would not fail', async () => {
    const { code, stdout } = await runCli([join(ROOT, 'fixtures', 'verdicts', 'one-bad-worker')], { env: { COLUMNS: '200' } });
    expect(code).toBe(0);
    // batches: peer balance 0.51 (above the fail line 0.5); new tokens: 0.48 (below it)
    expect(stdout.split('\n')[0]).toMatch(/^FAIL {2}prefill: DP2 took 40\.9% of new tokens \(peer balance 0\.48\)/);
  });
});

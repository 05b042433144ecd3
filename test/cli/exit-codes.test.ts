/** The exit-code contract and terminal manners of the built CLI. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, runJson } from './run-cli.ts';

const PREFILL_LINE = (dp: number, queue = 0) =>
  `[2026-04-14 10:00:00 DP${dp} TP${dp} EP${dp}] Prefill batch, #new-seq: 1, #new-token: 1024, #cached-token: 0, token usage: 0.01, #running-req: 0, #queue-req: ${queue}, #pending-token: 0, cuda graph: False, input throughput (token/s): 100.00\n`;

function balancedLog(perRank: number): string {
  let text = '';
  for (let i = 0; i < perRank; i++) for (const dp of [0, 1, 2, 3]) text += PREFILL_LINE(dp);
  return text;
}

describe('usage errors exit 2 with one line on stderr', () => {
  it.each([
    [['--no-such-flag'], /unknown option/],
    [['--format', 'xml'], /--format|Allowed choices/],
    [['--warn-balance', '2'], /--warn-balance must be between 0 and 1/],
    [['--fail-balance', '0.9'], /--fail-balance .* must not exceed --warn-balance/],
    [['--dp-size', 'four'], /--dp-size expects a number/],
    [['check', '--min-batches', '-1'], /--min-batches must be a whole number/],
    // The kernel's memory is 32-bit: a bound past 4 GiB wrapped around and lost lines silently.
    [['--max-line-bytes', '5000000000'], /--max-line-bytes must be at most 268435456/],
  ])('%j', async (args, message) => {
    const { code, stderr, stdout } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });

  it('--help and --version exit 0 and --help lists the exit codes', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
    expect((await runCli(['check', '--help'])).stdout).toContain('--strict');
    expect((await runCli(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('with no path and a terminal on stdin, prints usage and exits 2 instead of waiting', () => {
    const result = spawnSync('script', ['-qec', `${process.execPath} ${CLI}`, '/dev/null'], { cwd: ROOT, encoding: 'utf8', timeout: 10_000 });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('no input');
  });
});

describe('check exit codes', () => {
  it('0 on a balanced log, 2 when nothing was read, 3 on lines without batches, 3 on too few batches', async () => {
    expect((await runCli(['check'], { stdin: balancedLog(50) })).code).toBe(0);
    expect(await runCli(['check'], { stdin: '' })).toEqual({ code: 2, stdout: '', stderr: 'error: stdin: empty: nothing was piped in\n' });
    expect((await runCli(['check'], { stdin: 'hello\nworld\n' })).code).toBe(3);
    expect((await runCli(['check'], { stdin: balancedLog(2) })).code).toBe(3);
  });

  it('warn passes unless --strict', async () => {
    let text = balancedLog(60);
    for (let i = 0; i < 40; i++) text += PREFILL_LINE(0);
    const { json } = await runJson(['-'], { stdin: text });
    expect(json.verdict).toBe('warn');
    expect((await runCli(['check'], { stdin: text })).code).toBe(0);
    expect((await runCli(['check', '--strict'], { stdin: text })).code).toBe(1);
  });

  it('the report itself exits 0 whatever it finds', async () => {
    let text = '';
    for (let i = 0; i < 100; i++) text += PREFILL_LINE(0);
    const { code, stdout } = await runCli(['--dp-size', '4'], { stdin: text });
    expect(code).toBe(0);
    expect(stdout).toContain('Verdict: FAIL');
    expect((await runCli(['check', '--dp-size', '4'], { stdin: text })).code).toBe(1);
  });
});

describe('input errors', () => {
  it('a missing path is reported, the rest is analysed, and the exit code is 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-in-'));
    writeFileSync(join(dir, 'w_prefill_w0.log'), balancedLog(50));
    const { code, stdout, stderr } = await runCli([join(dir, 'w_prefill_w0.log'), join(dir, 'nope.log'), '--format', 'json']);
    expect(code).toBe(2);
    expect(stderr).toContain('nope.log: no such file or directory');
    const json = JSON.parse(stdout);
    expect(json.prefill.batches).toBe(200);
    expect(json.inputs.find((i: { name: string }) => i.name.endsWith('nope.log')).error).toBe('no such file or directory');
  });

  it('a truncated gzip is an input error, and its partial numbers are marked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-gz-'));
    const gz = gzipSync(balancedLog(400));
    writeFileSync(join(dir, 'cut.log.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
    const { code, stdout, stderr } = await runCli(['check', dir, '--format', 'json']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/cut\.log\.gz: corrupt or truncated gzip data/);
    const input = JSON.parse(stdout).inputs[0];
    expect(input.error).toMatch(/truncated/);
    expect(input.lines.linesRead).toBeLessThan(1600);
  });
});

describe('colour', () => {
  it('is off in a pipe, on with --color, off with --no-color and with NO_COLOR', async () => {
    const text = balancedLog(50);
    expect((await runCli([], { stdin: text, env: {} })).stdout).not.toContain('\u001b[');
    expect((await runCli(['--color'], { stdin: text })).stdout).toContain('\u001b[');
    expect((await runCli(['--color', '--no-color'], { stdin: text })).stdout).not.toContain('\u001b[');
    expect((await runCli([], { stdin: text, env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout).not.toContain('\u001b[');
    expect((await runCli(['--format', 'json', '--color'], { stdin: text })).stdout).not.toContain('\u001b[');
  });
});

describe('directories', () => {
  it('reads log names recursively, skips other files and hidden entries, and says what it skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-dir-'));
    const nested = join(dir, 'node1', 'logs');
    mkdirSync(nested, { recursive: true });
    writeFileSync(join(nested, 'n1_prefill_w0.out'), balancedLog(10));
    writeFileSync(join(nested, 'n1_prefill_w0.err'), balancedLog(10));
    writeFileSync(join(dir, 'n2_prefill_w1.log.1.gz'), gzipSync(balancedLog(5)));
    writeFileSync(join(dir, 'n2_config.json'), '{"Prefill batch": 1}\n');
    writeFileSync(join(dir, '.hidden.log'), balancedLog(99));
    const { json } = await runJson([dir]);
    expect(json.inputs.map((i) => i.name.slice(dir.length + 1)).sort()).toEqual(['n2_prefill_w1.log.1.gz', 'node1/logs/n1_prefill_w0.err', 'node1/logs/n1_prefill_w0.out']);
    expect(json.workers.map((w) => w.name).sort()).toEqual(['n1_prefill_w0', 'n2_prefill_w1']);
    expect(json.prefill.batches).toBe(4 * 25);
    expect(json.skippedFiles).toEqual([join(dir, 'n2_config.json')]);
    expect((await runCli([dir])).stdout).toContain('Skipped 1 file whose names are not log names');
  });
});

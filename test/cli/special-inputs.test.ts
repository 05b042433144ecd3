/**
 * Issue 18 item 3: what cannot be planned into byte ranges is read as a stream, and a read error
 * is one line and exit 2. Pipes, FIFOs, process substitution (`<(…)`, `/dev/fd/N`), `/dev/stdin`
 * and character devices were planned like files (an ESPIPE stack trace, exit 1); /proc files,
 * whose size says 0, read as empty; /proc/self/mem gave an EIO stack trace.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.ts';
import { CLI, ROOT, runCli, runJson } from './run-cli.ts';

const ENV = { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', TZ: 'UTC' };
const AFTER = join(ROOT, 'examples/pr7984-after');
const FILES = readdirSync(AFTER).sort().filter((f) => f.includes('prefill')).map((f) => join(AFTER, f));
const FILE = FILES[0] ?? '';

/** bash (without rc files) running `script` with $1 node, $2 the CLI, $3 and $4 two example logs. */
function sh(script: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync('bash', ['--norc', '-c', script, 'bash', process.execPath, CLI, FILE, FILES[1] ?? ''], { env: ENV, timeout: 20_000, cwd: ROOT });
  return { code: result.status, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

/** What a report counted, without the inputs' names. */
function counts(report: Report): unknown {
  return { lines: report.totals.linesRead, batches: report.totals.batchLines, prefill: report.prefill.groups.map((g) => g.ranks.map((r) => [r.rank, r.batches])), verdict: report.verdict };
}

describe('streams', async () => {
  const fromFile = (await runJson([FILE])).json;

  it.each([
    ['a process substitution, check', '"$1" "$2" check <(cat "$3") --format json'],
    ['a FIFO', 'd=$(mktemp -d); mkfifo "$d/f"; cat "$3" > "$d/f" & "$1" "$2" "$d/f" --format json'],
    ['/dev/stdin from a pipe', 'cat "$3" | "$1" "$2" /dev/stdin --format json'],
    ['/dev/stdin from a file', '"$1" "$2" /dev/stdin --format json < "$3"'],
    ['/dev/fd/0 from a pipe, with more than one job', 'cat "$3" | "$1" "$2" /dev/fd/0 --jobs 4 --format json'],
  ])('%s: read as a stream, counted like the file (exit 0)', (_, script) => {
    const { code, stdout, stderr } = sh(script);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(counts(report)).toEqual(counts(fromFile));
    expect(report.inputs[0]?.error).toBeNull();
  });

  it('a process substitution next to a file: each read', () => {
    const { code, stdout } = sh('"$1" "$2" <(cat "$3") "$4" --format json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.inputs).toHaveLength(2);
    expect(report.totals.batchLines).toBeGreaterThan(fromFile.totals.batchLines);
  });

  it('compare <(…) <(…): both sides read', () => {
    const { code, stdout, stderr } = sh('"$1" "$2" compare <(cat "$3") <(cat "$3") --format json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const comparison = JSON.parse(stdout) as { phases: Array<{ phase: string; ranks: Array<{ before: { batches: number } | null; after: { batches: number } | null }> }> };
    const ranks = comparison.phases.find((p) => p.phase === 'prefill')?.ranks ?? [];
    expect(ranks.reduce((sum, r) => sum + (r.before?.batches ?? 0), 0)).toBe(fromFile.prefill.batches);
    expect(ranks.reduce((sum, r) => sum + (r.after?.batches ?? 0), 0)).toBe(fromFile.prefill.batches);
  });

  it('a FIFO nobody writes: Ctrl-C prints the report and exits 130 (the open waiting for a writer does not hold the exit)', async () => {
    const fifo = join(mkdtempSync(join(tmpdir(), 'dpskew-fifo-')), 'f');
    spawnSync('mkfifo', [fifo]);
    const child = spawn(process.execPath, [CLI, fifo, '--format', 'json'], { env: ENV });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    setTimeout(() => child.kill('SIGINT'), 700);
    const bound = setTimeout(() => child.kill('SIGKILL'), 8000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(bound);
    expect(code).toBe(130);
    expect((JSON.parse(stdout) as Report).inputs[0]?.error).toMatch(/interrupted/);
  }, 15_000);

  it('relative --since on a pipe is refused (it cannot be read twice)', () => {
    const { code, stderr } = sh('"$1" "$2" <(cat "$3") --skip-warmup 1m');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: --since\/--until relative to the log .* can be read once; use absolute times\n$/);
  });
});

describe.runIf(existsSync('/proc/self/status'))('odd files', () => {
  it('a /proc file (size 0) is read as a stream, not as empty', async () => {
    const { result, json } = await runJson(['/proc/self/status']);
    expect(result.code).toBe(0);
    expect(json.totals.linesRead).toBeGreaterThan(10);
    expect(json.inputs[0]?.bytes).toBeGreaterThan(100);
  });

  it('/proc/self/mem: nothing read, so no report: the read error in one line on stderr, exit 2, no stack', async () => {
    const result = await runCli(['/proc/self/mem', '--format', 'json']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: \/proc\/self\/mem: .*EIO.*\n$/);
  });

  it('/dev/null is an empty stream: nothing read, one line, exit 2', async () => {
    expect(await runCli(['/dev/null', '--format', 'json'])).toEqual({ code: 2, stdout: '', stderr: 'error: /dev/null: empty file\n' });
  });

  it('/dev/zero is read as a stream until Ctrl-C, its one endless line skipped without being held', async () => {
    const child = spawn(process.execPath, [CLI, '/dev/zero', '--format', 'json', '--jobs', '2'], { env: ENV });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const rss: number[] = [];
    const sample = setInterval(() => {
      const status = spawnSync('cat', [`/proc/${child.pid}/status`]).stdout.toString();
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      if (kb > 0) rss.push(kb);
    }, 200);
    setTimeout(() => child.kill('SIGINT'), 2000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(sample);
    expect(code).toBe(130);
    const report = JSON.parse(stdout) as Report;
    expect(report.interrupted).toBe(true);
    expect(report.totals.bytes).toBeGreaterThan(100 << 20);
    expect(report.totals.oversized).toBe(1);
    expect(Math.max(...rss)).toBeLessThan(200 * 1024);
  }, 20_000);
});

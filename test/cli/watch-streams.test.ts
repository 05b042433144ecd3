/**
 * Issue 18, `dpskew watch` on what it cannot follow, and on a terminal that is taken away:
 * - item 3: a FIFO, a process substitution (`<(…)`) or `/dev/stdin` is streamed like stdin (the
 *   watch ends with the final report when they end), never watched as 0 inputs; a path that does
 *   not exist is refused with one line, exit 2;
 * - item 12: SIGTERM and SIGHUP leave the alternate screen and show the cursor again, and exit
 *   128 + the signal.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli } from './run-cli.ts';

const ENV = { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', TZ: 'UTC' };
const AFTER = join(ROOT, 'examples/pr7984-after');
const FILE = join(AFTER, readdirSync(AFTER).sort().find((f) => f.includes('prefill')) ?? '');
const hasScript = spawnSync('sh', ['-c', 'command -v script']).status === 0;

/** The `final` NDJSON object's report. */
function finalReport(stdout: string): { inputs: Array<{ name: string; error: string | null }>; prefill: { batches: number } } {
  const last = stdout.trim().split('\n').at(-1) ?? '{}';
  const parsed = JSON.parse(last) as { kind: string; outcome: string; report: ReturnType<typeof finalReport> };
  expect(parsed).toMatchObject({ kind: 'final', outcome: 'ended' });
  return parsed.report;
}

function sh(script: string, input?: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync('bash', ['--norc', '-c', script, 'bash', process.execPath, CLI, FILE], { env: ENV, input: input ?? '', timeout: 20_000, cwd: ROOT });
  return { code: result.status, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

describe('watch streams what it cannot follow', () => {
  const oneOff = JSON.parse(spawnSync(process.execPath, [CLI, FILE, '--format', 'json'], { env: ENV }).stdout.toString()) as { prefill: { batches: number } };

  it.each([
    ['a process substitution', '"$1" "$2" watch --interval 0.1s <(cat "$3")'],
    ['a FIFO', 'd=$(mktemp -d); mkfifo "$d/f"; cat "$3" > "$d/f" & "$1" "$2" watch --interval 0.1s "$d/f"'],
    ['/dev/stdin from a pipe', 'cat "$3" | "$1" "$2" watch --interval 0.1s /dev/stdin'],
    ['two process substitutions', '"$1" "$2" watch --interval 0.1s <(cat "$3") <(cat "$3")'],
  ])('%s: read as it arrives, and when it ends the final report (exit 0) has its every batch', (name, script) => {
    const { code, stdout, stderr } = sh(script);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = finalReport(stdout);
    expect(report.inputs.length).toBe(name.startsWith('two') ? 2 : 1);
    expect(report.prefill.batches).toBe(oneOff.prefill.batches * report.inputs.length);
    expect(report.inputs.every((i) => i.error === null)).toBe(true);
  });

  it('a path that does not exist: one line, exit 2, nothing watched', async () => {
    const { code, stdout, stderr } = await runCli(['watch', '/no/such/file.log']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('error: /no/such/file.log: no such file or directory (watch follows files and directories that exist; to wait for a log to appear, watch its directory)\n');
  });
});

/** Runs a live watch on a terminal (script(1) gives it one), sends `signal` once it has drawn, and returns what the terminal got. */
function liveWatchSignalled(signal: 'SIGTERM' | 'SIGHUP'): Promise<{ code: number | null; screen: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'dpskew-tty-'));
  writeFileSync(join(dir, 'w.log'), readFileSync(FILE));
  const command = `echo $$ > '${dir}/pid'; exec '${process.execPath}' '${CLI}' watch '${dir}' --interval 0.2s`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...ENV, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  let sent = false;
  child.stdout.on('data', (c: Buffer) => {
    screen += c.toString('latin1');
    if (!sent && screen.includes('\u001b[?1049h') && screen.includes('DP0')) {
      sent = true;
      process.kill(Number(readFileSync(join(dir, 'pid'), 'utf8').trim()), signal);
    }
  });
  const bound = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(bound);
      resolve({ code, screen });
    });
  });
}

describe.runIf(hasScript)('watch on a terminal', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s: the alternate screen is left, the cursor shown again, exit %i', async (signal, code) => {
    const result = await liveWatchSignalled(signal);
    expect(result.code).toBe(code);
    const after = result.screen.slice(result.screen.lastIndexOf('\u001b[?1049h'));
    expect(after).toContain('\u001b[?25h\u001b[?1049l');
  }, 20_000);
});

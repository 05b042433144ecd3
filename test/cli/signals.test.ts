/** Ctrl-C prints the partial report, marked partial, and exits 130, in every phase; a second one exits at once. */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, createReadStream, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from './run-cli.ts';

const line = (dp: number) =>
  `[2026-04-14 10:00:00 DP${dp} TP${dp}] Prefill batch, #new-seq: 1, #new-token: 10, #cached-token: 0, #running-req: 0, #queue-req: 0\n`;

function interrupted(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // stdin stays open, like `kubectl logs -f | dpskew`
    for (let i = 0; i < 100; i++) child.stdin.write(line(i % 2));
    setTimeout(() => child.kill('SIGINT'), 700);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('Ctrl-C', () => {
  it('prints what was read, marked interrupted, and exits 130 (JSON)', async () => {
    const { code, stdout } = await interrupted(['--format', 'json']);
    expect(code).toBe(130);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ interrupted: true, prefill: { batches: 100 } });
    expect(report.inputs[0].error).toMatch(/interrupted/);
  }, 20_000);

  it('marks the table partial', async () => {
    const { code, stdout } = await interrupted([]);
    expect(code).toBe(130);
    expect(stdout).toContain('PARTIAL: interrupted (Ctrl-C, or a summary of an interrupted run)');
  }, 20_000);
});

/**
 * Ctrl-C after reading (issue 18, item 8). The run is held at a known point after reading and
 * analysis: `--save` to a FIFO blocks in its synchronous open until the test opens the other end,
 * so a signal sent meanwhile arrives while JavaScript is busy, as during a long analysis.
 */
describe('Ctrl-C after reading', () => {
  const lines = Array.from({ length: 40 }, (_, i) => line(i % 4)).join('');

  function wchanOf(pid: number | undefined): string {
    try {
      return readFileSync(`/proc/${pid}/wchan`, 'utf8');
    } catch {
      return '';
    }
  }

  /** Bytes read from a non-blocking fd (0: none yet, after a short wait; -1: the writer is gone). */
  async function readSome(fd: number): Promise<number> {
    try {
      const n = readSync(fd, Buffer.alloc(1 << 16));
      return n === 0 ? -1 : n;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      await new Promise((r) => setTimeout(r, 20));
      return 0;
    }
  }

  function heldRun(signals: number): Promise<{ code: number | null; stdout: string; saved: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-signals-'));
    const log = join(dir, 'node_prefill_w0.out');
    writeFileSync(log, lines);
    const fifo = join(dir, 'summary.fifo');
    execFileSync('mkfifo', [fifo]);
    const child = spawn(process.execPath, [CLI, log, '--format', 'json', '--save', fifo], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        // Blocked opening the FIFO (Linux names the wait), or, where that cannot be read, surely there after 5 s.
        const wchan = wchanOf(child.pid);
        if (wchan !== 'wait_for_partner' && Date.now() - started < (wchan === '' ? 5000 : 20_000)) return;
        clearInterval(poll);
        // Presses 200 ms apart, as a person's are (two signals sent at once may arrive as one).
        for (let k = 0; k < signals; k++) setTimeout(() => child.kill('SIGINT'), k * 200);
        let saved = '';
        setTimeout(() => {
          createReadStream(fifo)
            .on('data', (c) => (saved += c.toString()))
            .on('error', reject);
        }, signals * 200);
        child.on('close', (code) => {
          rmSync(dir, { recursive: true, force: true });
          resolve({ code, stdout, saved });
        });
      }, 20);
    });
  }

  it('during analysis: the report is printed, marked interrupted, its input read whole, and the exit is 130', async () => {
    const { code, stdout, saved } = await heldRun(1);
    expect(code).toBe(130);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ interrupted: true, prefill: { batches: 40 } });
    expect(report.inputs[0].error).toBeNull();
    expect(JSON.parse(saved).format).toBe('dpskew-summary');
  }, 30_000);

  it('a second Ctrl-C exits at once, with 130 and nothing printed', async () => {
    const { code, stdout } = await heldRun(2);
    expect(code).toBe(130);
    expect(stdout).toBe('');
  }, 30_000);

  it('while the report is written: 130', async () => {
    // stdout is a FIFO nobody reads yet: writing the report blocks once the pipe is full.
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-signals-'));
    const log = join(dir, 'node_prefill_w0.out');
    writeFileSync(log, Array.from({ length: 4000 }, (_, i) => line(i % 400)).join(''));
    const fifo = join(dir, 'stdout.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, 'w');
    const child = spawn(process.execPath, [CLI, log, '--format', 'json', '--by', 'worker'], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1' }, stdio: ['ignore', writer, 'pipe'] });
    closeSync(writer);
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Once the report starts coming out, the rest waits for the pipe: Ctrl-C then.
    let bytes = 0;
    while (bytes === 0) bytes = await readSome(reader);
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 200));
    while ((await readSome(reader)) !== -1);
    closeSync(reader);
    const code = await closed;
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(130);
  }, 30_000);
});

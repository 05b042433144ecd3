/** Ctrl-C prints the partial report, marked partial, and exits 130. */
import { spawn } from 'node:child_process';
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
    expect(stdout).toContain('PARTIAL: interrupted before all input was read');
  }, 20_000);
});

/** Runs the built CLI (dist/cli.cjs) the way a user would, with a clean, colourless environment. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Report } from '../../src/model/report.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = fileURLToPath(new URL('../../dist/cli.cjs', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: readonly string[], options: { stdin?: Buffer | string; env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', TZ: 'UTC', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => {}); // the CLI may exit before reading all of stdin
    child.stdin.end(options.stdin ?? '');
  });
}

/** `--format json` output, parsed (findings also carry `message` and `advice`). */
export async function runJson(args: readonly string[], options: Parameters<typeof runCli>[1] = {}): Promise<{ result: CliResult; json: Report }> {
  const result = await runCli([...args, '--format', 'json'], options);
  const json: Report = JSON.parse(result.stdout);
  return { result, json };
}

/** Batches per rank of the first group of a phase, as { DP0: n, … }. */
export function batchesByRank(report: Report, phase: 'prefill' | 'decode' = 'prefill'): Record<string, number> {
  return Object.fromEntries((report[phase].groups[0]?.ranks ?? []).map((r) => [`DP${r.rank}`, r.batches]));
}

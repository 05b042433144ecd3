/**
 * `dpskew watch` end to end: a writer process appends the PR #7984 prefill logs line by line into
 * a watched directory, rotating one file by rename and another by copy-and-truncate on the way.
 * The "before" run raises the alert within the hold time; the "after" run does not, and Ctrl-C then
 * prints the final whole-run report with the exact totals a batch run gives. Each test is bounded.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli } from './run-cli.ts';

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** ms from start to exit */
  readonly ms: number;
  /** ms from start until the writer was done */
  readonly writerMs: number | null;
}

const WRITER = join(ROOT, 'test', 'helpers', 'replay-writer.mjs');

/** Starts the watch on a fresh directory and the writer into it; SIGINT `stopAfterWriterMs` after the writer is done. */
function replay(set: string, args: readonly string[], stopAfterWriterMs: number): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'dpskew-watch-'));
  const started = Date.now();
  const watcher = spawn(process.execPath, [CLI, 'watch', dir, '--interval', '0.2s', ...args], { env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', TZ: 'UTC' } });
  let writer: ReturnType<typeof spawn> | null = null;
  let stdout = '';
  let stderr = '';
  let writerMs: number | null = null;
  watcher.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    // The writer starts once the watch is up (its first snapshot), so rotations happen under it.
    if (writer !== null) return;
    writer = spawn(process.execPath, [WRITER, join(ROOT, 'examples', set), dir, '100', '50', '600']);
    writer.stdout?.once('data', () => {
      writerMs = Date.now() - started;
      setTimeout(() => watcher.kill('SIGINT'), stopAfterWriterMs);
    });
  });
  watcher.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const bound = setTimeout(() => watcher.kill('SIGKILL'), 25_000);
  return new Promise((resolve) => {
    watcher.on('close', (code) => {
      clearTimeout(bound);
      writer?.kill();
      resolve({ code, stdout, stderr, ms: Date.now() - started, writerMs });
    });
  });
}

function lines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('dpskew watch', () => {
  it('the "before" log raises the alert within the hold time (exit 1, the finding on stderr and in the stream)', async () => {
    const { code, stderr, stdout, ms } = await replay('pr7984-before', ['--alert', '--for', '1s'], 10_000);
    expect(code).toBe(1);
    // The skew's fail-level findings (BATCH_SKEW, and QUEUED_WHILE_PEER_IDLE when it holds as long).
    expect(stderr).toMatch(/alert: (BATCH_SKEW: Prefill batches are skewed|QUEUED_WHILE_PEER_IDLE: Prefill)/);
    // The skew shows within a few hundred lines; the hold is 1 s: far less than the 10-s stop.
    expect(ms).toBeLessThan(8_000);
    const objects = lines(stdout);
    expect(objects.every((o) => o['schemaVersion'] === 2)).toBe(true);
    expect(objects.filter((o) => o['kind'] === 'alert').length).toBeGreaterThan(0);
    expect(objects.at(-1)?.['kind']).toBe('final');
  }, 30_000);

  it('the "after" log does not alert; Ctrl-C prints the final report with the exact totals, across a rename and a copy-truncate rotation', async () => {
    const { code, stdout, writerMs } = await replay('pr7984-after', ['--alert', '--for', '1s'], 1_500);
    expect(writerMs).not.toBeNull();
    expect(code).toBe(130);
    const objects = lines(stdout);
    expect(objects.filter((o) => o['kind'] === 'alert')).toHaveLength(0);
    const snapshots = objects.filter((o) => o['kind'] === 'snapshot');
    expect(snapshots.length).toBeGreaterThan(3);
    // Both rotations happened under the watch, not before it started.
    expect(snapshots.at(-1)).toMatchObject({ rotations: 1, truncations: 1 });
    const final = objects.at(-1) as { kind: string; outcome: string; report: { verdict: string; prefill: { groups: Array<{ ranks: Array<{ batches: number }> }> } } };
    expect(final).toMatchObject({ kind: 'final', outcome: 'interrupted', report: { verdict: 'ok', interrupted: true } });
    expect(final.report.prefill.groups[0]?.ranks.map((r) => r.batches)).toEqual([1936, 1931, 1923, 1929]);
  }, 30_000);

  it('--alert-exec runs a command with the finding in its environment, and keeps watching', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dpskew-exec-')), 'alert.txt');
    const { code } = await replay('pr7984-before', ['--alert-exec', `printf '%s %s %s\\n' "$DPSKEW_CODE" "$DPSKEW_LEVEL" "$DPSKEW_VERDICT" >> ${out}`, '--for', '0.5s'], 1_500);
    expect(code).toBe(130);
    expect(readFileSync(out, 'utf8')).toContain('BATCH_SKEW fail fail');
  }, 30_000);

  it('stdin: every interval a snapshot, and when stdin ends the final report (exit 0) with the one-off totals', async () => {
    const input = readFileSync(join(ROOT, 'examples', 'pr7984-after', 'gb200-p01_prefill_w0.out'));
    const { code, stdout } = await runCli(['watch', '--interval', '0.2s', '--name', 'p01'], { stdin: input });
    expect(code).toBe(0);
    const objects = lines(stdout);
    const final = objects.at(-1) as { kind: string; outcome: string; report: { inputs: Array<{ worker: string; lines: { linesRead: number } }> } };
    expect(final).toMatchObject({ kind: 'final', outcome: 'ended' });
    expect(final.report.inputs[0]).toMatchObject({ worker: 'p01', lines: { linesRead: 3013 } });
    const once = await runCli(['--format', 'json', '--name', 'p01'], { stdin: input });
    expect(JSON.stringify(final.report)).toBe(JSON.stringify(JSON.parse(once.stdout)));
  }, 30_000);

  it('one-off outputs are refused (exit 2)', async () => {
    const { code, stderr } = await runCli(['watch', '--save', 'summary.json', 'fixtures']);
    expect(code).toBe(2);
    expect(stderr).toContain('watch: --save is for one-off runs');
  });
});


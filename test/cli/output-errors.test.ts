/**
 * Issue 18 item 10: an output that cannot be written (a full disk, an I/O error) is one line on
 * stderr and exit 2, never a stack trace and never 1 (the code `check` and `watch --alert` use for
 * findings). /dev/full fails every write with ENOSPC.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from './run-cli.ts';

const ENV = { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', TZ: 'UTC' };
const BEFORE = join(ROOT, 'examples/pr7984-before');

/** Runs the CLI with stdout on /dev/full. */
function toFullDisk(args: readonly string[], input = ''): { code: number | null; stderr: string } {
  const full = openSync('/dev/full', 'w');
  try {
    const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env: ENV, input, stdio: ['pipe', full, 'pipe'], timeout: 20_000 });
    return { code: result.status, stderr: result.stderr.toString() };
  } finally {
    closeSync(full);
  }
}

describe.runIf(existsSync('/dev/full'))('a full disk on stdout', () => {
  it.each([
    ['check (a fail verdict)', ['check', BEFORE]],
    ['the report', [BEFORE, '--format', 'json']],
    ['--help', ['--help']],
  ])('%s: one line on stderr, exit 2', (_, args) => {
    const { code, stderr } = toFullDisk(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: cannot write to standard output \(ENOSPC: no space left on device\)\n$/);
  });

  it('watch: exit 2, not the alert code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-full-'));
    writeFileSync(join(dir, 'w.log'), '');
    const { code, stderr } = toFullDisk(['watch', '--interval', '100ms', '-'], 'a line\n');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: cannot write to standard output/);
    expect(stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
  });
});

/**
 * The guess that starts a read worker before the command line is parsed (src/read/prestart.ts):
 * yes only for the report and `check` commands on enough plain-file bytes for readSources to start
 * workers, and a worker started for nothing does not keep the CLI from exiting.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { argvWantsReadWorker } from '../../src/startup/prestart.ts';
import { filesUseWorkers } from '../../src/input/threads.ts';
import { runCli } from '../cli/run-cli.ts';

const MiB = 1 << 20;
let dir = '';

/** A sparse file of `mib` MiB (no disk used); `gzip` starts it with gzip's magic bytes. */
function sparse(path: string, mib: number, gzip = false): string {
  closeSync(openSync(path, 'w'));
  if (gzip) writeFileSync(path, Buffer.from([0x1f, 0x8b, 8, 0]));
  truncateSync(path, mib * MiB);
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dpskew-prestart-'));
  sparse(join(dir, 'big.out'), 400);
  sparse(join(dir, 'small.out'), 10);
  sparse(join(dir, 'big.out.gz'), 400, true);
  mkdirSync(join(dir, 'logs', 'node1'), { recursive: true });
  for (let i = 0; i < 4; i++) sparse(join(dir, 'logs', 'node1', `w${i}.out`), 100);
  sparse(join(dir, 'logs', 'notes.json'), 400); // not a log name: not read from a directory
  mkdirSync(join(dir, 'hidden', '.cache'), { recursive: true });
  sparse(join(dir, 'hidden', '.cache', 'w.out'), 400);
});

describe('argvWantsReadWorker', () => {
  it('agrees with readSources on when plain files start workers', () => {
    expect(filesUseWorkers(400 * MiB, 2)).toBe(true);
    expect(filesUseWorkers(10 * MiB, 2)).toBe(false);
    expect(filesUseWorkers(400 * MiB, 1)).toBe(false);
  });

  it.each([
    [['big.out'], 2, true],
    [['check', 'big.out', '--strict'], 2, true],
    [['logs'], 2, true],
    [['small.out'], 2, false],
    [['big.out'], 1, false],
    [['big.out', '--jobs', '1'], 2, false],
    [['big.out', '-j1'], 2, false],
    [['big.out', '--jobs=1'], 2, false],
    [['small.out', '-j', '4'], 2, false],
    [['big.out.gz'], 2, false],
    [['hidden'], 2, false],
    [['-'], 2, false],
    [[], 2, false],
    [['big.out', '--help'], 2, false],
    [['watch', 'big.out'], 2, false],
    [['compare', 'big.out', 'big.out'], 2, false],
    [['--since', '10m', 'no-such-file'], 2, false],
  ])('%j with %i default jobs: %s', (args, jobs, expected) => {
    expect(argvWantsReadWorker(args.map((a) => (a.includes('.out') || a === 'logs' || a === 'hidden' ? join(dir, a) : a)), jobs)).toBe(expected);
  });

  it('a worker started for a run that then fails does not hold the exit up', async () => {
    const started = performance.now();
    const { code, stderr } = await runCli([join(dir, 'big.out'), '--format', 'xml']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--format|Allowed choices/);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

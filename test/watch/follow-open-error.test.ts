/** A followed file that cannot be opened is its input's error, never silently unread. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// Opening a file named `…locked…` fails as it does past the open-file limit (root cannot be denied by permissions).
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const openSync = (path: Parameters<typeof fs.openSync>[0], ...rest: unknown[]): number => {
    if (String(path).includes('locked')) throw Object.assign(new Error(`EMFILE: too many open files, open '${String(path)}'`), { code: 'EMFILE' });
    return (fs.openSync as (...args: unknown[]) => number)(path, ...rest);
  };
  return { ...fs, default: { ...fs, openSync }, openSync };
});

const { Follower } = await import('../../src/watch/follow.ts');

describe('Follower, a file it cannot open', () => {
  it('reports it in the input error and reads the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-follow-'));
    const line = '[2026-04-14 10:00:00 DP0 TP0] Prefill batch, #new-seq: 1, #new-token: 10, #cached-token: 0, #running-req: 0, #queue-req: 0\n';
    writeFileSync(join(dir, 'a_prefill_w0.out'), line.repeat(2));
    writeFileSync(join(dir, 'locked_prefill_w1.out'), line.repeat(3));
    const f = new Follower([dir], { engine: 'auto', patterns: [], timezone: 'UTC', maxLineBytes: 1 << 20, range: null }, dir);
    await f.poll();
    const inputs = f.inputs();
    expect(inputs.map((i) => [i.name.slice(dir.length + 1), i.lines.linesRead, i.error === null ? null : i.error.slice(0, 6)])).toEqual([
      ['a_prefill_w0.out', 2, null],
      ['locked_prefill_w1.out', 0, 'EMFILE'],
    ]);
  });
});

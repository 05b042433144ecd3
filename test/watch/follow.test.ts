/** The follower in-process: growth, rename rotation, copytruncate, truncation, new files, stdin chunks. */
import { appendFileSync, copyFileSync, mkdtempSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Follower, unrotated } from '../../src/watch/follow.ts';

const settings = { engine: 'auto', patterns: [], timezone: 'UTC', maxLineBytes: 1 << 20, range: null } as const;
const line = (dp: number, q = 0): string => `[2026-04-14 10:00:00 DP${dp} TP${dp}] Prefill batch, #new-seq: 1, #new-token: 10, #cached-token: 0, #running-req: 0, #queue-req: ${q}\n`;

function batches(f: Follower): number {
  return [...f.workers.values()].reduce((n, w) => n + w.phases.prefill.lines, 0);
}

describe('Follower', () => {
  it('reads growth, a rename rotation (old file drained), a copytruncate (copy tail read) and a plain truncation, each line once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-follow-'));
    const a = join(dir, 'a_prefill_w0.out');
    const b = join(dir, 'b_prefill_w1.out');
    writeFileSync(a, line(0).repeat(3));
    writeFileSync(b, line(1).repeat(2));
    const f = new Follower([dir], settings, dir);
    await f.poll();
    expect(batches(f)).toBe(5);
    // rename: two more lines land in the old file, then a new file starts
    appendFileSync(a, line(0).repeat(2));
    renameSync(a, `${a}.1`);
    writeFileSync(a, line(0));
    // copytruncate: the copy holds two lines not read yet, then the original is emptied
    appendFileSync(b, line(1).repeat(2));
    copyFileSync(b, `${b}.1`);
    truncateSync(b, 0);
    appendFileSync(b, line(1));
    await f.poll();
    expect(batches(f)).toBe(5 + 2 + 1 + 2 + 1);
    expect(f.events()).toEqual({ rotations: 1, truncations: 1 });
    // a truncation hidden by rewriting as much as before (noticed by the changed first bytes), and a new file
    truncateSync(a, 0);
    appendFileSync(a, line(0, 7));
    writeFileSync(join(dir, 'c_prefill_w2.out'), line(2));
    await f.poll();
    f.finish();
    expect(batches(f)).toBe(11 + 1 + 1);
    expect(f.inputs().map((i) => i.name.slice(dir.length + 1))).toEqual(['a_prefill_w0.out', 'b_prefill_w1.out', 'c_prefill_w2.out']);
  });

  it('copytruncate of a file watched by name (its copy never listed) still reads what only the copy holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-follow-'));
    const b = join(dir, 'b_prefill_w1.out');
    writeFileSync(b, line(1).repeat(2));
    const f = new Follower([b], settings, dir);
    await f.poll();
    appendFileSync(b, line(1).repeat(2));
    copyFileSync(b, `${b}.1`);
    truncateSync(b, 0);
    appendFileSync(b, line(1, 3));
    await f.poll();
    f.finish();
    expect(batches(f)).toBe(5);
  });

  it('reads rotated copies present at the start (they are part of the run), and stdin chunks split anywhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-follow-'));
    writeFileSync(join(dir, 'a.out.1'), line(0));
    writeFileSync(join(dir, 'a.out'), line(0));
    const f = new Follower([dir], settings, dir);
    const stdin = f.addStream('-', 'stdin');
    const text = Buffer.from(line(1) + line(1));
    stdin.push(text.subarray(0, 7));
    stdin.push(text.subarray(7));
    stdin.end();
    await f.poll();
    expect(batches(f)).toBe(4);
  });

  it.each([
    ['read plainly', settings],
    ['with --split auto (8 lines decide)', { ...settings, split: 'auto' as const }],
  ])('hundreds of idle files hold a handful of kernels, not one each, and every line is counted once (%s)', async (_label, with_) => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-follow-'));
    const files = Array.from({ length: 200 }, (_, i) => join(dir, `w${i}_prefill.out`));
    for (const [i, file] of files.entries()) writeFileSync(file, line(i % 4).repeat(8));
    // Each kernel is a WebAssembly instance (~1 MiB resident, 16.5 MiB mapped): count the ones made.
    const wasm = (globalThis as unknown as { WebAssembly: { Instance: new (module: unknown, imports?: unknown) => object } }).WebAssembly;
    const Real = wasm.Instance;
    let made = 0;
    wasm.Instance = class extends Real {
      constructor(module: unknown, imports?: unknown) {
        super(module, imports);
        made++;
      }
    };
    try {
      const f = new Follower([dir], with_, dir);
      await f.poll();
      expect(batches(f)).toBe(1600);
      for (const file of files) appendFileSync(file, line(1).repeat(2));
      // One file's last line arrives in two writes: it is not given back while a line is pending.
      const torn = line(3);
      appendFileSync(files[7] ?? '', torn.slice(0, 20));
      await f.poll();
      expect(batches(f)).toBe(2000);
      appendFileSync(files[7] ?? '', torn.slice(20));
      await f.poll();
      f.finish();
      expect(batches(f)).toBe(2001);
      expect(f.inputs().reduce((n, i) => n + i.lines.linesRead, 0)).toBe(2001);
      expect(made).toBeLessThanOrEqual(8);
    } finally {
      wasm.Instance = Real;
    }
  });

  it('files of a few lines, waiting for enough to tell their envelope, each hold what they hold', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-follow-'));
    for (let i = 0; i < 400; i++) writeFileSync(join(dir, `w${i}_prefill.out`), line(i % 4).repeat(3));
    const before = process.memoryUsage().arrayBuffers;
    const f = new Follower([dir], { ...settings, split: 'auto' }, dir);
    await f.poll();
    // Undecided (3 lines < 8): every file's reader holds its bytes. 64 KiB each would be 25 MiB.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 << 20);
    f.finish();
    expect(batches(f)).toBe(1200);
  });

  it.each([
    ['x.log.1', 'x.log'],
    ['x.log.2.gz', 'x.log'],
    ['x.log-20260414', 'x.log'],
    ['x.log', 'x.log'],
    ['node1_prefill_w0.out', 'node1_prefill_w0.out'],
  ])('unrotated(%s) = %s', (name, base) => {
    expect(unrotated(name)).toBe(base);
  });
});

/** Hostile inputs: each gives a clear message and correct numbers for the rest. */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchesByRank, runCli, runJson } from './run-cli.ts';

const prefill = (dp: number | string, queue: number | string = 0, second = 0) =>
  `[2026-04-14 10:${String(Math.floor(second / 60) % 60).padStart(2, '0')}:${String(second % 60).padStart(2, '0')} DP${dp} TP0] Prefill batch, #new-seq: 1, #new-token: 100, #cached-token: 0, #running-req: 0, #queue-req: ${queue}\n`;

describe('hostile input', () => {
  it('a 100 MB line is counted as oversized without being held, and the lines around it count', async () => {
    const huge = Buffer.alloc(100 * 1024 * 1024, 0x78);
    const { json } = await runJson(['-'], { stdin: Buffer.concat([Buffer.from(prefill(0)), huge, Buffer.from(`\n${prefill(1)}`)]) });
    expect(json.totals).toMatchObject({ linesRead: 3, oversized: 1, batchLines: 2 });
    expect(batchesByRank(json)).toEqual({ DP0: 1, DP1: 1 });
  }, 60_000);

  it('NUL bytes and invalid UTF-8 are tolerated and counted', async () => {
    const bad = Buffer.concat([Buffer.from('[2026-04-14 10:00:00 DP1 TP0] Prefill batch, #new-seq: 1, #new-token: 100, #cached-token: 0, \u0000x'), Buffer.from([0xff, 0xfe]), Buffer.from(', #queue-req: 3\n')]);
    const { json } = await runJson(['-'], { stdin: Buffer.concat([Buffer.from(prefill(0)), bad, Buffer.from('\u0000\u0000\u0000\n')]) });
    expect(json.totals).toMatchObject({ linesRead: 3, batchLines: 2, invalidUtf8: 1, ignored: 1 });
  });

  it('tens of thousands of distinct ranks are capped with a finding, quickly', async () => {
    const text = Array.from({ length: 30_000 }, (_, i) => prefill(i)).join('');
    const started = Date.now();
    const { json } = await runJson(['-'], { stdin: text });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(json.prefill.groups[0]?.ranks.length).toBe(4096);
    expect(json.findings).toContainEqual(expect.objectContaining({ code: 'TOO_MANY_RANKS', lines: 30_000 - 4096 }));
    expect(json.totals.batchLines).toBe(30_000);
  }, 60_000);

  it('numbers beyond 2^53, negative and non-numeric counters are unparseable, never wrong numbers', async () => {
    const text = prefill(0, 5) + prefill(0, '99999999999999999999') + prefill(1, '-3') + prefill(1, 'many') + prefill(2, 7);
    const { json } = await runJson(['-'], { stdin: text });
    expect(json.totals).toMatchObject({ batchLines: 2, unparseable: 3 });
    expect(json.prefill.groups[0]?.ranks.map((r) => r.queue.max)).toEqual([5, null, 7]);
  });

  it('timestamps going backwards give the same report as in order', async () => {
    const lines = Array.from({ length: 200 }, (_, i) => prefill(i % 4, i % 7, i));
    const forward = (await runJson(['-'], { stdin: lines.join('') })).json;
    const backward = (await runJson(['-'], { stdin: [...lines].reverse().join('') })).json;
    expect(backward.prefill).toEqual(forward.prefill);
    expect(backward.windows).toEqual(forward.windows);
  });

  it('empty files, a symlink loop and a dangling link inside a directory: each reported, the rest analysed, check exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-hostile-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'n_prefill_w0.log'), Array.from({ length: 40 }, (_, i) => prefill(i % 2)).join(''));
    writeFileSync(join(dir, 'empty.log'), '');
    symlinkSync(dir, join(dir, 'sub', 'back-to-top'));
    symlinkSync(join(dir, 'loop.log'), join(dir, 'loop.log'));
    const { code, stdout, stderr } = await runCli(['check', dir, '--format', 'json']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/loop\.log: too many levels of symbolic links/);
    const json = JSON.parse(stdout);
    expect(json.prefill.batches).toBe(40);
    expect(json.inputs.find((i: { name: string }) => i.name.endsWith('empty.log'))?.lines.linesRead).toBe(0);
  });

  it('control characters from file names and lines never reach the terminal raw', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-esc-'));
    writeFileSync(join(dir, 'evil\u001b[2Jname.log'), `${prefill(0)}[2026-04-14 10:00:00 DP0 TP0] Prefill batch, #new-seq: 1, \u001b]0;pwned\u0007 #new-tok\n`);
    const { stdout } = await runCli([dir]);
    expect(stdout.includes('\u001b') || stdout.includes('\u0007')).toBe(false);
    expect(stdout).toContain('\\x1b');
    const md = await runCli([dir, '--format', 'markdown']);
    expect(md.stdout.includes('\u001b') || md.stdout.includes('\u0007')).toBe(false);
  });
});

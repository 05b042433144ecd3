/**
 * Issue 18 item 5: a file that changes while it is read is reported, never passed off as read
 * whole. Each byte range used to reopen the path, so a file truncated or replaced mid-read gave
 * partial or mixed numbers with `error: null` (34/77/222 of 274 MB read, exit 0), `--jobs 1` too.
 * Now one descriptor serves all of a file's ranges, and the file is checked when they are done.
 * The change is made as soon as the first range is read (the progress callback), deterministically.
 */
import { appendFileSync, mkdtempSync, openSync, readFileSync, renameSync, truncateSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/options/options.ts';
import { run, type RunResult } from '../../src/cli/run.ts';
import { Readable } from 'node:stream';

const line = (i: number): string =>
  `[2026-04-14 10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} DP${i % 4} TP${i % 4}] Prefill batch, #new-seq: 1, #new-token: 100, #cached-token: 0, token usage: 0.01, #running-req: 0, #queue-req: ${i % 7}\n`;
const LOG = Array.from({ length: 20_000 }, (_, i) => line(i)).join('');
/** The same size, other lines (DP rank shifted): mixed in, it would move counts between ranks. */
const OTHER = LOG.replace(/ DP(\d) TP/g, (_, d: string) => ` DP${(Number(d) + 1) % 4} TP`).replace(/#queue-req: (\d)/g, '#queue-req: 9');

/** Lets the clock move on, so a rewrite gets another modification time than the plan saw. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

async function readChanging(change: (path: string) => void, jobs: string): Promise<{ result: RunResult; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'dpskew-change-'));
  const path = join(dir, 'w.log');
  writeFileSync(path, LOG);
  let changed = false;
  const result = await run([path], parseOptions({ jobs }), {
    stdin: Readable.from([]),
    cwd: dir,
    tuning: { taskBytes: 100_000 },
    onProgress: () => {
      if (changed) return;
      changed = true;
      pause(20);
      change(path);
    },
  });
  return { result, path };
}

describe.each(['1', '2'])('a file that changes while it is read (--jobs %s)', (jobs) => {
  const whole = async (): Promise<RunResult> => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-change-whole-'));
    writeFileSync(join(dir, 'w.log'), LOG);
    return run([join(dir, 'w.log')], parseOptions({ jobs }), { stdin: Readable.from([]), cwd: dir, tuning: { taskBytes: 100_000 } });
  };

  it('truncated: reported as shrunk', async () => {
    const { result } = await readChanging((path) => truncateSync(path, LOG.length / 4), jobs);
    expect(result.report.inputs[0]?.error).toMatch(/^changed while it was read: it shrank from \d+ to \d+ bytes \(truncated\?\), so only part of it was read$/);
    expect(result.inputErrors).toHaveLength(1);
  });

  it('replaced by a rename: the file that was opened is read whole, and the replacement reported', async () => {
    const expected = (await whole()).report;
    const { result } = await readChanging((path) => {
      writeFileSync(`${path}.new`, OTHER);
      renameSync(`${path}.new`, path);
    }, jobs);
    expect(result.report.prefill).toEqual(expected.prefill);
    expect(result.report.inputs[0]?.error).toMatch(/^changed while it was read: another file was put in its place/);
    expect(result.inputErrors).toHaveLength(1);
  });

  it('grown past its plan: the planned bytes are counted, and the growth reported', async () => {
    const expected = (await whole()).report;
    const { result } = await readChanging((path) => appendFileSync(path, line(0).repeat(100)), jobs);
    expect(result.report.prefill).toEqual(expected.prefill);
    expect(result.report.inputs[0]?.error).toBe(`changed while it was read: it grew from ${LOG.length} to ${LOG.length + line(0).length * 100} bytes; the numbers cover its first ${LOG.length} (for a log still being written, use dpskew watch)`);
  });

  it('rewritten in place, same size: reported', async () => {
    const { result } = await readChanging((path) => {
      const fd = openSync(path, 'r+');
      writeSync(fd, OTHER, 0);
      closeSync(fd);
    }, jobs);
    expect(result.report.inputs[0]?.error).toBe('changed while it was read: it was rewritten in place, so the numbers may mix old and new contents');
  });

  it('left alone: no error, the same numbers as ever', async () => {
    const { result, path } = await readChanging(() => undefined, jobs);
    expect(result.report.inputs[0]?.error).toBeNull();
    expect(readFileSync(path, 'utf8')).toBe(LOG);
    expect(result.report.prefill.batches).toBe(20_000);
  });
});

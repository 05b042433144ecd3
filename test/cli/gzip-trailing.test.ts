/**
 * Issue 18 item 12: bytes after a gzip member cost none of the lines before them. Node's Gunzip
 * dropped the member's last output with the error (19,848 of 20,000 lines were counted).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runJson } from './run-cli.ts';

const LINES = 20_000;
const log = Array.from({ length: LINES }, (_, i) => `[2026-04-14 10:${String(Math.floor(i / 600) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} DP${i % 4} TP${i % 4}] Prefill batch, #new-seq: 1, #new-token: 100, #cached-token: 0, token usage: 0.01, #running-req: 0, #queue-req: 0\n`).join('');

describe('a gzip file with bytes after its member', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dpskew-gz-junk-'));
  const gz = gzipSync(log);
  const file = join(dir, 'junk.log.gz');
  writeFileSync(file, Buffer.concat([gz, Buffer.from('garbage after the member\n'.repeat(10))]));

  it.each([
    ['as a file', [file]],
    ['on stdin', ['-']],
  ])('%s: every line before them is counted, and the junk is an input error (exit 2)', async (_, args) => {
    const { result, json } = await runJson(args, args[0] === '-' ? { stdin: readFileSync(file) } : {});
    expect(result.code).toBe(2);
    expect(json.totals.linesRead).toBe(LINES);
    expect(json.prefill.batches).toBe(LINES);
    expect(json.inputs[0]?.error).toBe(`trailing bytes after the gzip data from byte ${gz.length} (every line before them was read)`);
    expect(result.stderr).toMatch(/^error: .*: trailing bytes after the gzip data from byte \d+ \(every line before them was read\)\n$/);
  });
});

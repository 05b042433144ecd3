/**
 * The kernel's reading of SGLang batch lines (kernel/scan.ts, sglang-kernel.ts) against the full
 * parser: on every line of every fixture and example, and on mutated lines,
 * the kernel either reads no record (the full parser decides) or exactly the full parser's record.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLineScanner, decodeCandidate } from '../../src/scan/scanner.ts';
import { createSglangParser, parseSglangLine } from '../../src/parse/sglang.ts';
import { createZone, type Zone } from '../../src/parse/timestamps.ts';
import type { LogRecord } from '../../src/model/records.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Every line holding `batch` in the fixtures (fixtures/reference-lines has every documented shape) and the examples. */
const LINES = [...filesUnder(join(ROOT, 'fixtures')), ...filesUnder(join(ROOT, 'examples'))]
  .filter((path) => !path.endsWith('.gz'))
  .flatMap((path) => readFileSync(path, 'utf8').split(/\r?\n/))
  .map((line) => line.replace(/^\s*(?:[-*] )?`?/, '').replace(/`\s*$/, ''))
  .filter((line) => line.includes('batch') && /^[\x20-\x7e]*$/.test(line));

const NEEDLES = createSglangParser().needles;

/**
 * What the kernel reads from the line, scanned with other lines around it: the record, or `null`
 * when it leaves the line to the full parser; and the line's text as the scanner hands it over.
 */
function kernelRecord(line: string, zone: Zone = createZone('UTC')): { record: LogRecord | null; text: string } {
  const before = 'noise before\n[2026-04-14 10:00:00] INFO: x\n';
  const after = '[2026-04-14 10:00:01 DP0] after batch';
  const input = Buffer.from(`${before}${line}\n${after}\n`, 'utf8');
  let seen: { record: LogRecord | null; text: string } | null = null;
  let index = 0;
  const scanner = createLineScanner({
    needles: NEEDLES,
    maxLineBytes: 1 << 20,
    batches: { zone },
    onCandidate: (candidate) => {
      // Lines before ours hold no needle, so ours is the first candidate (if it holds one).
      const text = decodeCandidate(candidate);
      if (index++ === 0 && text !== after) {
        const record = candidate.record;
        seen = { record: record === null ? null : structuredClone(record), text };
      }
    },
  });
  scanner.push(input);
  scanner.end();
  scanner.release();
  return seen ?? { record: null, text: line };
}

/** The kernel's record for a line it must read. */
function fast(line: string, zone?: Zone): LogRecord | null {
  return kernelRecord(line, zone).record;
}

function fullRecord(line: string, zone = createZone('UTC')): LogRecord | null {
  const result = parseSglangLine(line, zone);
  return result.kind === 'record' ? result.record : null;
}

describe('the kernel\'s SGLang batch records', () => {
  it('agrees with parseSglangLine on every batch line of the fixtures, examples and reference documents', () => {
    expect(LINES.length).toBeGreaterThan(5000);
    let taken = 0;
    for (const line of LINES) {
      const record = fast(line);
      if (record === null) continue;
      taken++;
      expect(record, line).toEqual(fullRecord(line));
    }
    // Not vacuous: the fast path takes the bulk of real scheduler lines.
    expect(taken / LINES.length).toBeGreaterThan(0.9);
  });

  it('reads zone-less stamps in --tz like the full parser', () => {
    const berlin = createZone('Europe/Berlin');
    const line = '[2026-03-29 01:59:59 DP1 TP1] Prefill batch, #new-seq: 1, #new-token: 8, #cached-token: 0, token usage: 0.00, #running-req: 0, #queue-req: 3';
    expect(fast(line, berlin)).toEqual(fullRecord(line, berlin));
    expect(fast(line, berlin)).toMatchObject({ time: Date.UTC(2026, 2, 29, 0, 59, 59) });
  });

  it.each([
    ['legacy dot header', '[2024-08-01 10:00:00 DP0] Prefill batch. #new-seq: 1, #new-token: 8, #cached-token: 0, cache hit rate: 0.00%, #running-req: 0, #queue-req: 0'],
    ['iteration tag', '[2026-04-14 10:00:00 DP0] Prefill batch [12], #new-seq: 1, #new-token: 8, #running-req: 0, #queue-req: 0'],
    ['mixed chunk', '[2024-08-01 10:00:00] Prefill batch(mixed #running-req: 3). #new-seq: 1, #new-token: 8, #queue-req: 0'],
    ['time-only stamp', '[10:00:00 DP0] Prefill batch, #new-seq: 1, #new-token: 8, #running-req: 0, #queue-req: 0'],
    ['srun label', '0: [2026-04-14 10:00:00 DP0] Prefill batch, #new-seq: 1, #new-token: 8, #running-req: 0, #queue-req: 0'],
    ['ANSI colour', '\u001b[32m[2026-04-14 10:00:00 DP0]\u001b[0m Prefill batch, #new-seq: 1, #new-token: 8, #running-req: 0, #queue-req: 0'],
    ['ESC-less colour', '[2026-04-14 10:00:00 DP0] Prefill batch, #new-seq: 1, #new-token: 8, #running-req: 0, #queue-req: 0[0m'],
    ['DP-1', '[2026-04-14 10:00:00 DP-1 TP0] Decode batch, #running-req: 1, #token: 5, #queue-req: 0'],
    ['repeated tag', '[2026-04-14 10:00:00 DP1 DP2] Decode batch, #running-req: 1, #token: 5, #queue-req: 0'],
    ['unknown tag', '[2026-04-14 10:00:00 XP1] Decode batch, #running-req: 1, #token: 5, #queue-req: 0'],
    ['milliseconds cut short', '[2026-04-14 10:00:00.12 DP0] Decode batch, #running-req: 1, #queue-req: 0'],
    ['malformed queue', '[2026-04-14 10:00:00 DP0] Decode batch, #running-req: 1, #queue-req: 1x'],
    ['malformed other count', '[2026-04-14 10:00:00 DP0] Prefill batch, #new-seq: x, #new-token: 8, #queue-req: 0'],
    ['16-digit count', '[2026-04-14 10:00:00 DP0] Decode batch, #running-req: 1234567890123456, #queue-req: 0'],
    ['missing #new-token', '[2026-04-14 10:00:00 DP0] Prefill batch, #new-seq: 1, #running-req: 0, #queue-req: 0'],
    ['missing #queue-req', '[2026-04-14 10:00:00 DP0] Decode batch, #running-req: 1, #token: 5'],
    ['decode line naming a prefill batch', '[2026-04-14 10:00:00 DP0] Decode batch, #running-req: 1, #queue-req: 0, note: Prefill batch, #new-token: 1, #queue-req: 9'],
    ['second bracket', '[2026-04-14 10:00:00 DP0] Decode batch, #running-req: 1, #queue-req: 0 [x]'],
    ['non-ASCII byte', '[2026-04-14 10:00:00 DP0] Decode batch, #running-req: 1, #queue-req: 0, note: é'],
    ['non-ASCII byte past 16 bytes', `[2026-04-14 10:00:00 DP0] Decode batch, #running-req: 1, #queue-req: 0, ${'x'.repeat(40)}é${'x'.repeat(40)}`],
    ['line cut inside the bracket', '[2026-04-14 10:00:00 DP0'],
  ])('leaves %s to the full parser', (_name, line) => {
    expect(fast(line)).toBeNull();
  });

  it('keeps the first of repeated keys, the aliases in the full parser order, and impossible dates untimed', () => {
    for (const line of [
      '[2026-04-14 10:00:00 DP3 TP3 EP3] Decode batch, #running-req: 4, #queue-req: 2, #queue-req: 9, #prealloc-req: 1, #transfer-req: 2',
      '[2026-04-14 10:00:00 DP0] Prefill batch, #new-seq: 1, #new-token: 8, #unbootstrapped-req: 5, #bootstrap-req: 7, #transferring-req: 1, #inflight-req: 2, #queue-req: 0',
      '[2026-02-30 10:00:00 DP0] Prefill batch, #new-seq: 1, #new-token: 8, #queue-req: 0',
      '[2026-04-14 10:00:00.250 ATTN_CP1 MOE_DP2 PP0 DP5] Prefill batch, #new-seq: 1, #new-token: 8, #queue-req: 0',
      '[2026-04-14 10:00:00 DP01] Prefill batch, ##queue-req: 1, #new-token: 8, #queue-req: 0,',
    ]) {
      const record = fast(line);
      expect(record, line).not.toBeNull();
      expect(record, line).toEqual(fullRecord(line));
    }
  });

  it('never disagrees on mutated real lines', () => {
    const seeds = LINES.filter((_, i) => i % 97 === 0).slice(0, 60);
    // Printable ASCII, and the bytes the kernel must decline or strip: CR, ESC, `[`, non-ASCII.
    const printable = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), fc.constantFrom('\r', '\u001b', '[', ']', '#', 'é', '\u00a0'));
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat(3), printable), { maxLength: 4 }), (seed, edits) => {
        let line = seed;
        for (const [position, op, char] of edits) {
          const at = position % (line.length + 1);
          if (op === 0) line = line.slice(0, at) + char + line.slice(at);
          else if (op === 1) line = line.slice(0, at) + line.slice(at + 1);
          else line = line.slice(0, at) + char + line.slice(at + 1);
        }
        const { record, text } = kernelRecord(line);
        return record === null || JSON.stringify(record) === JSON.stringify(fullRecord(text));
      }),
      { numRuns: 3000, seed: 7984 },
    );
  });
});

describe('custom brackets', () => {
  it('a line of many `[` and no `]` parses in linear time (it took minutes with a regex)', () => {
    const line = `${'['.repeat(500_000)} Prefill batch, #new-seq: 1, #new-token: 8, #queue-req: 0`;
    const started = performance.now();
    const result = parseSglangLine(line);
    expect(performance.now() - started).toBeLessThan(500);
    expect(result.kind).toBe('record');
  });

  it('reads rank tags from each `[…]` group, from a `[` to the next `]`', () => {
    const record = fullRecord('[x [DP1 TP2] [file.py:9] [EP3] Prefill batch, #new-seq: 1, #new-token: 8, #queue-req: 0');
    expect(record).toMatchObject({ ranks: { dp: 1, tp: 2, ep: 3 }, prefix: 'custom' });
  });
});

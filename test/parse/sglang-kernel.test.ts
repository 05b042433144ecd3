/**
 * The kernel's reading of SGLang batch lines (kernel/batch.ts, src/scan/sglang-batch.ts) against
 * the full parser: on every line of every fixture and example, on every format of the bench's
 * formats table (scripts/bench-logs.mjs), and on mutated lines, the kernel either reads no record
 * (the full parser decides) or exactly the full parser's record; and it reads every batch line of
 * every SGLang shape and envelope the bench covers (the fast path holds on all of them).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLineScanner, decodeCandidate } from '../../src/scan/scanner.ts';
import { createSglangParser, parseSglangLine } from '../../src/parse/sglang.ts';
import { createZone, type Zone } from '../../src/parse/timestamps.ts';
import type { LogRecord } from '../../src/model/records.ts';
import { FORMATS, benchLogText } from '../../scripts/bench-logs.mjs';
import { applyEdits, editsOf } from '../helpers/mutate.ts';

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

/** Shapes and envelopes the kernel reads, each as the full parser reads it. */
const READ_EXACTLY: ReadonlyArray<readonly [name: string, line: string]> = [
  ['legacy dot header', '[2024-08-01 10:00:00 DP0] Prefill batch. #new-seq: 1, #new-token: 8, #cached-token: 0, cache hit rate: 0.00%, #running-req: 0, #queue-req: 0'],
  ['legacy decode', '[2024-08-01 10:00:00 TP0] Decode batch. #running-req: 3, #token: 90, token usage: 0.01, gen throughput (token/s): 50.00, #queue-req: 1'],
  ['modern dot decode', '[2025-05-31 18:31:21 DP6 TP6] Decode batch. #running-req: 8, #token: 36267, token usage: 0.12, accept len: 2.86, cuda graph: True, gen throughput (token/s): 168.28, #queue-req: 0'],
  ['iteration index on a decode line', '[2026-04-14 10:00:00 DP1 TP1] Decode batch [7], #running-req: 3, #token: 5, #queue-req: 1'],
  ['iteration index and colour after it', '[2026-04-14 10:00:00 DP0] Prefill batch [3], #new-seq: 1, #new-token: 8, #queue-[0mreq: 4, #queue-req: 9'],
  ['iteration tag', '[2026-04-14 10:00:00 DP0] Prefill batch [12], #new-seq: 1, #new-token: 8, #running-req: 0, #queue-req: 0'],
  ['mixed chunk', '[2024-08-01 10:00:00] Prefill batch(mixed #running-req: 3). #new-seq: 1, #new-token: 8, #queue-req: 0'],
  ['mixed chunk and a running count', '[2024-08-01 10:00:00 TP1] Prefill batch(mixed #running-req: 3). #new-seq: 1, #new-token: 8, #running-req: 7, #queue-req: 0'],
  ['time-only stamp', '[10:00:00 DP0] Prefill batch, #new-seq: 1, #new-token: 8, #running-req: 0, #queue-req: 0'],
  ['no rank tags', '[2026-04-05 20:02:51] Prefill batch, #new-seq: 1, #new-token: 158, #cached-token: 0, token usage: 0.08, #running-req: 31, #queue-req: 0, cuda graph: True'],
  ['trailing comma and space', '[2025-11-11 04:06:27] Decode batch, #running-req: 46, #token: 34901, token usage: 0.19, cuda graph: False, gen throughput (token/s): 1447.08, #queue-req: 0, '],
  ['trailing space (PD prefill)', '[2025-05-01 10:00:00 DP1 TP1] Prefill batch. #new-seq: 1, #new-token: 8, #cached-token: 0, token usage: 0.00, #running-req: 0, #unbootstrapped-req: 2, #queue-req: 0, #transferring-req: 1 '],
  ['every tag, v0.5.9 order', '[2026-06-27 08:55:14 DP2 PP2 ATTN_CP3 MOE_DP1 TP3 EP3] Prefill batch, #new-seq: 1, #new-token: 8, #queue-req: 0'],
  ['srun label', '0: [2026-04-14 10:00:00 DP0] Prefill batch, #new-seq: 1, #new-token: 8, #running-req: 0, #queue-req: 0'],
  ['kubectl prefix', '[pod/sglang-0/sglang] [2026-04-14 10:00:00 DP0 TP0] Decode batch, #running-req: 1, #token: 5, #queue-req: 0'],
  ['container stamp', '2026-04-14T10:00:00.123456789Z [2026-04-14 10:00:00 DP0 TP0] Decode batch, #running-req: 1, #token: 5, #queue-req: 0'],
  ['collector envelope', '1776160800123\t2026-04-14T10:00:00.123Z\t[2026-04-14 10:00:00 DP3 TP3 EP3] Decode batch, #running-req: 1, #token: 5, #queue-req: 0'],
  ['ANSI colour', '\u001b[32m[2026-04-14 10:00:00 DP0]\u001b[0m Prefill batch, #new-seq: 1, #new-token: 8, #running-req: 0, #queue-req: 0'],
  ['ESC-less colour', '[2026-04-14 10:00:00 DP0] Prefill batch, #new-seq: 1, #new-token: 8, #running-req: 0, #queue-req: 0[0m'],
  ['nested ESC-less colour', '[[0mm[1;36m[2026-04-14 10:00:00 DP1][0m Decode batch, #running-req: 2, #queue-req: 0'],
  ['colour that hides a prefill batch (the parser looks for the decode one)', '[2026-04-14 10:00:00 DP1] Decode batch, #running-req: 2, #queue-req: 0, Prefill[0m batch'],
  ['repeated tag (the last counts)', '[2026-04-14 10:00:00 DP1 DP2] Decode batch, #running-req: 1, #token: 5, #queue-req: 0'],
  ['unknown tag (ignored)', '[2026-04-14 10:00:00 XP1 DP3] Decode batch, #running-req: 1, #token: 5, #queue-req: 0'],
  ['milliseconds cut short (a custom prefix)', '[2026-04-14 10:00:00.12 DP0] Decode batch, #running-req: 1, #queue-req: 0'],
  ['decode line naming a prefill batch', '[2026-04-14 10:00:00 DP0] Decode batch, #running-req: 1, #queue-req: 0, note: Prefill batch, #new-token: 1, #queue-req: 9'],
  ['second bracket', '[2026-04-14 10:00:00 DP0] Decode batch, #running-req: 1, #queue-req: 0 [x]'],
  ['custom layout, no ranks', '[2026-04-15 17:13:10][scheduler_metrics_mixin.py:424][INFO]: Prefill batch, #new-seq: 1, #new-token: 1, #cached-token: 0, token usage: 0.00, #running-req: 0, #queue-req: 0, #prealloc-req: 18, #inflight-req: 1'],
  ['custom layout with ranks', '[2026-04-15 17:13:10][DP3 TP3 EP3][scheduler_metrics_mixin.py:424][INFO]: Prefill batch, #new-seq: 1, #new-token: 1, #queue-req: 0'],
  ['custom bracket left open (its tag is not read)', '[2026-04-14 10:00:00][DP1 TP2] [EP3 Prefill batch, #new-seq: 1, #new-token: 8, #queue-req: 0'],
  ['custom tags at every kind of boundary', '[A DP1][xDP2 _TP3 -PP4 (ATTN_CP5) MOE_DP6, EP7x E8 [TP9]] Prefill batch, #new-seq: 1, #new-token: 8, #queue-req: 0'],
  ['custom ranks beside words', '[x [DP1 TP2] [file.py:9] [EP3] [MOE_DP4x] Prefill batch, #new-seq: 1, #new-token: 8, #queue-req: 0'],
  ['Dynamo ISO stamp and level', '\u001b[2m2026-04-27T23:03:15.250907Z\u001b[0m \u001b[32m INFO\u001b[0m sglang: Prefill batch, #new-seq: 1, #new-token: 256, #cached-token: 0, #running-req: 0, #queue-req: 0,'],
  ['kubectl --timestamps stamp before a levelled one', '2026-04-27T23:03:14.000Z 2026-04-27T23:03:15,5+05:30 WARNING x: Decode batch, #running-req: 1, #queue-req: 3'],
  ['stamp with an offset', 'node-1 2026-04-27 23:03:15.1-0800 x: Decode batch, #running-req: 1, #queue-req: 3'],
  ['impossible custom date', '2026-02-30T23:03:15Z INFO x: Decode batch, #running-req: 1, #queue-req: 3'],
  ['CR inside the line', '[2026-04-14 10:00:00 DP0] Decode batch, #running-req: 1\r, #queue-req: 0'],
  // Envelopes before the native bracket (the comma reader skips what the full parser ignores).
  ['srun label', '0: [2026-04-14 10:00:00 DP1 TP1 EP1] Prefill batch, #new-seq: 1, #new-token: 8, #queue-req: 3'],
  ['kubectl prefix', '[pod/sglang-prefill-0/sglang] [2026-04-14 10:00:00 DP1 TP1 EP1] Decode batch, #running-req: 2, #queue-req: 0'],
  ['container stamp', '2026-04-14T10:00:00.123456789Z [2026-04-14 10:00:00.250 DP2] Prefill batch, #new-seq: 1, #new-token: 8, #queue-req: 3'],
  ['collector epoch and stamp', '1776160800000\t2026-04-14T10:00:00.000Z\t[2026-04-14 10:00:00 DP3 TP3] Decode batch, #running-req: 2, #queue-req: 0'],
  ['envelope with a dated bracket of its own', '[2026-04-14T10:00:00Z] [2026-04-14 10:00:00 DP1] Prefill batch, #new-seq: 1, #new-token: 8, #queue-req: 3'],
  ['envelope with a colour code', '[0m0: [2026-04-14 10:00:00 DP1] Prefill batch, #new-seq: 1, #new-token: 8, #queue-req: 3'],
];

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

/** Every candidate line of `text` as the scanner hands it over, with the kernel's record (or null). */
function scanAll(text: string): Array<{ text: string; record: LogRecord | null }> {
  const out: Array<{ text: string; record: LogRecord | null }> = [];
  const scanner = createLineScanner({
    needles: NEEDLES,
    maxLineBytes: 1 << 20,
    batches: { zone: createZone('UTC') },
    onCandidate: (candidate) => out.push({ text: decodeCandidate(candidate), record: candidate.record === null ? null : structuredClone(candidate.record) }),
  });
  scanner.push(Buffer.from(text, 'utf8'));
  scanner.end();
  scanner.release();
  return out;
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
    // Not vacuous: the fast path takes nearly all real scheduler lines (what it leaves are the
    // truncated, garbled and `DP-1` lines of the fixtures).
    expect(taken / LINES.length).toBeGreaterThan(0.97);
  });

  it('reads zone-less stamps in --tz like the full parser', () => {
    const berlin = createZone('Europe/Berlin');
    const line = '[2026-03-29 01:59:59 DP1 TP1] Prefill batch, #new-seq: 1, #new-token: 8, #cached-token: 0, token usage: 0.00, #running-req: 0, #queue-req: 3';
    expect(fast(line, berlin)).toEqual(fullRecord(line, berlin));
    expect(fast(line, berlin)).toMatchObject({ time: Date.UTC(2026, 2, 29, 0, 59, 59) });
  });

  it.each(FORMATS.filter((f) => f.kind !== 'family').map((f) => [f.name]))('reads every batch line of the bench format %s, as the full parser does', (format) => {
    const lines = scanAll(benchLogText(format, 120_000));
    let batches = 0;
    for (const { text, record } of lines) {
      const full = fullRecord(text);
      if (full?.kind !== 'batch') continue;
      batches++;
      expect(record, text).not.toBeNull();
      expect(record, text).toEqual(full);
    }
    expect(batches).toBeGreaterThan(100);
  });

  it.each(READ_EXACTLY)('reads %s exactly as the full parser', (_name, line) => {
    const record = fast(line);
    expect(record).not.toBeNull();
    expect(record).toEqual(fullRecord(line));
  });

  it.each([
    ['DP-1', '[2026-04-14 10:00:00 DP-1 TP0] Decode batch, #running-req: 1, #token: 5, #queue-req: 0'],
    ['custom DP-1', '[2026-04-14 10:00:00][DP-1] Decode batch, #running-req: 1, #token: 5, #queue-req: 0'],
    ['a 10-digit custom tag', '[2026-04-14 10:00:00][DP1234567890] Decode batch, #running-req: 1, #queue-req: 0'],
    ['malformed queue', '[2026-04-14 10:00:00 DP0] Decode batch, #running-req: 1, #queue-req: 1x'],
    ['malformed other count', '[2026-04-14 10:00:00 DP0] Prefill batch, #new-seq: x, #new-token: 8, #queue-req: 0'],
    ['16-digit count', '[2026-04-14 10:00:00 DP0] Decode batch, #running-req: 1234567890123456, #queue-req: 0'],
    ['16-digit mixed count', '[2024-08-01 10:00:00] Prefill batch(mixed #running-req: 1234567890123456). #new-seq: 1, #new-token: 8, #queue-req: 0'],
    ['missing #new-token', '[2026-04-14 10:00:00 DP0] Prefill batch, #new-seq: 1, #running-req: 0, #queue-req: 0'],
    ['missing #queue-req', '[2026-04-14 10:00:00 DP0] Decode batch, #running-req: 1, #token: 5'],
    ['no separator after the header', '[2026-04-14 10:00:00 DP0] Decode batch #running-req: 1, #queue-req: 0'],
    ['non-ASCII byte', '[2026-04-14 10:00:00 DP0] Decode batch, #running-req: 1, #queue-req: 0, note: é'],
    ['non-ASCII byte past 16 bytes', `[2026-04-14 10:00:00 DP0] Decode batch, #running-req: 1, #queue-req: 0, ${'x'.repeat(40)}é${'x'.repeat(40)}`],
    ['line cut inside the bracket', '[2026-04-14 10:00:00 DP0'],
    ['line over 4 KiB', `[2026-04-14 10:00:00 DP0] Decode batch, #running-req: 1, #queue-req: 0, ${'x'.repeat(4100)}`],
    // Envelopes holding what the full parser acts on: it ignores the first three, and counts the
    // last two's bytes (non-ASCII, invalid UTF-8), which only it decodes.
  ['envelope naming a prefill batch (the full parser takes that one, and ignores the line)', 'Prefill batch log 0: [2026-04-14 10:00:00 DP1] Decode batch, #running-req: 2, #queue-req: 0'],
  ['envelope whose colour code, stripped, names a prefill batch', 'Prefill ba[0mtch 0: [2026-04-14 10:00:00 DP1] Prefill batch, #new-seq: 1, #new-token: 8, #queue-req: 3'],
  ['envelope whose ESC control code, stripped, names a prefill batch', 'Prefill ba\u001b[2Ktch 0: [2026-04-14 10:00:00 DP1] Prefill batch, #new-seq: 1, #new-token: 8, #queue-req: 3'],
  ['envelope not ASCII', 'nœud-1: [2026-04-14 10:00:00 DP1] Prefill batch, #new-seq: 1, #new-token: 8, #queue-req: 3'],
  ['envelope with invalid UTF-8', 'n\udcff: [2026-04-14 10:00:00 DP1] Prefill batch, #new-seq: 1, #new-token: 8, #queue-req: 3'],
  ])('leaves %s to the full parser', (_name, line) => {
    expect(fast(line)).toBeNull();
  });

  it('reads coloured comma lines as the full parser, whichever phase stripping makes or unmakes', () => {
    const native = [
      '\u001b[36m[2026-04-14 10:00:20 DP1 TP1 EP1]\u001b[0m Prefill batch, #new-seq: 3, #new-token: 3309, #cached-token: 509, #running-req: 0, #queue-req: 10',
      '[36m[2026-04-14 10:00:20 DP1 TP1 EP1][0m Decode batch, #running-req: 2, #queue-req: 0, cuda graph: True',
      '0: \u001b[36m[2026-04-14 10:00:20.125 DP3]\u001b[0m Decode batch, #running-req: 2, #queue-req: 0',
    ];
    for (const line of native) {
      expect(fast(line), line).not.toBeNull();
      expect(fast(line), line).toEqual(fullRecord(line));
    }
    // The parser chooses the phase on the line as it was: a `Prefill batch` made by stripping is not it.
    const made = '[2026-04-14 10:00:00 DP1] Pre[0mfill batch, #new-seq: 1, #new-token: 8, #queue-req: 3, Decode batch, #running-req: 2, #queue-req: 0';
    expect(fullRecord(made)).toMatchObject({ kind: 'batch', phase: 'decode' });
    expect(fast(made)).toEqual(fullRecord(made));
  });

  it('ignores with the full parser the lines whose envelope names a prefill batch', () => {
    for (const line of ['Prefill batch log 0: [2026-04-14 10:00:00 DP1] Decode batch, #running-req: 2, #queue-req: 0', 'Prefill ba[0mtch 0: [2026-04-14 10:00:00 DP1] Prefill batch, #new-seq: 1, #new-token: 8, #queue-req: 3']) {
      expect(fullRecord(line), line).toBeNull();
    }
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

  it('never disagrees on mutated lines of every shape', () => {
    const seeds = [
      ...LINES.filter((_, i) => i % 97 === 0).slice(0, 60),
      ...FORMATS.filter((f) => f.kind !== 'family').flatMap((f) => benchLogText(f.name, 20_000).split('\n').filter((l) => l.includes(' batch')).slice(0, 3)),
      ...READ_EXACTLY.map(([, line]) => line),
    ];
    // Printable ASCII; the bytes the kernel must decline or strip (CR, ESC, `[`, non-ASCII); and
    // pieces of the syntax it reads (headers, tags, colour codes, stamps, zones, levels, keys).
    const piece = fc.oneof(
      fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      fc.constantFrom('\r', '\t', '\u001b', '[', ']', '#', 'é', '\u00a0', 'm', ';', '0', '9', ':', ' ', 'T', 'Z', '+', '-', '.', ','),
      fc.constantFrom('Prefill batch', 'Decode batch', ' [3]', '(mixed #running-req: 2)', 'DP', 'MOE_DP', '-1', '[0m', '\u001b[1m', ' INFO', ': ', '#queue-req: ', 'cache hit rate: ', 'cuda graph: '),
      fc.constantFrom('2026-04-14T10:00:00', '2026-04-14 10:00:00', '.123456', '+05:30', '] '),
    );
    const zone = createZone('Europe/Berlin');
    fc.assert(
      fc.property(fc.constantFrom(...seeds), editsOf(piece), (seed, edits) => {
        const line = applyEdits(seed, edits);
        const { record, text } = kernelRecord(line, zone);
        return record === null || isDeepStrictEqual(record, fullRecord(text, zone));
      }),
      { numRuns: 4000, seed: 7984 },
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

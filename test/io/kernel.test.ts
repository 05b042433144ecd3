/**
 * The kernel's two loops (kernel/scan.ts) against a plain reference: on random inputs built to hit
 * their edges (needles across 16- and 64-byte blocks, CRLF, empty and over-long lines, lines
 * around the bound, an unterminated last line, more candidates than one call's entry table),
 * the sparse loop, the dense loop and `split('\n')` must count and hand over the same lines.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dropSpareKernels, releaseKernel, takeKernel } from '../../src/scan/kernel.ts';
import { createLineScanner, decodeCandidate } from '../../src/scan/scanner.ts';

const NEEDLES = ['batch', 'server_args=', 'dp_rank', 'Iteration(', 'global_rank = ', 'élan'];

interface Scan {
  readonly lines: number;
  readonly oversized: number;
  readonly candidates: readonly string[];
}

/** What the scanner must find: lines end at `\n`, a trailing `\r` goes, the bound is in bytes. */
function reference(input: Buffer, maxLineBytes: number, needles: readonly string[]): Scan {
  const parts = input.toString('latin1').split('\n');
  if (parts.at(-1) === '') parts.pop();
  const latin1Needles = needles.map((n) => Buffer.from(n, 'utf8').toString('latin1'));
  const candidates: string[] = [];
  let oversized = 0;
  for (const line of parts) {
    if (line.length > maxLineBytes) oversized++;
    else if (latin1Needles.some((n) => line.includes(n))) candidates.push(Buffer.from(line.replace(/\r$/, ''), 'latin1').toString('utf8'));
  }
  return { lines: parts.length, oversized, candidates };
}

function scan(chunks: readonly Buffer[], maxLineBytes: number, needles: readonly string[], denseLoop: boolean): Scan {
  const candidates: string[] = [];
  const scanner = createLineScanner({ needles, maxLineBytes, denseLoop, onCandidate: (line) => candidates.push(decodeCandidate(line)) });
  for (const chunk of chunks) scanner.push(chunk);
  scanner.end();
  scanner.release();
  return { lines: scanner.counts.lines, oversized: scanner.counts.oversized, candidates };
}

/** A line: filler around needles or their near misses, sometimes long, sometimes CRLF. */
const lineArb = fc
  .tuple(
    fc.array(fc.oneof(fc.constantFrom(...NEEDLES, 'batc', 'atch', 'dp_ran', 'b', '_', '\r', 'é', ' '), fc.string({ maxLength: 40 })), { maxLength: 6 }),
    fc.nat(200),
    fc.boolean(),
  )
  .map(([pieces, pad, crlf]) => `${'.'.repeat(pad % 3 === 0 ? pad : pad % 7)}${pieces.join('')}${crlf ? '\r' : ''}`.replace(/\n/g, ' '));

const inputArb = fc.tuple(fc.array(lineArb, { maxLength: 60 }), fc.boolean()).map(([lines, terminated]) => Buffer.from(lines.join('\n') + (terminated && lines.length > 0 ? '\n' : ''), 'utf8'));

describe('the scanning kernel', () => {
  it('agrees with split("\\n") in both loops, for any input, bound and chunking', () => {
    fc.assert(
      fc.property(inputArb, fc.constantFrom(64, 80, 100, 300, 1 << 20, 20), fc.array(fc.nat(), { maxLength: 5 }), (input, max, cuts) => {
        const at = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...at].map((from, i) => input.subarray(from, at[i] ?? input.length));
        const expected = reference(input, max, NEEDLES);
        expect(scan(chunks, max, NEEDLES, false)).toEqual(expected);
        expect(scan(chunks, max, NEEDLES, true)).toEqual(expected);
      }),
      { numRuns: 1500, seed: 7984 },
    );
  });

  it('resumes where the entry table filled up: 20 000 candidates in one read', () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => (i % 3 === 0 ? `noise ${i}` : `x batch ${i}`));
    const input = Buffer.from(`${lines.join('\n')}\n`);
    const expected = reference(input, 1 << 20, NEEDLES);
    expect(expected.candidates.length).toBeGreaterThan(13_000);
    expect(scan([input], 1 << 20, NEEDLES, false)).toEqual(expected);
    expect(scan([input], 1 << 20, NEEDLES, true)).toEqual(expected);
  });

  it('finds needles at every offset of a 64-byte block, and across two', () => {
    for (let offset = 0; offset < 130; offset++) {
      const input = Buffer.from(`${'x'.repeat(offset)}batch\n${'y'.repeat(offset)}\n${'z'.repeat(offset)}dp_ran\n`);
      expect(scan([input], 1 << 20, NEEDLES, false), `offset ${offset}`).toEqual(reference(input, 1 << 20, NEEDLES));
    }
  });

  it('counts lines just past the bound as oversized, wherever their newlines fall', () => {
    for (let length = 60; length < 200; length++) {
      const line = `batch${'x'.repeat(length - 5)}`;
      const input = Buffer.from(`${line}\nshort batch\n${line}\r\n${line}`);
      for (const max of [64, 100, 150]) expect(scan([input], max, NEEDLES, false), `length ${length}, max ${max}`).toEqual(reference(input, max, NEEDLES));
    }
  });
});

describe('anchors kept for small inputs', () => {
  // A small input (no more than one sample, 256 KiB) keeps the anchors the kernel has for the same
  // needles rather than choosing its own (choosing cost 6 of 14 s CPU on 10,000 small files): the
  // candidates must be exactly the same, and other needles must never be read with them.
  it('finds every candidate with anchors chosen on another input, and chooses anew for other needles', () => {
    const big = Buffer.from(`${Array.from({ length: 20_000 }, (_, i) => (i % 5 === 0 ? `t=${i} Iteration(${i}) batch` : `t=${i} noise dp_rank`)).join('\n')}\n`);
    expect(big.length).toBeGreaterThan(256 << 10);
    expect(scan([big], 1 << 20, NEEDLES, false)).toEqual(reference(big, 1 << 20, NEEDLES));
    // Another byte make-up, and needles the first input never held.
    const small = Buffer.from('global_rank = 3 élan\nzzz server_args=1\nnothing\nPrefill batch, #new-seq: 1\n');
    expect(scan([small], 1 << 20, NEEDLES, false)).toEqual(reference(small, 1 << 20, NEEDLES));
    // Other needles on the same (reused) kernel: its anchors are not theirs.
    const other = ['Avg prompt throughput', 'elected worker: '];
    const otherInput = Buffer.from('a Avg prompt throughput: 1\nb elected worker: 2\nc batch\n');
    expect(scan([otherInput], 1 << 20, other, false)).toEqual(reference(otherInput, 1 << 20, other));
    expect(scan([small], 1 << 20, NEEDLES, false)).toEqual(reference(small, 1 << 20, NEEDLES));
  });
});

describe('the scanning kernel with many needles', () => {
  // Two-byte needles with no byte in common: one anchor each.
  const many = (count: number): string[] => Array.from({ length: count }, (_, i) => String.fromCharCode(0x41 + 2 * i, 0x42 + 2 * i));

  it('12 needles: past the 8 anchors matched at once, each anchor compared on its own', () => {
    const needles = many(12);
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i} ${i % 7 === 0 ? (needles[i % 12] ?? '') : 'nothing here'} end`);
    const input = Buffer.from(`${lines.join('\n')}\n`);
    const expected = reference(input, 1 << 20, needles);
    expect(expected.candidates.length).toBeGreaterThan(30);
    expect(scan([input], 1 << 20, needles, false)).toEqual(expected);
  });

  it('20 needles: more anchors than the kernel holds make every line a candidate (the parsers still judge them)', () => {
    const needles = many(20);
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i} ${i % 7 === 0 ? (needles[i % 20] ?? '') : 'nothing here'} end`);
    const input = Buffer.from(`${lines.join('\n')}\n`);
    expect(scan([input], 1 << 20, needles, false)).toEqual({ lines: 300, oversized: 0, candidates: lines });
  });
});

describe('the pool of kernels', () => {
  it('reuses a released kernel, and holds none once reading is done (issue 18: each maps ~16.5 MiB)', () => {
    const kernel = takeKernel(4096);
    releaseKernel(kernel);
    const again = takeKernel(4096);
    expect(again).toBe(kernel);
    releaseKernel(again);
    dropSpareKernels();
    const fresh = takeKernel(4096);
    expect(fresh).not.toBe(kernel);
    releaseKernel(fresh);
  });
});

/**
 * The kernel's two loops (kernel/scan.ts) against a plain reference: on random inputs built to hit
 * their edges (needles across 16- and 64-byte blocks, CRLF, empty and over-long lines, lines
 * around the bound, an unterminated last line, more candidates than one call's entry table),
 * the sparse loop, the dense loop and `split('\n')` must count and hand over the same lines, each
 * with the owners of the needles it holds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dropSpareKernels, releaseKernel, takeKernel } from '../../src/scan/kernel.ts';
import { ALL_OWNERS, createLineScanner, decodeCandidate } from '../../src/scan/scanner.ts';

const NEEDLES = ['batch', 'server_args=', 'dp_rank', 'Iteration(', 'global_rank = ', 'élan', 'dp_rank='];
/** Owner bits per needle: four parsers, bit 0 with two needles; `dp_rank=` (holding `dp_rank`) has an owner of its own. */
const OWNERS = [1, 1, 2, 4, 8, 2, 16];

interface Scan {
  readonly lines: number;
  readonly oversized: number;
  readonly candidates: readonly string[];
  /** per candidate, the owners it was handed over with */
  readonly owners: readonly number[];
}

/**
 * What the scanner must find: lines end at `\n`, a trailing `\r` goes, the bound is in bytes. A
 * candidate's owners: those of every needle it holds, or all of them with one of owner 0's.
 */
function reference(input: Buffer, maxLineBytes: number, needles: readonly string[], ownersOf?: readonly number[]): Scan {
  const parts = input.toString('latin1').split('\n');
  if (parts.at(-1) === '') parts.pop();
  const latin1Needles = needles.map((n) => Buffer.from(n, 'utf8').toString('latin1'));
  const candidates: string[] = [];
  const owners: number[] = [];
  let oversized = 0;
  for (const line of parts) {
    if (line.length > maxLineBytes) oversized++;
    else if (latin1Needles.some((n) => line.includes(n))) {
      candidates.push(Buffer.from(line.replace(/\r$/, ''), 'latin1').toString('utf8'));
      const held = latin1Needles.reduce((bits, n, i) => (line.includes(n) ? bits | (ownersOf?.[i] ?? ALL_OWNERS) : bits), 0) >>> 0;
      owners.push((held & 1) === 1 ? ALL_OWNERS : held);
    }
  }
  return { lines: parts.length, oversized, candidates, owners };
}

function scan(chunks: readonly Buffer[], maxLineBytes: number, needles: readonly string[], denseLoop: boolean, owners?: readonly number[]): Scan {
  const candidates: string[] = [];
  const handed: number[] = [];
  const onCandidate = (line: { owners: number } & Parameters<typeof decodeCandidate>[0]): void => {
    candidates.push(decodeCandidate(line));
    handed.push(line.owners);
  };
  const scanner = createLineScanner({ needles, ...(owners === undefined ? {} : { owners }), maxLineBytes, denseLoop, onCandidate });
  for (const chunk of chunks) scanner.push(chunk);
  scanner.end();
  scanner.release();
  return { lines: scanner.counts.lines, oversized: scanner.counts.oversized, candidates, owners: handed };
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
        const expected = reference(input, max, NEEDLES, OWNERS);
        expect(scan(chunks, max, NEEDLES, false, OWNERS)).toEqual(expected);
        expect(scan(chunks, max, NEEDLES, true, OWNERS)).toEqual(expected);
        // Without owners, every candidate may go to every parser.
        expect(scan(chunks, max, NEEDLES, false)).toEqual(reference(input, max, NEEDLES));
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

  it('tells the owners of every needle of a line, wherever they fall, until one of owner 0', () => {
    // A line's later needles are found past its first, in the same 64-byte block and in later ones.
    for (let gap = 0; gap < 140; gap += 3) {
      const lines = [
        `global_rank = 1${'.'.repeat(gap)}Iteration(2)${'.'.repeat(gap)}dp_rank=3`,
        `dp_rank${'.'.repeat(gap)}élan`,
        `Iteration(${'.'.repeat(gap)}batch${'.'.repeat(gap)}global_rank = `,
        `élan${'.'.repeat(gap)}x`,
      ];
      const input = Buffer.from(`${lines.join('\n')}\n`);
      const expected = reference(input, 1 << 20, NEEDLES, OWNERS);
      expect(expected.owners).toEqual([8 | 4 | 16 | 2, 2, ALL_OWNERS, 2]);
      expect(scan([input], 1 << 20, NEEDLES, false, OWNERS), `gap ${gap}`).toEqual(expected);
      expect(scan([input], 1 << 20, NEEDLES, true, OWNERS), `gap ${gap}, dense`).toEqual(expected);
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
    expect(scan([input], 1 << 20, needles, false, needles.map((_, i) => 2 << i))).toEqual({ lines: 300, oversized: 0, candidates: lines, owners: lines.map(() => ALL_OWNERS) });
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

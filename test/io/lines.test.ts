import { describe, expect, it } from 'vitest';
import { createLineScanner, decodeCandidate } from '../../src/scan/scanner.ts';

function scan(chunks: readonly (string | Buffer)[], maxLineBytes = 1000, needles = ['batch']) {
  const seen: string[] = [];
  const scanner = createLineScanner({ needles, maxLineBytes, onCandidate: (line) => seen.push(decodeCandidate(line)) });
  for (const chunk of chunks) scanner.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  scanner.end();
  return { seen, counts: { ...scanner.counts } };
}

/** Every way of cutting `text` into two chunks, and into single bytes. */
function splits(text: string): Buffer[][] {
  const bytes = Buffer.from(text);
  const out: Buffer[][] = [[bytes]];
  for (let i = 1; i < bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  out.push([...bytes].map((b) => Buffer.from([b])));
  return out;
}

describe('createLineScanner', () => {
  it('counts every line and hands over only candidates', () => {
    const { seen, counts } = scan(['noise\nPrefill batch, a\nmore noise\nDecode batch, b\n']);
    expect(seen).toEqual(['Prefill batch, a', 'Decode batch, b']);
    expect(counts).toEqual({ lines: 4, oversized: 0, candidates: 2 });
  });

  it.each([
    ['', 0],
    ['\n', 1],
    ['a', 1],
    ['a\n', 1],
    ['a\nb', 2],
    ['a\n\n', 2],
  ])('counts lines of %j as %i', (text, lines) => {
    expect(scan([text]).counts.lines).toBe(lines);
  });

  it('strips CR of CRLF line endings', () => {
    expect(scan(['x batch 1\r\nx batch 2\r\n']).seen).toEqual(['x batch 1', 'x batch 2']);
  });

  it('gives the same lines for every split of the input, including inside a UTF-8 sequence', () => {
    const text = 'ünïcode batch é\nplain\nlast batch ✓ no newline';
    for (const chunks of splits(text)) {
      const { seen, counts } = scan(chunks);
      expect(seen).toEqual(['ünïcode batch é', 'last batch ✓ no newline']);
      expect(counts.lines).toBe(3);
    }
  });

  it('finds a needle split across chunks', () => {
    expect(scan(['Prefill ba', 'tch, x\n']).seen).toEqual(['Prefill batch, x']);
  });

  it('counts an over-long line as oversized without buffering it, in one chunk or many', () => {
    const long = `${'x'.repeat(50)} batch ${'y'.repeat(50)}`;
    const whole = scan([`ok batch\n${long}\nok batch 2\n`], 40);
    expect(whole.counts).toEqual({ lines: 3, oversized: 1, candidates: 2 });
    for (const chunks of splits(`ok batch\n${long}\nok batch 2\n`).slice(0, 40)) {
      const split = scan(chunks, 40);
      expect(split.counts).toEqual({ lines: 3, oversized: 1, candidates: 2 });
      expect(split.seen).toEqual(['ok batch', 'ok batch 2']);
    }
  });

  it('counts an unterminated over-long last line once', () => {
    expect(scan(['batch\n', 'z'.repeat(100)], 40).counts).toEqual({ lines: 2, oversized: 1, candidates: 1 });
  });

  it('decodes invalid UTF-8 with replacement characters instead of failing', () => {
    const bytes = Buffer.concat([Buffer.from('bad batch '), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]);
    expect(scan([bytes]).seen).toEqual(['bad batch \uFFFD\uFFFD']);
  });

  it('matches any of several needles, each line once', () => {
    const { seen } = scan(['server_args=1\nbatch server_args=2\nnone\n'], 1000, ['batch', 'server_args=']);
    expect(seen).toEqual(['server_args=1', 'batch server_args=2']);
  });
});

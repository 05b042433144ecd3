/**
 * The JSON report on stdout is written in pieces (src/cli/json-pieces.ts, issue 18: the report of
 * 10,000 small workers whole cost ~30 MiB more peak RSS): joined, they must be the bytes of
 * `JSON.stringify(value, null, 2)` and so of RENDERERS.json.
 */
import { Chalk } from 'chalk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunked, jsonPieces } from '../../src/cli/json-pieces.ts';
import { renderJson, toJson } from '../../src/render/json.ts';
import { sampleReport } from '../helpers/report.ts';

const whole = (value: unknown, levels?: number): string => [...jsonPieces(value, levels)].join('');

describe('jsonPieces', () => {
  it('joined, is JSON.stringify(value, null, 2) for any JSON value, opened to any depth', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 6 }), (value, levels) => {
        expect(whole(value, levels)).toBe(JSON.stringify(value, null, 2));
      }),
      { numRuns: 500 },
    );
  });

  it('leaves out what JSON.stringify leaves out, writes null where it does, and lets a Date say how it is written', () => {
    const value = { a: undefined, b: () => 1, c: [undefined, () => 1, Symbol('s'), 1], d: new Date(Date.UTC(2026, 3, 14)), e: {}, f: [], g: { h: undefined }, 'line\nbreak': 'a\nb' };
    for (const levels of [0, 1, 2, 3, 4]) expect(whole(value, levels)).toBe(JSON.stringify(value, null, 2));
  });

  it('joined with its newline, is the JSON renderer of a report, byte for byte', () => {
    const report = sampleReport();
    expect(`${whole(toJson(report))}\n`).toBe(renderJson(report, { chalk: new Chalk({ level: 0 }), width: 100, chart: false }));
  });

  it('writes a large report in many pieces, not one', () => {
    const value = { inputs: Array.from({ length: 1000 }, (_, i) => ({ name: `f${i}`, lines: { read: i } })) };
    const pieces = [...jsonPieces(value)];
    expect(pieces.length).toBeGreaterThan(1000);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(200);
  });
});

describe('chunked', () => {
  it('gathers pieces into chunks of at least the size asked, the last one shorter, losing nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 })), fc.integer({ min: 1, max: 100 }), (pieces, size) => {
        const chunks = [...chunked(pieces, size)];
        expect(chunks.join('')).toBe(pieces.join(''));
        for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBeGreaterThanOrEqual(size);
        expect(chunks.every((c) => c.length > 0)).toBe(true);
      }),
    );
  });
});

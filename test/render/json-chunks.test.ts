/**
 * The JSON report on stdout is written in chunks (src/render/json-chunks.ts, issue 18: the report of
 * 10,000 small workers whole cost ~20 MiB more peak RSS): joined, they must be the bytes of
 * `JSON.stringify(value, null, 2)` and so of RENDERERS.json.
 */
import { Chalk } from 'chalk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonChunks } from '../../src/render/json-chunks.ts';
import { renderJson, renderJsonChunks } from '../../src/render/json.ts';
import { sampleReport } from '../helpers/report.ts';

const whole = (value: unknown, chunkChars = 1): string => [...jsonChunks(value, chunkChars)].join('');

describe('jsonChunks', () => {
  it('joined, is JSON.stringify(value, null, 2) for any JSON value, in chunks of any size', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 1, max: 300 }), (value, size) => {
        expect(whole(value, size)).toBe(JSON.stringify(value, null, 2));
      }),
      { numRuns: 500 },
    );
  });

  it('leaves out what JSON.stringify leaves out, writes null where it does, and lets a Date say how it is written', () => {
    const value = { a: undefined, b: () => 1, c: [undefined, () => 1, Symbol('s'), 1, { x: [] }], d: new Date(Date.UTC(2026, 3, 14)), e: {}, f: [], g: { h: undefined, i: {} }, 'line\nbreak': ['a\nb', { j: 'c\nd' }] };
    expect(whole(value)).toBe(JSON.stringify(value, null, 2));
    expect(whole(undefined)).toBe('');
  });

  it('renderJsonChunks joined is the JSON renderer of a report, byte for byte', () => {
    const report = sampleReport();
    expect([...renderJsonChunks(report, 4096)].join('')).toBe(renderJson(report, { chalk: new Chalk({ level: 0 }), width: 100, chart: false }));
  });

  it('gives chunks of at least the size asked (the last one shorter), never the text whole', () => {
    const value = { inputs: Array.from({ length: 2000 }, (_, i) => ({ name: `f${i}`, lines: { read: i }, families: {} })) };
    const chunks = [...jsonChunks(value, 1000)];
    expect(chunks.length).toBeGreaterThan(100);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(1200);
  });
});

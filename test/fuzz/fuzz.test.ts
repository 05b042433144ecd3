/**
 * Bounded fuzzing (seeded, a few seconds): random bytes, and real lines mutated the way real logs
 * get damaged (truncated, duplicated, bytes flipped, two lines interleaved mid-way by concurrent
 * writers). dpskew must never throw or hang, its accounting must add up, and its JSON must parse.
 */
import { Chalk } from 'chalk';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RENDERERS } from '../../src/render/index.ts';
import { mulberry32 } from '../helpers/random.ts';
import { accountingHolds, runOnChunks } from '../helpers/run-in-process.ts';
import { ROOT } from '../cli/run-cli.ts';

/** Real lines of every family from the fixtures. */
function corpus(): string[] {
  const lines: string[] = [];
  for (const dir of ['fixtures/scenarios', 'fixtures/dynamo', 'fixtures/vllm', 'fixtures/trtllm']) {
    for (const file of readdirSync(join(ROOT, dir))) {
      if (!file.endsWith('.log')) continue;
      lines.push(...readFileSync(join(ROOT, dir, file), 'utf8').split('\n').filter((l) => l !== '').slice(0, 40));
    }
  }
  return lines;
}

const context = { chalk: new Chalk({ level: 0 }), width: 80, chart: true };

function mutate(line: string, rand: () => number, other: string): Buffer {
  const bytes = Buffer.from(line);
  switch (Math.floor(rand() * 6)) {
    case 0:
      return bytes.subarray(0, Math.floor(rand() * bytes.length));
    case 1:
      return Buffer.concat([bytes, bytes]);
    case 2: {
      const copy = Buffer.from(bytes);
      // Any byte but a newline, so the line count stays known.
      for (let i = 0; i < 3; i++) copy[Math.floor(rand() * copy.length)] = (11 + Math.floor(rand() * 245)) % 256;
      return copy;
    }
    case 3: {
      // Two writers interleaved mid-line.
      const at = Math.floor(rand() * bytes.length);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(other), bytes.subarray(at)]);
    }
    case 4:
      return Buffer.from(line.replace(/\d+/g, () => String(Math.floor(rand() * 10 ** Math.floor(rand() * 22)))));
    default:
      return bytes;
  }
}

describe('fuzz', () => {
  const lines = corpus();

  it('mutated real lines: no throw, accounting adds up, every renderer works, JSON parses', async () => {
    const rand = mulberry32(20261124);
    const started = Date.now();
    for (let round = 0; round < 40; round++) {
      const parts: Buffer[] = [];
      for (let i = 0; i < 200; i++) {
        const line = lines[Math.floor(rand() * lines.length)] ?? '';
        const other = lines[Math.floor(rand() * lines.length)] ?? '';
        parts.push(mutate(line, rand, other), Buffer.from(rand() < 0.05 ? '\r\n' : '\n'));
      }
      const bytes = Buffer.concat(parts);
      // Random chunk boundaries too.
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; ) {
        const size = 1 + Math.floor(rand() * 4096);
        chunks.push(bytes.subarray(at, at + size));
        at += size;
      }
      const result = await runOnChunks(chunks, { maxLineBytes: String(64 + Math.floor(rand() * 4096)) });
      expect(accountingHolds(result)).toBe(true);
      expect(result.report.totals.linesRead).toBe(200);
      for (const render of Object.values(RENDERERS)) expect(typeof render(result.report, context)).toBe('string');
      expect(JSON.parse(RENDERERS.json(result.report, context)).schemaVersion).toBe(2);
    }
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);

  it('random bytes: no throw, accounting adds up', async () => {
    const rand = mulberry32(7);
    for (let round = 0; round < 30; round++) {
      const bytes = Buffer.alloc(20_000);
      for (let i = 0; i < bytes.length; i++) bytes[i] = rand() < 0.02 ? 10 : Math.floor(rand() * 256);
      const result = await runOnChunks([bytes]);
      expect(accountingHolds(result)).toBe(true);
      expect(JSON.parse(RENDERERS.json(result.report, context)).schemaVersion).toBe(2);
    }
  }, 60_000);
});

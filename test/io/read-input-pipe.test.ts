/**
 * Standard input from a pipe (read-input.ts, pipeChunks): libuv reads into two buffers in turn and a
 * spill buffer, reading pauses while the consumer is slow, and the read that lands after a hand-over
 * is moved. Whatever the consumer's pace, the chunks must add up to the bytes written, in order.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readInput } from '../../src/input/read-input.ts';
import { mulberry32 } from '../helpers/random.ts';

const dir = mkdtempSync(join(tmpdir(), 'dpskew-pipe-'));

/** Writes `bytes` into a FIFO from a child process and reads it through readInput's fd path. */
async function readThroughFifo(bytes: Buffer, pause: (chunk: number) => number): Promise<{ digest: string; length: number; chunks: number }> {
  const file = join(dir, `data-${bytes.length}`);
  const fifo = join(dir, `fifo-${bytes.length}-${Math.random()}`);
  writeFileSync(file, bytes);
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', file, fifo], { stdio: 'ignore' });
  const written = new Promise((resolve) => writer.on('close', resolve));
  const fd = openSync(fifo, 'r'); // returns once the writer has opened its end
  const hash = createHash('sha256');
  let length = 0;
  let chunks = 0;
  const stream = (): Readable => {
    throw new Error('the pipe must be read from its descriptor');
  };
  const result = await readInput({ name: '-', path: '-', size: null }, { fd, stream }, async (chunk) => {
    hash.update(chunk);
    length += chunk.length;
    const wait = pause(chunks++);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  });
  await written;
  expect(result.error).toBeNull();
  expect(result.bytes).toBe(bytes.length);
  return { digest: hash.digest('hex'), length, chunks };
}

function randomBytes(n: number, seed: number): Buffer {
  const next = mulberry32(seed);
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
  return out;
}

describe('stdin from a pipe', () => {
  it('hands over every byte in order, with a consumer that keeps up and one that stalls (buffers fill, reading pauses)', async () => {
    const bytes = randomBytes(6 << 20, 11);
    const want = createHash('sha256').update(bytes).digest('hex');
    const fast = await readThroughFifo(bytes, () => 0);
    expect(fast).toMatchObject({ digest: want, length: bytes.length });
    // Stalls long enough for both 1 MiB buffers to fill: chunks then come whole, reading resumes after each.
    const slow = await readThroughFifo(bytes, (k) => (k % 3 === 0 ? 15 : 0));
    expect(slow).toMatchObject({ digest: want, length: bytes.length });
    expect(slow.chunks).toBeLessThan(fast.chunks + 200);
  }, 30_000);

  it('an empty pipe is an empty input', async () => {
    const none = await readThroughFifo(Buffer.alloc(0), () => 0);
    expect(none).toMatchObject({ length: 0, chunks: 0 });
  });
});

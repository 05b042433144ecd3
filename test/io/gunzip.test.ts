/**
 * gunzipMembers (issue 18 item 12): every byte a gzip member decodes to is handed on before what
 * follows it is judged. Node's Gunzip lost the member's last output when junk followed it
 * (20,000 lines: 19,848 read); members, zero padding, headers with optional fields, corrupt
 * trailers and truncation are checked at every chunk size.
 */
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GzipError, gunzipMembers } from '../../src/input/gunzip.ts';

const LINES = Array.from({ length: 20_000 }, (_, i) => `[2026-04-14 10:00:${String(i % 60).padStart(2, '0')} DP${i % 4} TP${i % 4}] Prefill batch, #new-seq: 1, #new-token: ${i}, #queue-req: 0\n`).join('');
const DATA = Buffer.from(LINES);

/** `bytes` in chunks of `size` (the last one shorter). */
function chunked(bytes: Buffer, size: number): AsyncIterable<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(Buffer.from(bytes.subarray(i, i + size)));
  return Readable.from(chunks);
}

async function decode(bytes: Buffer, size: number, chunkSize = 64 << 10): Promise<{ out: Buffer; error: unknown }> {
  const out: Buffer[] = [];
  try {
    for await (const chunk of gunzipMembers(chunked(bytes, size), chunkSize)) out.push(Buffer.from(chunk));
    return { out: Buffer.concat(out), error: null };
  } catch (error) {
    return { out: Buffer.concat(out), error };
  }
}

/** A member with every optional header field: FEXTRA, FNAME, FCOMMENT, FHCRC. */
function withAllHeaderFields(data: Buffer): Buffer {
  const plain = gzipSync(data);
  const extra = Buffer.from([4, 0, 0x41, 0x42, 1, 2]); // XLEN 4, one subfield
  const header = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 2 | 4 | 8 | 16]), plain.subarray(4, 10), extra, Buffer.from('name.log\0comment\0'), Buffer.from([0xaa, 0xbb])]);
  return Buffer.concat([header, plain.subarray(10)]);
}

const SIZES = [13, 4096, 65_536, 1 << 20];

describe('gunzipMembers', () => {
  it.each(SIZES)('junk after a member: every line before it, then a trailing-bytes error (chunks of %i)', async (size) => {
    const gz = gzipSync(DATA);
    const { out, error } = await decode(Buffer.concat([gz, Buffer.from('garbage after the member\n'.repeat(10))]), size);
    expect(out.equals(DATA)).toBe(true);
    expect(error).toBeInstanceOf(GzipError);
    expect(error).toMatchObject({ trailing: true, message: `trailing bytes after the gzip data from byte ${gz.length} (every line before them was read)` });
  });

  it.each(SIZES)('junk that starts like a member (1f 8b) is an error too, after every line (chunks of %i)', async (size) => {
    const { out, error } = await decode(Buffer.concat([gzipSync(DATA), Buffer.from([0x1f, 0x8b, 0x99]), Buffer.alloc(30, 0x78)]), size);
    expect(out.equals(DATA)).toBe(true);
    expect(error).toBeInstanceOf(GzipError);
  });

  it.each(SIZES)('members one after another, zero padding and every header field (chunks of %i)', async (size) => {
    const a = DATA.subarray(0, 1_000_001);
    const b = DATA.subarray(1_000_001);
    const { out, error } = await decode(Buffer.concat([gzipSync(a), withAllHeaderFields(b), gzipSync(Buffer.alloc(0)), Buffer.alloc(1000)]), size);
    expect(error).toBeNull();
    expect(out.equals(DATA)).toBe(true);
  });

  it.each(SIZES)('truncated: what was decoded, then an error (chunks of %i)', async (size) => {
    const gz = gzipSync(DATA);
    const { out, error } = await decode(gz.subarray(0, Math.floor(gz.length / 2)), size);
    expect(error).toMatchObject({ name: 'GzipError', message: 'unexpected end of file', trailing: false });
    expect(out.length).toBeGreaterThan(DATA.length / 3);
    expect(DATA.subarray(0, out.length).equals(out)).toBe(true);
  });

  it('a member that ends at any chunk boundary around its end, with or without junk after it', async () => {
    const small = DATA.subarray(0, 100_000);
    const gz = gzipSync(small);
    for (const tail of [Buffer.alloc(0), Buffer.from('junk')]) {
      const bytes = Buffer.concat([gz, tail]);
      for (let cut = gz.length - 12; cut <= bytes.length; cut++) {
        const out: Buffer[] = [];
        let error: unknown = null;
        try {
          for await (const chunk of gunzipMembers(Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)].filter((b) => b.length > 0)), 4096)) out.push(chunk);
        } catch (e) {
          error = e;
        }
        expect(Buffer.concat(out).equals(small)).toBe(true);
        expect(error === null).toBe(tail.length === 0);
      }
    }
  });

  it('a missing trailer, a wrong CRC and a wrong length are errors', async () => {
    const gz = gzipSync(DATA);
    expect((await decode(gz.subarray(0, gz.length - 8), 4096)).error).toMatchObject({ message: 'unexpected end of file' });
    const badCrc = Buffer.from(gz);
    badCrc.writeUInt32LE((badCrc.readUInt32LE(gz.length - 8) ^ 1) >>> 0, gz.length - 8);
    expect((await decode(badCrc, 4096)).error).toMatchObject({ message: 'incorrect data check' });
    const badLength = Buffer.from(gz);
    badLength.writeUInt32LE(7, gz.length - 4);
    expect((await decode(badLength, 4096)).error).toMatchObject({ message: 'incorrect length check' });
  });

  it('corrupt deflate data is a GzipError', async () => {
    const gz = gzipSync(DATA);
    const bad = Buffer.from(gz);
    for (let i = 100; i < 200; i++) bad[i] = 0xff;
    expect((await decode(bad, 4096)).error).toBeInstanceOf(GzipError);
  });

  it('hands out chunks of at most chunkSize, at the consumer pace (a bomb is never held whole)', async () => {
    const bomb = gzipSync(Buffer.alloc(64 << 20, 0x61));
    let largest = 0;
    let total = 0;
    for await (const chunk of gunzipMembers(chunked(bomb, 1 << 20), 256 << 10)) {
      largest = Math.max(largest, chunk.length);
      total += chunk.length;
    }
    expect(total).toBe(64 << 20);
    expect(largest).toBeLessThanOrEqual(256 << 10);
  });
});

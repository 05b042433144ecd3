/**
 * Streams one source's bytes to a consumer, gunzipping when the first bytes are the gzip magic
 * (1f 8b), whatever the file is called.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors.ts';
import type { Source } from './sources.ts';

/** 1 MiB reads: fewer, larger chunks keep the per-chunk overhead of the scanner negligible. */
const READ_CHUNK_BYTES = 1 << 20;

export interface ReadResult {
  readonly gzip: boolean;
  /** bytes read from the source (compressed size for gzip) */
  readonly bytes: number;
  /** set when reading stopped early; the consumer has seen only part of the input */
  readonly error: InputError | null;
}

/**
 * @param onChunk gets the (gunzipped) bytes in order; returning a promise pauses reading until it settles
 * @param signal aborts the read (Ctrl-C): the result then carries an `interrupted` error and the
 *   consumer has seen only part of the input
 */
export async function readInput(
  source: Source,
  stdin: Readable | null,
  onChunk: (chunk: Buffer) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<ReadResult> {
  let bytes = 0;
  let gzip = false;
  let raw: Readable;
  try {
    if (source.path === '-' && stdin === null) throw new Error('no standard input here');
    raw = source.path === '-' && stdin !== null ? stdin : createReadStream(source.path, { highWaterMark: READ_CHUNK_BYTES });
  } catch (error) {
    return { gzip, bytes, error: new InputError(source.name, errorText(error), { cause: error }) };
  }
  const iterator: AsyncIterator<unknown> = raw[Symbol.asyncIterator]();
  // A pending read (a pipe that is still open) only ends when its stream is destroyed.
  const onAbort = (): void => {
    raw.destroy();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const nextChunk = async (): Promise<Buffer | null> => {
    const step = await iterator.next();
    if (step.done === true) return null;
    const value: unknown = step.value;
    const chunk = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
    bytes += chunk.length;
    return chunk;
  };
  try {
    let head: Buffer = Buffer.alloc(0);
    while (head.length < 2) {
      const chunk = await nextChunk();
      if (chunk === null) break;
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    }
    gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    const first = head;
    const rest = async function* (): AsyncGenerator<Buffer> {
      if (first.length > 0) yield first;
      for (;;) {
        const chunk = await nextChunk();
        if (chunk === null) return;
        yield chunk;
      }
    };
    const sink = async (chunks: AsyncIterable<Buffer>): Promise<void> => {
      for await (const chunk of chunks) {
        // A consumer may return a promise to pause reading (back-pressure).
        const pause = onChunk(chunk);
        if (pause !== undefined) await pause;
      }
    };
    const options = signal === undefined ? {} : { signal };
    if (gzip) await pipeline(rest, createGunzip(), sink, options);
    else await pipeline(rest, sink, options);
    return { gzip, bytes, error: null };
  } catch (error) {
    if (signal?.aborted === true) return { gzip, bytes, error: new InputError(source.name, 'interrupted: read only in part') };
    const message = gzip ? `corrupt or truncated gzip data (${errorText(error)})` : errorText(error);
    return { gzip, bytes, error: new InputError(source.name, message, { cause: error }) };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await iterator.return?.();
  }
}

export function errorText(error: unknown): string {
  if (error instanceof Error && 'code' in error) {
    if (error.code === 'ENOENT') return 'no such file or directory';
    if (error.code === 'EACCES') return 'permission denied';
    if (error.code === 'EISDIR') return 'is a directory';
  }
  return error instanceof Error ? error.message : String(error);
}

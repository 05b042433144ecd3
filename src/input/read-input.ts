/**
 * Streams one source's bytes to a consumer, gunzipping when the first bytes are the gzip magic
 * (1f 8b), whatever the file is called.
 */
import { closeSync, constants as fsConstants, fstatSync, open, openSync, read, statSync } from 'node:fs';
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import type { Readable } from 'node:stream';
import { InputError } from '../model/errors.ts';
import { GzipError, gunzipMembers } from './gunzip.ts';
import { isGzipMagic } from './gzip-magic.ts';
import type { Source } from './sources.ts';

/** 1 MiB reads: fewer, larger chunks keep the per-chunk overhead of the scanner negligible. */
const READ_CHUNK_BYTES = 1 << 20;

/** Output chunks of gunzip: zlib's 16 KiB default means 30 000 buffers per 500 MB, each freed only by a GC. */
const GUNZIP_CHUNK_BYTES = 256 << 10;
/**
 * The least a read or a gunzip output chunk takes for a file known to be small. Buffers sized for
 * big inputs cost a small one more than its bytes: 2,000 .gz files of 1 KB each allocated 2.25 MiB
 * of buffers (two 1 MiB reads and zlib's output chunk), and the garbage collections that memory
 * outside the heap triggers took a third of the run (GC 1.3 of 4.3 s, V8 profile).
 */
const SMALL_CHUNK_BYTES = 16 << 10;
/** gunzip's output chunk for a compressed file of known size: room for text ~8× its bytes (logs compress 10–20×). */
const GUNZIP_GROWTH = 8;

export interface ReadResult {
  readonly gzip: boolean;
  /** bytes read from the source (compressed size for gzip) */
  readonly bytes: number;
  /** set when reading stopped early; the consumer has seen only part of the input */
  readonly error: InputError | null;
}

/**
 * Bytes to read: a stream (tests, embedding), or a file descriptor (stdin, or one opened for a
 * source). A regular file (`dpskew - < log`, a gzip file) is read straight from the descriptor
 * into one reused buffer, from `start` when given (positional reads: a descriptor shared with
 * range tasks keeps its offset), else from where the descriptor stands. A pipe, FIFO or socket is
 * read by libuv as data arrives (`pipeChunks`): each read of a pipe returns at most the 64 KiB it
 * holds, and a descriptor read per chunk (a thread-pool round trip each) was 1.6× slower on
 * `cat 500MB | dpskew -`. A character device or a /proc file is read like a file, as a stream.
 * `stream` (process.stdin) is the fallback when the descriptor turns out non-blocking (EAGAIN).
 */
export type ByteInput = Readable | { readonly fd: number; readonly stream?: () => Readable; readonly start?: number };

/** Standard input, as readSources and watch are given it. */
export type StdinInput = ByteInput;

interface ChunkSource {
  /** the next chunk, or `null` at the end; a chunk may be overwritten by the next call unless `copy` */
  next(copy: boolean): Promise<Buffer | null>;
  close(): Promise<void>;
}

/**
 * Read a source: stdin (`-`) from `stdin`, anything else from its path, opened here once.
 * Same contract as `readBytes`.
 */
export async function readInput(
  source: Source,
  stdin: StdinInput | null,
  onChunk: (chunk: Buffer) => void | Promise<void>,
  signal?: AbortSignal,
  onGzip?: () => void,
): Promise<ReadResult> {
  if (source.path === '-') {
    if (stdin === null) return { gzip: false, bytes: 0, error: new InputError(source.name, 'no standard input here') };
    return readBytes(source.name, stdin, onChunk, signal, onGzip);
  }
  let fd: number | null;
  try {
    fd = await openForReading(source.path, signal);
  } catch (error) {
    return { gzip: false, bytes: 0, error: new InputError(source.name, errorText(error), { cause: error }) };
  }
  if (fd === null) return { gzip: false, bytes: 0, error: new InputError(source.name, 'interrupted: read only in part') };
  return readBytes(source.name, { fd }, onChunk, signal, onGzip, true);
}

/**
 * Open `path` for reading without blocking this thread: a FIFO's open waits for its writer, which
 * may never come. Resolves `null` once `signal` aborts first (a descriptor opened after that is
 * closed); rejects with the open's error.
 */
export function openForReading(path: string, signal?: AbortSignal): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      resolve(null);
      return;
    }
    let abandoned = false;
    const onAbort = (): void => {
      abandoned = true;
      resolve(null);
      releaseFifoOpen(path);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    open(path, 'r', (error, fd) => {
      signal?.removeEventListener('abort', onAbort);
      if (abandoned) {
        if (error === null) closeQuietly(fd);
      } else if (error === null) resolve(fd);
      else reject(error);
    });
  });
}

/**
 * Ends an open of FIFO `path` that waits for a writer, by being that writer for a moment. The
 * waiting open holds one of libuv's threads, and the process cannot exit until it returns (Node
 * joins those threads at exit): Ctrl-C then printed the report and hung.
 */
function releaseFifoOpen(path: string): void {
  try {
    if (!statSync(path).isFIFO()) return;
    closeSync(openSync(path, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK));
  } catch {
    // no reader waits any more (ENXIO), or the FIFO is gone: nothing is held
  }
}

/**
 * Streams `input`'s bytes to a consumer, gunzipping when the first bytes are the gzip magic.
 * @param name the input's name, for errors
 * @param onChunk gets the (gunzipped) bytes in order, and must be done with a chunk when it
 *   returns (or when its promise settles: returning one pauses reading)
 * @param signal aborts the read (Ctrl-C): the result then carries an `interrupted` error and the
 *   consumer has seen only part of the input
 * @param onGzip called once, before the first chunk, when the input turns out to be gzip
 * @param owned the descriptor is closed when reading ends
 */
export async function readBytes(
  name: string,
  input: ByteInput,
  onChunk: (chunk: Buffer) => void | Promise<void>,
  signal?: AbortSignal,
  onGzip?: () => void,
  owned = false,
): Promise<ReadResult> {
  let bytes = 0;
  let gzip = false;
  // A regular file's size bounds the buffers its reads and its gunzip need.
  let size: number | null = null;
  let chunks: ChunkSource;
  if ('fd' in input) {
    const kind = descriptorKind(input.fd, input.start ?? 0);
    size = kind.size;
    chunks = fdChunks(input, owned, kind, signal);
  } else chunks = streamChunks(input, signal);
  const next = async (copy: boolean): Promise<Buffer | null> => {
    const chunk = await chunks.next(copy);
    if (chunk !== null) bytes += chunk.length;
    return chunk;
  };
  try {
    let head: Buffer = Buffer.alloc(0);
    while (head.length < 2) {
      const chunk = await next(true);
      if (chunk === null) break;
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    }
    gzip = isGzipMagic(head);
    if (gzip) onGzip?.();
    const first = head;
    // zlib keeps its input past the call, so gzip chunks are copies; plain ones go straight to onChunk.
    const rest = async function* (): AsyncGenerator<Buffer> {
      if (first.length > 0) yield first;
      for (let chunk = await next(gzip); chunk !== null; chunk = await next(gzip)) yield chunk;
    };
    const sink = async (input: AsyncIterable<Buffer>): Promise<void> => {
      for await (const chunk of input) {
        const pause = onChunk(chunk);
        if (pause !== undefined) await pause;
      }
    };
    const gunzipChunk = size === null ? GUNZIP_CHUNK_BYTES : chunkFor(size * GUNZIP_GROWTH, GUNZIP_CHUNK_BYTES);
    await sink(gzip ? gunzipMembers(rest(), gunzipChunk) : rest());
    if (signal?.aborted === true) return { gzip, bytes, error: new InputError(name, 'interrupted: read only in part') };
    return { gzip, bytes, error: null };
  } catch (error) {
    if (signal?.aborted === true) return { gzip, bytes, error: new InputError(name, 'interrupted: read only in part') };
    // Bytes after whole gzip data are named as such: everything before them was read.
    const message = error instanceof GzipError && error.trailing ? error.message : gzip ? `corrupt or truncated gzip data (${errorText(error)})` : errorText(error);
    return { gzip, bytes, error: new InputError(name, message, { cause: error }) };
  } finally {
    await chunks.close();
  }
}

function streamChunks(raw: Readable, signal?: AbortSignal): ChunkSource {
  const iterator: AsyncIterator<unknown> = raw[Symbol.asyncIterator]();
  // A pending read (a pipe that is still open) only ends when its stream is destroyed.
  const onAbort = (): void => {
    raw.destroy();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    next: async () => {
      if (signal?.aborted === true) return null;
      const step = await iterator.next();
      if (step.done === true) return null;
      const value: unknown = step.value;
      return Buffer.isBuffer(value) ? value : Buffer.from(String(value));
    },
    close: async () => {
      signal?.removeEventListener('abort', onAbort);
      await iterator.return?.();
    },
  };
}

/**
 * Reads the descriptor into one buffer when it is a file, a device or unknown (positionally from
 * `start` when given); a pipe, FIFO or socket goes to `pipeChunks`, and the rest after an EAGAIN
 * (a non-blocking descriptor) comes from `stream()`. An `owned` descriptor is closed at the end
 * (pipeChunks' socket closes it itself).
 */
function fdChunks(input: { readonly fd: number; readonly stream?: () => Readable; readonly start?: number }, owned: boolean, kind: DescriptorKind, signal?: AbortSignal): ChunkSource {
  const { fd } = input;
  const { piped, size } = kind;
  // One byte more than the file holds: a small file comes whole in one read, the next finds its end.
  const chunkBytes = size === null ? READ_CHUNK_BYTES : chunkFor(size + 1, READ_CHUNK_BYTES);
  let reused: Buffer | null = null;
  let fallback: ChunkSource | null = piped ? pipeChunks(fd, signal) : null;
  let position = piped ? null : (input.start ?? null);
  // A read of a terminal cannot be cancelled: on abort it is abandoned (resolved as the end) and
  // the process exits without waiting for it.
  const readOnce = (into: Buffer): Promise<number> =>
    new Promise((resolve, reject) => {
      const onAbort = (): void => resolve(0);
      signal?.addEventListener('abort', onAbort, { once: true });
      read(fd, into, 0, into.length, position, (error, n) => {
        signal?.removeEventListener('abort', onAbort);
        if (error === null) resolve(n);
        else reject(error);
      });
    });
  return {
    next: async (copy) => {
      if (fallback !== null) return fallback.next(copy);
      if (signal?.aborted === true) return null;
      // A chunk to keep (gzip's input) is read into a buffer of its own rather than copied out of
      // the reused one (512 MiB of .gz: 5 MiB less peak RSS).
      const into = copy ? Buffer.allocUnsafeSlow(chunkBytes) : (reused ??= Buffer.allocUnsafe(chunkBytes));
      let n: number;
      try {
        n = await readOnce(into);
      } catch (error) {
        if (!(error instanceof Error && 'code' in error && error.code === 'EAGAIN' && input.stream !== undefined)) throw error;
        fallback = streamChunks(input.stream(), signal);
        return fallback.next(copy);
      }
      if (n === 0) return null;
      if (position !== null) position += n;
      return into.subarray(0, n);
    },
    close: async () => {
      await fallback?.close();
      if (owned && !piped) closeQuietly(fd);
    },
  };
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed: nothing left to release
  }
}

/** Bytes of one of pipeChunks' two buffers; reading pauses when less than a pipe's 64 KiB is left. */
const PIPE_BUFFER_BYTES = 1 << 20;
const PIPE_READ_BYTES = 64 << 10;
/** pipeChunks' third buffer, where libuv reads while the other two are full or held */
const SPILL = 2;

/**
 * A pipe or socket read by libuv into two reused buffers in turn (net.Socket's `onread`): no
 * buffer per 64 KiB read and no stream machinery per chunk, where process.stdin's async iterator
 * took 1.5–1.9× as long to drain the same pipe (512 MiB: 506–643 vs 334–358 ms). A chunk is all
 * that arrived since the last one, so reads batch up while the consumer is busy; when a buffer is
 * full the socket pauses until the consumer takes it. libuv reads into the region handed to it
 * after the previous read, so the one read that lands after a hand-over (or in the spill buffer)
 * is moved to the current buffer (at most 64 KiB per chunk).
 */
function pipeChunks(fd: number, signal?: AbortSignal): ChunkSource {
  const buffers = [Buffer.allocUnsafe(PIPE_BUFFER_BYTES), Buffer.allocUnsafe(PIPE_BUFFER_BYTES), Buffer.allocUnsafe(PIPE_READ_BYTES)] as const;
  let current = 0; // the buffer being filled (0 or 1)
  let filled = 0; // its bytes not yet handed over
  let landing = { buffer: 0, at: 0 }; // where libuv's next read goes: the region last handed to it
  let paused = false;
  let ended = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  /** Less room left than one read of a pipe: reading pauses until the consumer takes the buffer. */
  const nearlyFull = (): boolean => PIPE_BUFFER_BYTES - filled < PIPE_READ_BYTES;
  // The region for libuv's next read: the rest of the current buffer, or, once reading has paused
  // because it is nearly full, the spill buffer (read into only after a hand-over and resume, and
  // moved into the then-current buffer by that read's callback). Never empty: that is ENOBUFS.
  const region = (): Buffer => {
    if (!nearlyFull()) {
      landing = { buffer: current, at: filled };
      return (buffers[current] as Buffer).subarray(filled);
    }
    landing = { buffer: SPILL, at: 0 };
    return buffers[SPILL];
  };
  const onread: OnReadOpts = {
    buffer: region,
    callback: (n) => {
      const into = buffers[current] as Buffer;
      if (landing.buffer !== current || landing.at !== filled) (buffers[landing.buffer] as Buffer).copy(into, filled, landing.at, landing.at + n);
      filled += n;
      notify();
      paused = nearlyFull();
      return !paused; // false pauses the socket
    },
  };
  // `onread` is documented for new net.Socket() too; @types/node lists it only for connect().
  const options: SocketConstructorOpts & { readonly onread: OnReadOpts } = { fd, readable: true, writable: false, onread };
  const socket = new Socket(options);
  const finish = (): void => {
    ended = true;
    notify();
  };
  socket.on('end', finish);
  socket.on('close', finish);
  socket.on('error', (error) => {
    failure = error;
    notify();
  });
  // A pending read of a pipe only ends when the socket is destroyed (Ctrl-C).
  const onAbort = (): void => {
    socket.destroy();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    next: async (copy) => {
      while (filled === 0 && !ended && failure === null) await new Promise<void>((resolve) => (wake = resolve));
      if (failure !== null) throw failure;
      if (filled === 0) return null;
      const chunk = (buffers[current] as Buffer).subarray(0, filled);
      // The other buffer is free: the consumer is done with the chunk it had from it.
      current = 1 - current;
      filled = 0;
      if (paused) {
        paused = false;
        socket.resume();
      }
      return copy ? Buffer.from(chunk) : chunk;
    },
    close: async () => {
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
    },
  };
}

interface DescriptorKind {
  /** a pipe, FIFO or socket */
  readonly piped: boolean;
  /** bytes of a regular file from `start` on; `null` for anything else (pipes, devices, `/proc` files that say 0) */
  readonly size: number | null;
}

/** What the descriptor is, from one `fstat`; a closed one reads as neither (the read reports it). */
function descriptorKind(fd: number, start: number): DescriptorKind {
  try {
    const stat = fstatSync(fd);
    return { piped: stat.isFIFO() || stat.isSocket(), size: stat.isFile() && stat.size > 0 ? Math.max(0, stat.size - start) : null };
  } catch {
    return { piped: false, size: null };
  }
}

/** A buffer size for `wanted` bytes: at least SMALL_CHUNK_BYTES, at most `most`. */
function chunkFor(wanted: number, most: number): number {
  return Math.min(most, Math.max(SMALL_CHUNK_BYTES, wanted));
}

export function errorText(error: unknown): string {
  if (error instanceof Error && 'code' in error) {
    if (error.code === 'ENOENT') return 'no such file or directory';
    if (error.code === 'EACCES') return 'permission denied';
    if (error.code === 'EISDIR') return 'is a directory';
    // `EIO: i/o error, read`: Node's words, without the system call it failed in.
    if (typeof error.code === 'string' && 'syscall' in error) return error.message.replace(/, \w+(?: '.*')?$/, '');
  }
  return error instanceof Error ? error.message : String(error);
}

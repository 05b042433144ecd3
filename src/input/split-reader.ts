/**
 * The reader of one input's bytes: the plain scanner when the input has no source marks, a split
 * reader (split.ts, exports.ts) when it has. With `detect`, the first DETECT_BYTES are held until
 * the envelope is told from them (parse/envelope.ts `detectEnvelope`); an input without marks then
 * goes through the same scanner, byte for byte, as it would have without splitting.
 */
import type { LineScanner } from '../scan/scanner.ts';
import { DETECT_BYTES, detectEnvelope, type SplitSpec } from '../parse/envelope.ts';
import { createLineSplitReader, type SinkContext, type SplitOutput, type SplitReader } from './split.ts';
import { createDocumentSplitReader } from './exports.ts';

/** What reads one input: the scanner's interface, and what splitting gave (null: the input was not split). */
export interface InputReader {
  space(): Buffer;
  commit(n: number): void;
  push(chunk: Buffer): void;
  /** live mode: make every line read so far count (a held sample is decided once it has DECIDE_LINES lines) */
  flush(): void;
  end(): void;
  readonly counts: { readonly lines: number; readonly oversized: number };
  split(): SplitOutput | null;
  /** give the scanner's kernel back (the reader is not used again) */
  release(): void;
  /**
   * whether the input is read plainly (no source marks, nothing held back to decide on): a fresh
   * plain scanner can then take over at any line start (watch parks idle files: watch/follow.ts)
   */
  plain(): boolean;
}

/**
 * The held bytes' buffer of the last reader that decided, for the next one (readers are mostly
 * decided one after another): a fresh buffer per input was garbage outside V8's heap that it did
 * not hurry to collect — 1.2 GB RSS in a watch of 1,000 files with the 1 MiB buffers of before,
 * 175 MB of malloc'd heap in a watch of 10,000 with 16 KiB ones.
 */
let spareHeld: Buffer | null = null;

/**
 * Room for a reader's first bytes: the spare, or a small buffer grown as bytes come (readers that
 * wait at once, as a watch's files of a few lines do, each hold what they hold, not 64 KiB).
 */
function takeHeld(): Buffer {
  const held = spareHeld ?? Buffer.allocUnsafeSlow(HELD_FIRST_BYTES);
  spareHeld = null;
  return held;
}

const HELD_FIRST_BYTES = 4 << 10;

/** Lines a held sample needs before a live reader decides on it (a watched stream may trickle). */
const DECIDE_LINES = 8;

/** The split reader for a known envelope. */
export function createSplitReader(spec: SplitSpec, ctx: SinkContext): SplitReader {
  if (spec.kind === 'loki-json' || spec.kind === 'es-json') return createDocumentSplitReader(spec.kind, ctx);
  return createLineSplitReader(spec, ctx);
}

/**
 * @param spec the envelope, `detect` to tell it from the input's first bytes, or null for none
 * @param plain makes the scanner an input without marks is read with
 */
export function createInputReader(spec: SplitSpec | 'detect' | null, ctx: SinkContext, plain: () => LineScanner): InputReader {
  if (spec === null) return plainReader(plain());
  if (spec !== 'detect') return splitReader(createSplitReader(spec, ctx));
  return new DetectingReader(ctx, plain);
}

function plainReader(scanner: LineScanner): InputReader {
  return {
    space: () => scanner.space(),
    commit: (n) => scanner.commit(n),
    push: (chunk) => scanner.push(chunk),
    flush: () => undefined,
    end: () => scanner.end(),
    counts: scanner.counts,
    split: () => null,
    release: () => scanner.release(),
    plain: () => true,
  };
}

function splitReader(reader: SplitReader): InputReader {
  return {
    space: () => reader.space(),
    commit: (n) => reader.commit(n),
    push: (chunk) => reader.push(chunk),
    flush: () => reader.flush(),
    end: () => reader.end(),
    counts: reader.counts,
    split: () => reader.output,
    // The split reader gives its kernel back at its end.
    release: () => undefined,
    plain: () => false,
  };
}

/** Holds the first bytes until the envelope is known, then hands them, and the rest, to the reader it calls for. */
class DetectingReader implements InputReader {
  private readonly ctx: SinkContext;
  private readonly makePlain: () => LineScanner;
  /**
   * the first bytes, until the envelope is decided; a buffer reused from the last reader that
   * decided (`spareHeld`), taken at the first read (a watch makes every file's reader at once)
   */
  private held: Buffer | null = null;
  private heldBytes = 0;
  private target: InputReader | null = null;

  constructor(ctx: SinkContext, plain: () => LineScanner) {
    this.ctx = ctx;
    this.makePlain = plain;
  }

  get counts(): { readonly lines: number; readonly oversized: number } {
    return this.target?.counts ?? { lines: 0, oversized: 0 };
  }

  space(): Buffer {
    if (this.target !== null) return this.target.space();
    this.held ??= takeHeld();
    if (this.heldBytes === this.held.length) {
      // Full before DETECT_BYTES (where `commit` decides): grown.
      const grown = Buffer.allocUnsafeSlow(Math.min(DETECT_BYTES, this.held.length * 4));
      this.held.copy(grown, 0, 0, this.heldBytes);
      this.held = grown;
    }
    return this.held.subarray(this.heldBytes);
  }

  commit(n: number): void {
    if (this.target !== null) {
      this.target.commit(n);
      return;
    }
    this.heldBytes += n;
    if (this.heldBytes >= DETECT_BYTES) this.decide(false);
  }

  push(chunk: Buffer): void {
    if (this.target !== null) {
      this.target.push(chunk);
      return;
    }
    let i = 0;
    while (this.target === null && i < chunk.length) {
      const room = this.space();
      const n = Math.min(room.length, chunk.length - i);
      chunk.copy(room, 0, i, i + n);
      i += n;
      this.commit(n);
    }
    if (i < chunk.length) this.forward(chunk.subarray(i));
  }

  /** The rest of a chunk whose first bytes decided the reader (a method: `commit` set the target). */
  private forward(rest: Buffer): void {
    this.target?.push(rest);
  }

  flush(): void {
    if (this.target === null && this.held !== null && countLines(this.held, this.heldBytes) >= DECIDE_LINES) this.decide(false);
    this.target?.flush();
  }

  end(): void {
    if (this.target === null) this.decide(true);
    this.target?.end();
  }

  split(): SplitOutput | null {
    return this.target?.split() ?? null;
  }

  release(): void {
    this.target?.release();
  }

  plain(): boolean {
    return this.target?.plain() ?? false;
  }

  /** Tell the envelope from what is held (`complete`: all of the input), and hand the held bytes over. */
  private decide(complete: boolean): void {
    const held = this.held ?? Buffer.alloc(0);
    const sample = held.subarray(0, this.heldBytes);
    const spec = detectEnvelope(sample.subarray(0, DETECT_BYTES), complete && this.heldBytes <= DETECT_BYTES);
    const target = spec === null ? plainReader(this.makePlain()) : splitReader(createSplitReader(spec, this.ctx));
    this.target = target;
    // Every reader copies what it is pushed: the buffer is free again once `push` returns.
    if (sample.length > 0) target.push(sample);
    if (this.held !== null && (spareHeld === null || this.held.length > spareHeld.length)) spareHeld = this.held;
    this.held = null;
    this.heldBytes = 0;
  }
}

function countLines(b: Buffer, length: number): number {
  let n = 0;
  for (let at = b.indexOf(0x0a); at !== -1 && at < length; at = b.indexOf(0x0a, at + 1)) n++;
  return n;
}

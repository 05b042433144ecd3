/**
 * Log-store exports that are one JSON document, read as a stream so memory does not grow with
 * their size:
 * - Grafana Loki's `query_range` response: `{"data":{"resultType":"streams","result":[{"stream":
 *   {labels},"values":[["<ns>","<line>"(, {metadata})], …]}, …]}}`. Each stream's lines go to the
 *   source its labels name (the `pod` label, else the label set: parse/envelope.ts `lokiSource`).
 * - An Elasticsearch/OpenSearch search response (`{"hits":{"hits":[{"_source":{…}}, …]}}`, from
 *   `_search`, a scroll or a point in time), or a JSON array of hits or of `_source` documents:
 *   each document goes to its pod (`hitRecord`).
 * Several documents one after another (pages of a scroll saved together) are read in turn.
 *
 * Only the values that carry lines are kept, one at a time (a stream's labels, one `values` entry,
 * one hit), and parsed with JSON.parse; the rest is walked byte by byte for its structure alone.
 */
import { READ_BYTES } from '../scan/scanner.ts';
import { hitRecord, lokiSource, lokiTime, type JsonDocumentEnvelope } from '../parse/envelope.ts';
import { SourceSink, UNMARKED, writeRecord, type SinkContext, type SplitOutput, type SplitReader } from './split.ts';

/** What a value at some place in the document is. */
const NONE = 0;
/** Loki: a stream's labels */
const LABELS = 1;
/** Loki: one `values` entry */
const ENTRY = 2;
/** Elasticsearch: one hit, or one document of an array */
const HIT = 3;
/** Loki: a new element of `result` (its labels are not known yet) */
const STREAM = 4;
type Target = typeof NONE | typeof LABELS | typeof ENTRY | typeof HIT | typeof STREAM;

interface Frame {
  readonly array: boolean;
  /** the key of the member being read (objects) */
  key: string;
  /** a key comes next (objects) */
  expectKey: boolean;
}

const MAX_KEY = 64;

export function createDocumentSplitReader(kind: JsonDocumentEnvelope, ctx: SinkContext): SplitReader {
  return new JsonDocumentDemux(kind, ctx);
}

class JsonDocumentDemux implements SplitReader {
  readonly counts = { lines: 0, oversized: 0 };
  readonly output: SplitOutput;
  private readonly sink: SourceSink;
  private readonly kind: JsonDocumentEnvelope;
  private readonly frames: Frame[] = [];
  private readonly readBuffer = Buffer.allocUnsafe(READ_BYTES);
  private inString = false;
  private escape = false;
  private stringIsKey = false;
  private readonly key = Buffer.alloc(MAX_KEY);
  private keyLength = 0;
  /** the value being kept: what it is, at which depth it closes, and its bytes so far */
  private capturing: Target = NONE;
  private captureDepth = 0;
  private capture = Buffer.allocUnsafe(1 << 16);
  private captured = 0;
  private tooLong = false;
  private readonly bound: number;
  /** the source of the Loki stream being read; null until its labels are read */
  private source: string | null = null;

  constructor(kind: JsonDocumentEnvelope, ctx: SinkContext) {
    this.kind = kind;
    this.sink = new SourceSink(kind, ctx);
    this.output = this.sink.output;
    this.bound = ctx.maxLineBytes + (64 << 10);
  }

  space(): Buffer {
    return this.readBuffer;
  }

  commit(n: number): void {
    this.feed(this.readBuffer, n);
  }

  push(chunk: Buffer): void {
    this.feed(chunk, chunk.length);
  }

  flush(): void {
    this.sink.flush();
  }

  end(): void {
    this.sink.end();
  }

  private feed(b: Buffer, n: number): void {
    const frames = this.frames;
    let from = 0;
    for (let i = 0; i < n; i++) {
      if (this.inString && !this.stringIsKey) {
        // Most bytes are inside strings (the lines): skipped to the closing quote at once.
        i = this.stringEnd(b, i, n);
        continue;
      }
      const c = b[i] ?? 0;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 0x5c) this.escape = true;
        else if (c === 0x22) {
          this.inString = false;
          if (this.stringIsKey) {
            const top = frames[frames.length - 1];
            if (top !== undefined) {
              top.key = this.key.toString('utf8', 0, this.keyLength);
              top.expectKey = false;
            }
          }
        } else if (this.stringIsKey && this.keyLength < MAX_KEY) this.key[this.keyLength++] = c;
        continue;
      }
      switch (c) {
        case 0x22: {
          const top = frames[frames.length - 1];
          this.inString = true;
          this.stringIsKey = top !== undefined && !top.array && top.expectKey;
          this.keyLength = 0;
          break;
        }
        case 0x2c: {
          const top = frames[frames.length - 1];
          if (top !== undefined && !top.array) top.expectKey = true;
          break;
        }
        case 0x7b:
        case 0x5b:
          if (this.capturing === NONE) {
            const target = this.targetHere();
            if (target === STREAM) this.source = null;
            else if (target !== NONE) {
              this.capturing = target;
              this.captureDepth = frames.length;
              this.captured = 0;
              this.tooLong = false;
              from = i;
            }
          }
          frames.push({ array: c === 0x5b, key: '', expectKey: c === 0x7b });
          break;
        case 0x7d:
        case 0x5d:
          frames.pop();
          if (this.capturing !== NONE && frames.length === this.captureDepth) {
            this.keep(b, from, i + 1);
            this.take();
          }
          break;
        default:
          break;
      }
    }
    if (this.capturing !== NONE) this.keep(b, from, n);
  }

  /**
   * In a string that is not a key, from `i`: the index of its closing quote (the string ends), or
   * `n - 1` when it goes on past this chunk (`escape` then says whether the chunk ended inside an
   * escape).
   */
  private stringEnd(b: Buffer, i: number, n: number): number {
    let j = i;
    if (this.escape) {
      this.escape = false;
      j++;
    }
    for (;;) {
      const found = j < n ? b.indexOf(0x22, j) : -1;
      const q = found >= n ? -1 : found;
      // Backslashes just before the quote (or the chunk's end): an odd run escapes it.
      let k = (q === -1 ? n : q) - 1;
      while (k >= j && b[k] === 0x5c) k--;
      const odd = ((q === -1 ? n : q) - 1 - k) % 2 === 1;
      if (q === -1) {
        this.escape = odd;
        return n - 1;
      }
      if (!odd) {
        this.inString = false;
        return q;
      }
      j = q + 1;
    }
  }

  /** What a container starting now, at the current place in the document, is. */
  private targetHere(): Target {
    const f = this.frames;
    const d = f.length;
    if (this.kind === 'es-json') {
      if (d === 1 && f[0]?.array === true) return HIT;
      return d === 3 && f[0]?.key === 'hits' && f[1]?.key === 'hits' && f[2]?.array === true ? HIT : NONE;
    }
    if (d < 3 || f[0]?.key !== 'data' || f[1]?.key !== 'result' || f[2]?.array !== true) return NONE;
    if (d === 3) return STREAM;
    if (d === 4 && f[3]?.key === 'stream') return LABELS;
    return d === 5 && f[3]?.key === 'values' && f[4]?.array === true ? ENTRY : NONE;
  }

  /** Add `b[from, to)` to the value being kept, within the bound. */
  private keep(b: Uint8Array, from: number, to: number): void {
    if (this.tooLong || to <= from) return;
    const length = to - from;
    if (this.captured + length > this.bound) {
      this.tooLong = true;
      return;
    }
    if (this.captured + length > this.capture.length) {
      const next = Buffer.allocUnsafe(Math.min(this.bound, Math.max(2 * this.capture.length, this.captured + length)));
      this.capture.copy(next, 0, 0, this.captured);
      this.capture = next;
    }
    this.capture.set(b.subarray(from, to), this.captured);
    this.captured += length;
  }

  /** The value kept is whole: read it. */
  private take(): void {
    const target = this.capturing;
    this.capturing = NONE;
    if (this.tooLong) {
      // A line past the bound: counted as oversized, as the scanner would.
      const part = this.sink.part(this.source === null || this.source === '' ? UNMARKED : `\u0001${this.source}`, () => this.source ?? '');
      this.counts.lines++;
      this.counts.oversized++;
      part.info.lines++;
      part.info.oversized++;
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(this.capture.toString('utf8', 0, this.captured));
    } catch {
      return;
    }
    if (target === LABELS) {
      this.source = lokiSource(value);
      return;
    }
    if (target === ENTRY) {
      if (!Array.isArray(value) || typeof value[1] !== 'string') return;
      if (this.source === null) this.output.unlabelled++;
      this.route({ source: this.source ?? '', message: value[1], time: lokiTime(value[0]) });
      return;
    }
    const record = hitRecord(value);
    if (record !== null) this.route(record);
  }

  private route(record: { readonly source: string; readonly message: string; readonly time: string | null }): void {
    this.counts.lines++;
    const part = record.source === '' ? this.sink.part(UNMARKED, () => '') : this.sink.part(`\u0001${record.source}`, () => record.source);
    part.info.bytes += this.captured;
    writeRecord(this.sink, part, record);
  }
}

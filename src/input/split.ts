/**
 * One input, many workers: the lines of a stream that interleaves several sources (kubectl
 * --prefix, stern, logcli, docker compose, srun -l, journalctl, log-store exports) are routed by
 * their source marks (parse/envelope.ts) to one part per source, each read as its own input
 * would be: its own worker state and line accounting, the envelope taken off so the line is the
 * worker's own line again (the kernel's fast path reads it as it would the pod's file).
 *
 * How: a byte-level demultiplexer in front of the scanner. Lines are cut here, their envelope
 * matched, and each line's own bytes appended to its source's pending buffer; a pending buffer is
 * scanned when full (or at the end) by one scanner shared by all sources of the read, which hands
 * candidates and folded batches to the source being scanned. Memory is bounded whatever the input:
 * pending buffers have a total budget, and the number of sources is bounded (MAX_SOURCES); the
 * lines of sources past the bound go to one overflow part, which the report notes.
 */
import { WorkerState, type WorkerJson } from '../aggregate/worker-state.ts';
import { createLineHandler, emptyTally, kernelBatches, mergeTally, noteExtentOf, tallyFromJson, tallyToJson, type LineTally, type TallyJson, type TimeRange } from './ingest.ts';
import { createLineScanner, decodeCandidate, READ_BYTES, type CandidateHandler, type KernelBatches, type LineScanner } from '../scan/scanner.ts';
import type { LineParser } from '../model/records.ts';
import type { Zone } from '../parse/timestamps.ts';
import type { NeedleTable } from './settings.ts';
import {
  createEnvelopeMatcher,
  decodeJsonLine,
  emptyMatch,
  hasOwnTime,
  isJsonLineEnvelope,
  isLineEnvelope,
  matchLogcliTime,
  MAX_ENVELOPE_BYTES,
  SOURCE_GROUP,
  type EnvelopeKind,
  type EnvelopeMatcher,
  type ExportRecord,
  type JsonLineEnvelope,
  type SplitSpec,
} from '../parse/envelope.ts';
import { linearRegExp } from '../parse/custom.ts';

/**
 * Sources one input is split into, at most. Each is a worker with its own state (a few KiB, and
 * up to the bucket budget per rank it logs), so 1,024 stay well within the memory bound; a stream
 * with more is rather a whole cluster's logs than one deployment's. Past the bound, the lines of
 * further sources go to one overflow part, and the run says so in a note.
 */
export const MAX_SOURCES = 1024;

/** The part of lines without a source mark (continuations of no earlier line, unparsable export lines). */
export const UNMARKED = '';
/** The part of the sources past MAX_SOURCES. */
export const OVERFLOW = '\u0000';
/**
 * The part of the lines before the first source mark of a piece read on its own (a byte range, a
 * stdin block): they continue the source of the line before the piece, which only the merge in
 * order knows (`mergeSplit`); before any mark of the input, they are the input's own, as UNMARKED.
 */
export const LEADING = '\u0002';

/** Whether `key` is a source's part (not UNMARKED, OVERFLOW or LEADING). */
function isSource(key: string): boolean {
  return key !== UNMARKED && key !== OVERFLOW && key !== LEADING;
}

/** One source's share of an input: read like an input of its own. */
export interface SourcePart {
  /** the source as its envelope names it; `''` for UNMARKED and OVERFLOW */
  readonly name: string;
  readonly state: WorkerState;
  readonly tally: LineTally;
  lines: number;
  oversized: number;
  /** bytes of its lines as read, envelopes included */
  bytes: number;
}

/** What splitting one input gave: its parts in the order their sources first appeared. */
export interface SplitOutput {
  readonly kind: EnvelopeKind;
  readonly parts: Map<string, SourcePart>;
  /** sources whose lines went to the overflow part (their keys, up to MAX_SOURCES of them, to count them) */
  readonly overflowKeys: Set<string>;
  /** lines of Loki streams whose values came before their labels (not what Loki writes): read unmarked */
  unlabelled: number;
  /** the part the last line went to (the source a following piece's LEADING lines continue), null: none yet */
  lastKey: string | null;
}

/**
 * Pending bytes of all sources of one read, at most: one slot each, PENDING_SLOT_MAX bytes while
 * the sources fit (32 of them), halved as more come (1,024 sources: 4 KiB each).
 */
const PENDING_BUDGET = 8 << 20;
const PENDING_SLOT_MAX = 256 << 10;

/** What a sink needs to read lines: the parsers of the run (and their needles: needlesOf), and where records go. */
export interface SinkContext extends NeedleTable {
  readonly parsers: readonly LineParser[];
  readonly zone: Zone;
  readonly range: TimeRange | null;
  readonly maxLineBytes: number;
  /** `extent` reads only the first and last time, into `extent` */
  readonly mode: 'analyse' | 'extent';
  readonly extent?: { first: number | null; last: number | null };
  /** fold batch lines in the kernel (not in live mode, where every line must be in the state at once) */
  readonly fold: boolean;
  /** the blocks of one stream keep the kernel's anchors (see createLineScanner) */
  readonly keepAnchors: boolean;
  /** where a part's records go (watch: the worker shared by every input of that name); default a new state */
  readonly stateFor?: (kind: EnvelopeKind, key: string, name: string) => WorkerState;
}

interface LivePart {
  /** its key in the output's parts */
  readonly key: string;
  readonly info: SourcePart;
  /** its slot in the sink's arena: where its pending lines start, and how many bytes they take */
  at: number;
  used: number;
  readonly handler: CandidateHandler;
  readonly batches: KernelBatches | undefined;
}

const NEWLINE = Buffer.from('\n');
const SPACE = Buffer.from(' ');

/**
 * The parts of one read and the scanner they share. `write` appends a line (without its `\n`) to
 * a part; the part's lines are scanned when its slot is full, on `flush`, and on `end`.
 *
 * One buffer, the arena, holds the reader's input (its first `inputBytes`) and every part's
 * pending lines (a slot each, after it): a line read into the input is moved to its part with
 * `copyWithin`, which copies inside one buffer without making a view of it for every line (a view
 * a line, and the garbage it makes, was a third of what splitting cost).
 */
export class SourceSink {
  readonly output: SplitOutput;
  /** where a line reader reads its input: the arena's first bytes */
  readonly input: Buffer;
  private readonly arena: Buffer;
  private readonly ctx: SinkContext;
  private readonly live = new Map<string, LivePart>();
  private scanner: LineScanner | null = null;
  private current: LivePart | null = null;
  private slotBytes = PENDING_SLOT_MAX;
  private ended = false;

  constructor(kind: EnvelopeKind, ctx: SinkContext, inputBytes = 0) {
    this.ctx = ctx;
    this.output = { kind, parts: new Map(), overflowKeys: new Set(), unlabelled: 0, lastKey: null };
    // Pages of the arena are touched only as slots fill: a read with few sources costs what it uses.
    this.arena = takeArena(inputBytes + PENDING_BUDGET);
    this.input = this.arena.subarray(0, inputBytes);
  }

  /** The part of source `key` (named `name`), made on first sight; past MAX_SOURCES, the overflow part. */
  part(key: string, name: () => string): LivePart {
    let part = this.live.get(key);
    if (part !== undefined) return part;
    if (isSource(key) && this.live.size - (this.live.has(UNMARKED) ? 1 : 0) - (this.live.has(OVERFLOW) ? 1 : 0) - (this.live.has(LEADING) ? 1 : 0) >= MAX_SOURCES) {
      if (this.output.overflowKeys.size < MAX_SOURCES) this.output.overflowKeys.add(key);
      return this.part(OVERFLOW, () => '');
    }
    const partName = isSource(key) ? name() : '';
    // A followed stream is one piece: its leading lines are the input's own, as unmarked ones.
    const state = this.ctx.stateFor?.(this.output.kind, key === LEADING ? UNMARKED : key, partName) ?? new WorkerState('');
    const tally = emptyTally();
    const info: SourcePart = { name: partName, state, tally, lines: 0, oversized: 0, bytes: 0 };
    const batches = this.ctx.mode === 'analyse' ? kernelBatches(this.ctx.parsers, this.ctx.zone, state, tally, this.ctx.range, this.ctx.fold) : undefined;
    const handler: CandidateHandler =
      this.ctx.mode === 'analyse' ? createLineHandler(this.ctx.parsers, state, tally, this.ctx.range) : (line) => noteExtentOf(decodeCandidate(line), this.ctx.parsers, this.ctx.extent ?? { first: null, last: null });
    const slot = this.live.size;
    if ((slot + 1) * this.slotBytes > PENDING_BUDGET) this.reslot(slot + 1);
    part = { key, info, at: this.input.length + slot * this.slotBytes, used: 0, handler, batches };
    this.live.set(key, part);
    this.output.parts.set(key, info);
    return part;
  }

  /** Smaller slots, for `count` parts: what the parts hold is scanned first. */
  private reslot(count: number): void {
    this.flush();
    while (count * this.slotBytes > PENDING_BUDGET) this.slotBytes >>= 1;
    let slot = 0;
    for (const part of this.live.values()) part.at = this.input.length + slot++ * this.slotBytes;
  }

  /** Append `bytes[start, end)` and a `\n` as one line of `part` (`prefix`, a time and a space, before it). */
  write(part: LivePart, bytes: Uint8Array, start: number, end: number, prefix: Uint8Array | null = null): void {
    const length = end - start + 1 + (prefix === null ? 0 : prefix.length + 1);
    if (!this.room(part, length)) {
      this.scanAlone(part, prefix === null ? null : Buffer.from(prefix.buffer, prefix.byteOffset, prefix.length), Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start));
      return;
    }
    const into = this.arena;
    let at = part.at + part.used;
    if (prefix !== null) {
      into.set(prefix, at);
      at += prefix.length;
      into[at++] = 0x20;
    }
    into.set(bytes.subarray(start, end), at);
    at += end - start;
    into[at++] = 0x0a;
    part.used = at - part.at;
  }

  /**
   * Append the line `input[start, end)` (its `\n` at `end`) to `part`, with the envelope's time
   * `input[timeStart, timeEnd)` and a space before it when `timeStart` is not -1.
   */
  take(part: LivePart, start: number, end: number, timeStart: number, timeEnd: number): void {
    const arena = this.arena;
    const length = end - start + 1 + (timeStart < 0 ? 0 : timeEnd - timeStart + 1);
    if (!this.room(part, length)) {
      this.scanAlone(part, timeStart < 0 ? null : arena.subarray(timeStart, timeEnd), arena.subarray(start, end));
      return;
    }
    let at = part.at + part.used;
    if (timeStart >= 0) {
      arena.copyWithin(at, timeStart, timeEnd);
      at += timeEnd - timeStart;
      arena[at++] = 0x20;
    }
    arena.copyWithin(at, start, end + 1);
    part.used = at + end + 1 - start - part.at;
  }

  /**
   * Append the whole lines `input[start, end)` (the last `\n` at `end - 1`) to `part` as they are: a
   * run of one source's lines kept whole (srun), moved at once; scanned where they are when they
   * fill more than a slot.
   */
  takeSpan(part: LivePart, start: number, end: number): void {
    const length = end - start;
    if (!this.room(part, length)) {
      const span = this.arena.subarray(start, end);
      this.scan(part, (scanner) => scanner.push(span));
      return;
    }
    this.arena.copyWithin(part.at + part.used, start, end);
    part.used += length;
  }

  /** Whether `length` more bytes fit in `part`'s slot, once what it holds is scanned if need be. */
  private room(part: LivePart, length: number): boolean {
    if (part.used + length <= this.slotBytes) return true;
    this.flushPart(part);
    return length <= this.slotBytes;
  }

  /** A line longer than a slot (one near the line bound), scanned on its own: `prefix`, a space, `body`, a `\n`. */
  private scanAlone(part: LivePart, prefix: Buffer | null, body: Buffer): void {
    this.scan(part, (scanner) => {
      if (prefix !== null) {
        scanner.push(prefix);
        scanner.push(SPACE);
      }
      scanner.push(body);
      scanner.push(NEWLINE);
    });
  }

  /** Scan what `part` holds. */
  private flushPart(part: LivePart): void {
    if (part.used === 0) return;
    const pending = this.arena.subarray(part.at, part.at + part.used);
    part.used = 0;
    this.scan(part, (scanner) => scanner.push(pending));
  }

  /**
   * Run `feed` (whole lines) through the shared scanner for `part`, counting its lines. The
   * scanner is ended (the kernel's fold emptied into its part) only when another part is scanned
   * next, or at a flush: a source read in runs is scanned as the plain reader scans an input (an
   * end every 256 KiB slot made the kernel's work twice the plain reader's on one-source inputs).
   */
  private scan(part: LivePart, feed: (scanner: LineScanner) => void): void {
    const scanner = this.scannerFor(part);
    if (this.current !== part) this.settle();
    this.current = part;
    const lines = scanner.counts.lines;
    const oversized = scanner.counts.oversized;
    feed(scanner);
    part.info.lines += scanner.counts.lines - lines;
    part.info.oversized += scanner.counts.oversized - oversized;
  }

  /** End the scanner for the part scanned last: the kernel's fold goes into that part. */
  private settle(): void {
    const part = this.current;
    const scanner = this.scanner;
    if (part === null || scanner === null) return;
    const lines = scanner.counts.lines;
    const oversized = scanner.counts.oversized;
    scanner.end();
    part.info.lines += scanner.counts.lines - lines;
    part.info.oversized += scanner.counts.oversized - oversized;
    this.current = null;
  }

  private scannerFor(part: LivePart): LineScanner {
    if (this.scanner !== null) return this.scanner;
    const dispatch = (): LivePart => this.current ?? part;
    const batches = part.batches;
    const fold = batches?.fold;
    const shared: KernelBatches | undefined =
      batches === undefined
        ? undefined
        : fold === undefined
          ? { zone: batches.zone }
          : { zone: batches.zone, fold: { bucketMs: fold.bucketMs, onFold: (groups) => dispatch().batches?.fold?.onFold(groups) } };
    this.scanner = createLineScanner({
      needles: this.ctx.needles,
      owners: this.ctx.owners,
      maxLineBytes: this.ctx.maxLineBytes,
      onCandidate: (line) => dispatch().handler(line),
      keepAnchors: this.ctx.keepAnchors,
      ...(shared === undefined ? {} : { batches: shared }),
    });
    return this.scanner;
  }

  /** Scan every part's pending lines (watch: before each snapshot). */
  flush(): void {
    for (const part of this.live.values()) this.flushPart(part);
    this.settle();
  }

  /** Scan what is left and give the kernel and the arena back (the sink is not used again). */
  end(): void {
    this.flush();
    this.scanner?.release();
    this.scanner = null;
    this.current = null;
    if (!this.ended) spareArenas.push(this.arena);
    this.ended = true;
  }
}

/**
 * Arenas of ended sinks, for the next read of this thread: a fresh one is new memory, whose pages
 * the kernel maps as they are first touched (a 2 MiB input area and the slots, for every byte range
 * of a file: ~1,200 page faults more than the plain reader on 250 MiB).
 */
const spareArenas: Buffer[] = [];
const SPARE_ARENAS = 2;

function takeArena(bytes: number): Buffer {
  const i = spareArenas.findIndex((arena) => arena.length === bytes);
  if (i >= 0) return spareArenas.splice(i, 1)[0] ?? Buffer.allocUnsafe(bytes);
  spareArenas.length = Math.min(spareArenas.length, SPARE_ARENAS - 1);
  return Buffer.allocUnsafe(bytes);
}

/** A reader of one input's bytes, as the scanner is read (space/commit or push), whose lines are split by source. */
export interface SplitReader {
  space(): Buffer;
  commit(n: number): void;
  push(chunk: Buffer): void;
  /** Scan what every source holds (live mode: each snapshot holds every line read). */
  flush(): void;
  /** The end of the input: its last line, even without `\n`, then every source's. */
  end(): void;
  /** raw lines of the input (envelopes included) */
  readonly counts: { lines: number; oversized: number };
  readonly output: SplitOutput;
}

/** A split reader for `spec`: line envelopes and JSON-lines exports (JSON documents are not lines: exports.ts reads them). */
export function createLineSplitReader(spec: SplitSpec, ctx: SinkContext): SplitReader {
  return new LineDemux(spec, ctx);
}

/**
 * Cuts an input into lines, matches each line's envelope, and writes its own bytes to its
 * source's part. A line without a mark continues the last source seen (a multi-line entry in a log
 * store's output), or goes to LEADING before the first (the piece's own: see mergeSplit).
 */
class LineDemux implements SplitReader {
  readonly counts = { lines: 0, oversized: 0 };
  readonly output: SplitOutput;
  private readonly sink: SourceSink;
  private readonly buffer: Buffer;
  /** the same bytes, read four at a time (comparing envelopes) */
  private readonly words: DataView;
  private readonly bound: number;
  private readonly matcher: EnvelopeMatcher | null;
  private readonly jsonKind: JsonLineEnvelope | null;
  /** srun labels stay on the line (every parser reads past them, as before splitting) */
  private readonly keepEnvelope: boolean;
  private readonly match = emptyMatch();
  private filled = 0;
  /** dropping the rest of an over-long line, counted for this part */
  private skipping: LivePart | null = null;
  private last: LivePart | null = null;
  /**
   * The sources seen last, their key bytes side by side in `recentKeys` (RECENT_KEY_BYTES each):
   * a line's source is found by comparing bytes, without making a string, while the stream
   * interleaves no more than RECENT sources (the usual case); else by its key string in the sink.
   */
  private readonly recentKeys = Buffer.alloc(RECENT * RECENT_KEY_BYTES);
  private readonly recentWords = wordsOf(this.recentKeys);
  private readonly recentLengths = new Int32Array(RECENT).fill(-1);
  private readonly recentParts: Array<LivePart | null> = Array.from({ length: RECENT }, () => null);
  private recentNext = 0;
  /**
   * The envelopes seen last, whole, for the envelopes that are the same on every line of a source
   * (logcli: past its time), their bytes side by side in `memoBytes` (MEMO_BYTES each): a line that
   * starts with one of them goes to its part without being matched (matching the envelope, then
   * finding the source by its key, took most of what splitting cost per line). Compared from the
   * key's end backwards, where sources' envelopes differ (`…-w3`; the colours and container after it
   * are often the same for all), so a wrong one is left in a byte or two; then the rest.
   */
  private readonly memo: MemoKind;
  private readonly memoBytes = Buffer.alloc(MEMO * MEMO_BYTES);
  private readonly memoWords = wordsOf(this.memoBytes);
  private readonly memoLengths = new Int32Array(MEMO).fill(-1);
  /** where each remembered envelope's key ends, from its start */
  private readonly memoKeyEnds = new Int32Array(MEMO);
  private readonly memoParts: Array<LivePart | null> = Array.from({ length: MEMO }, () => null);
  private memoNext = 0;
  /** the remembered envelope the last line had, tried first (sources write runs of lines), or -1 */
  private memoLast = -1;
  /**
   * srun's lines stay whole, so consecutive lines of one source are one span of the input
   * `[spanStart, spanEnd)`, moved to `spanPart` at once (when the run ends, and before the input
   * buffer moves) instead of line by line.
   */
  private spanPart: LivePart | null = null;
  private spanStart = 0;
  private spanEnd = 0;

  constructor(spec: SplitSpec, ctx: SinkContext) {
    // A line with its envelope may pass the line bound by the envelope's length and still hold a line within it.
    this.bound = ctx.maxLineBytes + MAX_ENVELOPE_BYTES;
    // The input is read into the sink's arena, so that a line goes to its source in one copy inside it.
    this.sink = new SourceSink(spec.kind, ctx, READ_BYTES + this.bound + 1);
    this.output = this.sink.output;
    this.buffer = this.sink.input;
    this.words = wordsOf(this.buffer);
    const kind = spec.kind;
    this.jsonKind = isJsonLineEnvelope(kind) ? kind : null;
    this.matcher = spec.kind === 'regex' ? createEnvelopeMatcher('regex', compileSplitPattern(spec.pattern)) : isLineEnvelope(kind) ? createEnvelopeMatcher(kind) : null;
    this.keepEnvelope = spec.kind === 'srun';
    this.memo = spec.kind === 'logcli' ? 'timed' : spec.kind === 'kubectl' || spec.kind === 'stern' || spec.kind === 'stern-ns' || spec.kind === 'compose' || spec.kind === 'srun' ? 'whole' : 'none';
  }

  space(): Buffer {
    return this.buffer.subarray(this.filled, this.filled + READ_BYTES);
  }

  commit(n: number): void {
    if (n <= 0) return;
    const start = this.filled;
    this.filled += n;
    const buffer = this.buffer;
    let from = 0;
    if (this.skipping !== null) {
      const nl = buffer.subarray(start, this.filled).indexOf(0x0a);
      this.skipping.info.bytes += nl === -1 ? n : nl + 1;
      if (nl === -1) {
        this.filled = 0;
        return;
      }
      this.skipping = null;
      from = start + nl + 1;
    }
    const view = buffer.subarray(0, this.filled);
    for (;;) {
      const nl = view.indexOf(0x0a, from);
      if (nl === -1) break;
      this.line(from, nl);
      from = nl + 1;
    }
    this.endSpan();
    buffer.copyWithin(0, from, this.filled);
    this.filled -= from;
    if (this.filled > this.bound) {
      // An unterminated line past what any envelope and line within the bound could take: oversized.
      const part = this.partOf(0, this.filled);
      this.counts.lines++;
      this.counts.oversized++;
      part.info.lines++;
      part.info.oversized++;
      part.info.bytes += this.filled;
      this.skipping = part;
      this.filled = 0;
    }
  }

  push(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; ) {
      const room = this.space();
      const n = Math.min(room.length, chunk.length - i);
      chunk.copy(room, 0, i, i + n);
      i += n;
      this.commit(n);
    }
  }

  flush(): void {
    this.sink.flush();
  }

  end(): void {
    if (this.filled > 0 && this.skipping === null) {
      // The last line, without its `\n`: given one (the buffer has room past any line it holds).
      this.buffer[this.filled] = 0x0a;
      this.line(0, this.filled);
      this.endSpan();
    }
    this.filled = 0;
    this.skipping = null;
    this.sink.end();
    this.output.lastKey = this.last === null ? null : this.last.key;
  }

  /** The part a line belongs to, by its envelope (which `this.match` then describes), else the last one's. */
  private partOf(s: number, e: number): LivePart {
    const b = this.buffer;
    const m = this.match;
    if (this.memo !== 'none') {
      const part = this.remembered(s, e);
      if (part !== null) return part;
    }
    if (this.matcher === null || !this.matcher(b, s, e, m)) {
      m.bodyStart = s;
      m.timeStart = -1;
      return this.last ?? this.sink.part(LEADING, () => '');
    }
    if (m.keyText !== null) return this.keyed(`\u0001${m.keyText}`, m.keyText);
    const length = m.keyEnd - m.keyStart;
    if (length === 0) return this.sink.part(UNMARKED, () => '');
    const part = this.byKey(length);
    if (this.memo !== 'none') this.remember(part, s);
    return part;
  }

  /** The part of the source whose key `this.match` gives (`length` bytes of the line). */
  private byKey(length: number): LivePart {
    const b = this.buffer;
    const keyStart = this.match.keyStart;
    const lengths = this.recentLengths;
    for (let r = 0; r < RECENT; r++) {
      if (lengths[r] !== length) continue;
      const part = this.recentParts[r];
      if (part !== null && part !== undefined && sameBytes(this.words, keyStart, this.recentWords, r * RECENT_KEY_BYTES, length)) return part;
    }
    const keyEnd = this.match.keyEnd;
    const part = this.sink.part(b.toString('latin1', keyStart, keyEnd), () => b.toString('utf8', keyStart, keyEnd));
    if (length <= RECENT_KEY_BYTES) {
      const r = this.recentNext;
      this.recentNext = (r + 1) % RECENT;
      b.copy(this.recentKeys, r * RECENT_KEY_BYTES, keyStart, keyEnd);
      lengths[r] = length;
      this.recentParts[r] = part;
    }
    return part;
  }

  /**
   * The part of the line `buffer[s, e)` when its envelope is one of the remembered ones (`this.match`
   * then gives its body and time), else null. The envelope's bytes are all a matcher reads of the
   * line, but for logcli's time (matched anew) and the spaces after logcli's labels (all taken).
   */
  private remembered(s: number, e: number): LivePart | null {
    const b = this.buffer;
    const m = this.match;
    let from = s;
    if (this.memo === 'timed') {
      if (!matchLogcliTime(b, s, e, m)) return null;
      from = m.timeEnd;
    } else {
      m.timeStart = -1;
      m.timeEnd = -1;
    }
    const last = this.memoLast;
    if (last >= 0 && this.isRemembered(last, from, e)) return this.hit(last, s, from, e);
    for (let r = 0; r < MEMO; r++) if (r !== last && this.isRemembered(r, from, e)) return this.hit(r, s, from, e);
    return null;
  }

  /** Whether the envelope remembered in slot `r` is at `buffer[from…]` (within the line ending at `e`). */
  private isRemembered(r: number, from: number, e: number): boolean {
    const length = this.memoLengths[r] ?? -1;
    if (length < 0 || from + length > e) return false;
    const keyEnd = this.memoKeyEnds[r] ?? 0;
    const at = r * MEMO_BYTES;
    return sameBytes(this.words, from, this.memoWords, at, keyEnd) && sameBytes(this.words, from + keyEnd, this.memoWords, at + keyEnd, length - keyEnd);
  }

  /** The part of remembered envelope `r`, found at `from` on the line `buffer[s, e)`; `this.match` gives where its body starts. */
  private hit(r: number, s: number, from: number, e: number): LivePart | null {
    this.memoLast = r;
    if (this.keepEnvelope) {
      this.match.bodyStart = s;
    } else {
      const b = this.buffer;
      let body = from + (this.memoLengths[r] ?? 0);
      // logcli takes every space after its labels (one remembered), as matchLogcli does.
      if (this.memo === 'timed') while (body < e && b[body] === 0x20) body++;
      this.match.bodyStart = body;
    }
    return this.memoParts[r] ?? null;
  }

  /** Remember the envelope `this.match` describes, of the line at `s`, as `part`'s. */
  private remember(part: LivePart, s: number): void {
    const m = this.match;
    const start = this.memo === 'timed' ? m.timeEnd : s;
    // srun's envelope (`  3: `) stays on the line: it ends past the key's `: `.
    let end = this.keepEnvelope ? m.keyEnd + 2 : m.bodyStart;
    // logcli's padding may grow along the stream: its first space is remembered, the rest skipped.
    if (this.memo === 'timed') while (end - 2 > start && this.buffer[end - 2] === 0x20) end--;
    const length = end - start;
    if (length > MEMO_BYTES) return;
    const r = this.memoNext;
    this.memoNext = (r + 1) % MEMO;
    this.buffer.copy(this.memoBytes, r * MEMO_BYTES, start, end);
    this.memoLengths[r] = length;
    this.memoKeyEnds[r] = m.keyEnd - start;
    this.memoParts[r] = part;
    this.memoLast = r;
  }

  private keyed(key: string, name: string): LivePart {
    return this.sink.part(key, () => name);
  }

  /** The line `buffer[s, e)`, `e` at its `\n`. */
  private line(s: number, e: number): void {
    this.counts.lines++;
    if (this.jsonKind !== null) {
      this.jsonLine(this.jsonKind, s, e);
      return;
    }
    const part = this.partOf(s, e);
    const m = this.match;
    part.info.bytes += e - s + 1;
    this.last = part;
    if (this.keepEnvelope) {
      this.span(part, s, e + 1);
      return;
    }
    const body = m.bodyStart;
    if (m.timeStart >= 0 && !hasOwnTime(this.buffer, body, e)) this.sink.take(part, body, e, m.timeStart, m.timeEnd);
    else this.sink.take(part, body, e, -1, -1);
  }

  /** The whole line `buffer[s, end)` for `part`: joins the span when it continues it, else ends it and starts one. */
  private span(part: LivePart, s: number, end: number): void {
    if (this.spanPart === part && this.spanEnd === s) {
      this.spanEnd = end;
      return;
    }
    this.endSpan();
    this.spanPart = part;
    this.spanStart = s;
    this.spanEnd = end;
  }

  /** Move the span of whole lines read so far to its part. */
  private endSpan(): void {
    const part = this.spanPart;
    if (part === null) return;
    this.spanPart = null;
    this.sink.takeSpan(part, this.spanStart, this.spanEnd);
  }

  /** A JSON-lines export line: its record's message lines go to its source; a line that is not a record, as it is. */
  private jsonLine(kind: JsonLineEnvelope, s: number, e: number): void {
    const b = this.buffer;
    const record = decodeJsonLine(kind, b.toString('utf8', s, e));
    if (record === null) {
      const part = this.last ?? this.sink.part(LEADING, () => '');
      part.info.bytes += e - s + 1;
      this.sink.write(part, b, s, e);
      return;
    }
    const part = record.source === '' ? this.sink.part(UNMARKED, () => '') : this.keyed(`\u0001${record.source}`, record.source);
    part.info.bytes += e - s + 1;
    this.last = part;
    writeRecord(this.sink, part, record);
  }
}

/** A record's message, line by line, each with the store's time in front when it has none of its own. */
export function writeRecord(sink: SourceSink, part: LivePart, record: ExportRecord): void {
  const text = Buffer.from(record.message, 'utf8');
  const time = record.time === null ? null : Buffer.from(record.time, 'latin1');
  let from = 0;
  for (;;) {
    let nl = text.indexOf(0x0a, from);
    const last = nl === -1;
    if (last) nl = text.length;
    // A message's trailing newline (Loki keeps it) ends its last line, not an empty one more.
    if (!(last && nl === from && from > 0)) {
      if (time !== null && !hasOwnTime(text, from, nl)) sink.write(part, text, from, nl, time);
      else sink.write(part, text, from, nl);
    }
    if (last) return;
    from = nl + 1;
  }
}

export type { LivePart };

/**
 * Whether `a[at, at + length)` and `b[bAt, bAt + length)` hold the same bytes: compared four at a
 * time (a 74-byte logcli envelope: ~25 ns instead of ~100 byte by byte), from the end, where
 * sources' envelopes differ.
 */
function sameBytes(a: DataView, at: number, b: DataView, bAt: number, length: number): boolean {
  let i = length - 4;
  for (; i >= 0; i -= 4) if (a.getInt32(at + i) !== b.getInt32(bAt + i)) return false;
  for (i += 3; i >= 0; i--) if (a.getUint8(at + i) !== b.getUint8(bAt + i)) return false;
  return true;
}

function wordsOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Sources remembered by their key bytes (LineDemux), and the longest key remembered. */
const RECENT = 16;
const RECENT_KEY_BYTES = 128;
/** Envelopes remembered whole (LineDemux), and the longest remembered; which envelopes are. */
const MEMO = 16;
const MEMO_BYTES = 256;
type MemoKind = 'whole' | 'timed' | 'none';

/** A `--split` pattern, compiled as `--pattern`s are (linear-time engine), matched at the start of each line. */
export function compileSplitPattern(pattern: string): RegExp {
  return linearRegExp(pattern, 'y');
}

/** Whether a `--split` pattern has its source group (what options.ts checks). */
export function hasSourceGroup(pattern: string): boolean {
  return new RegExp(`\\(\\?<${SOURCE_GROUP}>`).test(pattern);
}

// ---------------------------------------------------------------------------------- merging and plain data

/** Add `from`, the split of the read that follows `into`'s in the same input. */
export function mergeSplit(into: SplitOutput, from: SplitOutput): void {
  // `from`'s leading lines (before its first mark) continue the source of `into`'s last line.
  const continued = into.lastKey === null ? undefined : into.parts.get(into.lastKey);
  for (const [key, part] of from.parts) {
    let target = key === LEADING && continued !== undefined ? continued : into.parts.get(key);
    if (target === undefined) {
      const sources = [...into.parts.keys()].filter(isSource).length;
      if (isSource(key) && sources >= MAX_SOURCES) {
        if (into.overflowKeys.size < MAX_SOURCES) into.overflowKeys.add(key);
        target = into.parts.get(OVERFLOW);
        if (target === undefined) {
          into.parts.set(OVERFLOW, { ...part, name: '' });
          continue;
        }
      } else {
        into.parts.set(key, part);
        continue;
      }
    }
    target.state.append(part.state);
    mergeTally(target.tally, part.tally);
    target.lines += part.lines;
    target.oversized += part.oversized;
    target.bytes += part.bytes;
  }
  for (const key of from.overflowKeys) if (into.overflowKeys.size < MAX_SOURCES) into.overflowKeys.add(key);
  into.unlabelled += from.unlabelled;
  if (from.lastKey !== null) into.lastKey = into.parts.has(from.lastKey) ? from.lastKey : OVERFLOW;
}

export interface SplitJson {
  readonly kind: EnvelopeKind;
  readonly parts: ReadonlyArray<{ readonly key: string; readonly name: string; readonly state: WorkerJson; readonly tally: TallyJson; readonly lines: number; readonly oversized: number; readonly bytes: number }>;
  readonly overflowKeys: readonly string[];
  readonly unlabelled: number;
  readonly lastKey: string | null;
}

export function splitToJson(split: SplitOutput, transfer: ArrayBuffer[] | null): SplitJson {
  return {
    kind: split.kind,
    parts: [...split.parts].map(([key, p]) => ({ key, name: p.name, state: p.state.toJSON(transfer), tally: tallyToJson(p.tally), lines: p.lines, oversized: p.oversized, bytes: p.bytes })),
    overflowKeys: [...split.overflowKeys],
    unlabelled: split.unlabelled,
    lastKey: split.lastKey,
  };
}

export function splitFromJson(j: SplitJson): SplitOutput {
  return {
    kind: j.kind,
    parts: new Map(j.parts.map((p) => [p.key, { name: p.name, state: WorkerState.fromJSON(p.state), tally: tallyFromJson(p.tally), lines: p.lines, oversized: p.oversized, bytes: p.bytes }])),
    overflowKeys: new Set(j.overflowKeys),
    unlabelled: j.unlabelled,
    lastKey: j.lastKey,
  };
}

// ---------------------------------------------------------------------------------- workers

/**
 * The worker a part of an input is: the source's name (a pod is the same worker in every input),
 * the input's own worker for lines without a source mark, and for srun the input's worker with the
 * task (`job:3`) when the input holds several tasks; one task is the input's own worker, as before.
 * journalctl's `HOST UNIT` becomes `HOST/UNIT`.
 */
export function partWorkerName(split: SplitOutput, key: string, inputWorker: string): string {
  return workerNameOf(split.kind, key, split.parts.get(key)?.name ?? '', inputWorker, srunTasks(split));
}

/** The same, for a source named `name` of an input of `kind` that has shown `tasks` srun tasks so far. */
export function workerNameOf(kind: EnvelopeKind, key: string, name: string, inputWorker: string, tasks: number): string {
  if (key === UNMARKED || key === LEADING) return inputWorker;
  if (key === OVERFLOW) return `${inputWorker} (sources past ${MAX_SOURCES})`;
  switch (kind) {
    case 'srun':
      return tasks > 1 ? `${inputWorker}:${name}` : inputWorker;
    case 'journal':
      return name.replace(' ', '/');
    default:
      return name;
  }
}

function srunTasks(split: SplitOutput): number {
  let n = 0;
  for (const key of split.parts.keys()) if (isSource(key)) n++;
  return n;
}

/** Sentences about a split input the run should print (sources past the bound; Loki values without labels). */
export function splitNotes(split: SplitOutput, input: string, inputWorker: string): string[] {
  const notes: string[] = [];
  const overflow = split.parts.get(OVERFLOW);
  if (overflow !== undefined) {
    const more = split.overflowKeys.size >= MAX_SOURCES ? `at least ${MAX_SOURCES}` : String(split.overflowKeys.size);
    notes.push(`${input} names more than ${MAX_SOURCES} sources: the ${overflow.lines} lines of ${more} more were read as one worker, ${partWorkerName(split, OVERFLOW, inputWorker)} (split the stream, e.g. one label selector at a time)`);
  }
  if (split.unlabelled > 0) notes.push(`${input}: ${split.unlabelled} lines came before their stream's labels and were read as ${inputWorker}`);
  return notes;
}

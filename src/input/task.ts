/**
 * One unit of reading: a byte range of a plain file (whole lines: the plan cuts at line starts),
 * a whole file (gzip cannot be entered mid-stream), or a block of complete lines cut from a stream
 * (stdin, a pipe). A task reads into a fresh worker state; parts merged in order equal reading the
 * input whole (`mergeTaskOutput`). The same code runs in-process and in worker threads.
 *
 * Files are given as an open descriptor, the one every task of the file reads (positionally):
 * worker threads share the process's descriptors, and one descriptor means one file, even when
 * another is renamed over its path meanwhile (readSources opens it, and closes it once all its
 * tasks are done).
 */
import { readSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { looksLikeTimedScrapes } from '../parse/prometheus.ts';
import { WorkerState, type WorkerJson } from '../aggregate/worker-state.ts';
import { createLineHandler, emptyTally, kernelBatches, mergeTally, noteExtentOf, tallyFromJson, tallyToJson, type LineTally, type TallyJson } from './ingest.ts';
import { createLineScanner, decodeCandidate, type CandidateHandler, type LineScanner } from '../scan/scanner.ts';
import type { SplitSpec } from '../parse/envelope.ts';
import { mergeSplit, splitFromJson, splitToJson, type SplitJson, type SplitOutput } from './split.ts';
import { createInputReader, type InputReader } from './split-reader.ts';
import { errorText, readBytes } from './read-input.ts';
import type { LineParser } from '../model/records.ts';
import { createParsers, needlesOf, type NeedleTable, type ReadSettings } from './settings.ts';
import { createZone, type Zone } from '../parse/timestamps.ts';

/**
 * `split`: how the task's lines are split by source (split.ts): the input's envelope, found when
 * the input was planned (files, streams), or `detect`, told from the task's own first bytes (a
 * gzip file, read whole by one task). Absent: not split.
 */
export type ReadTask = (
  | { readonly kind: 'range'; readonly fd: number; readonly start: number; readonly end: number }
  | { readonly kind: 'file'; readonly fd: number }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
) & { readonly split?: SplitSpec | 'detect' };

/** `analyse` reads records into the state; `extent` only finds the first and last timestamp (for relative --since/--until). */
export type TaskMode = 'analyse' | 'extent';

export interface TaskOutput {
  readonly state: WorkerState;
  readonly tally: LineTally;
  lines: number;
  oversized: number;
  /** bytes taken from the source (compressed bytes for gzip) */
  bytes: number;
  gzip: boolean;
  /** reading stopped part-way */
  error: string | null;
  /** `extent` mode: earliest and latest timestamp of a recognised line */
  first: number | null;
  last: number | null;
  /** the input's lines by source (its own `state` and `tally` then hold nothing of its own); null: not split */
  split: SplitOutput | null;
}

/** A TaskOutput as plain data, for postMessage. */
export interface TaskOutputJson {
  readonly state: WorkerJson;
  readonly tally: TallyJson;
  readonly lines: number;
  readonly oversized: number;
  readonly bytes: number;
  readonly gzip: boolean;
  readonly error: string | null;
  readonly first: number | null;
  readonly last: number | null;
  readonly split: SplitJson | null;
}

export function emptyOutput(): TaskOutput {
  return { state: new WorkerState(''), tally: emptyTally(), lines: 0, oversized: 0, bytes: 0, gzip: false, error: null, first: null, last: null, split: null };
}

/** The parsers of one read, their needles and the zone of zone-less stamps. */
interface Parsing extends NeedleTable {
  readonly parsers: LineParser[];
  readonly zone: Zone;
}

/** Parsers are built once per thread and settings. */
const parserCache = new Map<string, Parsing>();

function parsersFor(settings: ReadSettings): Parsing {
  const key = JSON.stringify(settings);
  let entry = parserCache.get(key);
  if (entry === undefined) {
    const parsers = createParsers(settings);
    entry = { parsers, ...needlesOf(parsers), zone: createZone(settings.timezone) };
    parserCache.set(key, entry);
  }
  return entry;
}

/**
 * Read one task. I/O failures are data (`error`), like bad lines; only bugs throw.
 * @param signal stops reading (Ctrl-C): the output then covers what was read and says so
 */
export async function runTask(task: ReadTask, asked: ReadSettings, mode: TaskMode, signal?: AbortSignal): Promise<TaskOutput> {
  const settings = withSniffedHints(task, asked);
  // Stdin blocks are parts of one stream: anchors chosen for the first serve the rest.
  const { reader, output, finish } = openTask(task.split ?? null, settings, mode, task.kind === 'bytes');
  try {
    await _read(task, reader, output, signal);
  } catch (error) {
    reader.release();
    throw error;
  }
  finish();
  return output;
}

/** Bytes of an input's start a sniff looks at (compressed bytes for gzip: ~10× as much text). */
const SNIFF_BYTES = 64 << 10;
const SNIFF_GZIP_BYTES = 8 << 10;

/**
 * The settings for one task: with `timeLines` when its input starts like a metrics dump with bare
 * time lines between scrapes (parse/prometheus.ts), which no needle can find. Every task of a file
 * sniffs the file's own start, so all its parts are read alike.
 */
function withSniffedHints(task: ReadTask, settings: ReadSettings): ReadSettings {
  return sniffedSettings(settings, () => headOf(task));
}

/**
 * `settings` with `timeLines` when the input's start (`head()`, read only when the settings leave
 * the question open) looks like a metrics dump with bare time lines: for reading a file and for
 * following one (watch/follow.ts), so both read a dump alike.
 */
export function sniffedSettings(settings: ReadSettings, head: () => string | null): ReadSettings {
  if (settings.timeLines === true || (settings.engine !== 'auto' && settings.engine !== 'prometheus')) return settings;
  const start = head();
  return start !== null && looksLikeTimedScrapes(start) ? { ...settings, timeLines: true } : settings;
}

function headOf(task: ReadTask): string | null {
  if (task.kind === 'bytes') return Buffer.from(task.bytes.buffer, task.bytes.byteOffset, Math.min(SNIFF_BYTES, task.bytes.byteLength)).toString('utf8');
  return headOfFile(task.fd);
}

/**
 * The buffer of `headOfFile`, one per thread: a fresh 64 KiB per input (zeroed) took 1.5 s of 14 s
 * CPU on 10,000 small files. Read into and copied out synchronously, so one serves every call.
 */
let sniffBuffer: Buffer | null = null;

/** The first bytes of an open file as text (gunzipped when it is gzip); `null` when they cannot be read at offset 0. */
export function headOfFile(fd: number): string | null {
  try {
    const buffer = (sniffBuffer ??= Buffer.allocUnsafe(SNIFF_BYTES));
    const raw = buffer.subarray(0, readSync(fd, buffer, 0, SNIFF_BYTES, 0));
    if (raw[0] !== 0x1f || raw[1] !== 0x8b) return raw.toString('utf8');
    return gunzipSync(raw.subarray(0, SNIFF_GZIP_BYTES), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, SNIFF_BYTES).toString('utf8');
  } catch {
    // A pipe cannot be read at an offset, a corrupt gzip start: the input is read without the hint.
    return null;
  }
}

/**
 * A task's reader and output. `finish` ends the reader (its last line, the fold, every source's
 * lines), gives its kernel back and puts its counts in the output.
 */
function openTask(split: SplitSpec | 'detect' | null, settings: ReadSettings, mode: TaskMode, keepAnchors: boolean): { reader: InputReader; output: TaskOutput; finish: () => void } {
  const { parsers, needles, owners, zone } = parsersFor(settings);
  const output = emptyOutput();
  const plain = (): LineScanner => {
    const onCandidate: CandidateHandler = mode === 'analyse' ? createLineHandler(parsers, output.state, output.tally, settings.range) : (line) => noteExtent(decodeCandidate(line), parsers, output);
    // The extent pass decodes every candidate itself: no records wanted from the kernel. Batch lines
    // folded in the kernel: a task's output is only complete once the scanner has ended.
    const batches = mode === 'analyse' ? kernelBatches(parsers, zone, output.state, output.tally, settings.range) : undefined;
    return createLineScanner({ needles, owners, maxLineBytes: settings.maxLineBytes, onCandidate, keepAnchors, ...(batches === undefined ? {} : { batches }) });
  };
  const reader = createInputReader(split, { parsers, needles, owners, zone, range: settings.range, maxLineBytes: settings.maxLineBytes, mode, extent: output, fold: true, keepAnchors }, plain);
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    try {
      reader.end();
    } finally {
      reader.release();
    }
    output.lines = reader.counts.lines;
    output.oversized = reader.counts.oversized;
    output.split = reader.split();
  };
  return { reader, output, finish };
}

/**
 * A task fed chunk by chunk in this thread: a JSON document arriving on a stream (a log store's
 * export piped in), which cannot be cut into blocks read apart.
 */
export function startStreamTask(split: SplitSpec, settings: ReadSettings, mode: TaskMode): { push: (chunk: Buffer) => void; finish: () => TaskOutput } {
  const { reader, output, finish } = openTask(split, settings, mode, false);
  return {
    push: (chunk) => {
      reader.push(chunk);
      output.bytes += chunk.length;
    },
    finish: () => {
      finish();
      return output;
    },
  };
}

async function _read(task: ReadTask, scanner: InputReader, output: TaskOutput, signal?: AbortSignal): Promise<void> {
  if (task.kind === 'range') {
    output.error = readRange(task.fd, task.start, task.end, scanner, output, signal);
  } else if (task.kind === 'bytes') {
    // No collect(): the block goes back to the thread that cut it, which collects (read-sources.ts).
    scanner.push(Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength));
    output.bytes = task.bytes.byteLength;
  } else {
    // No collect() for gunzip's output chunks either: forced scavenges made peak RSS higher, not lower,
    // once batch lines were folded in the kernel (5 GB of .gz, 7-8 runs each: 139 MiB on average and
    // at most 142 without, 146 and at most 154 with one every 16 MiB; every 4-8 MiB, 165).
    const read = await readBytes('', { fd: task.fd, start: 0 }, (chunk) => scanner.push(chunk), signal);
    output.bytes = read.bytes;
    output.gzip = read.gzip;
    output.error = read.error === null ? null : read.error.message;
  }
}

/**
 * Reads `[start, end)` of the file open on `fd` straight into the scanner's buffer; the error
 * text, or `null`. Synchronous reads: an awaited read leaves this thread idle for its whole
 * duration (a fifth of the run in measurements), and a range is small enough (MAX_TASK_BYTES) that
 * Ctrl-C waits at most one range.
 */
function readRange(fd: number, start: number, end: number, scanner: InputReader, output: TaskOutput, signal?: AbortSignal): string | null {
  try {
    let position = start;
    while (position < end) {
      if (signal?.aborted === true) return 'interrupted: read only in part';
      const room = scanner.space();
      const bytesRead = readSync(fd, room, 0, Math.min(room.length, end - position), position);
      // The file is shorter than planned: readSources says how it changed.
      if (bytesRead === 0) return 'changed while it was read: it ended before the planned size (truncated?)';
      position += bytesRead;
      output.bytes += bytesRead;
      // No collect() here: a range is read into the scanner's own buffer, so nothing outside the
      // heap piles up (gzip chunks and stdin blocks do, below and in _read).
      scanner.commit(bytesRead);
    }
    return null;
  } catch (error) {
    return errorText(error);
  }
}

/** For `extent` mode: the first parser that recognises `line` gives its time (layout lines have none). */
export function noteExtent(line: string, parsers: readonly LineParser[], output: TaskOutput): void {
  noteExtentOf(line, parsers, output);
}

/** Add `from`, the task that follows `into`'s in the same input. */
export function mergeTaskOutput(into: TaskOutput, from: TaskOutput): void {
  into.state.append(from.state);
  mergeTally(into.tally, from.tally);
  into.lines += from.lines;
  into.oversized += from.oversized;
  into.bytes += from.bytes;
  into.gzip ||= from.gzip;
  into.error ??= from.error;
  if (from.first !== null && (into.first === null || from.first < into.first)) into.first = from.first;
  if (from.last !== null && (into.last === null || from.last > into.last)) into.last = from.last;
  if (from.split !== null) {
    if (into.split === null) into.split = from.split;
    else mergeSplit(into.split, from.split);
  }
}

/** @param transfer collects the buffers postMessage may hand over instead of copying */
export function taskOutputToJson(o: TaskOutput, transfer: ArrayBuffer[] | null = null): TaskOutputJson {
  return { state: o.state.toJSON(transfer), tally: tallyToJson(o.tally), lines: o.lines, oversized: o.oversized, bytes: o.bytes, gzip: o.gzip, error: o.error, first: o.first, last: o.last, split: o.split === null ? null : splitToJson(o.split, transfer) };
}

export function taskOutputFromJson(j: TaskOutputJson): TaskOutput {
  return { state: WorkerState.fromJSON(j.state), tally: tallyFromJson(j.tally), lines: j.lines, oversized: j.oversized, bytes: j.bytes, gzip: j.gzip, error: j.error, first: j.first, last: j.last, split: j.split === null ? null : splitFromJson(j.split) };
}


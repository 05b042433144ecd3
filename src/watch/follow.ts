/**
 * Following growing logs with `tail -F` semantics, by polling (portable, works on network file
 * systems, and exact about what was read): files named or found in watched directories are read
 * from their start, then as they grow; a file replaced under its name (rotation) is read to its end
 * and the new one from its first byte; a file that shrank (truncation, `copytruncate`) is read
 * again from 0; new files in a watched directory are picked up, except rotated copies of a file
 * already followed (same inode). Bytes go through the same scanner, parsers and accumulators as a
 * batch run, so a log read live and read afterwards gives the same numbers.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WorkerState } from '../aggregate/worker-state.ts';
import { createLineHandler, emptyTally, kernelBatches, summarizeInput, type LineTally } from '../input/ingest.ts';
import { createLineScanner, READ_BYTES, type LineScanner } from '../scan/scanner.ts';
import { createInputReader, type InputReader } from '../input/split-reader.ts';
import { OVERFLOW, UNMARKED, workerNameOf, type SplitOutput } from '../input/split.ts';
import { partsOf } from '../input/split-parts.ts';
import type { EnvelopeKind } from '../parse/envelope.ts';
import { resolveSources, workerNames } from '../input/sources.ts';
import type { LineParser } from '../model/records.ts';
import { createParsers, needlesOf, splitOf, type NeedleTable, type ReadSettings } from '../input/settings.ts';
import { headOfFile, sniffedSettings } from '../input/task.ts';
import type { InputSummary } from '../model/report.ts';
import { createZone, type Zone } from '../parse/timestamps.ts';

/** Bytes at the start of a file kept to notice it was rewritten (log lines start with a timestamp). */
const HEAD_BYTES = 1024;

/** Most bytes read from one file per poll, so a large backlog does not stall redraws and Ctrl-C. */
const MAX_BYTES_PER_POLL = 64 << 20;

interface Followed {
  readonly name: string;
  /** the input's own worker name, and its state (lines without a source mark, or all of them) */
  readonly workerName: string;
  readonly worker: WorkerState;
  readonly tally: LineTally;
  scanner: InputReader;
  /** what splitting gave with the readers this input had before (rotation, truncation) */
  splitsBefore: SplitOutput[];
  /** srun tasks seen: the first is the input's own worker until a second one comes */
  readonly tasks: string[];
  /** lines and oversized lines of the scanners this input had before (rotation, truncation) */
  linesBefore: number;
  oversizedBefore: number;
  bytes: number;
  rotations: number;
  truncations: number;
  error: string | null;
  // Files only:
  fd: number | null;
  ino: number;
  position: number;
  /** the file's first bytes as read: if they change, the file was truncated and rewritten past where we were */
  head: Buffer;
  /**
   * whether the file is a metrics dump with bare time lines (sniffed from its first bytes, as a
   * file being read is: input/task.ts); `null` until it has bytes to sniff, and for streams
   */
  timeLines: boolean | null;
  /** the last byte read from the file (-1 before any): a file that ends in `\n` has no line pending */
  lastByte: number;
  /** idle with no line pending: its reader is given back until the file grows (see `park`) */
  parked: boolean;
}

/** The reader of a parked input, or of one being set up: reads nothing, counts nothing. */
const PARKED: InputReader = {
  space: () => Buffer.alloc(0),
  commit: () => undefined,
  push: () => undefined,
  flush: () => undefined,
  end: () => undefined,
  counts: { lines: 0, oversized: 0 },
  split: () => null,
  release: () => undefined,
  plain: () => true,
};

export class Follower {
  /** every worker made so far, by name (`workers` leaves out inputs' own workers that a split left empty) */
  private readonly all = new Map<string, WorkerState>();
  /** inputs' own workers that got lines: from a plain reader, or a split's unmarked lines or first srun task */
  private readonly used = new Set<WorkerState>();
  private readonly followed = new Map<string, Followed>();
  /** `dev:ino` of every file read: a rotated copy showing up under a new name is not read twice */
  private readonly seen = new Set<string>();
  /** after the first poll, files that appear are new; rotated copies among them are not read */
  private polled = false;
  /** followed name → its latest rotated copy that appeared while watching (for copytruncate) */
  private readonly copies = new Map<string, string>();
  private readonly paths: readonly string[];
  private readonly cwd: string;
  private readonly parsers: readonly LineParser[];
  private readonly needles: NeedleTable;
  private readonly settings: ReadSettings;
  private readonly zone: Zone;
  /** the parsers of inputs sniffed as metrics dumps with bare time lines, made on first need */
  private timed: { readonly parsers: readonly LineParser[]; readonly needles: NeedleTable } | null = null;
  /** room to read a file's first bytes again into, every poll (`headChanged`) */
  private scratch: Buffer | null = null;

  /** @param paths files and directories to follow (not `-`: see `addStream`) */
  constructor(paths: readonly string[], settings: ReadSettings, cwd: string) {
    this.paths = paths;
    this.cwd = cwd;
    this.settings = settings;
    this.parsers = createParsers(settings);
    this.zone = createZone(settings.timezone);
    this.needles = needlesOf(this.parsers);
  }

  /**
   * The workers so far, by name. An input's own worker is left out once its stream is known to be
   * split by source and none of its lines were its own (every line went to a source's worker).
   */
  get workers(): Map<string, WorkerState> {
    const empty = new Set<WorkerState>();
    for (const input of this.followed.values()) if (input.scanner.split() !== null && !this.used.has(input.worker)) empty.add(input.worker);
    // Shared with an input read plainly (or not decided yet): kept.
    for (const input of this.followed.values()) if (input.scanner.split() === null) empty.delete(input.worker);
    if (empty.size === 0) return this.all;
    return new Map([...this.all].filter(([, worker]) => !empty.has(worker)));
  }

  /** An input fed by chunks (stdin); returns the function that takes them. */
  addStream(name: string, workerName: string): { push: (chunk: Buffer) => void; end: () => void; fail: (error: string) => void } {
    const input = this.follow(name, workerName, null, 0);
    return {
      push: (chunk) => {
        input.bytes += chunk.length;
        input.scanner.push(chunk);
      },
      end: () => input.scanner.end(),
      fail: (error) => (input.error ??= error),
    };
  }

  /**
   * Pick up new files, then read what every followed file gained since the last poll (at most
   * MAX_BYTES_PER_POLL each). Resolves `true` when some file has more to read right away.
   */
  async poll(): Promise<boolean> {
    if (this.paths.length > 0) {
      const { sources } = await resolveSources(this.paths);
      const fresh = sources.filter((s) => !this.followed.has(s.name));
      if (fresh.length > 0) {
        const names = workerNames([...[...this.followed.keys()].map((name) => ({ name, path: name, size: null })), ...fresh], this.cwd);
        for (const source of fresh) {
          const id = fileId(source.path);
          // A rotated copy (`x.log` → `x.log.1`) is a file already read under its old name: the
          // same inode after a rename, or, after logrotate's copytruncate, a copy of what was read.
          if (id === null || this.seen.has(id.key)) continue;
          if (this.polled && this.followed.has(unrotated(source.name))) {
            this.seen.add(id.key);
            this.copies.set(unrotated(source.name), source.path);
            continue;
          }
          this.seen.add(id.key);
          const input = this.follow(source.name, names.get(source.name) ?? source.name, null, id.ino);
          input.fd = this.open(input, source.path);
        }
      }
    }
    this.polled = true;
    let more = false;
    for (const input of this.followed.values()) if ((input.fd !== null || input.ino !== 0) && this.readGrowth(input)) more = true;
    // Lines of split inputs wait in their sources' buffers: scanned now, so the snapshot holds them.
    for (const input of this.followed.values()) input.scanner.flush();
    return more;
  }

  /** Flush unterminated last lines (at the end of a watch). */
  finish(): void {
    for (const input of this.followed.values()) input.scanner.end();
  }

  /** Per-input line accounting so far, in the report's shape (an input split by source: one per worker). */
  inputs(): InputSummary[] {
    return [...this.followed.values()].flatMap((f) => {
      const whole = { lines: f.linesBefore + f.scanner.counts.lines, oversized: f.oversizedBefore + f.scanner.counts.oversized, bytes: f.bytes, gzip: false, error: f.error };
      const current = f.scanner.split();
      const splits = current === null ? f.splitsBefore : [...f.splitsBefore, current];
      if (splits.length === 0) return [summarizeInput(f.name, f.worker.name, f.tally, whole)];
      // Each part writes into its worker's state (`stateFor`), which carries the worker's name.
      return partsOf(splits, whole, (_key, part) => part.state.name).map((p) => summarizeInput(f.name, p.worker, p.tally, p.read));
    });
  }

  /** Rotations and truncations seen, per input (for the live header). */
  events(): { rotations: number; truncations: number } {
    let rotations = 0;
    let truncations = 0;
    for (const f of this.followed.values()) {
      rotations += f.rotations;
      truncations += f.truncations;
    }
    return { rotations, truncations };
  }

  private follow(name: string, workerName: string, fd: number | null, ino: number): Followed {
    const worker = this.workerNamed(workerName, name);
    const tally = emptyTally();
    // A file's reader is made when it has bytes to read (`resume`): a watch may find thousands at once.
    const stream = fd === null && ino === 0;
    const input: Followed = { name, workerName, worker, tally, scanner: PARKED, splitsBefore: [], tasks: [], linesBefore: 0, oversizedBefore: 0, bytes: 0, rotations: 0, truncations: 0, error: null, fd, ino, position: 0, head: Buffer.alloc(0), timeLines: null, lastByte: -1, parked: !stream };
    if (stream) input.scanner = this.scanner(input);
    this.followed.set(name, input);
    return input;
  }

  /** The worker of that name, made on first sight; `input` is added to its inputs. */
  private workerNamed(workerName: string, input: string): WorkerState {
    let worker = this.all.get(workerName);
    if (worker === undefined) {
      worker = new WorkerState(workerName);
      this.all.set(workerName, worker);
    }
    if (!worker.inputs.includes(input)) worker.inputs.push(input);
    return worker;
  }

  /**
   * The reader of one input: the scanner, or, for a stream of several sources (--split), a split
   * reader whose sources write into the workers named after them, shared by every input that has
   * them. srun tasks: the first is the input's own worker until a second shows up; it is then
   * renamed `input:task`, as a run would name it. `resumed`: a parked input known to be plain.
   */
  private scanner(input: Followed, resumed = false): InputReader {
    // No fold in live mode: each snapshot must hold every line read so far.
    const { worker, tally } = input;
    const { parsers, needles } = this.parsing(input);
    const plain = (): LineScanner => {
      this.used.add(worker);
      const batches = kernelBatches(parsers, this.zone, worker, tally, this.settings.range, false);
      return createLineScanner({
        ...needles,
        maxLineBytes: this.settings.maxLineBytes,
        onCandidate: createLineHandler(parsers, worker, tally, this.settings.range),
        ...(batches === undefined ? {} : { batches }),
      });
    };
    const stateFor = (kind: EnvelopeKind, key: string, name: string): WorkerState => {
      if (kind === 'srun' && key !== UNMARKED && key !== OVERFLOW) {
        input.tasks.push(name);
        if (input.tasks.length === 1) {
          this.used.add(input.worker);
          return input.worker;
        }
        if (input.tasks.length === 2) this.rename(input.worker, workerNameOf(kind, key, input.tasks[0] ?? '', input.workerName, 2));
      }
      if (key === UNMARKED) {
        this.used.add(input.worker);
        return input.worker;
      }
      return this.workerNamed(workerNameOf(kind, key, name, input.workerName, input.tasks.length), input.name);
    };
    const ctx = { parsers, ...needles, zone: this.zone, range: this.settings.range, maxLineBytes: this.settings.maxLineBytes, mode: 'analyse' as const, fold: false, keepAnchors: false, stateFor };
    return createInputReader(resumed ? null : splitOf(this.settings), ctx, plain);
  }

  /** The parsers and needles an input is read with: those of the settings, or with time lines for a sniffed metrics dump. */
  private parsing(input: Followed): { readonly parsers: readonly LineParser[]; readonly needles: NeedleTable } {
    if (input.timeLines !== true || this.settings.timeLines === true) return { parsers: this.parsers, needles: this.needles };
    if (this.timed === null) {
      const parsers = createParsers({ ...this.settings, timeLines: true });
      this.timed = { parsers, needles: needlesOf(parsers) };
    }
    return this.timed;
  }

  /**
   * Before a file's first bytes are read: sniff them as reading a file does (input/task.ts), so a
   * metrics dump with bare time lines needs no `--engine prometheus` here either. Decided once the
   * file has bytes; the fresh scanner, which has read nothing, is replaced when the answer is yes.
   */
  private sniff(input: Followed): void {
    if (input.fd === null) return;
    const head = headOfFile(input.fd);
    if (head === null || head.length === 0) return;
    input.timeLines = sniffedSettings(this.settings, () => head).timeLines === true;
    if (!input.timeLines || this.settings.timeLines === true || input.parked) return;
    input.scanner.release();
    input.scanner = this.scanner(input);
  }

  /** Give a worker another name (an srun input's first task, once a second shows it was one of several). */
  private rename(worker: WorkerState, name: string): void {
    if (this.all.get(worker.name) === worker) this.all.delete(worker.name);
    worker.name = name;
    const there = this.all.get(name);
    if (there === undefined) this.all.set(name, worker);
  }

  /** Reads the file's growth; `true` when it stopped at the per-poll limit. */
  private readGrowth(input: Followed): boolean {
    const id = fileId(input.name);
    const ino = id?.ino ?? null;
    if (id !== null) this.seen.add(id.key);
    if (ino !== null && ino !== input.ino) {
      // Rotation: finish the old file, then read the new one from its first byte.
      this.drain(input, Number.POSITIVE_INFINITY);
      if (input.fd !== null) closeSync(input.fd);
      this.restart(input);
      input.rotations++;
      input.fd = this.open(input, input.name);
      input.ino = ino;
      input.position = 0;
    } else if (input.fd === null && ino !== null) {
      input.fd = this.open(input, input.name);
      input.ino = ino;
      input.position = 0;
    }
    if (input.fd === null) return false;
    let size: number;
    try {
      size = fstatSync(input.fd).size;
    } catch {
      return false;
    }
    if (size < input.position || this.headChanged(input)) {
      // Truncated in place (`> file`, or logrotate's copytruncate, whose copy holds what was written
      // since the last poll: read that from the copy first), then read it again from the start.
      this.readCopyTail(input);
      this.restart(input);
      input.truncations++;
      input.position = 0;
    }
    if (input.parked && size <= input.position) return false;
    const more = this.drain(input, MAX_BYTES_PER_POLL) >= MAX_BYTES_PER_POLL;
    if (!more) this.park(input);
    return more;
  }

  /**
   * Give an idle file's reader back when no line is pending (the last byte read was `\n`) and the
   * file is read plainly: each reader holds a WebAssembly kernel (~1 MiB resident, 16.5 MiB
   * mapped), and a watch of thousands of files must not hold thousands. Its counts are kept; a
   * fresh plain reader takes over when the file grows (`resume`), at a line start, so the lines
   * read are the same.
   */
  private park(input: Followed): void {
    if (input.fd === null || input.lastByte !== 0x0a) return;
    // A reader still deciding on an envelope decides here as it would at the end of the poll.
    input.scanner.flush();
    if (!input.scanner.plain()) return;
    this.retire(input);
    input.scanner = PARKED;
    input.parked = true;
  }

  /** A reader for a parked file about to be read: a plain one for a file given back after reading, which was plain. */
  private resume(input: Followed): void {
    input.parked = false;
    input.scanner = this.scanner(input, input.lastByte !== -1);
  }

  /** Count the reader's unterminated line, keep what it read, and give its kernel back. */
  private retire(input: Followed): void {
    input.scanner.end();
    input.scanner.release();
    input.linesBefore += input.scanner.counts.lines;
    input.oversizedBefore += input.scanner.counts.oversized;
    const split = input.scanner.split();
    if (split !== null) input.splitsBefore.push(split);
  }

  /** Open a file to follow; a failure other than a missing file (being rotated) is the input's error. */
  private open(input: Followed, path: string): number | null {
    try {
      return openSync(path, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') input.error ??= error instanceof Error ? error.message : String(error);
      return null;
    }
  }

  /** Read from the current position to the end of the file, or `limit` bytes; returns the bytes read. */
  private drain(input: Followed, limit: number): number {
    if (input.fd === null) return 0;
    if (input.timeLines === null && input.position === 0) this.sniff(input);
    if (input.parked) this.resume(input);
    let read = 0;
    while (read < limit) {
      const room = input.scanner.space();
      let n: number;
      try {
        n = readSync(input.fd, room, 0, Math.min(room.length, READ_BYTES), input.position);
      } catch (error) {
        input.error ??= error instanceof Error ? error.message : String(error);
        return read;
      }
      if (n <= 0) return read;
      if (input.position < HEAD_BYTES && input.head.length < HEAD_BYTES) {
        input.head = headWith(input.head, room.subarray(0, Math.min(n, HEAD_BYTES - input.head.length)));
      }
      input.position += n;
      input.bytes += n;
      read += n;
      input.lastByte = room[n - 1] ?? -1;
      input.scanner.commit(n);
    }
    return read;
  }

  /** Whether the first bytes differ from those read (a truncation hidden by rewriting as much or more). */
  private headChanged(input: Followed): boolean {
    if (input.fd === null || input.head.length === 0) return false;
    const now = (this.scratch ??= Buffer.allocUnsafe(HEAD_BYTES)).subarray(0, input.head.length);
    let n: number;
    try {
      n = readSync(input.fd, now, 0, now.length, 0);
    } catch {
      return false;
    }
    return n < now.length || !now.equals(input.head);
  }

  /** After copytruncate: the part of the copy past what was read from the original. */
  private readCopyTail(input: Followed): void {
    // The copy may have been made after this poll listed the directory: then look for it now.
    const copy = this.copies.get(input.name) ?? this.newCopyOf(input.name);
    if (copy === undefined) return;
    this.copies.delete(input.name);
    const fd = openOrNull(copy);
    if (fd === null) return;
    try {
      if (fstatSync(fd).size < input.position) return;
      const original = input.fd;
      input.fd = fd;
      this.drain(input, Number.POSITIVE_INFINITY);
      input.fd = original;
    } finally {
      closeSync(fd);
    }
  }

  /** The most recent rotated copy of `name` in its directory that was never read, if any. */
  private newCopyOf(name: string): string | undefined {
    let entries: string[];
    try {
      entries = readdirSync(dirname(name));
    } catch {
      return undefined;
    }
    let best: { path: string; mtime: number } | undefined;
    for (const entry of entries) {
      const path = join(dirname(name), entry);
      if (path === name || unrotated(path) !== name) continue;
      const id = fileId(path);
      if (id === null || this.seen.has(id.key)) continue;
      const mtime = statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
      if (best === undefined || mtime > best.mtime) best = { path, mtime };
    }
    if (best !== undefined) {
      const id = fileId(best.path);
      if (id !== null) this.seen.add(id.key);
    }
    return best?.path;
  }

  /** A fresh scanner for a file read again from 0; the old one's unterminated line is counted first. */
  private restart(input: Followed): void {
    input.head = Buffer.alloc(0);
    this.retire(input);
    input.parked = false;
    input.lastByte = -1;
    input.scanner = this.scanner(input);
  }
}

/**
 * `head` followed by `more`, in a buffer of its own: Node's pooled small buffers share 8 KiB slabs,
 * and a kept head would keep its slab, garbage included (thousands of followed files).
 */
function headWith(head: Buffer, more: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(head.length + more.length);
  head.copy(out, 0);
  more.copy(out, head.length);
  return out;
}

/** `x.log` for its rotated copies `x.log.1`, `x.log.2.gz`, `x.log-20260414`; other names unchanged. */
export function unrotated(name: string): string {
  return name.replace(/(?:[.-]\d+)+(?:\.gz)?$/, '');
}

/** The file's identity (device and inode), `null` when it is not a regular file now. */
function fileId(path: string): { readonly key: string; readonly ino: number } | null {
  try {
    const info = statSync(path);
    return info.isFile() ? { key: `${info.dev}:${info.ino}`, ino: info.ino } : null;
  } catch {
    return null;
  }
}

function openOrNull(path: string): number | null {
  try {
    return openSync(path, 'r');
  } catch {
    return null;
  }
}

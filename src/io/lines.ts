/**
 * Byte-level line scanner: the hot path. It counts every line but hands over only "candidate"
 * lines, those containing one of the parsers' needles; a line no parser wants is never decoded.
 *
 * How it stays fast (numbers from scripts/bench.mjs on a 2-core VM):
 * - Bytes land in one buffer the scanner owns (`space()`/`commit()`: a file is read straight into
 *   it). Complete lines are cut into slices of about SLICE_BYTES at line ends, and each slice is
 *   turned into one Latin-1 string: a plain copy that stays in the young generation, after which
 *   V8's own `indexOf` finds newlines and needles several times faster than `Buffer#indexOf`
 *   calls from JavaScript. Latin-1 maps byte i to character i, so text and byte offsets agree.
 * - Needles are not searched one by one (a dozen passes over every slice cost more than all the
 *   parsing): each is found through one of its characters, its anchor; needles sharing an anchor
 *   share one memchr pass, and a hit counts once the whole needle is confirmed around it. Anchors
 *   are chosen per input from its first bytes (`chooseAnchors`), so they stay rare whatever the
 *   log looks like. The choice changes only the speed: a line is a candidate exactly when it
 *   contains a needle.
 * - A candidate is handed over as a view into the slice (`CandidateLine`), so a parser's byte-level
 *   fast path can read it without any decoding; `decodeCandidate` gives its UTF-8 text otherwise.
 *
 * Lines end at `\n`; a trailing `\r` is dropped (CRLF). A line longer than `maxLineBytes` is
 * counted as oversized and skipped without being buffered, so memory stays bounded whatever the
 * input. An unterminated last line is still a line.
 */
import { isAscii } from 'node:buffer';

/** Default bound on one line: 1 MiB. SGLang request reprs reach tens of KB; anything past 1 MiB is not a log line we read. */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

/** Bytes read or copied in at a time. */
export const READ_BYTES = 1 << 20;

/**
 * Target size of one decoded slice: 64 KiB strings are young-generation objects; from 128 KiB V8
 * puts them in large-object space, and decoding gets an order of magnitude slower.
 */
const SLICE_BYTES = 1 << 16;

export interface LineCounts {
  /** every line seen, oversized ones included */
  lines: number;
  /** lines longer than the bound, never decoded */
  oversized: number;
  /** lines handed to `onCandidate` */
  candidates: number;
}

/**
 * The candidate line being handed over: `text.slice(start, end)`, without its `\n` (and `\r`).
 * `text` is the Latin-1 decoding of `bytes` from `base` on, so character i of `text` is byte
 * `base + i`. One object per scanner, rewritten for every candidate: valid only during the call.
 */
export interface CandidateLine {
  text: string;
  bytes: Buffer;
  base: number;
  start: number;
  end: number;
  /** whether the whole slice is ASCII (`null`: not checked yet); see `isAsciiCandidate` */
  sliceAscii: boolean | null;
  /** whether the slice holds an ESC anywhere (`null`: not checked yet); see `hasEscape` */
  sliceEscape: boolean | null;
}

export type CandidateHandler = (line: CandidateLine) => void;

export interface LineScanner {
  /** Free room at the end of the scanner's buffer, for reading into; then `commit(n)`. */
  space(): Buffer;
  /** `n` bytes were written at the start of `space()`: scan what they complete. */
  commit(n: number): void;
  /** Copy in the next chunk (any size, split anywhere, even inside a UTF-8 sequence) and scan it. */
  push(chunk: Buffer): void;
  /** Flush an unterminated last line. */
  end(): void;
  readonly counts: Readonly<LineCounts>;
}

/** The candidate's text: UTF-8, with U+FFFD for invalid bytes. */
export function decodeCandidate(line: CandidateLine): string {
  return line.bytes.toString('utf8', line.base + line.start, line.base + line.end);
}

/** Whether the candidate is pure ASCII (so its Latin-1 and UTF-8 readings agree). */
export function isAsciiCandidate(line: CandidateLine): boolean {
  line.sliceAscii ??= isAscii(line.bytes.subarray(line.base, line.base + line.text.length));
  return line.sliceAscii || isAscii(line.bytes.subarray(line.base + line.start, line.base + line.end));
}

/** Needles found through one anchor character: each hit of it is confirmed against the members. */
/** Whether the candidate holds an ESC (0x1b), the start of every ANSI escape sequence. */
export function hasEscape(line: CandidateLine): boolean {
  line.sliceEscape ??= line.text.includes('\u001b');
  if (!line.sliceEscape) return false;
  const at = line.text.indexOf('\u001b', line.start);
  return at !== -1 && at < line.end;
}

interface AnchorGroup {
  readonly anchor: string;
  /** needles holding the anchor, and the index of its first occurrence in each */
  readonly needles: ReadonlyArray<{ readonly needle: string; readonly offset: number }>;
}

/**
 * What one more anchor pass costs, in anchor hits: V8 memchr-scans a 64 KiB slice for a character
 * in ~2.5 µs, and a hit (a call, a confirmation) costs ~30 ns. Measured on the benchmark logs.
 */
const PASS_COST_IN_HITS = 80;

/**
 * Assigns every needle an anchor character so that anchors are few and rare in `sample`: greedy
 * weighted set cover, each step taking the character with the most uncovered needles per
 * (occurrences in the sample + the cost of one more pass). Empty needles get no group (the caller
 * treats them as "every line").
 */
export function chooseAnchors(needles: readonly string[], sample: string): AnchorGroup[] {
  const frequency = new Float64Array(256);
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i) & 0xff;
    frequency[c] = (frequency[c] ?? 0) + 1;
  }
  const uncovered = new Set(needles.filter((n) => n !== ''));
  const groups: AnchorGroup[] = [];
  while (uncovered.size > 0) {
    let best = '';
    let bestScore = -1;
    for (let c = 0; c < 256; c++) {
      const anchor = String.fromCharCode(c);
      let covers = 0;
      for (const needle of uncovered) if (needle.includes(anchor)) covers++;
      const score = covers / ((frequency[c] ?? 0) + PASS_COST_IN_HITS);
      if (score > bestScore) {
        bestScore = score;
        best = anchor;
      }
    }
    const members: Array<{ needle: string; offset: number }> = [];
    for (const needle of uncovered) {
      const offset = needle.indexOf(best);
      if (offset === -1) continue;
      members.push({ needle, offset });
      uncovered.delete(needle);
    }
    groups.push({ anchor: best, needles: members });
  }
  return groups;
}

/** Bytes a scanner's buffer needs for `maxLineBytes`: one line past the bound and one read. */
export function scannerBufferBytes(maxLineBytes: number): number {
  return maxLineBytes + READ_BYTES + 1;
}

export function createLineScanner(options: {
  readonly needles: readonly string[];
  readonly maxLineBytes: number;
  readonly onCandidate: CandidateHandler;
  /** a buffer of at least `scannerBufferBytes(maxLineBytes)` to work in (one is allocated otherwise) */
  readonly buffer?: Buffer;
}): LineScanner {
  // Needles are matched as Latin-1 text, so each is turned into the Latin-1 reading of its UTF-8 bytes.
  const needles = [...new Set(options.needles)].map((n) => Buffer.from(n, 'utf8').toString('latin1'));
  const everyLine = needles.includes('');
  const max = options.maxLineBytes;
  const onCandidate = options.onCandidate;
  const counts: LineCounts = { lines: 0, oversized: 0, candidates: 0 };
  const buffer = options.buffer !== undefined && options.buffer.length >= scannerBufferBytes(max) ? options.buffer : Buffer.allocUnsafe(scannerBufferBytes(max));
  let filled = 0;
  /** discarding the rest of an oversized line, up to its `\n` */
  let skipping = false;
  let groups: AnchorGroup[] | null = null;
  let next = new Float64Array(0);
  const candidate: CandidateLine = { text: '', bytes: buffer, base: 0, start: 0, end: 0, sliceAscii: null, sliceEscape: null };

  /** The first anchor of `group` at or after `from` that lies in a whole needle, or Infinity. */
  const findHit = (group: AnchorGroup, text: string, from: number): number => {
    const members = group.needles;
    for (let h = text.indexOf(group.anchor, from); h !== -1; h = text.indexOf(group.anchor, h + 1)) {
      for (let m = 0; m < members.length; m++) {
        const member = members[m];
        if (member === undefined) continue;
        const at = h - member.offset;
        if (at >= from && text.charCodeAt(at) === member.needle.charCodeAt(0) && text.startsWith(member.needle, at)) return h;
      }
    }
    return Number.POSITIVE_INFINITY;
  };

  /** Lines of `buffer[from, to)`, which ends just after a `\n` (or at the end of input). */
  const scanSlice = (from: number, to: number): void => {
    const text = buffer.toString('latin1', from, to);
    candidate.text = text;
    candidate.base = from;
    candidate.sliceAscii = null;
    candidate.sliceEscape = null;
    const searchGroups = groups ?? [];
    next.fill(-1);
    // The nearest confirmed hit of any key at or after the current line: a line is a candidate
    // exactly when it lies before the line's end, so most lines cost one comparison.
    let nearest = -1;
    let s = 0;
    const length = text.length;
    while (s < length) {
      let nl = text.indexOf('\n', s);
      if (nl === -1) nl = length;
      counts.lines++;
      if (nl - s > max) {
        counts.oversized++;
      } else {
        if (!everyLine && nearest < s) {
          nearest = Number.POSITIVE_INFINITY;
          for (let g = 0; g < searchGroups.length; g++) {
            let hit = next[g] ?? -1;
            if (hit < s) {
              hit = findHit(searchGroups[g] as AnchorGroup, text, s);
              next[g] = hit;
            }
            if (hit < nearest) nearest = hit;
          }
        }
        if (everyLine || nearest < nl) {
          counts.candidates++;
          candidate.start = s;
          candidate.end = nl > s && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
          onCandidate(candidate);
        }
      }
      s = nl + 1;
    }
  };

  /** Scans the complete lines of `buffer[from, to)` in slices; `to` is just after a `\n`. */
  const scanLines = (from: number, to: number): void => {
    let s = from;
    while (s < to) {
      // A slice ends at the first line end past SLICE_BYTES (a forward memchr; backwards is slower).
      const nl = to - s > SLICE_BYTES ? buffer.indexOf(0x0a, s + SLICE_BYTES - 1) : -1;
      const e = nl === -1 || nl >= to ? to : nl + 1;
      scanSlice(s, e);
      s = e;
    }
  };

  const commit = (n: number): void => {
    if (n <= 0) return;
    if (groups === null) {
      groups = chooseAnchors(needles, buffer.toString('latin1', 0, Math.min(filled + n, SLICE_BYTES)));
      next = new Float64Array(groups.length);
    }
    const start = filled;
    filled += n;
    if (skipping) {
      const nl = buffer.indexOf(0x0a, start);
      if (nl === -1 || nl >= filled) {
        filled = 0;
        return;
      }
      skipping = false;
      buffer.copyWithin(0, nl + 1, filled);
      filled -= nl + 1;
    }
    const last = filled === 0 ? -1 : buffer.lastIndexOf(0x0a, filled - 1);
    if (last >= 0) {
      scanLines(0, last + 1);
      buffer.copyWithin(0, last + 1, filled);
      filled -= last + 1;
    }
    if (filled > max) {
      // An unterminated line already past the bound: count it now and drop it up to its `\n`.
      counts.lines++;
      counts.oversized++;
      filled = 0;
      skipping = true;
    }
  };

  const space = (): Buffer => buffer.subarray(filled, filled + READ_BYTES);

  const push = (chunk: Buffer): void => {
    for (let i = 0; i < chunk.length; ) {
      const room = space();
      const n = Math.min(room.length, chunk.length - i);
      chunk.copy(room, 0, i, i + n);
      i += n;
      commit(n);
    }
  };

  const end = (): void => {
    if (filled > 0 && !skipping) {
      if (groups === null) {
        groups = chooseAnchors(needles, buffer.toString('latin1', 0, Math.min(filled, SLICE_BYTES)));
        next = new Float64Array(groups.length);
      }
      scanSlice(0, filled);
    }
    filled = 0;
    skipping = false;
  };

  return { space, commit, push, end, counts };
}

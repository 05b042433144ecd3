/**
 * Byte-level line scanner: the hot path. It counts every line but decodes only "candidate" lines,
 * those containing one of the parsers' needles, so a line no parser wants costs one memchr and a
 * few integer comparisons, and allocates nothing.
 *
 * Lines end at `\n`; a trailing `\r` is dropped (CRLF). A line longer than `maxLineBytes` is
 * counted as oversized and skipped without being buffered, so memory stays bounded whatever the
 * input. An unterminated last line is still a line.
 */

/** Default bound on one line: 1 MiB. SGLang request reprs reach tens of KB; anything past 1 MiB is not a log line we read. */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

export interface LineCounts {
  /** every line seen, oversized ones included */
  lines: number;
  /** lines longer than the bound, never decoded */
  oversized: number;
  /** lines handed to `onCandidate` */
  candidates: number;
}

export interface LineScanner {
  /** Feed the next chunk of bytes (any size, split anywhere, even inside a UTF-8 sequence). */
  push(chunk: Buffer): void;
  /** Flush an unterminated last line. */
  end(): void;
  readonly counts: Readonly<LineCounts>;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

export function createLineScanner(options: {
  readonly needles: readonly string[];
  readonly maxLineBytes: number;
  readonly onCandidate: (line: string) => void;
}): LineScanner {
  const needles = options.needles.map((n) => Buffer.from(n, 'utf8'));
  const needleCount = needles.length;
  const max = options.maxLineBytes;
  const onCandidate = options.onCandidate;
  const counts: LineCounts = { lines: 0, oversized: 0, candidates: 0 };
  // Next known position of each needle in the current chunk (Infinity: no more occurrences).
  const next: number[] = Array.from({ length: needleCount }, () => -1);
  let carry: Buffer | null = null;
  let skipping = false;

  const emit = (buf: Buffer, start: number, end: number): void => {
    const stop = end > start && buf[end - 1] === CR ? end - 1 : end;
    counts.candidates++;
    onCandidate(buf.toString('utf8', start, stop));
  };

  /** A whole line [start, end) that is not in the current chunk's needle index (the carried one). */
  const lineFromCarry = (buf: Buffer): void => {
    counts.lines++;
    if (buf.length > max) {
      counts.oversized++;
      return;
    }
    for (const needle of needles) {
      if (buf.indexOf(needle) !== -1) {
        emit(buf, 0, buf.length);
        return;
      }
    }
  };

  const push = (chunk: Buffer): void => {
    let start = 0;
    if (skipping) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl === -1) return;
      skipping = false;
      start = nl + 1;
    } else if (carry !== null) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl === -1) {
        if (carry.length + chunk.length > max) {
          counts.lines++;
          counts.oversized++;
          carry = null;
          skipping = true;
        } else {
          carry = Buffer.concat([carry, chunk]);
        }
        return;
      }
      const joined: Buffer = Buffer.concat([carry, chunk.subarray(0, nl)]);
      carry = null;
      lineFromCarry(joined);
      start = nl + 1;
    }

    next.fill(-1);
    let s = start;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, s);
      if (nl === -1) break;
      counts.lines++;
      if (nl - s > max) {
        counts.oversized++;
      } else {
        for (let k = 0; k < needleCount; k++) {
          let p = next[k] ?? -1;
          if (p < s) {
            const found = chunk.indexOf(needles[k] as Buffer, s);
            p = found === -1 ? Number.POSITIVE_INFINITY : found;
            next[k] = p;
          }
          if (p < nl) {
            emit(chunk, s, nl);
            break;
          }
        }
      }
      s = nl + 1;
    }

    const tail = chunk.length - s;
    if (tail === 0) return;
    if (tail > max) {
      counts.lines++;
      counts.oversized++;
      skipping = true;
    } else {
      // Copy: keeping a subarray would pin the whole chunk in memory.
      carry = Buffer.from(chunk.subarray(s));
    }
  };

  const end = (): void => {
    if (carry !== null) {
      const last = carry;
      carry = null;
      lineFromCarry(last);
    }
    skipping = false;
  };

  return { push, end, counts };
}

// ANSI colour codes, removed the way stripAnsi (src/parse/envelope.ts) removes them, so that the
// batch reader sees the line the TypeScript parser sees:
// - with ESC, every CSI sequence `ESC [ [0-9;?]* [A-Za-z]`, in one pass;
// - then ESC-less SGR remnants `[` (digits{1,3} (`;` digits{1,3})*)? `m`, pass after pass until a
//   pass removes nothing (`[[0mm` → `[m` → ``).
// Each pass is a global regex replace: matches are found left to right, and the search goes on
// after each match.
import { isDigit } from './bytes';

const ESC: u32 = 0x1b;
const OPEN: u32 = 0x5b; // [

/** Where the ESC-less SGR remnant that starts at `at` (a `[`) ends, or 0 when none starts there. */
export function bareSgrEnd(at: usize, end: usize): usize {
  let i = at + 1;
  if (i < end && load<u8>(i) == 0x6d) return i + 1; // `[m`
  while (i < end) {
    const first = i;
    while (i < end && i - first < 3 && isDigit(load<u8>(i))) i++;
    if (i == first || i >= end) return 0;
    const c = load<u8>(i);
    if (c == 0x6d) return i + 1;
    if (c != 0x3b) return 0; // `;`: another group of digits follows
    i++;
  }
  return 0;
}

/** Where the CSI sequence that starts at `at` (an ESC) ends, or 0 when none starts there. */
function csiEnd(at: usize, end: usize): usize {
  let i = at + 1;
  if (i >= end || load<u8>(i) != OPEN) return 0;
  i++;
  while (i < end) {
    const c = <u32>load<u8>(i);
    if (!(isDigit(c) || c == 0x3b || c == 0x3f)) break;
    i++;
  }
  if (i >= end) return 0;
  const c = <u32>load<u8>(i) | 0x20;
  return c - 97 < 26 ? i + 1 : 0;
}

/**
 * Copies [s, e) to `out` without colour codes (see the file comment); `spare` is a second buffer
 * as large, for the passes. Both must hold e − s bytes. Returns where the result ends, in `out`
 * or in `spare`: the result is at `stripped`.
 */
export function stripAnsi(s: usize, e: usize, out: usize, spare: usize): usize {
  // Passes read from `from` and write to `to`: the line itself, then `out` and `spare` in turn.
  let from = s;
  let end = e;
  let to = out;
  let hasEsc = false;
  for (let i = s; i < e; i++) {
    if (load<u8>(i) == ESC) {
      hasEsc = true;
      break;
    }
  }
  if (hasEsc) {
    end = to + removeAll(from, end, to, true);
    from = to;
    to = to == out ? spare : out;
  }
  // Until a pass removes nothing: the result is then that pass's input.
  for (let n = removeAll(from, end, to, false); n != end - from; n = removeAll(from, end, to, false)) {
    end = to + n;
    from = to;
    to = to == out ? spare : out;
  }
  stripped = from;
  return end;
}

/** Where the result of the last `stripAnsi` starts. */
export let stripped: usize = 0;

/** One pass: [from, end) to `to` without CSI sequences (`csi`) or bare SGR remnants; the length written. */
function removeAll(from: usize, end: usize, to: usize, csi: boolean): usize {
  let o = to;
  let i = from;
  while (i < end) {
    const c = <u32>load<u8>(i);
    const skip = csi ? (c == ESC ? csiEnd(i, end) : 0) : c == OPEN ? bareSgrEnd(i, end) : 0;
    if (skip != 0) {
      i = skip;
      continue;
    }
    store<u8>(o++, <u8>c);
    i++;
  }
  return o - to;
}

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
 * as large, for the passes. Both must hold e − s bytes and 16 more (blocks are read 16 bytes at a
 * time). `escape`: whether the line holds an ESC (the caller's pass over it knows). Returns where
 * the result ends, in `out`, in `spare` or in the line itself: the result is at `stripped`.
 */
export function stripAnsi(s: usize, e: usize, out: usize, spare: usize, escape: boolean): usize {
  // Passes read from `from` and write to `to`: the line itself, then `out` and `spare` in turn. A
  // pass that removes nothing writes nothing (its input is the result).
  let from = s;
  let end = e;
  let to = out;
  for (let csi = escape; ; csi = false) {
    const n = removeAll(from, end, to, csi);
    if (n < 0) {
      if (csi) continue; // no CSI sequence: on to the ESC-less remnants
      break;
    }
    end = to + <usize>n;
    from = to;
    to = to == out ? spare : out;
  }
  stripped = from;
  return end;
}

/** Where the result of the last `stripAnsi` starts. */
export let stripped: usize = 0;

/**
 * One pass: [from, end) to `to` without CSI sequences (`csi`) or bare SGR remnants; the length
 * written, or −1 when there was nothing to remove (then nothing is written). The sequences' first
 * bytes (ESC, `[`) are found 16 at a time and the text between them copied in runs.
 */
function removeAll(from: usize, end: usize, to: usize, csi: boolean): isize {
  const first = i8x16.splat(csi ? <i8>ESC : <i8>OPEN);
  let o = to;
  let run = from; // the start of the text not yet copied; bytes before it are copied or removed
  for (let q = from; q < end; q += 16) {
    const left = end - q;
    const keep = left < 16 ? (1 << <i32>left) - 1 : 0xffff;
    for (let bits = i8x16.bitmask(i8x16.eq(v128.load(q), first)) & keep; bits != 0; bits &= bits - 1) {
      const i = q + <usize>ctz(bits);
      if (i < run) continue; // inside a sequence just removed
      const skip = csi ? csiEnd(i, end) : bareSgrEnd(i, end);
      if (skip == 0) continue;
      memory.copy(o, run, i - run);
      o += i - run;
      run = skip;
    }
  }
  if (run == from) return -1;
  memory.copy(o, run, end - run);
  o += end - run;
  return <isize>(o - to);
}

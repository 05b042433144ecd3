/**
 * Log envelopes that wrap a line without changing its content: ANSI colour codes, including the
 * form whose ESC byte was lost when the log was pasted (`[2m…[0m`, reference
 * dynamo-vllm-trtllm-log-formats.md §0).
 */

// SGR sequences with ESC, and other CSI sequences (cursor moves from progress bars).
// eslint-disable-next-line no-control-regex -- matching ESC is the point
const ANSI_CSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
// ESC-less SGR remnants: `[0m`, `[2m`, `[1;36m`. A rank bracket (`[DP0 TP0]`) or a timestamp
// (`[2026-…`) never has digits followed directly by `m`.
const BARE_SGR = /\[(?:\d{1,3}(?:;\d{1,3})*)?m/g;
const MAYBE_BARE_SGR = /\[\d{0,3}(?:;\d{1,3})*m/;

/**
 * `line` without colour codes; the same string (no allocation) when it has none. Removal repeats
 * until nothing is left to remove (`[[0mm` → `[m` → ``), so stripping twice equals stripping once.
 */
export function stripAnsi(line: string): string {
  let out = line.includes('\x1b') ? line.replace(ANSI_CSI, '') : line;
  if (!MAYBE_BARE_SGR.test(out)) return out;
  for (;;) {
    const next = out.replace(BARE_SGR, '');
    if (next === out) return out;
    out = next;
  }
}

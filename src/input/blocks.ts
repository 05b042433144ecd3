/**
 * Cuts a byte stream (stdin, after gunzip) into blocks of whole lines, each in its own
 * ArrayBuffer so it can be handed to a worker thread without a copy. A line too long for any
 * block is longer than the line bound: it is counted as oversized and dropped, as the scanner
 * itself would do, so reading in blocks counts the same lines as reading in one piece.
 */
export interface BlockCutter {
  push(chunk: Buffer): void;
  /** Hand over what is left (a last line may lack its `\n`). */
  end(): void;
  /** lines the cutter dropped itself (all oversized) */
  readonly counts: { lines: number; oversized: number };
}

/** Size of the blocks a cutter makes (and of the buffers `allocate` must return): at least one line past the bound. */
export function blockSize(blockBytes: number, maxLineBytes: number): number {
  return Math.max(blockBytes, maxLineBytes + 1);
}

/**
 * @param blockBytes cut when a block holds this much (see `blockSize`)
 * @param onBlock receives each block, in order; it owns the block's buffer from then on
 * @param allocate a free buffer of `blockSize` bytes (a recycled one, or a new one)
 */
export function createBlockCutter(
  blockBytes: number,
  maxLineBytes: number,
  onBlock: (block: Uint8Array) => void,
  allocate: () => ArrayBuffer = () => new ArrayBuffer(blockSize(blockBytes, maxLineBytes)),
): BlockCutter {
  const size = blockSize(blockBytes, maxLineBytes);
  const counts = { lines: 0, oversized: 0 };
  let current = new Uint8Array(allocate(), 0, size);
  let filled = 0;
  let skipping = false;

  const cut = (): void => {
    const last = current.lastIndexOf(0x0a, filled - 1);
    if (last === -1) {
      // One line fills the block, so it is past the bound: drop it up to its `\n`.
      counts.lines++;
      counts.oversized++;
      filled = 0;
      skipping = true;
      return;
    }
    const next = new Uint8Array(allocate(), 0, size);
    next.set(current.subarray(last + 1, filled));
    onBlock(new Uint8Array(current.buffer, 0, last + 1));
    filled -= last + 1;
    current = next;
  };

  const push = (chunk: Buffer): void => {
    let i = 0;
    if (skipping) {
      const nl = chunk.indexOf(0x0a);
      if (nl === -1) return;
      skipping = false;
      i = nl + 1;
    }
    while (i < chunk.length) {
      const n = Math.min(size - filled, chunk.length - i);
      current.set(chunk.subarray(i, i + n), filled);
      filled += n;
      i += n;
      if (filled === size) {
        cut();
        if (skipping) {
          const nl = chunk.indexOf(0x0a, i);
          if (nl === -1) return;
          skipping = false;
          i = nl + 1;
        }
      }
    }
  };

  const end = (): void => {
    if (filled > 0 && !skipping) onBlock(new Uint8Array(current.buffer, 0, filled));
    filled = 0;
    current = new Uint8Array(0);
  };

  return { push, end, counts };
}

/**
 * The WebAssembly line-scanning kernel (source: kernel/scan.ts), compiled once per thread and
 * instantiated once per scanner. Each instance owns its memory: the scanner's buffer, the needle
 * tables and the entry table live there, so bytes are read straight into it and results are read
 * out of it without a copy. Instances are pooled per thread (`takeKernel`/`releaseKernel`): a
 * thread reading hundreds of file ranges reuses a few.
 */
import { KERNEL_WASM } from './kernel-wasm.generated.ts';

// The part of the WebAssembly API used here (TypeScript declares it only in the DOM library).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: object };
};
type WasmModule = { readonly kind: 'WebAssembly.Module' };

/** Entries per scan call: the call stops and resumes when the table is full (640 KiB; a 1 MiB read of a scheduler log has ~2000). */
const ENTRY_CAPACITY = 4096;
/** Room for needle bytes; the parsers' needles take a few hundred. */
const NEEDLE_BYTES = 4096;
/** The kernel reads 64 bytes at a time (and the 16 bytes one byte on): up to 80 bytes past the end of what it scans. */
const BLOCK_PADDING = 80;

interface KernelExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  alloc(bytes: number): number;
  setNeedles(anchors: number, count: number, table: number, needles: number): void;
  configure(table: number, capacity: number, maxLine: number, every: number, batches: number, dense: number): void;
  scan(from: number, to: number, last: number): number;
  countPairs(from: number, to: number, table: number): void;
  entryCount(): number;
  lineCount(): number;
  oversizedCount(): number;
}

/** Slot indexes of an entry, as the kernel exports them. */
export interface EntryLayout {
  readonly ENTRY_SLOTS: number;
  readonly KIND: number;
  readonly START: number;
  readonly END: number;
  readonly MINUTE: number;
  readonly SECOND: number;
  readonly MILLI: number;
  readonly DP: number;
  readonly NEW_SEQ: number;
  readonly NEW_TOKEN: number;
  readonly CACHED: number;
  readonly RUNNING: number;
  readonly QUEUE: number;
  readonly BOOTSTRAP_QUEUE: number;
  readonly INFLIGHT: number;
  readonly MAX_ANCHORS: number;
}

export interface Kernel {
  readonly exports: KernelExports;
  /** the whole memory (it never grows after set-up, so the view stays valid) */
  readonly memory: Buffer;
  /** the scanner's buffer: `memory[bufferAt, bufferAt + bufferBytes)` */
  readonly bufferAt: number;
  readonly bufferBytes: number;
  /** the entry table, in f64 slots from 0, at `entriesAt` in memory */
  readonly entries: Float64Array;
  readonly entriesAt: number;
  readonly capacity: number;
  /** where needle bytes and the needle table go */
  readonly needleAt: number;
  readonly needleBytes: number;
  /** byte-pair counts (`countPairs`), at `pairsAt` in memory */
  readonly pairs: Uint32Array;
  readonly pairsAt: number;
  /** the needles (joined by NUL) its anchors were last chosen for, if any */
  anchorsFor: string | null;
}

let compiled: WasmModule | null = null;
let layout: EntryLayout | null = null;

function compile(): WasmModule {
  compiled ??= new WebAssembly.Module(Buffer.from(KERNEL_WASM, 'base64'));
  return compiled;
}

const imports = {
  env: {
    abort(): never {
      throw new Error('dpskew kernel aborted (a bug: please report it)');
    },
  },
};

/** The entry layout and limits the kernel was built with. */
export function entryLayout(): EntryLayout {
  if (layout === null) {
    const instance = new WebAssembly.Instance(compile(), imports);
    const globals = instance.exports as Record<keyof EntryLayout, { readonly value: unknown }>;
    const read = (name: keyof EntryLayout): number => globals[name].value as number;
    layout = {
      ENTRY_SLOTS: read('ENTRY_SLOTS'),
      KIND: read('KIND'),
      START: read('START'),
      END: read('END'),
      MINUTE: read('MINUTE'),
      SECOND: read('SECOND'),
      MILLI: read('MILLI'),
      DP: read('DP'),
      NEW_SEQ: read('NEW_SEQ'),
      NEW_TOKEN: read('NEW_TOKEN'),
      CACHED: read('CACHED'),
      RUNNING: read('RUNNING'),
      QUEUE: read('QUEUE'),
      BOOTSTRAP_QUEUE: read('BOOTSTRAP_QUEUE'),
      INFLIGHT: read('INFLIGHT'),
      MAX_ANCHORS: read('MAX_ANCHORS'),
    };
  }
  return layout;
}

function createKernel(bufferBytes: number): Kernel {
  const instance = new WebAssembly.Instance(compile(), imports);
  const exports = instance.exports as KernelExports;
  const slots = entryLayout().ENTRY_SLOTS;
  // Every region is allocated before any view is taken: allocating may grow (and so detach) memory.
  const bufferAt = exports.alloc(bufferBytes + BLOCK_PADDING);
  const entriesAt = exports.alloc(ENTRY_CAPACITY * slots * 8 + 8);
  const needleAt = exports.alloc(NEEDLE_BYTES);
  const pairsAt = exports.alloc((1 << 16) * 4);
  const memory = Buffer.from(exports.memory.buffer);
  const aligned = Math.ceil(entriesAt / 8) * 8;
  return {
    exports,
    memory,
    bufferAt,
    bufferBytes,
    entries: new Float64Array(exports.memory.buffer, aligned, ENTRY_CAPACITY * slots),
    entriesAt: aligned,
    capacity: ENTRY_CAPACITY,
    needleAt,
    needleBytes: NEEDLE_BYTES,
    pairs: new Uint32Array(exports.memory.buffer, pairsAt, 1 << 16),
    pairsAt,
    anchorsFor: null,
  };
}

/** Released kernels of this thread. */
const spare: Kernel[] = [];

/** A kernel whose buffer holds at least `bufferBytes`, reused if this thread has one spare. */
export function takeKernel(bufferBytes: number): Kernel {
  for (let i = spare.length - 1; i >= 0; i--) {
    const kernel = spare[i];
    if (kernel !== undefined && kernel.bufferBytes >= bufferBytes) {
      spare.splice(i, 1);
      return kernel;
    }
  }
  return createKernel(bufferBytes);
}

/** Give a kernel back for reuse; its scanner must not be used again. */
export function releaseKernel(kernel: Kernel): void {
  // A few per thread are all a read ever needs at once; more would only hold memory.
  if (spare.length < 4) spare.push(kernel);
}

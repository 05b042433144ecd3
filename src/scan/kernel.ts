/**
 * The WebAssembly line-scanning kernel (source: kernel/scan.ts), compiled once per thread and
 * instantiated once per scanner. Each instance owns its memory: the scanner's buffer, the needle
 * tables and the entry table live there, so bytes are read straight into it and results are read
 * out of it without a copy. Instances are pooled per thread (`takeKernel`/`releaseKernel`): a
 * thread reading hundreds of file ranges reuses a few.
 */
import type { FoldedBatches } from '../model/records.ts';
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
/** Room for the batch keys and their table (sglang-batch.ts); they take a few hundred. */
const BATCH_KEY_BYTES = 2048;
/** The kernel reads 64 bytes at a time (and the 16 bytes one byte on): up to 80 bytes past the end of what it scans. */
const BLOCK_PADDING = 80;

interface KernelExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  alloc(bytes: number): number;
  setNeedles(anchors: number, count: number, table: number, needles: number): void;
  configure(table: number, capacity: number, maxLine: number, every: number, batches: number, dense: number): void;
  setBatchKeys(table: number, count: number, values: number, newSeq: number, newToken: number, cached: number, running: number, queue: number): number;
  scan(from: number, to: number, last: number): number;
  countPairs(from: number, to: number, table: number): void;
  entryCount(): number;
  lineCount(): number;
  oversizedCount(): number;
  configureFold(on: number, bucketMs: number): void;
  foldGroupCount(): number;
  resetFold(): void;
  foldGroupsAt(): number;
  foldHistogramsAt(): number;
  foldPackedAt(): number;
  packBuckets(group: number): void;
}

/** The fold's layout (kernel/fold.ts), as the kernel exports it. */
export interface FoldLayout {
  readonly MAX_GROUPS: number;
  readonly HIST_VALUES: number;
  readonly WINDOW_BUCKETS: number;
  readonly GROUP_FIELDS: number;
  readonly G_PHASE: number;
  readonly G_DP: number;
  readonly G_LINES: number;
  readonly G_NEW_TOKENS: number;
  readonly G_NEW_SEQ: number;
  readonly G_CACHED: number;
  readonly G_QUEUED: number;
  readonly G_RUN_MIN: number;
  readonly G_RUN_MAX: number;
  readonly G_FIRST: number;
  readonly G_LAST: number;
  readonly G_BUCKETS: number;
  readonly G_QUEUE_TOP: number;
  readonly G_RUNNING_TOP: number;
}

/** Slot indexes of an entry and the kernel's limits, as it exports them (kernel/layout.ts, kernel/batch.ts). */
export interface EntryLayout {
  readonly ENTRY_SLOTS: number;
  readonly KIND: number;
  readonly START: number;
  readonly END: number;
  readonly MINUTE: number;
  readonly SECOND: number;
  readonly MILLI: number;
  readonly OFFSET: number;
  readonly LEGACY: number;
  readonly PREFIX: number;
  readonly PREFIX_NATIVE: number;
  readonly PREFIX_CUSTOM: number;
  readonly DP: number;
  readonly VALUES: number;
  readonly MAX_VALUES: number;
  readonly MAX_KEYS: number;
  readonly MARK_LEGACY_PREFILL: number;
  readonly MARK_MODERN_DECODE: number;
  readonly MAX_ANCHORS: number;
  readonly OWNERS: number;
  /** as the kernel's u32 global reads in JavaScript (signed: −1) */
  readonly ALL_OWNERS: number;
  readonly fold: FoldLayout;
}

const ENTRY_NAMES = [
  'ENTRY_SLOTS', 'KIND', 'START', 'END', 'MINUTE', 'SECOND', 'MILLI', 'OFFSET', 'LEGACY', 'PREFIX', 'PREFIX_NATIVE', 'PREFIX_CUSTOM', 'DP', 'VALUES', 'MAX_VALUES',
  'MAX_KEYS', 'MARK_LEGACY_PREFILL', 'MARK_MODERN_DECODE', 'MAX_ANCHORS', 'OWNERS', 'ALL_OWNERS',
] as const satisfies ReadonlyArray<Exclude<keyof EntryLayout, 'fold'>>;

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
  /** where the batch keys and their table go, and whether they are set (sglang-batch.ts) */
  readonly batchKeysAt: number;
  readonly batchKeyBytes: number;
  batchKeysSet: boolean;
  /** byte-pair counts (`countPairs`), at `pairsAt` in memory */
  readonly pairs: Uint32Array;
  readonly pairsAt: number;
  /** the needles (joined by NUL) its anchors were last chosen for, if any */
  anchorsFor: string | null;
  /** views of the fold (kernel/fold.ts): groups, histograms, one group's buckets packed */
  readonly foldGroups: Float64Array;
  readonly foldHistograms: Uint32Array;
  readonly foldPacked: Float64Array;
  /** the scanner's side of folding, while one holds this kernel */
  host: FoldHost;
}

let compiled: WasmModule | null = null;
let layout: EntryLayout | null = null;

function compile(): WasmModule {
  compiled ??= new WebAssembly.Module(Buffer.from(KERNEL_WASM, 'base64'));
  return compiled;
}

/** What the kernel calls while folding (kernel/fold.ts), set by the scanner that holds it. */
export interface FoldHost {
  /** take the fold (`takeFold`) */
  flush(): void;
  /** when minute YYYYMMDDHHMM starts, in the zone `offset` minutes east of UTC or (NaN) in --tz (sglangMinuteStart) */
  minuteStart(minute: number, offset: number): number | null;
}

const NO_FOLD: FoldHost = {
  flush: () => {
    throw new Error('dpskew kernel folded without a host (a bug: please report it)');
  },
  minuteStart: () => null,
};

function importsFor(host: () => FoldHost): object {
  return {
    env: {
      abort(): never {
        throw new Error('dpskew kernel aborted (a bug: please report it)');
      },
      hostFlushFold: () => host().flush(),
      // null (the zone's offset changes within the minute) travels as −Infinity.
      hostMinuteStart: (minute: number, offset: number) => host().minuteStart(minute, offset) ?? Number.NEGATIVE_INFINITY,
    },
  };
}

const FOLD_NAMES: ReadonlyArray<keyof FoldLayout> = [
  'MAX_GROUPS', 'HIST_VALUES', 'WINDOW_BUCKETS', 'GROUP_FIELDS', 'G_PHASE', 'G_DP', 'G_LINES', 'G_NEW_TOKENS', 'G_NEW_SEQ', 'G_CACHED', 'G_QUEUED',
  'G_RUN_MIN', 'G_RUN_MAX', 'G_FIRST', 'G_LAST', 'G_BUCKETS', 'G_QUEUE_TOP', 'G_RUNNING_TOP',
];

/** The entry layout and limits the kernel was built with. */
export function entryLayout(): EntryLayout {
  if (layout === null) {
    const instance = new WebAssembly.Instance(compile(), importsFor(() => NO_FOLD));
    const globals = instance.exports as Record<string, { readonly value: unknown }>;
    const read = (name: string): number => globals[name]?.value as number;
    layout = {
      ...(Object.fromEntries(ENTRY_NAMES.map((name) => [name, read(name)])) as Record<(typeof ENTRY_NAMES)[number], number>),
      fold: Object.fromEntries(FOLD_NAMES.map((name) => [name, read(name)])) as unknown as FoldLayout,
    };
  }
  return layout;
}

function createKernel(bufferBytes: number): Kernel {
  let kernel: Kernel | null = null;
  const instance = new WebAssembly.Instance(compile(), importsFor(() => kernel?.host ?? NO_FOLD));
  const exports = instance.exports as KernelExports;
  const slots = entryLayout().ENTRY_SLOTS;
  const fold = entryLayout().fold;
  // Every region is allocated before any view is taken: allocating may grow (and so detach) memory.
  const bufferAt = exports.alloc(bufferBytes + BLOCK_PADDING);
  const entriesAt = exports.alloc(ENTRY_CAPACITY * slots * 8 + 8);
  const needleAt = exports.alloc(NEEDLE_BYTES);
  const batchKeysAt = exports.alloc(BATCH_KEY_BYTES);
  const pairsAt = exports.alloc((1 << 16) * 4);
  const memory = Buffer.from(exports.memory.buffer);
  const aligned = Math.ceil(entriesAt / 8) * 8;
  kernel = {
    exports,
    memory,
    bufferAt,
    bufferBytes,
    entries: new Float64Array(exports.memory.buffer, aligned, ENTRY_CAPACITY * slots),
    entriesAt: aligned,
    capacity: ENTRY_CAPACITY,
    needleAt,
    needleBytes: NEEDLE_BYTES,
    batchKeysAt,
    batchKeyBytes: BATCH_KEY_BYTES,
    batchKeysSet: false,
    pairs: new Uint32Array(exports.memory.buffer, pairsAt, 1 << 16),
    pairsAt,
    anchorsFor: null,
    foldGroups: new Float64Array(exports.memory.buffer, exports.foldGroupsAt(), fold.MAX_GROUPS * fold.GROUP_FIELDS),
    foldHistograms: new Uint32Array(exports.memory.buffer, exports.foldHistogramsAt(), fold.MAX_GROUPS * 2 * fold.HIST_VALUES),
    foldPacked: new Float64Array(exports.memory.buffer, exports.foldPackedAt(), fold.WINDOW_BUCKETS * 4),
    host: NO_FOLD,
  };
  return kernel;
}

/** Integers up to this are small integers (Smis) to V8 with or without pointer compression. */
const SMALL_INT = 0x3fffffff;

/** The groups the kernel has folded, as plain data (copies), in the order first seen; then empties the fold. */
export function takeFold(kernel: Kernel): FoldedBatches[] {
  const L = entryLayout().fold;
  const { foldGroups: groups, foldHistograms: histograms, foldPacked: packed } = kernel;
  const out: FoldedBatches[] = [];
  const count = kernel.exports.foldGroupCount();
  for (let g = 0; g < count; g++) {
    const at = g * L.GROUP_FIELDS;
    const field = (f: number): number => groups[at + f] as number;
    // Counts as small integers where they fit: a double read from the Float64Array and stored in a
    // rank's field made V8 box that field in every rank (16 bytes each; 37,700 ranks, 6 fields).
    const count = (f: number): number => {
      const v = field(f);
      return v >= 0 && v <= SMALL_INT ? v | 0 : v;
    };
    const label = (k: number): number | undefined => (field(L.G_DP + k) < 0 ? undefined : count(L.G_DP + k));
    const histogram = (which: number, top: number): Uint32Array => histograms.slice((g * 2 + which) * L.HIST_VALUES, (g * 2 + which) * L.HIST_VALUES + top);
    kernel.exports.packBuckets(g);
    const queued = count(L.G_QUEUED);
    out.push({
      phase: field(L.G_PHASE) === 1 ? 'prefill' : 'decode',
      ranks: { dp: label(0), tp: label(1), pp: label(2), attnCp: label(3) },
      lines: count(L.G_LINES),
      newTokens: count(L.G_NEW_TOKENS),
      // The kernel folds a prefill line only when it carries #new-token (readBatch), a decode line never does.
      tokenLines: field(L.G_PHASE) === 1 ? count(L.G_LINES) : 0,
      newSeq: count(L.G_NEW_SEQ),
      cachedTokens: count(L.G_CACHED),
      queue: histogram(0, field(L.G_QUEUE_TOP)),
      running: histogram(1, field(L.G_RUNNING_TOP)),
      queuedLines: queued,
      runningMinWhenQueued: queued > 0 ? count(L.G_RUN_MIN) : null,
      runningMaxWhenQueued: queued > 0 ? count(L.G_RUN_MAX) : null,
      firstTime: Number.isNaN(field(L.G_FIRST)) ? null : field(L.G_FIRST),
      lastTime: Number.isNaN(field(L.G_LAST)) ? null : field(L.G_LAST),
      buckets: packed.slice(0, field(L.G_BUCKETS) * 4),
    });
  }
  kernel.exports.resetFold();
  return out;
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

/**
 * Let go of this thread's spare kernels once reading is done: each holds its WebAssembly memory
 * (~16.5 MiB mapped, of which what a read touched is resident: ~0.3 MiB after 10,000 small files,
 * up to the 2 MiB buffer and the entry table after large ones) until the process ends.
 */
export function dropSpareKernels(): void {
  spare.length = 0;
}

/** Give a kernel back for reuse; its scanner must not be used again. */
export function releaseKernel(kernel: Kernel): void {
  kernel.host = NO_FOLD;
  // A few per thread are all a read ever needs at once; more would only hold memory.
  if (spare.length < 4) spare.push(kernel);
}

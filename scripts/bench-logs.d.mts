// Types of scripts/bench-logs.mjs, for the tests that read its formats (test/parse/sglang-kernel.test.ts,
// test/read/equivalence.test.ts).

export function mulberry32(seed: number): () => number;

export interface BenchWorker {
  readonly name: string;
  readonly role: 'prefill' | 'decode';
  readonly dp: number;
  readonly index: number;
}
export const WORKERS: readonly BenchWorker[];

export interface BenchFormat {
  readonly name: string;
  /** 'shape' an SGLang line shape, 'envelope' the comma shape wrapped, 'dense' 80 % batch lines, 'family' another engine */
  readonly kind: 'shape' | 'envelope' | 'dense' | 'family';
  readonly what: string;
  /** the format's awk one-liner */
  readonly awk: string;
}
export const FORMATS: readonly BenchFormat[];
export const AWK_PROGRAM: string;

export function generateBenchLogs(dir: string, totalBytes: number, format?: string): string[];
/** One worker's log of `format` in memory, about `bytes` long. */
export function benchLogText(format: string, bytes: number, worker?: number): string;

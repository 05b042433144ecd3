/**
 * The shapes and envelopes of an SGLang batch line, for generated inputs: each turns the parts of
 * a native line `[stamp tags] message` (`at`: its instant, ms) into another form dpskew reads
 * (the kernel reads them all: kernel/batch.ts). Used by the fold and property tests.
 */

/** Legacy lines (`.` forms) stay records, not folded; a custom layout's ISO stamp carries its zone. */
export const BATCH_FORMS: ReadonlyArray<(stamp: string, tags: string, message: string, at: number) => string> = [
  (stamp, tags, message) => `0: [${stamp} ${tags}] ${message}`,
  (stamp, tags, message) => `[pod/sglang-0/sglang] [${stamp} ${tags}] ${message}`,
  (stamp, tags, message, at) => `${at}\t${new Date(at).toISOString()}\t[${stamp} ${tags}] ${message}`,
  (stamp, tags, message) => `\x1b[36m[${stamp} ${tags}]\x1b[0m ${message}`,
  (stamp, tags, message) => `[36m[${stamp} ${tags}][0m ${message}`,
  (stamp, tags, message) => `[${stamp}][${tags}][scheduler_metrics_mixin.py:424][INFO]: ${message}`,
  (stamp, tags, message) => `[${stamp} ${tags}] ${message.replace('batch,', 'batch [7],')}`,
  // `.`: a modern line, or (cache hit rate on prefill, no graph flag on decode) a legacy one.
  (stamp, tags, message) => `[${stamp} ${tags}] ${message.replace('batch,', 'batch.').replace('token usage', 'cache hit rate: 0.00%, token usage')}`,
  (stamp, tags, message) => `[${stamp} ${tags}] ${message.replace('batch,', 'batch.').replace('cuda graph: True, ', '')}`,
  // ISO stamps with their own zone (a logging config without ranks): read as UTC, minus the offset.
  (_stamp, _tags, message, at) => `${new Date(at).toISOString()} INFO sglang: ${message}`,
  (_stamp, _tags, message, at) => `${new Date(at + 19_800_000).toISOString().slice(0, 23)}+05:30 WARNING sglang: ${message}`,
  (_stamp, _tags, message, at) => `node ${new Date(at - 28_800_000).toISOString().slice(0, 19).replace('T', ' ')}-0800 ${message}`,
];

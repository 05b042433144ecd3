// The entry table's layout: what the kernel hands JavaScript per candidate line (src/scan/kernel.ts
// reads these constants from the module's exports, so they are written down once, here).

/** Longer lines are left to the TypeScript parser by the batch readers (real batch lines are a few hundred bytes). */
export const MAX_BATCH_LINE: i32 = 4096;

/** f64 slots per entry. */
export const ENTRY_SLOTS: i32 = 33;
/** 0 a candidate line for the TypeScript parsers, 1 a prefill record, 2 a decode record */
export const KIND: i32 = 0;
/** line start (byte offset) */
export const START: i32 = 1;
/** line end, without `\n` and a trailing `\r` */
export const END: i32 = 2;

// Records only.
/** the stamp's wall clock YYYYMMDDHHMM as one number; 0 when the line has no date */
export const MINUTE: i32 = 3;
export const SECOND: i32 = 4;
export const MILLI: i32 = 5;
/** minutes east of UTC of the stamp's own zone (`Z`: 0); NaN when it has none, and --tz applies */
export const OFFSET: i32 = 6;
/** 1 for the pre-v0.4.1.post7 message shape (BatchRecord.legacy) */
export const LEGACY: i32 = 7;
/** how the ranks were found: 0 SGLang's own bracket, 1 a custom bracket, 2 none (BatchRecord.prefix) */
export const PREFIX: i32 = 8;
export const PREFIX_NATIVE: i32 = 0;
export const PREFIX_CUSTOM: i32 = 1;
export const PREFIX_NONE: i32 = 2;
/** rank tags DP, TP, PP, ATTN_CP, MOE_DP, EP, in this order; −1 absent (negative tags are declined) */
export const DP: i32 = 9;
export const RANK_TAGS: i32 = 6;
/** The value slots: one per count key (setBatchKeys), −1 absent (every count is non-negative). */
export const VALUES: i32 = 16;
export const MAX_VALUES: i32 = 16;

// Every entry.
/**
 * The parsers that may take the line, a bit each (bit i: the needle owners' parser i, see
 * `setNeedles`): those owning a needle found in it. ALL_OWNERS when the line holds a needle of
 * parser 0 (it is offered to every parser, as it always was) or every line is a candidate.
 */
export const OWNERS: i32 = VALUES + MAX_VALUES;
export const ALL_OWNERS: u32 = 0xffffffff;

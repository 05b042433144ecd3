/**
 * V8 flags the built CLI and its read workers run under, set before the bundle is compiled
 * (load-bundle.ts) and while its code cache is made (scripts/bundle.mjs): V8 refuses a cache made
 * under other flags.
 *
 * `--no-allocation-site-pretenuring`: V8 may decide, from a sample of a few scavenges, that an
 * allocation site's objects live long and allocate them in the old generation from then on. When it
 * guesses so for short-lived objects (it did, in some runs and not others, on 10,000 small files),
 * garbage piles up in the old space until a full collection: peak RSS went from ~130 to ~180 MiB
 * between two runs of the same input. Without it, objects that do live long are promoted by
 * scavenges instead; measured in docs/performance.md#memory.
 */
export const V8_FLAGS = '--no-allocation-site-pretenuring';

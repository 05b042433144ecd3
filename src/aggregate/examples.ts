/** Example raw renderings kept for a finding's message (sentinel dp_rank values): a few, and no set until the first. */
export const NO_EXAMPLES: ReadonlySet<string> = new Set();

const MAX_EXAMPLES = 3;

/** `examples` with `raw` added while it holds fewer than three, made on first use. */
export function keepExample(examples: Set<string> | null, raw: string): Set<string> {
  const kept = examples ?? new Set<string>();
  if (kept.size < MAX_EXAMPLES) kept.add(raw);
  return kept;
}

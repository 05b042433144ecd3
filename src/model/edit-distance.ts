/** "Did you mean": the known names closest to a mistyped one (metric names, commands). */

/** Levenshtein distance: insertions, deletions and substitutions of one character each cost 1. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

/** The names within `maxDistance` of `name`, closest first (ties in name order), at most `limit`. */
export function closestNames(name: string, names: readonly string[], maxDistance: number, limit = 3): string[] {
  return names
    .map((candidate) => ({ candidate, d: editDistance(name, candidate) }))
    .filter((x) => x.d <= maxDistance)
    .sort((a, b) => a.d - b.d || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map((x) => x.candidate);
}

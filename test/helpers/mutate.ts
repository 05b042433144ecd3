/** Mutated lines for property tests: a line edited a few times, at random places, with pieces of syntax. */
import fc from 'fast-check';

/** At `position` (modulo the line's length + 1): op 0 inserts `text`, 1 deletes a character, 2 and 3 overwrite one with `text`. */
export type Edit = readonly [position: number, op: number, text: string];

/** Up to `maxLength` edits with pieces drawn from `piece`. */
export function editsOf(piece: fc.Arbitrary<string>, maxLength = 5): fc.Arbitrary<Edit[]> {
  return fc.array(fc.tuple(fc.nat(), fc.nat(3), piece), { maxLength });
}

export function applyEdits(seed: string, edits: readonly Edit[]): string {
  let line = seed;
  for (const [position, op, text] of edits) {
    const at = position % (line.length + 1);
    if (op === 0) line = line.slice(0, at) + text + line.slice(at);
    else if (op === 1) line = line.slice(0, at) + line.slice(at + 1);
    else line = line.slice(0, at) + text + line.slice(at + 1);
  }
  return line;
}

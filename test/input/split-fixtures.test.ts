/** fixtures/split/ is what test/input/split-fixtures.ts writes, byte for byte. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureText, SPLIT_FIXTURE_FILES, SPLIT_FIXTURES } from './split-fixtures.ts';

describe('fixtures/split', () => {
  it.each(SPLIT_FIXTURE_FILES.map((f) => [f.file, f.kind] as const))('%s is the %s envelope of the two pods', (file, kind) => {
    expect(readFileSync(join(SPLIT_FIXTURES, file), 'utf8')).toBe(fixtureText(kind));
  });
});

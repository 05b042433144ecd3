/** docs/cli.md is made from the flag table: a flag added, renamed or re-described without `npm run docs` fails here. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliReference } from '../../src/cli/reference.ts';
import { FLAGS } from '../../src/options/flags.ts';

describe('docs/cli.md', () => {
  const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');

  it('is what npm run docs writes from the flag table', () => {
    expect(doc).toBe(cliReference());
  });

  it('names every flag of the table', () => {
    for (const flag of FLAGS) expect(doc).toContain(flag.kind === 'negatable' ? `--no-${flag.name}` : `--${flag.name}`);
  });
});

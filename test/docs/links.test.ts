/** The docs link only to files in the repository, and every such link resolves. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/run-cli.ts';

const DOCS = ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md', 'examples/README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe.each(DOCS)('%s', (doc) => {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '');

  it('links resolve inside the repository', () => {
    const broken = links
      .filter((l) => !/^(https?:|mailto:|#)/.test(l))
      .map((l) => l.replace(/#.*$/, ''))
      .filter((l) => !existsSync(join(ROOT, dirname(doc), l)) || !join(ROOT, dirname(doc), l).startsWith(ROOT));
    expect(broken).toEqual([]);
  });

  it('never points at material outside the repository', () => {
    expect(text).not.toMatch(/\.\.\/shared|\/work\//);
  });
});

/**
 * The import rules of src/ (docs/architecture.md): each folder imports only the layers below it and
 * no file takes part in an import cycle. scripts/check-layers.mjs enforces them in `npm run lint`;
 * here it is shown passing on the tree and failing on a planted upward import and a planted cycle.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without types
import { checkLayers, LAYERS } from '../../scripts/check-layers.mjs';

const SRC = join(import.meta.dirname, '../../src');
const check = checkLayers as (root: string) => string[];

function copy(): string {
  const root = join(mkdtempSync(join(tmpdir(), 'dpskew-layers-')), 'src');
  cpSync(SRC, root, { recursive: true });
  return root;
}

describe('import rules', () => {
  it('src/ keeps them: no upward import, no cycle, every file in a layer', () => {
    expect(check(SRC)).toEqual([]);
    expect(LAYERS).toEqual(['model', 'parse', 'scan', 'aggregate', 'summary', 'input', 'analyze', 'render', 'options', 'watch', 'cli', 'startup']);
  });

  it('an upward import fails (model/ importing the report builder of analyze/)', () => {
    const root = copy();
    writeFileSync(join(root, 'model/planted.ts'), "import { buildReport } from '../analyze/build-report.ts';\nexport const planted = buildReport;\n");
    expect(check(root)).toEqual(['model/planted.ts imports analyze/build-report.ts: model/ may not import analyze/, a layer above it']);
  });

  it('a cycle inside one layer fails', () => {
    const root = copy();
    writeFileSync(join(root, 'parse/planted-a.ts'), "import { b } from './planted-b.ts';\nexport const a = () => b;\n");
    writeFileSync(join(root, 'parse/planted-b.ts'), "import { a } from './planted-a.ts';\nexport const b = () => a;\n");
    expect(check(root).join('\n')).toMatch(/^import cycle: parse\/planted-[ab]\.ts → parse\/planted-[ab]\.ts$/);
  });

  it('a file outside the layer folders fails', () => {
    const root = copy();
    writeFileSync(join(root, 'stray.ts'), 'export const stray = 1;\n');
    expect(check(root)).toEqual(['stray.ts: not in a layer folder (model, parse, scan, aggregate, summary, input, analyze, render, options, watch, cli, startup)']);
  });
});

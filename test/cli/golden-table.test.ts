/**
 * The table a person reads at an 80-column terminal, for both bundled examples, byte for byte.
 * The verdict comes first and no line is wider than the terminal. After an intended change to the
 * table, regenerate with `UPDATE_GOLDEN=1 npx vitest run test/cli/golden-table.test.ts` and read the diff.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.ts';

const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

describe.each(['pr7984-before', 'pr7984-after'])('the %s table at 80 columns', (example) => {
  it('matches its golden file, verdict first, no line wider than 80', async () => {
    const { code, stdout } = await runCli([join(ROOT, 'examples', example)], { env: { COLUMNS: '80' } });
    expect(code).toBe(0);
    const golden = join(ROOT, 'fixtures', 'golden', `${example}.80.txt`);
    if (UPDATE) writeFileSync(golden, stdout);
    expect(stdout).toBe(readFileSync(golden, 'utf8'));
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^(OK|WARN|FAIL|INSUFFICIENT) /);
    expect(lines.filter((l) => l.length > 80)).toEqual([]);
  });
});

describe('width in a pipe', () => {
  it('honours COLUMNS when stdout is not a terminal, and is 80 without it', async () => {
    const example = join(ROOT, 'examples', 'pr7984-before');
    const narrow = (await runCli([example], { env: { COLUMNS: '72' } })).stdout;
    expect(Math.max(...narrow.split('\n').map((l) => l.length))).toBeLessThanOrEqual(72);
    const wide = (await runCli([example], { env: { COLUMNS: '160' } })).stdout;
    expect(Math.max(...wide.split('\n').map((l) => l.length))).toBeGreaterThan(80);
    const unset = (await runCli([example], { env: { COLUMNS: '' } })).stdout;
    expect(Math.max(...unset.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
  });
});

/**
 * The test loop has no traps (issue 19): dist/ is rebuilt before the tests when it is older than
 * what it is built from (the CLI tests run it), `npm run typecheck` works on a fresh clone, before
 * anything was built, and no test reads outside the repository.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without types
import { staleReason as untypedStaleReason, TARGETS } from '../../scripts/build-if-stale.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const staleReason = untypedStaleReason as (target: 'dist' | 'kernel', root: string) => string | null;
const DIST_OUTPUTS = (TARGETS as { dist: { outputs: string[] } }).dist.outputs;

/** A file under `root` with modification time `seconds` (since the epoch). */
function touch(root: string, path: string, seconds: number): void {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, '');
  utimesSync(file, seconds, seconds);
}

describe('dist/ is rebuilt when stale (vitest global setup)', () => {
  function tree(): string {
    const root = mkdtempSync(join(tmpdir(), 'dpskew-stale-'));
    touch(root, 'src/aggregate/a.ts', 1000);
    touch(root, 'kernel/scan.ts', 1000);
    touch(root, 'schemas/summary.schema.json', 1000);
    for (const output of DIST_OUTPUTS) touch(root, output, 2000);
    return root;
  }

  it('is fresh when every output is newer than every source', () => {
    expect(staleReason('dist', tree())).toBeNull();
  });

  it('is stale when a source under src/, kernel/ or schemas/ changed after the build', () => {
    for (const source of ['src/aggregate/a.ts', 'kernel/scan.ts', 'schemas/summary.schema.json']) {
      const root = tree();
      touch(root, source, 3000);
      expect(staleReason('dist', root)).toBe(`${source} is newer than the build`);
    }
  });

  it('is stale when an output is missing, and ignores generated files in src/ (every build rewrites them)', () => {
    const root = tree();
    touch(root, 'src/scan/kernel-wasm.generated.ts', 3000);
    expect(staleReason('dist', root)).toBeNull();
    rmSync(join(root, 'dist/worker.cjs'));
    expect(staleReason('dist', root)).toBe('dist/worker.cjs is missing');
  });

  it('is wired into vitest as a global setup (once per run, not per test file)', () => {
    const config = readFileSync(join(ROOT, 'vitest.config.ts'), 'utf8');
    expect(config).toMatch(/globalSetup:\s*\[\s*'test\/global-setup\.mjs'\s*\]/);
    expect(readFileSync(join(ROOT, 'test/global-setup.mjs'), 'utf8')).toContain("buildIfStale('dist')");
  });
});

describe('a fresh clone', () => {
  it('typechecks before anything was built (the kernel module is generated first)', { timeout: 180_000 }, () => {
    const root = mkdtempSync(join(tmpdir(), 'dpskew-fresh-'));
    for (const entry of ['src', 'test', 'scripts', 'kernel', 'schemas', 'package.json', 'tsconfig.json']) {
      cpSync(join(ROOT, entry), join(root, entry), { recursive: true, filter: (path) => !path.includes('.generated.') });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    expect(existsSync(join(root, 'src/scan/kernel-wasm.generated.ts'))).toBe(false);
    const result = spawnSync('npm', ['run', 'typecheck', '--silent'], { cwd: root, encoding: 'utf8' });
    expect(result.stdout + result.stderr).not.toMatch(/error TS/);
    expect(result.status).toBe(0);
    expect(existsSync(join(root, 'src/scan/kernel-wasm.generated.ts'))).toBe(true);
  });
});

describe('tests read only the repository', () => {
  it('no test names the reference notes kept beside the repository: the facts they need live in fixtures/', () => {
    const files = execFileSync('git', ['ls-files', 'test'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((f) => f !== '');
    const offenders = files.filter((file) => /shared\/reference|\.\.\/shared\b/.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(offenders).toEqual([]);
    expect(readdirSync(join(ROOT, 'fixtures/reference-lines'))).toContain('batch-lines.txt');
  });
});

// The built entry points run their bundle through the code cache scripts/bundle.mjs writes
// (src/entry/load-bundle.ts): the cache must be one V8 takes, and a run without a usable one must give
// the same answers, compiled from source.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { V8_FLAGS } from '../../src/startup/v8-flags.ts';
import { ROOT } from './run-cli.ts';

const DIST = join(ROOT, 'dist');
const STAMP = /\n\/\/# dpskewBuildHash=([0-9a-f]{16})\n$/;
const BEFORE = join(ROOT, 'examples/pr7984-before');

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** dist/ and package.json (read for the version) copied to a scratch directory; its dist path. */
function copyOfDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dpskew-cache-'));
  copies.push(dir);
  cpSync(DIST, join(dir, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  return join(dir, 'dist');
}

function run(dist: string, ...args: string[]): string {
  return execFileSync(process.execPath, [join(dist, 'cli.cjs'), ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', TZ: 'UTC' } });
}

describe.each(['cli', 'worker'])('the %s bundle', (name) => {
  const body = readFileSync(join(DIST, `${name}-bundle.cjs`), 'utf8');
  const cache = readFileSync(join(DIST, `${name}-bundle.cjs.cache`));

  it('ends with the hash of what precedes its stamp, and its cache starts with that hash', () => {
    const stamp = STAMP.exec(body);
    expect(stamp).not.toBeNull();
    const hash = stamp?.[1] ?? '';
    expect(createHash('sha256').update(body.slice(0, body.length - (stamp?.[0].length ?? 0))).digest('hex').slice(0, 16)).toBe(hash);
    expect(cache.toString('latin1', 0, 16)).toBe(hash);
  });

  it('has a code cache this Node takes, under the flags the bundles run with', () => {
    // As load-bundle.ts sets them before compiling (the cache holds a hash of the flags).
    setFlagsFromString(V8_FLAGS);
    const script = new Script(Module.wrap(body), { filename: join(DIST, `${name}-bundle.cjs`), cachedData: cache.subarray(16) });
    expect(script.cachedDataRejected).toBe(false);
  });
});

describe('without a usable code cache', () => {
  const expected = run(DIST, BEFORE, '--format', 'json');

  it('gives the same report when the cache is missing, damaged or not V8 data', () => {
    const cacheFile = (dist: string): string => join(dist, 'cli-bundle.cjs.cache');
    const missing = copyOfDist();
    rmSync(cacheFile(missing));
    const damaged = copyOfDist();
    const bytes = readFileSync(cacheFile(damaged));
    writeFileSync(cacheFile(damaged), bytes.subarray(0, bytes.length >> 1));
    const garbage = copyOfDist();
    writeFileSync(cacheFile(garbage), Buffer.concat([bytes.subarray(0, 16), Buffer.alloc(4096, 0x5a)]));
    for (const dist of [missing, damaged, garbage]) expect(run(dist, BEFORE, '--format', 'json')).toBe(expected);
  });

  it('does not use a cache made for another build of the bundle', () => {
    // A rebuilt bundle the length of the old one: V8 would take the old cache (it checks only the
    // source's length) and run the old code; the stamp tells them apart.
    const dist = copyOfDist();
    const file = join(dist, 'cli-bundle.cjs');
    const body = readFileSync(file, 'utf8');
    const stamp = STAMP.exec(body)?.[0] ?? '';
    const edited = body.slice(0, body.length - stamp.length).replace('batches by DP rank`)', 'BATCHES by DP rank`)');
    expect(edited.length).toBe(body.length - stamp.length);
    const hash = createHash('sha256').update(edited).digest('hex').slice(0, 16);
    writeFileSync(file, `${edited}\n//# dpskewBuildHash=${hash}\n`);
    expect(run(dist, BEFORE)).toContain('Prefill BATCHES by DP rank');
  });
});

it('src/ has no dynamic import() a built run would reach (it throws there)', () => {
  const files = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const found = files.flatMap((f) =>
    readFileSync(join(ROOT, 'src', f), 'utf8')
      .split('\n')
      .filter((line) => /\bimport\(/.test(line) && !/typeof import\(/.test(line) && !line.trimStart().startsWith('*') && !line.includes('const bootstrap = `'))
      .map((line) => `${f}: ${line.trim()}`),
  );
  expect(found).toEqual([]);
});

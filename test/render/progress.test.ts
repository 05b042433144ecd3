import { describe, expect, it } from 'vitest';
import { showProgress } from '../../src/cli/output.ts';
import { renderProgress } from '../../src/render/progress.ts';

describe('progress line', () => {
  it.each([
    [{ bytesRead: 1.5 * 2 ** 30, bytesTotal: 6 * 2 ** 30 }, 3000, 'dpskew: 1.5 GiB of 6.0 GiB (25%) · 512 MiB/s · 3.0 s'],
    [{ bytesRead: 300 * 2 ** 20, bytesTotal: null }, 2000, 'dpskew: 300 MiB · 150 MiB/s · 2.0 s'],
    [{ bytesRead: 0, bytesTotal: 0 }, 1500, 'dpskew: 0 KiB · 0 KiB/s · 1.5 s'],
  ])('%j after %i ms', (progress, ms, text) => {
    expect(renderProgress(progress, ms)).toBe(text);
  });

  it.each([
    [false, true, {}, true],
    [true, true, {}, false],
    [false, false, {}, false],
    [false, true, { CI: 'true' }, false],
    [false, true, { GITHUB_ACTIONS: 'true' }, false],
    [false, true, { TERM: 'dumb' }, false],
    [false, true, { CI: '' }, true],
  ])('quiet %s, terminal %s, env %j → %s', (quiet, tty, env, shown) => {
    expect(showProgress(quiet, tty, env)).toBe(shown);
  });
});

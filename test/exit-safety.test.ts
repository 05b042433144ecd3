/**
 * The exit-hang guard (src/exit-safety.ts) rests on two facts: V8 takes the optimizer flag at run
 * time (checked in a child process, where natives syntax can ask), and run() reports the reading
 * phase around every read, the relative-time first pass included.
 */
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../src/options/options.ts';
import { run } from '../src/cli/run.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Whether a hot function got optimized, with the optimizer switched as `setOptimizing` does. */
function optimizedAfter(flag: string): boolean {
  const script = `
    require('node:v8').setFlagsFromString(${JSON.stringify(flag)});
    function hot(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]; return s; }
    const a = new Float64Array(1000).fill(1);
    for (let i = 0; i < 20000; i++) hot(a);
    // status bit 4 (16): optimized code (TurboFan here: Node 20 ships without Maglev on)
    console.log((%GetOptimizationStatus(hot) & 16) !== 0);`;
  const child = spawnSync(process.execPath, ['--allow-natives-syntax', '-e', script], { encoding: 'utf8' });
  return child.stdout.trim() === 'true';
}

describe('exit safety', () => {
  it('V8 stops and resumes optimizing when the flag is set at run time', () => {
    expect(optimizedAfter('--no-turbofan')).toBe(false);
    expect(optimizedAfter('--turbofan')).toBe(true);
  });

  it('run() says when reading starts and ends, once each, also with a relative time window', async () => {
    for (const raw of [{}, { since: '+10s' }]) {
      const calls: boolean[] = [];
      await run(['examples/pr7984-after'], parseOptions(raw), { stdin: Readable.from([]), cwd: ROOT, onReading: (reading) => calls.push(reading) });
      expect(calls).toEqual([true, false]);
    }
  });
});

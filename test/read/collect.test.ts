import { PerformanceObserver, constants } from 'node:perf_hooks';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { collectAfter, collectFully, MANY_WORKERS } from '../../src/input/collect.ts';
import { run } from '../../src/cli/run.ts';
import { parseOptions } from '../../src/options/options.ts';

/** The kinds of the collections asked for (gc()) while `act` runs, not those V8 makes on its own. */
async function forcedCollections(act: () => unknown): Promise<number[]> {
  const kinds: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const detail = (entry as { detail?: { kind?: number; flags?: number } }).detail;
      if (((detail?.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0) kinds.push(detail?.kind ?? -1);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  await act();
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return kinds;
}

describe('collectAfter', () => {
  it('scavenges once enough was read, and leaves --expose-gc off (workers boot from the snapshot)', async () => {
    const kinds = await forcedCollections(() => {
      collectAfter(1 << 30);
      collectAfter(1 << 10); // below the threshold: no second collection
    });
    expect(kinds).toEqual([constants.NODE_PERFORMANCE_GC_MINOR]);
    // A context made now has no gc(): the flag is off again.
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});

describe('collectFully', () => {
  it('makes one full collection, and leaves --expose-gc off', async () => {
    expect(await forcedCollections(collectFully)).toEqual([constants.NODE_PERFORMANCE_GC_MAJOR]);
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});

describe('a report of many workers', () => {
  /** The forced full collections of reading `workers` one-file workers. */
  async function fullCollections(workers: number): Promise<number> {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-collect-'));
    try {
      for (let w = 0; w < workers; w++) {
        writeFileSync(join(dir, `w${w}.log`), `[2026-04-14 10:00:00 DP${w % 4} TP${w % 4}] Prefill batch, #new-seq: 1, #new-token: 10, #cached-token: 0, token usage: 0.00, #running-req: 0, #queue-req: 0\n`);
      }
      const kinds = await forcedCollections(() => run([dir], parseOptions({}), { stdin: Readable.from([]), cwd: dir }));
      return kinds.filter((k) => k === constants.NODE_PERFORMANCE_GC_MAJOR).length;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it(`is built after one full collection from ${MANY_WORKERS} workers on, and without one below`, async () => {
    expect(await fullCollections(MANY_WORKERS)).toBe(1);
    expect(await fullCollections(MANY_WORKERS - 1)).toBe(0);
  }, 60_000);
});

import { PerformanceObserver, constants } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { collectAfter } from '../../src/input/collect.ts';

describe('collectAfter', () => {
  it('scavenges once enough was read, and leaves --expose-gc off (workers boot from the snapshot)', async () => {
    // Only collections asked for (gc()), not those V8 makes on its own.
    const kinds: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const detail = (entry as { detail?: { kind?: number; flags?: number } }).detail;
        if (((detail?.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0) kinds.push(detail?.kind ?? -1);
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    collectAfter(1 << 30);
    collectAfter(1 << 10); // below the threshold: no second collection
    await new Promise((resolve) => setTimeout(resolve, 50));
    observer.disconnect();
    expect(kinds).toEqual([constants.NODE_PERFORMANCE_GC_MINOR]);
    // A context made now has no gc(): the flag is off again.
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});

import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { collectAfter } from '../../src/read/collect.ts';

describe('collectAfter', () => {
  it('collects when --expose-gc is set after the module loaded (the CLI sets it in its body, after its imports)', async () => {
    setFlagsFromString('--expose-gc');
    const majors: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors.push(entry.duration);
    });
    observer.observe({ entryTypes: ['gc'] });
    collectAfter(1 << 30);
    await new Promise((resolve) => setTimeout(resolve, 50));
    observer.disconnect();
    expect(majors.length).toBeGreaterThan(0);
  });
});

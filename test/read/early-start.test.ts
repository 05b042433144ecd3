import { describe, expect, it } from 'vitest';
import { handOverEarlyStart, takeEarlyStart } from '../../src/startup/early-start.ts';

describe('the early start hand-over', () => {
  it('is empty when no entry point ran first, as under tsx', () => {
    expect(takeEarlyStart()).toBeUndefined();
  });

  it('gives what the entry point handed over, once', () => {
    const gc = (): void => {};
    handOverEarlyStart({ gc, worker: null });
    expect(takeEarlyStart()).toEqual({ gc, worker: null });
    expect(takeEarlyStart()).toBeUndefined();
  });
});

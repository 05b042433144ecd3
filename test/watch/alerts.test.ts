import { describe, expect, it } from 'vitest';
import { createAlertState, dueAlerts } from '../../src/watch/alerts.ts';
import type { Finding } from '../../src/model/report.ts';

const side = { peerBalance: 0.003, balance: 0.25, maxRank: 0, maxShare: 0.99, pValue: 0, level: 'fail' } as const;
const skew: Finding = { code: 'BATCH_SKEW', level: 'fail', phase: 'prefill', worker: null, basis: 'batches', threshold: 0.5, ranks: 4, batches: side, tokens: null, engine: 'sglang' };
const warn: Finding = { ...skew, level: 'warn' };

describe('dueAlerts', () => {
  it('alerts once a fail-level finding has held for the hold time, and only once per run of it', () => {
    const state = createAlertState();
    expect(dueAlerts([skew], state, 0, 1000)).toEqual([]);
    expect(dueAlerts([skew], state, 999, 1000)).toEqual([]);
    expect(dueAlerts([skew], state, 1000, 1000)).toEqual([skew]);
    expect(dueAlerts([skew], state, 5000, 1000)).toEqual([]);
  });

  it('starts over when the finding clears, and ignores warn-level findings', () => {
    const state = createAlertState();
    dueAlerts([skew], state, 0, 1000);
    expect(dueAlerts([], state, 500, 1000)).toEqual([]);
    expect(dueAlerts([skew], state, 600, 1000)).toEqual([]);
    expect(dueAlerts([skew], state, 1600, 1000)).toEqual([skew]);
    expect(dueAlerts([warn], createAlertState(), 10_000, 0)).toEqual([]);
  });

  it('a hold of 0 alerts at the first snapshot; findings on different phases are separate', () => {
    const decode: Finding = { ...skew, phase: 'decode' };
    const state = createAlertState();
    expect(dueAlerts([skew, decode], state, 0, 0)).toEqual([skew, decode]);
  });
});

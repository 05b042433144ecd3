/**
 * `--alert` / `--alert-exec`: a fail-level finding alerts once it has held, snapshot after
 * snapshot, for `--for` of wall time. A finding that clears and comes back starts over (and may
 * alert again). Findings are told apart by code, phase and worker.
 */
import type { Finding } from '../model/report.ts';

export interface AlertState {
  /** finding key → wall-clock ms of the first snapshot it was seen in, in this unbroken run */
  readonly since: Map<string, number>;
  /** keys alerted in their current run */
  readonly fired: Set<string>;
}

export function createAlertState(): AlertState {
  return { since: new Map(), fired: new Set() };
}

export function findingKey(f: Finding): string {
  return `${f.code}|${f.phase ?? ''}|${f.worker ?? ''}`;
}

/** The fail-level findings of this snapshot that have now held for `holdMs` and have not alerted yet. */
export function dueAlerts(findings: readonly Finding[], state: AlertState, now: number, holdMs: number): Finding[] {
  const failing = findings.filter((f) => f.level === 'fail');
  const present = new Set(failing.map(findingKey));
  for (const key of state.since.keys()) {
    if (present.has(key)) continue;
    state.since.delete(key);
    state.fired.delete(key);
  }
  const due: Finding[] = [];
  for (const f of failing) {
    const key = findingKey(f);
    const since = state.since.get(key) ?? now;
    state.since.set(key, since);
    if (now - since >= holdMs && !state.fired.has(key)) {
      state.fired.add(key);
      due.push(f);
    }
  }
  return due;
}

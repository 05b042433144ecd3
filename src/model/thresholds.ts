/** Default detection thresholds. */
import type { Thresholds } from './report.ts';

export const DEFAULT_THRESHOLDS: Thresholds = Object.freeze({
  /** balance < 0.80 ⇔ the busiest rank does > 1.25× the mean: warn */
  warnBalance: 0.8,
  /** balance < 0.50 ⇔ one rank does > 2× the mean: fail (keeps TRT-LLM's 54 % ADP baseline on the fail side) */
  failBalance: 0.5,
  /** Spark AQE-style relative + absolute guard: peak ≥ 4× the others' median peak … */
  queueSkewFactor: 4,
  /** … and ≥ 32 queued requests */
  queueSkewMin: 32,
  /** judge only with ≥ max(20, 10 × ranks) batches */
  minBatches: 20,
  minBatchesPerRank: 10,
  /** χ² noise gate: a low balance is skew only if p < 0.001 */
  alpha: 0.001,
  /** routed vs executed share of a rank differing by more than 20 points: the router's choice did not stick */
  routingMismatch: 0.2,
  /** a rank idle for a minute while its peers worked is worth a look */
  idleMinSeconds: 60,
  /** "warn on skew in ≥ 10 % of active windows" */
  windowSkewShare: 0.1,
  /** queued while a peer was idle: warn above 5 %, fail above 20 % of active windows */
  queuedIdleWarn: 0.05,
  queuedIdleFail: 0.2,
  /** #running-req constant over ≥ 20 queued lines: a cap (SGLang #30294) rather than chance */
  ceilingMinLines: 20,
});

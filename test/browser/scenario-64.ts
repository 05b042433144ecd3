/**
 * A 64-rank scenario for the browser tests: one SGLang prefill worker with dp_size 64 over ten
 * minutes. DP5 runs about three times its share throughout (the pinned rank), DP40 runs nothing
 * from minute 3 to minute 6 (the idle rank); everything else is even. Deterministic.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RANKS = 64;
export const PINNED = 5;
export const IDLE = 40;
/** The idle stretch of DP40, seconds after 10:00:00. */
export const IDLE_FROM = 180;
export const IDLE_TO = 360;
const SECONDS = 600;

const pad = (n: number): string => String(n).padStart(2, '0');

function stamp(second: number): string {
  const d = new Date(Date.UTC(2026, 3, 14, 10, 0, 0) + second * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function batch(second: number, dp: number, queue: number): string {
  return `[${stamp(second)} DP${dp} TP${dp} EP${dp}] Prefill batch, #new-seq: 1, #new-token: 2048, #cached-token: 0, token usage: 0.10, #running-req: 0, #queue-req: ${queue}\n`;
}

/** Writes the worker's log into `dir` and returns the directory. */
export function writeScenario64(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const lines = [`[${stamp(0)}] server_args=ServerArgs(model_path='m', tp_size=${RANKS}, pp_size=1, dp_size=${RANKS}, enable_dp_attention=True, disaggregation_mode='prefill')\n`];
  for (let s = 1; s < SECONDS; s++) {
    for (let dp = 0; dp < RANKS; dp++) {
      if (dp === IDLE && s >= IDLE_FROM && s < IDLE_TO) continue;
      // every rank one batch every other second; DP5 three a second, with a growing queue
      const runs = dp === PINNED ? 3 : (s + dp) % 2 === 0 ? 1 : 0;
      for (let k = 0; k < runs; k++) lines.push(batch(s, dp, dp === PINNED ? 10 + (s % 50) : s % 3));
    }
  }
  writeFileSync(join(dir, 'big-n00_prefill_w0.log'), lines.join(''));
  return dir;
}

/**
 * The workers one input's reading gave: the input's own worker, or, for an input split by source
 * (split.ts), one per source, each with its line accounting, as the report lists inputs.
 */
import type { WorkerState } from '../aggregate/worker-state.ts';
import { emptyTally, mergeTally, type LineTally } from './ingest.ts';
import { isLineEnvelope } from '../parse/envelope.ts';
import { partWorkerName, splitNotes, type SourcePart, type SplitOutput } from './split.ts';
import type { TaskOutput } from './task.ts';

/** How an input was read, as a whole. */
export interface WholeRead {
  readonly lines: number;
  readonly oversized: number;
  /** bytes as read (compressed, for gzip) */
  readonly bytes: number;
  readonly gzip: boolean;
  readonly error: string | null;
}

/** A worker's share of one input. */
export interface InputPart {
  readonly worker: string;
  readonly state: WorkerState;
  readonly tally: LineTally;
  readonly read: WholeRead;
}

/**
 * The input's parts, one per worker, in the order their sources first appeared. Sources that are
 * the same worker (an srun task and unmarked lines of a one-task input) are one part. A split
 * input that turns out to be one worker keeps the input's own counts (its bytes as read,
 * compressed for gzip), as if it had not been split; otherwise each part counts its own lines and
 * bytes, and the input's error is told once, on its first part.
 */
export function inputParts(output: TaskOutput, inputWorker: string): InputPart[] {
  if (output.split === null) return [{ worker: inputWorker, state: output.state, tally: output.tally, read: output }];
  const split = output.split;
  return partsOf([split], output, (key) => partWorkerName(split, key, inputWorker));
}

/**
 * Parts of the splits of one input (watch reads an input anew after rotation or truncation: one
 * split each time), by worker; `workerOf` names each part's worker. Parts that already share one
 * state (watch) are counted together without adding the state to itself.
 */
export function partsOf(splits: readonly SplitOutput[], whole: WholeRead, workerOf: (key: string, part: SourcePart, split: SplitOutput) => string): InputPart[] {
  const byWorker = new Map<string, { state: WorkerState; tally: LineTally; ownTally: boolean; lines: number; oversized: number; bytes: number }>();
  for (const split of splits) {
    for (const [key, part] of split.parts) {
      const worker = workerOf(key, part, split);
      const mine = byWorker.get(worker);
      if (mine === undefined) {
        byWorker.set(worker, { state: part.state, tally: part.tally, ownTally: false, lines: part.lines, oversized: part.oversized, bytes: part.bytes });
        continue;
      }
      if (mine.state !== part.state) mine.state.append(part.state);
      // A fresh tally: a part's own stays as it is (watch sums them again for every snapshot).
      if (!mine.ownTally) {
        const tally = emptyTally();
        mergeTally(tally, mine.tally);
        mine.tally = tally;
        mine.ownTally = true;
      }
      mergeTally(mine.tally, part.tally);
      mine.lines += part.lines;
      mine.oversized += part.oversized;
      mine.bytes += part.bytes;
    }
  }
  const one = byWorker.size === 1 && splits.every((s) => isLineEnvelope(s.kind));
  return [...byWorker].map(([worker, p], i) => ({
    worker,
    state: p.state,
    tally: p.tally,
    read: one ? whole : { lines: p.lines, oversized: p.oversized, bytes: p.bytes, gzip: whole.gzip, error: i === 0 ? whole.error : null },
  }));
}

/** Notes on how an input was split (sources past the bound), for the run to print. */
export function inputNotes(output: TaskOutput, input: string, inputWorker: string): string[] {
  return output.split === null ? [] : splitNotes(output.split, input, inputWorker);
}

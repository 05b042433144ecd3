/** run() in-process on bytes given as chunks (for property and fuzz tests). */
import { Readable } from 'node:stream';
import { parseOptions, type RawOptions } from '../../src/options/options.ts';
import { run, type RunContext, type RunResult } from '../../src/cli/run.ts';

/** @param readSources another reader (the plain reference reader), else the real one */
export function runOnChunks(chunks: readonly Buffer[], raw: RawOptions = {}, paths: readonly string[] = ['-'], readSources?: RunContext['readSources']): Promise<RunResult> {
  const stdin = Readable.from(chunks.map((c) => Buffer.from(c)), { objectMode: false });
  return run(paths, parseOptions(raw), { stdin, cwd: process.cwd(), ...(readSources === undefined ? {} : { readSources }) });
}

/** The accounting invariant every report must satisfy. */
export function accountingHolds(result: RunResult): boolean {
  const t = result.report.totals;
  const perInput = result.report.inputs.every((i) => i.lines.linesRead === i.lines.recognised + i.lines.ignored + i.lines.unparseable + i.lines.oversized);
  return perInput && t.linesRead === t.recognised + t.ignored + t.unparseable + t.oversized && t.recognised >= t.batchLines + t.layoutLines;
}

/**
 * `--format json`: the Report itself, each finding with its `message` and `advice` added right
 * after `code`/`level`. Key order is the construction order of run(); newline-terminated.
 */
import type { Finding, Report } from '../model/report.ts';
import { jsonChunks } from './json-chunks.ts';
import { describeFinding } from './messages.ts';
import type { Renderer } from './types.ts';

export const renderJson: Renderer = (report) => `${JSON.stringify(toJson(report), null, 2)}\n`;

/**
 * renderJson's text in chunks of about `chunkChars` characters, for writing a large report without
 * holding it whole (json-chunks.ts): the report of 10,000 small workers is ~10 MB, and whole it
 * cost ~19 MiB more peak RSS (a flattened copy and a buffer of it).
 */
export function* renderJsonChunks(report: Report, chunkChars: number): Generator<string, void, undefined> {
  yield* jsonChunks(toJson(report), chunkChars);
  yield '\n';
}

export function toJson(report: Report): object {
  return { ...report, findings: report.findings.map(findingJson) };
}

/** A finding as the JSON outputs print it: its `message` and `advice` right after code, level, phase and worker. */
export function findingJson(finding: Finding): object {
  const { code, level, phase, worker, ...data } = finding;
  const { message, advice } = describeFinding(finding);
  return { code, level, phase, worker, message, advice, ...data };
}

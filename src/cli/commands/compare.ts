/** `dpskew compare BEFORE AFTER`: two runs (logs, summaries or saved reports) side by side. */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { Chalk } from 'chalk';
import type { Command } from 'commander';
import { compareReports } from '../../analyze/compare.ts';
import { completeUpgradedReport, upgradeSavedReport } from '../../analyze/upgrade.ts';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, InputError, UsageError } from '../../model/errors.ts';
import type { Report } from '../../model/report.ts';
import type { RawFlags } from '../../options/flags.ts';
import { parseRegressionThreshold } from '../../options/options.ts';
import { renderComparison } from '../../render/compare.ts';
import { checkReport } from '../../summary/validate.ts';
import { setOptimizing } from '../exit-safety.ts';
import { resolveColor, writeOutput } from '../output.ts';
import { run } from '../run.ts';
import { flagsWithConfig, optionsOf } from '../settings.ts';
import { inputLine, STDIN } from '../terminal.ts';

export async function compareCommand([beforePath = '', afterPath = '']: readonly string[], given: RawFlags, command: Command): Promise<void> {
  const flags = flagsWithConfig(given, command);
  const options = optionsOf(flags);
  const threshold = parseRegressionThreshold(flags);
  const errors: string[] = [];
  const notes: string[] = [];
  const load = async (path: string): Promise<Report> => {
    const saved = readSavedReport(path);
    if (saved !== null) return saved;
    const result = await run([path], options, { stdin: STDIN, cwd: process.cwd(), onReading: setOptimizing });
    for (const n of result.notes) notes.push(inputLine('note', n));
    for (const e of result.inputErrors) errors.push(inputLine('error', e));
    return result.report;
  };
  const comparison = compareReports(await load(beforePath), await load(afterPath), { before: beforePath, after: afterPath }, threshold);
  // A config file can still say csv (commander refuses it on the command line): compare has no CSV.
  if (options.format === 'csv') throw new UsageError('compare: --format csv is not available; use table, json or markdown');
  const format = options.format;
  const color = format === 'table' && resolveColor(flags.color, process.env, process.stdout.isTTY === true);
  process.exitCode = errors.length > 0 ? EXIT_USAGE : flags.failOnRegression === true && comparison.regression ? EXIT_FINDINGS : EXIT_OK;
  await writeOutput(renderComparison(comparison, format, new Chalk({ level: color ? 1 : 0 })));
  for (const line of [...notes, ...errors]) process.stderr.write(line);
}

/**
 * A report saved with --format json / --out (a JSON object with `schemaVersion` near its start), or
 * `null` when `path` is something else (a summary, a log). A saved report that does not match
 * schemas/report.schema.json is an InputError naming the field.
 */
function readSavedReport(path: string): Report | null {
  if (!path.endsWith('.json')) return null;
  let text: string;
  try {
    if (!/^\s*\{[^]*"schemaVersion"/.test(readHeadSync(path))) return null;
    text = readFileSync(path, 'utf8');
  } catch {
    return null; // reading it as a log reports the error
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new InputError(path, 'not a saved dpskew report: not valid JSON (save one with --format json or --out FILE.json)');
  }
  const upgraded = upgradeSavedReport(data);
  const checked = checkReport(upgraded);
  if (checked.problem !== null) throw new InputError(path, checked.problem);
  return upgraded === data ? checked.value : completeUpgradedReport(checked.value);
}

/** The first 4 KiB of a file: a saved report names its schemaVersion first. */
function readHeadSync(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0));
  } finally {
    closeSync(fd);
  }
}

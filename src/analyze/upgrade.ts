/**
 * Reports saved by dpskew 0.1 (schemaVersion 1) read as schemaVersion 2, so `compare` keeps
 * working against a baseline saved before the upgrade. Version 2 renamed a group's `batches` and
 * `tokens` statistics to `batchStats` and `tokenStats`, and added the phase headline (`ranks`,
 * `peerBalance`, `balance`, `maxShare`, `maxRank`) and `metrics`, which are computed here from the
 * old report's own numbers. Anything else is left for the schema to judge.
 */
import type { Report } from '../model/report.ts';
import { metricValues, phaseHeadline } from './metrics.ts';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Version 1 data reshaped to version 2 (with placeholders `complete` fills in); anything else as it is. */
export function upgradeSavedReport(data: unknown): unknown {
  if (!isObject(data) || data['schemaVersion'] !== 1) return data;
  const phase = (value: unknown): unknown => {
    if (!isObject(value) || !Array.isArray(value['groups'])) return value;
    const groups = value['groups'].map((g: unknown) => {
      if (!isObject(g)) return g;
      const { batches, tokens, ...rest } = g;
      return { ...rest, batchStats: batches, tokenStats: tokens };
    });
    const { phase: name, batches, ...rest } = value;
    const only = groups.length === 1 && isObject(groups[0]) ? (groups[0]['ranks'] ?? null) : null;
    return { phase: name, batches, peerBalance: null, balance: null, maxShare: null, maxRank: null, ranks: only, ...rest, groups };
  };
  const { findings, assertions, interrupted, ...rest } = data;
  return { ...rest, schemaVersion: 2, prefill: phase(data['prefill']), decode: phase(data['decode']), findings, metrics: {}, assertions, interrupted };
}

/** A validated report that `upgradeSavedReport` reshaped, with its headline and metrics computed. */
export function completeUpgradedReport(report: Report): Report {
  const prefill = { ...report.prefill, ...phaseHeadline(report.prefill.groups) };
  const decode = { ...report.decode, ...phaseHeadline(report.decode.groups) };
  const upgraded = { ...report, prefill, decode };
  return { ...upgraded, metrics: metricValues(upgraded) };
}

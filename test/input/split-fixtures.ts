/**
 * fixtures/split/: two prefill pods, each a scenario fixture of its own, interleaved in every
 * envelope (deterministic: `npx tsx test/input/split-fixtures.ts` writes them, and
 * test/input/split-fixtures.test.ts checks them byte for byte).
 * - `sglang-prefill-0`: fixtures/scenarios/small-sample-dp4.log (dp 4: 7/3/5/5 prefill batches)
 * - `sglang-prefill-1`: fixtures/verdicts/dp2-dp0-98pct.log (dp 2: 150/2, BATCH_SKEW)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../helpers/random.ts';
import { envelopeStream, interleaving, type StreamKind, type WorkerLog } from './envelopes.ts';

const ROOT = join(import.meta.dirname, '..', '..');
export const SPLIT_FIXTURES = join(ROOT, 'fixtures', 'split');

export const FIXTURE_PODS: ReadonlyArray<{ readonly pod: string; readonly from: string }> = [
  { pod: 'sglang-prefill-0', from: 'fixtures/scenarios/small-sample-dp4.log' },
  { pod: 'sglang-prefill-1', from: 'fixtures/verdicts/dp2-dp0-98pct.log' },
];

/** Each fixture: its file name and the envelope it is written in. */
export const SPLIT_FIXTURE_FILES: ReadonlyArray<{ readonly file: string; readonly kind: StreamKind }> = [
  { file: 'kubectl-prefix.txt', kind: 'kubectl' },
  { file: 'stern.txt', kind: 'stern' },
  { file: 'stern-colour-namespaces.txt', kind: 'stern-ns' },
  { file: 'logcli.txt', kind: 'logcli' },
  { file: 'logcli-jsonl.txt', kind: 'logcli-jsonl' },
  { file: 'docker-compose.txt', kind: 'compose' },
  { file: 'srun-label.txt', kind: 'srun' },
  { file: 'journalctl.txt', kind: 'journal' },
  { file: 'elasticsearch-hits.ndjson', kind: 'es-hits-ndjson' },
  { file: 'elasticsearch-search.json', kind: 'es-json' },
  { file: 'loki-query-range.json', kind: 'loki-json' },
];

export function fixtureLogs(): WorkerLog[] {
  return FIXTURE_PODS.map(({ pod, from }) => ({ pod, lines: readFileSync(join(ROOT, from), 'utf8').split('\n').slice(0, -1) }));
}

export function fixtureText(kind: StreamKind): string {
  const logs = fixtureLogs();
  const text = envelopeStream(kind, logs, interleaving(logs, mulberry32(22)));
  return text.endsWith('\n') ? text : `${text}\n`;
}

if (process.argv[1] === import.meta.filename) {
  for (const { file, kind } of SPLIT_FIXTURE_FILES) writeFileSync(join(SPLIT_FIXTURES, file), fixtureText(kind));
}

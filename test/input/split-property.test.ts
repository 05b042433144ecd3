/**
 * Issue 22: a stream that interleaves several workers, split by its source marks, gives the same
 * report as the workers' own files (names aside), whatever the envelope and the interleaving.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateMixedLog } from '../helpers/mixed-log.ts';
import { mulberry32 } from '../helpers/random.ts';
import { runOnChunks } from '../helpers/run-in-process.ts';
import { comparable, DOCUMENT_KINDS, envelopeStream, interleaving, LINE_KINDS, LOKI_TIME, splitName, type StreamKind, type WorkerLog } from './envelopes.ts';

const ROLES = ['prefill', 'decode'];

/** `n` workers' logs from `seed`, each a generated mix of every family (lines of the fixtures included). */
function workerLogs(n: number, lines: number, seed: number): WorkerLog[] {
  return Array.from({ length: n }, (_, i) => {
    const text = generateMixedLog(seed + i, lines).toString('utf8');
    return { pod: `dsr1-${ROLES[i % 2]}-w${i}`, lines: text.split('\n').slice(0, -1) };
  });
}

/** The worker name a file can give for the worker a split names `name` (a file name holds no `/`). */
const fileWorker = (name: string): string => name.replaceAll('/', '-');

/** The report of the workers' own files, one per worker, named as the split names them. */
async function filesReport(kind: StreamKind, logs: readonly WorkerLog[]): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'dpskew-split-files-'));
  logs.forEach((log, i) => {
    // srun leaves the task label on the line: the task's own output is the labelled lines.
    const body = kind === 'srun' ? log.lines.map((l) => `${i}: ${l}`) : log.lines;
    writeFileSync(join(dir, `${fileWorker(splitName(kind, log.pod, i, 'stdin'))}.log`), `${body.join('\n')}\n`);
  });
  return comparable((await runOnChunks([], {}, [dir])).report);
}

/** The report of the stream read from stdin in chunks of `chunk` bytes, its workers named as files would be. */
async function splitReport(kind: StreamKind, logs: readonly WorkerLog[], stream: string, chunk: number): Promise<unknown> {
  const bytes = Buffer.from(stream, 'utf8');
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunk) chunks.push(bytes.subarray(at, at + chunk));
  const names = new Map(logs.map((log, i) => [splitName(kind, log.pod, i, 'stdin'), fileWorker(splitName(kind, log.pod, i, 'stdin'))]));
  return comparable((await runOnChunks(chunks)).report, names);
}

describe('a split stream gives the per-worker files\u2019 report', () => {
  it.each([...LINE_KINDS, ...DOCUMENT_KINDS])('%s', async (kind) => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 100, max: 70_000 }), async (n, seed, chunk) => {
        const logs = workerLogs(n, 200, seed);
        const order = interleaving(logs, mulberry32(seed ^ 0x5eed));
        expect(await splitReport(kind, logs, envelopeStream(kind, logs, order), chunk)).toEqual(await filesReport(kind, logs));
      }),
      { numRuns: 3 },
    );
  });
});

describe('more sources than the splitter remembers by their bytes', () => {
  it.each(['kubectl', 'stern-colour', 'logcli'] as const)('%s: 24 workers, each its own', async (kind) => {
    const logs = workerLogs(24, 30, 4040);
    const order = interleaving(logs, mulberry32(40));
    expect(await splitReport(kind, logs, envelopeStream(kind, logs, order), 65_536)).toEqual(await filesReport(kind, logs));
  });
});

describe('more sources than the pending buffer has room for at its largest', () => {
  // 70 sources: the splitter's slots are halved twice as they come (32, then 64 fit), scanning what
  // each held; two lines are longer than a slot (one longer than the largest) and are scanned on
  // their own; logcli's time goes in front of the long lines, which have none of their own.
  it.each(['kubectl', 'logcli', 'compose'] as const)('%s: 70 workers, two lines longer than a slot', async (kind) => {
    // A batch line with a long tail still counts as a batch: a lost long line changes the numbers.
    const tails = [300_000, 100_000];
    const logs = workerLogs(70, 30, 7070).map((log, i) => {
      const tail = tails[i];
      const at = log.lines.findIndex((l) => l.includes('Prefill batch'));
      return tail === undefined || at < 0 ? log : { ...log, lines: [...log.lines.slice(0, at), `${log.lines[at] ?? ''} ${'a'.repeat(tail)}`, ...log.lines.slice(at)] };
    });
    const order = interleaving(logs, mulberry32(70));
    expect(await splitReport(kind, logs, envelopeStream(kind, logs, order), 65_536)).toEqual(await filesReport(kind, logs));
  });
});

describe('envelopes remembered whole', () => {
  // logcli pads the labels to the longest set seen so far: the same pod's padding grows along the
  // stream (here after its first two lines, before any example line), and every space before the
  // line is the envelope's. kubectl --all-containers: one pod,
  // several envelopes. Either must give what matching each line anew gives.
  it('logcli padding that grows, kubectl containers that alternate', async () => {
    const logs = workerLogs(3, 120, 2222);
    const order = interleaving(logs, mulberry32(22));
    const at = logs.map(() => 0);
    const lines = order.map((w, k) => {
      const line = logs[w]?.lines[at[w] ?? 0] ?? '';
      at[w] = (at[w] ?? 0) + 1;
      return { w, k, line, pod: logs[w]?.pod ?? '' };
    });
    const logcli = lines.map(({ k, line, pod }) => `${LOKI_TIME} {pod="${pod}"}${' '.repeat(k < 2 ? 1 : 2 + Math.floor((2 * k) / lines.length))}${line}\n`).join('');
    expect(await splitReport('logcli', logs, logcli, 65_536)).toEqual(await filesReport('logcli', logs));
    const kubectl = lines.map(({ k, line, pod }) => `[pod/${pod}/${k % 3 === 0 ? 'sidecar' : 'sglang'}] ${line}\n`).join('');
    expect(await splitReport('kubectl', logs, kubectl, 65_536)).toEqual(await filesReport('kubectl', logs));
  });
});

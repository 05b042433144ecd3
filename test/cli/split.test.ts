/**
 * Issue 22 end to end: streams that interleave several workers (fixtures/split/), split by their
 * source marks into one worker per source, with exact per-worker numbers; `--split none` and
 * `--split <regex>`; plain logs untouched by detection.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.ts';
import { ROOT, runCli, runJson } from './run-cli.ts';
import { comparable, interleaving, envelopeStream, type WorkerLog } from '../input/envelopes.ts';
import { mulberry32 } from '../helpers/random.ts';

const SPLIT = join(ROOT, 'fixtures/split');
const FILES = readdirSync(SPLIT).filter((f) => !f.endsWith('.md'));

/** Prefill batches per rank of each worker (`--by worker`). */
function perWorker(report: Report): Record<string, Record<string, number>> {
  return Object.fromEntries(report.prefill.groups.map((g) => [g.worker ?? '', Object.fromEntries(g.ranks.map((r) => [`DP${r.rank}`, r.batches]))]));
}

const POD0 = { DP0: 7, DP1: 3, DP2: 5, DP3: 5 };
const POD1 = { DP0: 150, DP1: 2 };

describe('fixtures/split: one worker per source', () => {
  it('has a fixture for each envelope', () => {
    expect(FILES.length).toBe(11);
  });

  it.each(FILES)('%s: two workers, each with its own layout and ranks; the skewed pod named', async (file) => {
    const { result, json } = await runJson(['check', join(SPLIT, file), '--by', 'worker']);
    expect(result.code).toBe(1);
    const names = file.startsWith('journalctl')
      ? ['node0/sglang-prefill-0.service', 'node1/sglang-prefill-1.service']
      : file.startsWith('srun')
        ? ['srun-label:0', 'srun-label:1']
        : ['sglang-prefill-0', 'sglang-prefill-1'];
    expect(json.workers.map((w) => [w.name, w.dpSize, w.prefillBatches, w.role])).toEqual([
      [names[0], 4, 20, 'prefill'],
      [names[1], 2, 152, 'prefill'],
    ]);
    expect(perWorker(json)).toEqual({ [names[0] ?? '']: POD0, [names[1] ?? '']: POD1 });
    expect(json.totals.inputs).toBe(1);
    expect(json.inputs.map((i) => i.worker)).toEqual(names);
    // Every line of the pods' own files is read, once, by its worker: 34 and 200 lines.
    expect(json.inputs.map((i) => i.lines.linesRead)).toEqual([34, 200]);
    const fails = json.findings.filter((f) => f.level === 'fail' && f.code === 'BATCH_SKEW').map((f) => f.worker);
    expect(fails).toEqual([names[1]]);
  });

  it.each(FILES)('%s: the same report from a pipe', async (file) => {
    const path = join(SPLIT, file);
    const fromFile = await runJson([path]);
    const fromPipe = await runJson(['-', '--name', file.replace(/\..*$/, '')], { stdin: readFileSync(path) });
    expect(comparable(fromPipe.json)).toEqual(comparable(fromFile.json));
  });

  it('the same pods in two inputs are the same two workers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpskew-split-twice-'));
    const lines = readFileSync(join(SPLIT, 'kubectl-prefix.txt'), 'utf8').split('\n').slice(0, -1);
    const half = Math.floor(lines.length / 2);
    writeFileSync(join(dir, 'first.txt'), `${lines.slice(0, half).join('\n')}\n`);
    writeFileSync(join(dir, 'second.txt'), `${lines.slice(half).join('\n')}\n`);
    const { json } = await runJson([join(dir, 'first.txt'), join(dir, 'second.txt'), '--by', 'worker']);
    expect(json.workers.map((w) => [w.name, w.inputs.length])).toEqual([
      ['sglang-prefill-0', 2],
      ['sglang-prefill-1', 2],
    ]);
    expect(perWorker(json)).toEqual({ 'sglang-prefill-0': POD0, 'sglang-prefill-1': POD1 });
    expect(json.totals.inputs).toBe(2);
  });

  it('--split none reads the stream as one worker, as before: mixed layouts', async () => {
    const { json } = await runJson([join(SPLIT, 'kubectl-prefix.txt'), '--split', 'none']);
    expect(json.workers.map((w) => w.name)).toEqual(['kubectl-prefix']);
    expect(json.findings.map((f) => f.code)).toContain('LAYOUT_CONFLICT');
  });
});

describe('the PR #7984 example as kubectl logs --prefix', () => {
  it('names each of the four prefill pods, with the per-pod files\u2019 numbers', async () => {
    const dir = join(ROOT, 'examples/pr7984-before');
    const files = readdirSync(dir).filter((f) => f.includes('prefill')).sort();
    const logs: WorkerLog[] = files.map((f) => ({ pod: f.replace(/\.out$/, ''), lines: readFileSync(join(dir, f), 'utf8').split('\n').slice(0, -1) }));
    const stream = envelopeStream('kubectl', logs, interleaving(logs, mulberry32(7984)));
    const split = await runJson(['-', '--by', 'worker'], { stdin: stream });
    const pods = await runJson([...files.map((f) => join(dir, f)), '--by', 'worker']);
    expect(split.json.workers.map((w) => w.name)).toEqual(files.map((f) => f.replace(/\.out$/, '')));
    expect(comparable(split.json)).toEqual(comparable(pods.json));
    // README: per prefill worker (w0 · w1 · w2 · w3): 1375/4/3/3 · 1377/4/4/4 · 1644/4/4/4 · 1715/4/5/5
    expect(Object.values(perWorker(split.json))).toEqual([
      { DP0: 1375, DP1: 4, DP2: 3, DP3: 3 },
      { DP0: 1377, DP1: 4, DP2: 4, DP3: 4 },
      { DP0: 1644, DP1: 4, DP2: 4, DP3: 4 },
      { DP0: 1715, DP1: 4, DP2: 5, DP3: 5 },
    ]);
    const named = split.json.findings.filter((f) => f.code === 'BATCH_SKEW').map((f) => f.worker);
    expect(named).toEqual(files.map((f) => f.replace(/\.out$/, '')));
  });

  it('one bad pod among four is the one --by worker fails', async () => {
    const dir = join(ROOT, 'fixtures/verdicts/one-bad-worker');
    const files = readdirSync(dir).sort();
    const logs: WorkerLog[] = files.map((f) => ({ pod: `dsr1-${f.replace(/\.out$/, '').replaceAll('_', '-')}`, lines: readFileSync(join(dir, f), 'utf8').split('\n').slice(0, -1) }));
    const { result, json } = await runJson(['check', '-', '--by', 'worker'], { stdin: envelopeStream('stern-colour', logs, interleaving(logs, mulberry32(3))) });
    expect(result.code).toBe(1);
    expect(json.findings.filter((f) => f.level === 'fail').map((f) => f.worker)).toEqual(['dsr1-gb200-p03-prefill-w2']);
  });
});

describe('--split <regex>', () => {
  const stream = readFileSync(join(SPLIT, 'kubectl-prefix.txt'), 'utf8').replace(/^\[pod\/([^/]+)\/sglang\] /gm, '$1 >> ');

  it('names the worker by its (?<source>…) group and removes what it matched', async () => {
    const auto = await runJson(['-'], { stdin: stream });
    expect(auto.json.workers.map((w) => w.name)).toEqual(['stdin']);
    const { json } = await runJson(['-', '--split', '^(?<source>[a-z0-9-]+) >> ', '--by', 'worker'], { stdin: stream });
    expect(perWorker(json)).toEqual({ 'sglang-prefill-0': POD0, 'sglang-prefill-1': POD1 });
  });

  it.each([
    ['^(?<pod>\\S+) ', 'has no (?<source>…) group'],
    ['^(?<source>[a-z', 'not a valid regular expression'],
  ])('%s is a usage error', async (pattern, why) => {
    const { code, stderr } = await runCli(['-', '--split', pattern], { stdin: stream });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: --split/);
    expect(stderr).toContain(why);
  });
});

describe('detection does not misfire', () => {
  const inputs = [
    ...['pr7984-before', 'pr7984-after'].map((d) => join(ROOT, 'examples', d)),
    ...readdirSync(join(ROOT, 'fixtures'))
      .filter((d) => d !== 'split' && d !== 'saved-reports')
      .flatMap((d) => readdirSync(join(ROOT, 'fixtures', d)).map((f) => join(ROOT, 'fixtures', d, f)))
      .filter((f) => !f.endsWith('.md')),
  ];

  it.each(inputs.map((p) => [relative(ROOT, p), p]))('%s: --split auto gives --split none\u2019s report', async (_name, path) => {
    const none = await runCli([path, '--split', 'none', '--format', 'json']);
    const auto = await runCli([path, '--format', 'json']);
    expect(auto.stdout).toBe(none.stdout);
    expect(auto.code).toBe(none.code);
  });

  it('a plain log with a few lines that look like an envelope is not split, and each such line costs at most itself', async () => {
    const plain = readFileSync(join(ROOT, 'fixtures/scenarios/balanced-dp4.log'), 'utf8').split('\n');
    // 3 stray kubectl-looking lines, and one compose-looking, among 268.
    plain.splice(50, 0, '[pod/other/c] [2026-04-14 10:00:01 DP0 TP0 EP0] Prefill batch, #new-seq: 1, #new-token: 10, #queue-req: 0');
    plain.splice(90, 0, '[pod/other/c] hello', '[pod/x/y] world', 'web  | GET /');
    const text = plain.join('\n');
    const none = await runJson(['-', '--split', 'none'], { stdin: text });
    const auto = await runJson(['-'], { stdin: text });
    expect(auto.json).toEqual(none.json);
    expect(auto.json.workers.map((w) => w.name)).toEqual(['stdin']);
  });
});

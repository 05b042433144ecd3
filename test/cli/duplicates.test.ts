/**
 * Issue 18 item 4 (files): the same file reached twice (a symlink to it, a hard link, a file named
 * and also found in its directory, `/dev/stdin` next to `-`, a summary named twice) is read once,
 * and the report lists the others in `duplicateInputs` (and under the table). Every count used to
 * double.
 */
import { spawnSync } from 'node:child_process';
import { linkSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.ts';
import { unwrap } from '../helpers/unwrap.ts';
import { CLI, ROOT, runCli, runJson } from './run-cli.ts';

const ENV = { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', TZ: 'UTC' };
const SOURCE = join(ROOT, 'examples/pr7984-before/gb200-p01_prefill_w0.out');

function counts(report: Report): unknown {
  return { lines: report.totals.linesRead, batches: report.totals.batchLines, prefill: report.prefill.groups.map((g) => g.ranks.map((r) => [r.rank, r.batches])) };
}

describe('the same file reached twice is read once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dpskew-dup-'));
  writeFileSync(join(dir, 'run.log'), readFileSync(SOURCE));
  symlinkSync('run.log', join(dir, 'latest.log'));
  const run = join(dir, 'run.log');
  const once = (await runJson([run])).json;

  it('a directory with run.log and latest.log -> run.log: run.log is read, the link listed', async () => {
    const { result, json } = await runJson([dir]);
    expect(result.code).toBe(0);
    expect(counts(json)).toEqual(counts(once));
    expect(json.inputs.map((i) => i.name)).toEqual([run]);
    expect(json.workers.map((w) => w.name)).toEqual(['run']);
    expect(json.duplicateInputs).toEqual([{ name: join(dir, 'latest.log'), sameAs: run }]);
  });

  it('a directory and a file in it, a hard link, and the table says so', async () => {
    const other = mkdtempSync(join(tmpdir(), 'dpskew-dup-hard-'));
    linkSync(run, join(other, 'copy.log'));
    const { json } = await runJson([dir, run, join(other, 'copy.log')]);
    expect(counts(json)).toEqual(counts(once));
    expect(json.duplicateInputs.map((d) => d.sameAs)).toEqual([run, run, run]);
    const table = await runCli([dir, run]);
    expect(unwrap(table.stdout)).toContain(`Read once: 2 inputs are the same file as another: ${join(dir, 'latest.log')} = ${run}, ${run} = ${run}`);
  });

  it('stdin named twice, as - and as /dev/stdin', () => {
    const result = spawnSync('bash', ['--norc', '-c', 'cat "$3" | "$1" "$2" - /dev/stdin --format json', 'bash', process.execPath, CLI, run], { env: ENV });
    const json = JSON.parse(result.stdout.toString()) as Report;
    expect(counts(json)).toEqual(counts(once));
    expect(json.duplicateInputs).toEqual([{ name: '/dev/stdin', sameAs: '-' }]);
  });

  it('merge of one summary named twice', async () => {
    const summary = join(dir, 's.json');
    await runCli([run, '--save', summary]);
    const merged = (await runJson(['merge', summary, summary])).json;
    expect(counts(merged)).toEqual(counts(once));
    expect(merged.duplicateInputs).toEqual([{ name: summary, sameAs: summary }]);
  });
});

/**
 * `-f csv` carries every per-rank section, not only batch lines: on vLLM engine stats, Dynamo
 * routing or per-request input it once printed only a header.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.ts';

async function csv(path: string): Promise<Array<Record<string, string>>> {
  const { code, stdout } = await runCli([join(ROOT, path), '-f', 'csv']);
  expect(code).not.toBe(2);
  const [header, ...rows] = stdout.trimEnd().split('\r\n').map((l) => l.split(','));
  return rows.map((cells) => Object.fromEntries((header ?? []).map((h, i) => [h, cells[i] ?? ''])));
}

describe('csv sections', () => {
  it('vLLM engine stats: one row per engine with samples, estimated prompt tokens and the Waiting queue', async () => {
    const rows = (await csv('fixtures/vllm/engine-stats-skewed-dp2.log')).filter((r) => r['section'] === 'engine-stats');
    expect(rows.map((r) => [r['rank'], r['samples'], r['prompt_tokens_est'], r['queue_max']])).toMatchSnapshot();
    expect(rows.length).toBeGreaterThanOrEqual(2);
  });

  it('Dynamo routing: one row per target worker and rank, with the decisions', async () => {
    const rows = (await csv('fixtures/dynamo/router-pinned-dp0.log')).filter((r) => r['section'] === 'routing');
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r['rank'] === '0' && r['decisions'] === '50' && r['share'] === '1')).toBe(true);
  });

  it('per-request ranks: requested and executed per rank of each source', async () => {
    const rows = (await csv('fixtures/requests/prefill-receive-pinned-dp0.log')).filter((r) => r['section'] === 'requests');
    expect(rows.map((r) => [r['source'], r['rank'], r['requests'], r['requests_executed']])).toEqual([
      ['sglang-receive', '0', '80', ''],
      ['sglang-finish', '0', '80', '80'],
    ]);
  });

  it('batch rows keep the first 17 columns and say section batches', async () => {
    const rows = await csv('examples/pr7984-before');
    const prefill = rows.filter((r) => r['phase'] === 'prefill');
    expect(prefill.map((r) => [r['rank'], r['batches'], r['section']])).toEqual([
      ['0', '6111', 'batches'],
      ['1', '16', 'batches'],
      ['2', '16', 'batches'],
      ['3', '16', 'batches'],
    ]);
  });
});

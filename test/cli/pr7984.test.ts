/**
 * The PR #7984 evidence, end to end on the built CLI: exact numbers, verdicts and exit codes, the
 * same through stdin and gzip.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { batchesByRank, CLI, ROOT, runCli, runJson } from './run-cli.ts';

const BEFORE = join(ROOT, 'examples/pr7984-before');
const AFTER = join(ROOT, 'examples/pr7984-after');

function concatenated(dir: string): Buffer {
  return Buffer.concat(readdirSync(dir).sort().map((f) => readFileSync(join(dir, f))));
}

describe('PR #7984 before the fix', () => {
  it('gives DP0 6111 (99.2%), DP1–DP3 16 each, peak queue 771 on DP0, verdict fail', async () => {
    const { result, json } = await runJson([BEFORE]);
    expect(result.code).toBe(0);
    expect(batchesByRank(json)).toEqual({ DP0: 6111, DP1: 16, DP2: 16, DP3: 16 });
    const ranks = json.prefill.groups[0]?.ranks ?? [];
    expect(ranks[0]?.share).toBeCloseTo(6111 / 6159, 10);
    expect(ranks[0]?.queue.max).toBe(771);
    expect(json.verdict).toBe('fail');
    expect(json.findings.map((f) => f.code)).toContain('BATCH_SKEW');
    expect(json.workers).toHaveLength(12);
  });

  it('prints the table with the same numbers', async () => {
    const { code, stdout } = await runCli([BEFORE]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/DP0\s+6,111\s+99\.2%/);
    expect(stdout).toMatch(/DP1\s+16\s+0\.3%/);
    expect(stdout).toContain('Verdict: FAIL');
    expect(stdout).not.toContain('\u001b');
  });

  it('fails `dpskew check` with exit 1', async () => {
    expect((await runCli(['check', BEFORE])).code).toBe(1);
  });

  it('renders the PR-ready markdown', async () => {
    const { stdout } = await runCli([BEFORE, '--format', 'markdown']);
    expect(stdout).toContain('| DP0 | 6,111 | 99.2% |');
    expect(stdout).toContain('peak queue depth: 771 requests on DP0');
  });
});

describe('PR #7984 after the fix', () => {
  it('gives 1936 / 1931 / 1923 / 1929, peak queue 83, verdict ok, check exit 0', async () => {
    const { json } = await runJson([AFTER]);
    expect(batchesByRank(json)).toEqual({ DP0: 1936, DP1: 1931, DP2: 1923, DP3: 1929 });
    expect(Math.max(...(json.prefill.groups[0]?.ranks ?? []).map((r) => r.queue.max ?? 0))).toBe(83);
    expect(json.prefill.groups[0]?.ranks[0]?.share).toBeCloseTo(1936 / 7719, 10);
    expect(json.verdict).toBe('ok');
    expect((await runCli(['check', AFTER])).code).toBe(0);
  });
});

describe('the same logs through stdin and gzip', () => {
  for (const [label, dir] of [
    ['before', BEFORE],
    ['after', AFTER],
  ] as const) {
    it(`${label}: concatenated on stdin gives the same per-rank numbers`, async () => {
      const files = await runJson([dir]);
      const piped = await runJson([], { stdin: concatenated(dir) });
      expect(piped.json.prefill.groups[0]?.ranks).toEqual(files.json.prefill.groups[0]?.ranks);
      expect(piped.json.decode.groups[0]?.ranks).toEqual(files.json.decode.groups[0]?.ranks);
      expect(piped.json.verdict).toBe(files.json.verdict);
      expect(piped.json.totals.linesRead).toBe(files.json.totals.linesRead);
    });

    it(`${label}: gzipped files (any name) and gzip on stdin give the same numbers`, async () => {
      const files = await runJson([dir]);
      const gzDir = mkdtempSync(join(tmpdir(), 'dpskew-gz-'));
      for (const f of readdirSync(dir)) writeFileSync(join(gzDir, f), gzipSync(readFileSync(join(dir, f))));
      const gz = await runJson([gzDir]);
      expect(gz.json.prefill).toEqual(files.json.prefill);
      expect(gz.json.decode).toEqual(files.json.decode);
      expect(gz.json.inputs.every((i) => i.gzip)).toBe(true);
      const gzStdin = await runJson(['-'], { stdin: gzipSync(concatenated(dir)) });
      expect(gzStdin.json.prefill.groups[0]?.ranks).toEqual(files.json.prefill.groups[0]?.ranks);
    });
  }

  it('CRLF line endings give the same numbers', async () => {
    const crlf = concatenated(BEFORE).toString('utf8').replace(/\n/g, '\r\n');
    const { json } = await runJson([], { stdin: crlf });
    expect(batchesByRank(json)).toEqual({ DP0: 6111, DP1: 16, DP2: 16, DP3: 16 });
  });

  it('`dpskew … | head -1` exits quietly', () => {
    const out = execFileSync('bash', ['-c', `set -o pipefail; node dist/cli.cjs ${BEFORE} | head -1`], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1' },
    });
    expect(out.trimEnd().split('\n')).toHaveLength(1);
  });

  it.each(['--help', 'watch --help', 'check --list-metrics'])('`dpskew %s | head -1` exits quietly too', (args) => {
    const result = spawnSync('bash', ['-c', `set -o pipefail; node dist/cli.cjs ${args} | head -1`], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
    expect(result.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(result.status).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
  });

  it('a reader that closed the pipe before the report is written gets no stack trace and exit 0', async () => {
    const child = spawn(process.execPath, [CLI, BEFORE, '--format', 'json'], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '' } });
    child.stdout.destroy();
    const stderr: Buffer[] = [];
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(Buffer.concat(stderr).toString()).toBe('');
    expect(code).toBe(0);
  });
});

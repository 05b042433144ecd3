/**
 * Every dpskew command shown in README.md, CONTRIBUTING.md and docs/*.md runs: each `sh` code block's
 * dpskew invocations are run with the built CLI in a scratch directory where the names the docs use
 * (examples/, fixtures/, logs/, before/, after/) exist, with a worker log on stdin. A command that
 * exits 2 (a usage error, a flag that no longer exists, a path the docs invent) fails the test.
 * A block that needs a cluster says so in a `<!-- not run: reason -->` comment just before it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../cli/run-cli.ts';

const DOCS = ['README.md', 'CONTRIBUTING.md', 'examples/README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const STDIN = readFileSync(join(ROOT, 'examples/pr7984-before/gb200-p01_prefill_w0.out'));

interface Command {
  readonly doc: string;
  readonly line: number;
  readonly text: string;
}

/** The dpskew invocations of a document's `sh` blocks, one per pipeline segment that starts with dpskew. */
function commandsOf(doc: string): { run: Command[]; skipped: string[] } {
  // A line ending in a backslash continues on the next one.
  const lines = readFileSync(join(ROOT, doc), 'utf8').replace(/\\\n\s*/g, ' ').split('\n');
  const run: Command[] = [];
  const skipped: string[] = [];
  let inBlock = false;
  let skip: string | null = null;
  lines.forEach((raw, i) => {
    if (!inBlock) {
      if (/^```sh\s*$/.test(raw)) {
        inBlock = true;
        const before = lines[i - 1] ?? '';
        const reason = /<!-- not run: (.+) -->/.exec(before);
        skip = reason === null ? null : (reason[1] ?? '');
      }
      return;
    }
    if (raw.startsWith('```')) {
      inBlock = false;
      return;
    }
    const code = raw.replace(/\s+#\s.*$/, '').trim();
    if (code === '' || code.startsWith('#')) return;
    for (const segment of code.split(/\s*(?:\|\||&&|\||;)\s*/)) {
      if (!/^dpskew(\s|$)/.test(segment)) continue;
      if (skip !== null) skipped.push(`${doc}:${i + 1} (${skip})`);
      else run.push({ doc, line: i + 1, text: segment });
    }
  });
  return { run, skipped };
}

function sandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dpskew-docs-'));
  for (const name of ['examples', 'fixtures', 'schemas']) symlinkSync(join(ROOT, name), join(dir, name));
  symlinkSync(join(ROOT, 'examples/pr7984-before'), join(dir, 'logs'));
  symlinkSync(join(ROOT, 'examples/pr7984-before'), join(dir, 'before'));
  symlinkSync(join(ROOT, 'examples/pr7984-after'), join(dir, 'after'));
  // Names the usage examples use: two worker files (one gzipped) and per-node --save summaries.
  const cli = (args: string[]): void => void spawnSync(process.execPath, [CLI, ...args], { cwd: dir, stdio: 'ignore' });
  writeFileSync(join(dir, 'node1_prefill_w0.out'), readFileSync(join(ROOT, 'examples/pr7984-before/gb200-p01_prefill_w0.out')));
  writeFileSync(join(dir, 'node1_decode_w0.out.gz'), gzipSync(readFileSync(join(ROOT, 'examples/pr7984-before/gb200-d01_decode_w0.out'))));
  for (const node of ['node1', 'node2']) {
    mkdirSync(join(dir, node));
    cli([join(ROOT, 'examples/pr7984-before', `gb200-p0${node.slice(-1)}_prefill_w${Number(node.slice(-1)) - 1}.out`), '--save', join(dir, node, 'summary.json'), '-f', 'json']);
  }
  // Files the piping recipes save from a log store or a job, then read: the split fixtures of each shape.
  const saved: Array<[string, string]> = [
    ['sglang.jsonl', 'logcli-jsonl.txt'],
    ['loki.json', 'loki-query-range.json'],
    ['hits.json', 'elasticsearch-search.json'],
    ['hits.ndjson', 'elasticsearch-hits.ndjson'],
    ['job.out', 'srun-label.txt'],
  ];
  for (const [name, fixture] of saved) writeFileSync(join(dir, name), readFileSync(join(ROOT, 'fixtures/split', fixture)));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'dpskew'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(dir, 'bin', 'dpskew'), 0o755);
  return dir;
}

const all = DOCS.map(commandsOf);
const commands = all.flatMap((c) => c.run);
const skipped = all.flatMap((c) => c.skipped);

describe('the commands in the docs', () => {
  const dir = sandbox();

  it('are found (the extraction itself works)', () => {
    expect(commands.filter((c) => c.doc === 'README.md').length).toBeGreaterThanOrEqual(8);
  });

  it.each(commands.map((c) => [`${c.doc}:${c.line}`, c] as const))('%s runs', (_, command) => {
    const result = spawnSync('bash', ['-c', command.text], {
      cwd: dir,
      input: STDIN,
      env: { PATH: `${join(dir, 'bin')}:${process.env['PATH'] ?? ''}`, NO_COLOR: '1', TZ: 'UTC', HOME: dir },
      timeout: 6_000,
      killSignal: 'SIGINT',
      encoding: 'utf8',
    });
    // 0 ok, 1 check failed, 3 nothing to judge, 130 interrupted (a watch of a directory, stopped by the timeout)
    expect({ command: command.text, status: result.status, stderr: result.stderr.slice(0, 300) }).toMatchObject({ status: expect.toSatisfy((s: number | null) => s === 0 || s === 1 || s === 3 || s === 130) });
  });

  // Shown as skipped, with the reason the document gives, never as passed.
  for (const where of skipped) it.skip(`${where}`, () => {});
});

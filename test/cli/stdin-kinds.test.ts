/**
 * Standard input of every kind gives the report the files give: a file redirected in (read as that
 * file, or from the descriptor when already read in part), a shell pipe and a socket (read through
 * process.stdin; see read-input.ts and stdinFile in plan.ts).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.ts';
import { CLI, ROOT, runJson } from './run-cli.ts';

const DIR = join(ROOT, 'examples/pr7984-before');
const ENV = { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', TZ: 'UTC' };

/** The parts of a report that do not name the inputs. */
function counts(report: Report): unknown {
  return { totals: report.totals, prefill: report.prefill, decode: report.decode, verdict: report.verdict };
}

describe('standard input', () => {
  // One stream holding every example file: the same lines, as one worker.
  const all = Buffer.concat(readdirSync(DIR).sort().map((f) => readFileSync(join(DIR, f))));
  const file = join(mkdtempSync(join(tmpdir(), 'dpskew-stdin-')), 'all.log');
  writeFileSync(file, all);

  it('a redirected file, a shell pipe and a socket give the same counts as the file', async () => {
    const fromFile = (await runJson([file])).json;
    const fd = openSync(file, 'r');
    const redirected = spawnSync(process.execPath, [CLI, '-', '--format', 'json'], { stdio: [fd, 'pipe', 'pipe'], env: ENV });
    closeSync(fd);
    const piped = spawnSync('sh', ['-c', `cat "$1" | "$2" "$3" - --format json`, 'sh', file, process.execPath, CLI], { env: ENV });
    const socket = (await runJson(['-'], { stdin: all })).json; // Node's 'pipe' stdio is a socket pair
    expect(counts(JSON.parse(redirected.stdout.toString()))).toEqual(counts(fromFile));
    expect(counts(JSON.parse(piped.stdout.toString()))).toEqual(counts(fromFile));
    expect(counts(socket)).toEqual(counts(fromFile));
    expect(fromFile.totals.batchLines).toBeGreaterThan(6000);
  });

  it('a redirected file already read in part is read on from where it stands, as a stream would be', async () => {
    // The first 100 lines were read by someone else (`(head -n 100 >/dev/null; dpskew -) < log`).
    const lines = all.toString('latin1').split('\n');
    const skipped = Buffer.byteLength(lines.slice(0, 100).map((l) => `${l}\n`).join(''), 'latin1');
    const rest = join(mkdtempSync(join(tmpdir(), 'dpskew-stdin-rest-')), 'rest.log');
    writeFileSync(rest, all.subarray(skipped));
    const fd = openSync(file, 'r');
    readSync(fd, Buffer.alloc(skipped), 0, skipped, null);
    const redirected = spawnSync(process.execPath, [CLI, '-', '--format', 'json'], { stdio: [fd, 'pipe', 'pipe'], env: ENV });
    closeSync(fd);
    const fromRest = (await runJson([rest])).json;
    expect(counts(JSON.parse(redirected.stdout.toString()))).toEqual(counts(fromRest));
    expect(fromRest.totals.batchLines).toBeLessThan((await runJson([file])).json.totals.batchLines);
  });
});

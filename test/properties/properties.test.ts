/**
 * Properties that must hold for any input: chunking, file order and split+merge do not change the
 * report; envelope stripping is idempotent.
 */
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stripAnsi } from '../../src/parse/envelope.ts';
import { renderJson } from '../../src/render/json.ts';
import type { Report } from '../../src/model/report.ts';
import { accountingHolds, runOnChunks } from '../helpers/run-in-process.ts';
import { BATCH_FORMS } from '../helpers/batch-forms.ts';
import { referenceReadSources } from '../helpers/reference-reader.ts';
import { Chalk } from 'chalk';

const json = (report: Report) => renderJson(report, { chalk: new Chalk({ level: 0 }), width: 80, chart: false });

/** A batch line: native (`form` −1), or in one of the shapes and envelopes of BATCH_FORMS. */
const shaped = (at: number, tags: string, message: string, form: number): string => {
  const stamp = new Date(at).toISOString().slice(0, 19).replace('T', ' ');
  return BATCH_FORMS[form]?.(stamp, tags, message, at) ?? `[${stamp} ${tags}] ${message}`;
};
const form = fc.integer({ min: -BATCH_FORMS.length, max: BATCH_FORMS.length - 1 });
const prefill = fc
  .record({ dp: fc.integer({ min: 0, max: 5 }), tp: fc.integer({ min: 0, max: 2 }), s: fc.integer({ min: 0, max: 900 }), q: fc.integer({ min: 0, max: 300 }), tok: fc.integer({ min: 1, max: 9000 }), form })
  .map(({ dp, tp, s, q, tok, form }) => shaped(Date.UTC(2026, 3, 14, 10, 0, s), `DP${dp} TP${tp}`, `Prefill batch, #new-seq: 1, #new-token: ${tok}, #cached-token: 0, token usage: 0.01, #running-req: 2, #queue-req: ${q}, `, form));
const decode = fc
  .record({ dp: fc.integer({ min: 0, max: 5 }), s: fc.integer({ min: 0, max: 900 }), form })
  .map(({ dp, s, form }) => shaped(Date.UTC(2026, 3, 14, 10, 0, s), `DP${dp} TP${dp}`, 'Decode batch, #running-req: 8, #token: 100, token usage: 0.01, cuda graph: True, gen throughput (token/s): 1.00, #queue-req: 1', form));
const routing = fc.record({ w: fc.integer({ min: 1, max: 3 }), dp: fc.oneof(fc.constant('None'), fc.integer({ min: 0, max: 3 }).map((d) => `Some(${d})`)) }).map(
  ({ w, dp }) => `2026-04-14T10:00:00.000001Z DEBUG x: Built bootstrap_info upfront before prefill worker_id=${w} dp_rank=${dp} bootstrap_host=h bootstrap_port=1 bootstrap_room=2 router_mode=RoundRobin`,
);
const noise = fc.oneof(
  fc.constant('[2026-04-14 10:00:00] INFO:     127.0.0.1:1 - "POST /generate HTTP/1.1" 200 OK'),
  fc.string({ maxLength: 60 }),
  fc.constant('[2026-04-14 10:00:00 DP0 TP0] Prefill batch, #new-seq: 1, #new-tok'),
);
const logLine = fc.oneof({ weight: 4, arbitrary: prefill }, { weight: 2, arbitrary: decode }, { weight: 1, arbitrary: routing }, { weight: 2, arbitrary: noise });
const log = fc.array(logLine, { minLength: 1, maxLength: 120 }).map((lines) => `${lines.join('\n')}\n`);

/**
 * Metrics dumps and request traces: scrapes of vLLM/SGLang per-rank gauges and counters (a time
 * line before some, sample timestamps on others, `_` or `:` names), and Dynamo request_end records.
 */
const scrape = fc
  .record({ s: fc.integer({ min: 0, max: 900 }), timeLine: fc.boolean(), ranks: fc.integer({ min: 1, max: 4 }), run: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 4, maxLength: 4 }), tok: fc.integer({ min: 0, max: 1e7 }), sep: fc.constantFrom(':', '_') })
  .map(({ s, timeLine, ranks, run, tok, sep }) => {
    const time = new Date(Date.UTC(2026, 4, 28, 13, 0, s));
    const lines = timeLine ? [time.toISOString().slice(0, 19).replace('T', ' ')] : [];
    for (let r = 0; r < ranks; r++) {
      const stamp = timeLine ? '' : ` ${time.getTime()}`;
      lines.push(`vllm${sep}num_requests_running{engine="${r}",model_name="m"} ${run[r] ?? 0}${stamp}`, `vllm${sep}num_requests_waiting{engine="${r}"} ${(run[r] ?? 0) % 7}${stamp}`);
      lines.push(`vllm${sep}prompt_tokens_total{engine="${r}"} ${tok + r}${stamp}`, `sglang${sep}num_queue_reqs{dp_rank="${r}"} ${run[r] ?? 0}`);
    }
    return lines.join('\n');
  });
const trace = fc.record({ rank: fc.integer({ min: 0, max: 3 }), ttft: fc.integer({ min: 1, max: 5000 }), q: fc.integer({ min: 0, max: 40 }) }).map(({ rank, ttft, q }) =>
  JSON.stringify({ schema: 'dynamo.request.trace.v1', event_type: 'request_end', request: { request_received_ms: 1779973226000 + ttft, ttft_ms: ttft, queue_depth: q, input_tokens: ttft * 3, worker: { decode_worker_id: 7, decode_dp_rank: rank } } }),
);
const dump = fc.array(fc.oneof({ weight: 4, arbitrary: scrape }, { weight: 1, arbitrary: trace }, { weight: 1, arbitrary: noise }), { minLength: 1, maxLength: 40 }).map((parts) => `${parts.join('\n')}\n`);

/** Cut a buffer at the given (sorted, deduplicated) offsets. */
function cut(buffer: Buffer, offsets: readonly number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (buffer.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(buffer.subarray(from, p));
    from = p;
  }
  chunks.push(buffer.subarray(from));
  return chunks.filter((c) => c.length > 0);
}

describe('properties', () => {
  it('any split of the byte stream into chunks gives the identical report', async () => {
    await fc.assert(
      fc.asyncProperty(log, fc.array(fc.nat(), { maxLength: 30 }), async (text, offsets) => {
        const bytes = Buffer.from(text);
        const whole = await runOnChunks([bytes]);
        const split = await runOnChunks(cut(bytes, offsets));
        expect(json(split.report)).toBe(json(whole.report));
        expect(accountingHolds(whole)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('the fast reader (kernel, fold) equals the plain reader on any mix of shapes and envelopes', async () => {
    await fc.assert(
      fc.asyncProperty(log, async (text) => {
        // One stream, one worker: kubectl-prefixed lines would otherwise be split by pod, which the plain
        // reader does not do (splitting has its own equivalence: test/input/split-ranges.test.ts).
        const fast = await runOnChunks([Buffer.from(text)], { split: 'none' });
        const plain = await runOnChunks([Buffer.from(text)], { split: 'none' }, ['-'], referenceReadSources);
        expect(json(fast.report)).toBe(json(plain.report));
      }),
      { numRuns: 60 },
    );
  });

  it('file order does not matter, and splitting into files then merging their summaries equals reading them all', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(log, { minLength: 2, maxLength: 4 }), async (texts) => {
        const dir = mkdtempSync(join(tmpdir(), 'dpskew-prop-'));
        const files = texts.map((text, i) => {
          const file = join(dir, `w${i}_prefill_w${i}.log`);
          writeFileSync(file, text);
          return file;
        });
        const forward = await runOnChunks([], {}, files);
        const backward = await runOnChunks([], {}, [...files].reverse());
        expect(json(backward.report)).toBe(json(forward.report));
        const summaries = await Promise.all(
          files.map(async (file, i) => {
            const path = join(dir, `s${i}.json`);
            writeFileSync(path, JSON.stringify((await runOnChunks([], {}, [file])).summary()));
            return path;
          }),
        );
        const merged = await runOnChunks([], {}, summaries);
        expect(json(merged.report)).toBe(json(forward.report));
      }),
      { numRuns: 15 },
    );
  });

  it('metrics dumps and request traces: any chunking, and split into files then merged summaries, give the identical report', async () => {
    await fc.assert(
      fc.asyncProperty(dump, fc.array(fc.nat(), { maxLength: 20 }), async (text, offsets) => {
        const bytes = Buffer.from(text);
        const whole = await runOnChunks([bytes]);
        expect(json((await runOnChunks(cut(bytes, offsets))).report)).toBe(json(whole.report));
        expect(accountingHolds(whole)).toBe(true);
        const dir = mkdtempSync(join(tmpdir(), 'dpskew-prop-metrics-'));
        const file = join(dir, 'dump.prom');
        writeFileSync(file, bytes);
        const direct = await runOnChunks([], {}, [file]);
        const summary = join(dir, 'dump.json');
        writeFileSync(summary, JSON.stringify(direct.summary()));
        expect(json((await runOnChunks([], {}, [summary])).report)).toBe(json(direct.report));
      }),
      { numRuns: 40 },
    );
  });

  it('envelope stripping removes exactly what its two patterns remove, whatever the first test skips', () => {
    // The definition, without stripAnsi's shortcuts (the ESC test, the bracket scan before the regex).
    const reference = (line: string): string => {
      // eslint-disable-next-line no-control-regex -- matching ESC is the point
      let out = line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
      for (;;) {
        const next = out.replace(/\[(?:\d{1,3}(?:;\d{1,3})*)?m/g, '');
        if (next === out) return out;
        out = next;
      }
    };
    const piece = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('[', 'm', ';', '0', '12', '\u001b', '[m', '[;', '[0', '[core.py:900]', '[DP0 TP0]', '\u001b[1;36m', '[04/14/2026-10:00:23]', '[12;'));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const line = pieces.join('');
        expect(stripAnsi(line)).toBe(reference(line));
      }),
      { numRuns: 2000 },
    );
  });

  it('envelope stripping is idempotent', () => {
    const piece = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('\u001b[2m', '\u001b[0m', '[0m', '[32m', '[1;36m', '[DP0 TP0]', '[2026-01-01 00:00:00]', '\u001b[K', '['));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const once = stripAnsi(pieces.join(''));
        expect(stripAnsi(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });
});

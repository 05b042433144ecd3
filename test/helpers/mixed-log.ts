/**
 * A deterministic log mixing every family and every envelope the readers handle: modern and
 * legacy SGLang batch lines on several ranks (with ms stamps, srun labels, ANSI colour, CRLF),
 * every line of the fixtures (Dynamo, vLLM, TensorRT-LLM, per-request, truncated lines), pairs of
 * them torn into one line, access noise, UTF-8 text and invalid UTF-8 inside candidate lines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from './random.ts';

const ROOT = join(import.meta.dirname, '..', '..');

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function stamp(ms: number, withMs: boolean): string {
  const d = new Date(Date.UTC(2026, 3, 14, 10, 0, 0) + ms);
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return withMs ? `${base}.${pad(d.getUTCMilliseconds(), 3)}` : base;
}

function fixtureLines(): string[] {
  return readdirSync(join(ROOT, 'fixtures')).flatMap((dir) =>
    readdirSync(join(ROOT, 'fixtures', dir))
      .filter((f) => f.endsWith('.log'))
      .flatMap((f) => readFileSync(join(ROOT, 'fixtures', dir, f), 'utf8').split('\n'))
      .filter((l) => l !== ''),
  );
}

/**
 * Torn lines whose first needle is a parser's that ignores them, and a later parser's needle is
 * the one that counts: a vLLM dummy step (ignored) before a TensorRT-LLM iteration, and Dynamo's
 * `Received DP rank` without its `is out of range` before a per-request line.
 */
const TORN_ACROSS_FAMILIES = [
  "(EngineCore_DP1 pid=102) INFO 04-14 10:00:10 [core.py:900] Iteration(11): 0 context requests, 0 context tokens, 0 generation requests, 0 generation tokens, iteration elapsed time: 0.10 ms (dummy)[04/14/2026-10:00:01] [TRT-LLM] [RANK 2] [I] iter = 7, global_rank = 2, rank = 2, num_scheduled_requests = 4, kv_cache_util = 0.100, currank_total_requests = 1/4, host_step_time = 4.00ms, prev_device_step_time = 20.00ms, timestamp = 2026-04-14 10:00:01, states = {'num_ctx_requests': 1, 'num_ctx_tokens': 640, 'num_generation_tokens': 3, 'cached_kv_tokens': 0}",
  '2026-04-14T10:00:02.000100Z WARN handler: Received DP rank 2026-04-14T10:00:02.000200Z DEBUG prefill_handler.generate: New Request ID: fc9f63e5-2084-ef16-0bb6-28626af606c8 dp_rank=3 bootstrap_room=5822969730073020533',
];

/** `lines` lines (about 140 bytes each) from `seed`. */
export function generateMixedLog(seed: number, lines: number): Buffer {
  const rand = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const fixtures = fixtureLines();
  const parts: Buffer[] = [];
  let ms = 0;
  for (let i = 0; i < lines; i++) {
    ms += Math.floor(rand() * 200);
    const dp = Math.floor(rand() * 4);
    const r = rand();
    const prefix = `[${stamp(ms, rand() < 0.3)} DP${dp} TP${dp} EP${dp}]`;
    let line: string;
    if (r < 0.3) {
      line = `${prefix} Prefill batch, #new-seq: ${1 + Math.floor(rand() * 4)}, #new-token: ${Math.floor(rand() * 8192)}, #cached-token: ${Math.floor(rand() * 512)}, token usage: 0.${pad(Math.floor(rand() * 99))}, #running-req: 0, #queue-req: ${Math.floor(rand() * (dp === 0 ? 80 : 8))}, #pending-token: 0, #bootstrap-req: 0, #inflight-req: ${Math.floor(rand() * 3)}, cuda graph: False, input throughput (token/s): ${(rand() * 2e4).toFixed(2)}`;
    } else if (r < 0.5) {
      line = `${prefix} Decode batch, #running-req: ${Math.floor(rand() * 64)}, #token: ${Math.floor(rand() * 6e4)}, token usage: 0.${pad(Math.floor(rand() * 99))}, pre-allocated usage: 0.00, #prealloc-req: 0, #transfer-req: 0, #retracted-req: 0, cuda graph: True, gen throughput (token/s): ${(rand() * 2000).toFixed(2)}, #queue-req: ${Math.floor(rand() * 3)}`;
    } else if (r < 0.53) {
      line = `[${stamp(ms, false)} DP${dp}] Prefill batch. #new-seq: 1, #new-token: 64, #cached-token: 0, cache hit rate: 0.00%, #running-req: 0, #queue-req: 2`;
    } else if (r < 0.56) {
      line = `${dp}: ${prefix} Decode batch, #running-req: 3, #token: 90, token usage: 0.01, cuda graph: True, gen throughput (token/s): 50.00, #queue-req: 1`;
    } else if (r < 0.58) {
      line = `\u001b[32m${prefix}\u001b[0m Prefill batch, #new-seq: 1, #new-token: 16, #cached-token: 0, token usage: 0.00, #running-req: 0, #queue-req: 4`;
    } else if (r < 0.6) {
      line = `${prefix} Prefill batch, #new-seq: 1, #new-token: 16, #queue-req: 1[2026-04-14 10:00:00 DP1] Prefill batch, #new-seq: 2`;
    } else if (r < 0.73) {
      line = pick(fixtures);
    } else if (r < 0.74) {
      // Two lines of any families torn into one (concurrent writers): needles of several parsers in one line.
      line = pick(fixtures) + pick(fixtures);
    } else if (r < 0.75) {
      // The same, where the first needle's parser ignores the line and a later parser takes it.
      line = pick(TORN_ACROSS_FAMILIES);
    } else if (r < 0.77) {
      line = `[${stamp(ms, false)}] 日本語のバッチ batch ログ — ünïcode`;
    } else if (r < 0.9) {
      line = `[${stamp(ms, false)}] INFO:     127.0.0.1:${40000 + Math.floor(rand() * 20000)} - "POST /generate HTTP/1.1" 200 OK`;
    } else {
      line = `${prefix} KV transfer done for request ${Math.floor(rand() * 1e12).toString(16)}, bootstrap_room=${Math.floor(rand() * 1e15)}`;
    }
    const eol = rand() < 0.05 ? '\r\n' : '\n';
    parts.push(Buffer.from(line + eol, 'utf8'));
    if (rand() < 0.005) parts.push(Buffer.concat([Buffer.from(`${prefix} Decode batch, #running-req: 1, #queue-req: 0 `), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('\n')]));
  }
  return Buffer.concat(parts);
}

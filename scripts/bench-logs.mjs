// Deterministic synthetic worker logs for the benchmark: 4 prefill workers (DP 4) and 4 decode
// workers (DP 8) of an SGLang PD deployment, each file from its own seed. Per file: a startup
// block (server_args, weight loading, CUDA graph capture, a warning), then the serving mix:
// ~30 % batch lines (prefill or decode), ~50 % HTTP access lines, ~15 % KV-transfer and
// request lines, ~5 % other scheduler and health noise. The same size and seed give the same bytes.
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

function stamp(seconds) {
  const d = new Date(Date.UTC(2026, 3, 14, 10, 0, 0) + seconds * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export const WORKERS = [
  ...[0, 1, 2, 3].map((i) => ({ name: `bench-n0${i}_prefill_w${i}.out`, role: 'prefill', dp: 4 })),
  ...[0, 1, 2, 3].map((i) => ({ name: `bench-n1${i}_decode_w${i}.out`, role: 'decode', dp: 8 })),
];

function startup(w, ranks) {
  const lines = [
    `[${stamp(0)}] server_args=ServerArgs(model_path='deepseek-ai/DeepSeek-R1', tp_size=${w.dp}, pp_size=1, dp_size=${w.dp}, ep_size=${w.dp}, enable_dp_attention=True, disaggregation_mode='${w.role}', nnodes=1, node_rank=0, moe_dp_size=1, chunked_prefill_size=8192, mem_fraction_static=0.84)`,
    `[${stamp(1)}] Using default HuggingFace chat template with detected content format: string`,
  ];
  for (const dp of ranks) {
    lines.push(`[${stamp(3)} DP${dp} TP${dp} EP${dp}] Init torch distributed begin.`);
    lines.push(`[${stamp(9)} DP${dp} TP${dp} EP${dp}] Load weight end. type=DeepseekV3ForCausalLM, dtype=torch.bfloat16, avail mem=20.80 GB, mem usage=162.66 GB.`);
    lines.push(`[${stamp(11)} DP${dp} TP${dp} EP${dp}] KV Cache is allocated. #tokens: 524288, KV size: 34.31 GB`);
    lines.push(`[${stamp(14)} DP${dp} TP${dp} EP${dp}] Capture cuda graph end. Time elapsed: 38.12 s. mem usage=2.41 GB. avail mem=17.90 GB.`);
  }
  lines.push(`[${stamp(15)}] WARNING:  Invalid HTTP request received.`);
  lines.push(`[${stamp(16)}] The server is fired up and ready to roll!`);
  return lines;
}

/**
 * Writes the set into `dir`: `totalBytes` spread evenly over the 8 files.
 * @returns the file paths, in WORKERS order
 */
export function generateBenchLogs(dir, totalBytes) {
  const perFile = Math.ceil(totalBytes / WORKERS.length);
  return WORKERS.map((w, index) => {
    const rand = mulberry32(1234 + index);
    const ranks = Array.from({ length: w.dp }, (_, i) => i);
    const path = join(dir, w.name);
    const fd = openSync(path, 'w');
    let written = 0;
    let t = 20;
    const head = `${startup(w, ranks).join('\n')}\n`;
    writeSync(fd, head);
    written += head.length;
    while (written < perFile) {
      const lines = [];
      for (let k = 0; k < 20000; k++) {
        if (rand() < 0.02) t++;
        const dp = Math.floor(rand() * w.dp);
        const ts = stamp(t);
        const r = rand();
        if (w.role === 'prefill' && r < 0.3) {
          lines.push(
            `[${ts} DP${dp} TP${dp} EP${dp}] Prefill batch, #new-seq: ${1 + Math.floor(rand() * 4)}, #new-token: ${1024 + Math.floor(rand() * 7168)}, #cached-token: ${Math.floor(rand() * 512)}, token usage: 0.${pad(Math.floor(rand() * 99))}, #running-req: 0, #queue-req: ${Math.floor(rand() * 40)}, #pending-token: ${Math.floor(rand() * 9000)}, #bootstrap-req: 0, #inflight-req: ${Math.floor(rand() * 4)}, cuda graph: False, input throughput (token/s): ${(rand() * 20000).toFixed(2)}`,
          );
        } else if (w.role === 'decode' && r < 0.3) {
          lines.push(
            `[${ts} DP${dp} TP${dp} EP${dp}] Decode batch, #running-req: ${Math.floor(rand() * 64)}, #token: ${Math.floor(rand() * 60000)}, token usage: 0.${pad(Math.floor(rand() * 99))}, pre-allocated usage: 0.00, #prealloc-req: 0, #transfer-req: 0, #retracted-req: 0, cuda graph: True, gen throughput (token/s): ${(rand() * 2000).toFixed(2)}, #queue-req: ${Math.floor(rand() * 3)}`,
          );
        } else if (r < 0.8) {
          lines.push(`[${ts}] INFO:     127.0.0.1:${40000 + Math.floor(rand() * 20000)} - "POST /generate HTTP/1.1" 200 OK`);
        } else if (r < 0.9) {
          lines.push(`[${ts} DP${dp} TP${dp} EP${dp}] KV transfer done for request ${Math.floor(rand() * 1e12).toString(16)}, bootstrap_room=${Math.floor(rand() * 1e15)}`);
        } else if (r < 0.95) {
          lines.push(`[${ts} DP${dp} TP${dp} EP${dp}] Finish: obj=GenerateReqInput(rid='${Math.floor(rand() * 1e12).toString(16)}'), out={'meta_info': {'prompt_tokens': ${Math.floor(rand() * 8000)}, 'completion_tokens': ${Math.floor(rand() * 900)}, 'e2e_latency': ${(rand() * 30).toFixed(3)}}}`);
        } else if (r < 0.98) {
          lines.push(`[${ts}] INFO:     127.0.0.1:${40000 + Math.floor(rand() * 20000)} - "GET /health HTTP/1.1" 200 OK`);
        } else {
          lines.push(`[${ts} DP${dp} TP${dp} EP${dp}] Scheduler hit an exception: torch.cuda.OutOfMemoryError retried in 0.5 s (attempt ${1 + Math.floor(rand() * 3)})`);
        }
      }
      const chunk = `${lines.join('\n')}\n`;
      writeSync(fd, chunk);
      written += chunk.length;
    }
    closeSync(fd);
    return path;
  });
}

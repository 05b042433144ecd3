/**
 * Writes the bundled example log sets (deterministic: same bytes on every run):
 *
 *   examples/pr7984-before/  4 prefill + 8 decode SGLang worker logs replaying Dynamo PR #7984's
 *                            evidence: prefill batches DP0 6111, DP1–DP3 16 each; DP0 queue peaks at 771
 *   examples/pr7984-after/   the fixed run: 1936 / 1931 / 1923 / 1929; peak queue 83
 *
 * Usage: npx tsx scripts/make-examples.ts [outDir]   (default: the repository root)
 *
 * Lines follow SGLang v0.5.12+ formats exactly (sglang-log-formats.md §2: P15 disagg prefill,
 * D13 disagg decode) with dp-attention prefixes `[ts DPd TPd EPd]`, srt-slurm file names
 * (`{node}_{prefill|decode}_w{i}.out`), and the startup and access-log noise of a real worker.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

interface Scenario {
  readonly name: string;
  /** prefill batches per DP rank, summed over the 4 prefill workers */
  readonly prefill: readonly number[];
  /** queue depth of the n-th of `count` prefill lines of a rank (the peak must be reached exactly) */
  readonly queue: (rank: number, index: number, count: number, rand: () => number) => number;
}

const PEAK_BEFORE = 771;
const PEAK_AFTER = 83;

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'pr7984-before',
    prefill: [6111, 16, 16, 16],
    // DP0's queue climbs to 771 at mid-run and drains; the idle ranks stay near empty.
    queue: (rank, index, count) => (rank === 0 ? Math.round(PEAK_BEFORE * Math.sin((Math.PI * index) / Math.max(1, count - 1))) : index % 3),
  },
  {
    name: 'pr7984-after',
    prefill: [1936, 1931, 1923, 1929],
    // Queues wander below 83; DP2 touches 83 once, mid-run.
    queue: (rank, index, count, rand) => (rank === 2 && index === count >> 1 ? PEAK_AFTER : Math.floor(rand() * PEAK_AFTER)),
  },
];

const PREFILL_WORKERS = ['gb200-p01', 'gb200-p02', 'gb200-p03', 'gb200-p04'];
const DECODE_WORKERS = ['gb200-d01', 'gb200-d02', 'gb200-d03', 'gb200-d04', 'gb200-d05', 'gb200-d06', 'gb200-d07', 'gb200-d08'];
const PREFILL_DP = 4;
const DECODE_DP = 8;
const DECODE_LINES_PER_RANK = 36;
const RUN_SECONDS = 600;
const START = Date.UTC(2026, 3, 14, 10, 0, 0);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function stamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

interface Line {
  readonly ms: number;
  readonly text: string;
}

function serverArgs(ms: number, role: 'prefill' | 'decode', dp: number): string {
  return (
    `[${stamp(ms)}] server_args=ServerArgs(model_path='deepseek-ai/DeepSeek-R1', tokenizer_path='deepseek-ai/DeepSeek-R1', tokenizer_mode='auto', ` +
    `skip_tokenizer_init=False, load_format='auto', trust_remote_code=True, dtype='auto', kv_cache_dtype='fp8_e4m3', quantization='fp8', ` +
    `context_length=None, device='cuda', served_model_name='deepseek-ai/DeepSeek-R1', is_embedding=False, host='0.0.0.0', port=30000, ` +
    `mem_fraction_static=0.82, max_running_requests=${role === 'prefill' ? 256 : 2048}, chunked_prefill_size=${role === 'prefill' ? 16384 : -1}, ` +
    `max_prefill_tokens=16384, schedule_policy='fcfs', tp_size=${dp}, pp_size=1, stream_interval=1, random_seed=1234, ` +
    `decode_log_interval=40, log_level='info', dp_size=${dp}, load_balance_method='${role === 'prefill' ? 'follow_bootstrap_room' : 'round_robin'}', ` +
    `moe_dp_size=1, ep_size=${dp}, dist_init_addr='gb200-head:5757', nnodes=1, node_rank=0, enable_dp_attention=True, ` +
    `enable_metrics_for_all_schedulers=False, moe_a2a_backend='deepep', disaggregation_mode='${role}', disaggregation_transfer_backend='nixl', ` +
    `disaggregation_bootstrap_port=8998)`
  );
}

function startup(role: 'prefill' | 'decode', dp: number): Line[] {
  const lines: Line[] = [{ ms: START - 120_000, text: serverArgs(START - 120_000, role, dp) }];
  for (let r = 0; r < dp; r++) {
    const ms = START - 110_000 + r * 100;
    lines.push({ ms, text: `[${stamp(ms)} DP${r} TP${r} EP${r}] Init torch distributed begin.` });
    lines.push({ ms: ms + 5000, text: `[${stamp(ms + 5000)} DP${r} TP${r} EP${r}] Load weight begin. avail mem=${(178.2 - r * 0.01).toFixed(2)} GB` });
    lines.push({ ms: ms + 60_000, text: `[${stamp(ms + 60_000)} DP${r} TP${r} EP${r}] KV Cache is allocated. #tokens: 1048576, KV size: 36.84 GB` });
  }
  lines.push({ ms: START - 2000, text: `[${stamp(START - 2000)}] INFO:     Started server process [1]` });
  lines.push({ ms: START - 1000, text: `[${stamp(START - 1000)}] The server is fired up and ready to roll!` });
  return lines;
}

function prefillLine(ms: number, rank: number, queue: number, rand: () => number): string {
  const chunked = rand() < 0.1;
  const seqs = chunked ? 1 : 1 + Math.floor(rand() * 4);
  const tokens = chunked ? 16384 : seqs * (1024 + Math.floor(rand() * 3072));
  const cached = Math.floor(rand() * 4) * 64;
  return (
    `[${stamp(ms)} DP${rank} TP${rank} EP${rank}] Prefill batch, #new-seq: ${seqs}, #new-token: ${tokens}, #cached-token: ${cached}, ` +
    `token usage: ${(rand() * 0.3).toFixed(2)}, #running-req: 0, #queue-req: ${queue}, #pending-token: ${queue * 2048}, ` +
    `#bootstrap-req: ${Math.floor(rand() * 3)}, #inflight-req: ${Math.floor(rand() * 6)}, cuda graph: False, input throughput (token/s): ${(rand() * 40000).toFixed(2)}`
  );
}

function decodeLine(ms: number, rank: number, rand: () => number): string {
  const running = 40 + Math.floor(rand() * 24);
  return (
    `[${stamp(ms)} DP${rank} TP${rank} EP${rank}] Decode batch, #running-req: ${running}, #token: ${running * (900 + Math.floor(rand() * 400))}, ` +
    `token usage: ${(rand() * 0.5).toFixed(2)}, pre-allocated usage: 0.00, #prealloc-req: ${Math.floor(rand() * 2)}, #transfer-req: ${Math.floor(rand() * 3)}, ` +
    `#retracted-req: 0, cuda graph: True, gen throughput (token/s): ${(running * 28 + rand() * 100).toFixed(2)}, #queue-req: ${Math.floor(rand() * 2)}`
  );
}

function accessLine(ms: number, rand: () => number): string {
  return `[${stamp(ms)}] INFO:     10.0.${Math.floor(rand() * 8)}.${Math.floor(rand() * 250)}:${40000 + Math.floor(rand() * 20000)} - "POST /generate HTTP/1.1" 200 OK`;
}

function render(lines: Line[]): string {
  // Stable sort by time: lines of one second keep their generation order.
  return `${lines
    .map((line, i) => ({ line, i }))
    .sort((a, b) => a.line.ms - b.line.ms || a.i - b.i)
    .map(({ line }) => line.text)
    .join('\n')}\n`;
}

function writeScenario(root: string, scenario: Scenario, seed: number): void {
  const dir = join(root, 'examples', scenario.name);
  mkdirSync(dir, { recursive: true });
  const rand = mulberry32(seed);
  // Queue values are drawn per rank over the whole run so the peak lands exactly once.
  const prefillLines = PREFILL_WORKERS.map(() => startup('prefill', PREFILL_DP));
  scenario.prefill.forEach((total, rank) => {
    for (let g = 0; g < total; g++) {
      // Round-robin over workers: worker w gets ⌊total/4⌋ (+1 for the first total mod 4) batches.
      const lines = prefillLines[g % PREFILL_WORKERS.length] ?? [];
      const ms = START + Math.floor((g * RUN_SECONDS * 1000) / total);
      lines.push({ ms, text: prefillLine(ms, rank, scenario.queue(rank, g, total, rand), rand) });
      if (rand() < 0.5) lines.push({ ms, text: accessLine(ms, rand) });
    }
  });
  PREFILL_WORKERS.forEach((node, w) => writeFileSync(join(dir, `${node}_prefill_w${w}.out`), render(prefillLines[w] ?? [])));
  DECODE_WORKERS.forEach((node, w) => {
    const lines = startup('decode', DECODE_DP);
    for (let rank = 0; rank < DECODE_DP; rank++) {
      for (let i = 0; i < DECODE_LINES_PER_RANK; i++) {
        const ms = START + 2000 + Math.floor(((i + rand()) * RUN_SECONDS * 1000) / DECODE_LINES_PER_RANK);
        lines.push({ ms, text: decodeLine(ms, rank, rand) });
      }
    }
    for (let i = 0; i < 200; i++) {
      const ms = START + Math.floor(rand() * RUN_SECONDS * 1000);
      lines.push({ ms, text: accessLine(ms, rand) });
    }
    writeFileSync(join(dir, `${node}_decode_w${w}.out`), render(lines));
  });
}

const root = resolve(process.argv[2] ?? '.');
SCENARIOS.forEach((scenario, i) => writeScenario(root, scenario, 7984 + i));
process.stderr.write(`wrote ${SCENARIOS.map((s) => join(root, 'examples', s.name)).join(', ')}\n`);

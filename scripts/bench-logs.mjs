// Deterministic synthetic worker logs for the benchmark: 4 prefill workers (DP 4) and 4 decode
// workers (DP 8) of an SGLang PD deployment, each file from its own seed. Per file: a startup
// block (server_args, weight loading, CUDA graph capture, a warning), then the serving mix:
// ~30 % batch lines (prefill or decode), ~50 % HTTP access lines, ~15 % KV-transfer and
// request lines, ~5 % other scheduler and health noise. The same size, seed and format give the
// same bytes.
//
// Formats (`FORMATS`, for `npm run bench -- --formats`): the same content in every SGLang line
// shape, wrapped in every envelope a collector adds, a batch-dense
// mix, and logs of the other families (Dynamo, vLLM, TensorRT-LLM) in their own shapes. The
// default format, `comma`, is the newest SGLang shape and gives the bytes the bench always had.
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
const START_MS = Date.UTC(2026, 3, 14, 10, 0, 0);

function stamp(seconds) {
  const d = new Date(START_MS + seconds * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** ISO-8601 UTC with `digits` fractional digits (0 none): `2026-04-14T10:00:01.123Z`. */
function iso(seconds, ms, digits) {
  const whole = `${stamp(seconds).replace(' ', 'T')}`;
  return digits === 0 ? `${whole}Z` : `${whole}.${`${pad(ms, 3)}${'0'.repeat(9)}`.slice(0, digits)}Z`;
}

export const WORKERS = [
  ...[0, 1, 2, 3].map((i) => ({ name: `bench-n0${i}_prefill_w${i}.out`, role: 'prefill', dp: 4, index: i })),
  ...[0, 1, 2, 3].map((i) => ({ name: `bench-n1${i}_decode_w${i}.out`, role: 'decode', dp: 8, index: i })),
];

// ---------------------------------------------------------------- SGLang shapes
// A shape renders a line from its parts: the bracket (stamp and rank tags) and the message. It
// changes only how the line looks; the content (what is logged, when, on which rank) is the same.
// `ms` is a line's milliseconds (for shapes that print them), `iteration` its batch's index.

/** `[stamp tags]` as SGLang prints it (tags: ` DP3 TP3 EP3`, or '' on lines of no rank). */
const nativeBracket = (tags, withMs) => (ctx) => `[${stamp(ctx.t)}${withMs ? `.${pad(ctx.ms, 3)}` : ''}${ctx.dp === null ? '' : tags(ctx.dp)}]`;
const dpTpEp = (dp) => ` DP${dp} TP${dp} EP${dp}`;

/**
 * SGLang shapes: bracket (ctx → text before the message, without the space), and the batch
 * header's form: `separator` after `Prefill batch` (`,` or `.`), an `iteration` index, a trailing `, `.
 */
export const SGLANG_SHAPES = {
  comma: { what: '`[ts DPn TPn EPn] Prefill batch, …` (v0.5.4+, the bench\'s shape)', bracket: nativeBracket(dpTpEp, false) },
  period: { what: '`Prefill batch. ` / `Decode batch. ` (v0.4.x)', bracket: nativeBracket(dpTpEp, false), separator: '.' },
  iteration: { what: '`Prefill batch [N], ` (SGLANG_LOG_FORWARD_ITERS)', bracket: nativeBracket(dpTpEp, false), iteration: true },
  trailing: { what: 'trailing `, ` (v0.4.9.post3–v0.5.3)', bracket: nativeBracket(dpTpEp, false), trailing: true },
  'no-tags': { what: '`[ts] Prefill batch, …` (tp=1, no DP)', bracket: nativeBracket(() => '', false) },
  ms: { what: '`[ts.mmm DPn TPn]` (SGLANG_LOG_MS, no EP)', bracket: nativeBracket((dp) => ` DP${dp} TP${dp}`, true) },
  'pp-cp-moe': { what: '`[ts DPn PP0 ATTN_CP0 MOE_DP0 TPn EPn]` (v0.5.9+ order)', bracket: nativeBracket((dp) => ` DP${dp} PP0 ATTN_CP0 MOE_DP0 TP${dp} EP${dp}`, false) },
  custom: { what: '`[ts][file.py:N][INFO]: ` (a logging config, no ranks)', bracket: (ctx) => `[${stamp(ctx.t)}][${ctx.dp === null ? 'http_server.py:118' : 'scheduler_metrics_mixin.py:424'}][INFO]:` },
  'custom-ranks': {
    what: '`[ts][DPn TPn EPn][file.py:N][INFO]: ` (a logging config with ranks)',
    bracket: (ctx) => `[${stamp(ctx.t)}]${ctx.dp === null ? '' : `[DP${ctx.dp} TP${ctx.dp} EP${ctx.dp}]`}[${ctx.dp === null ? 'http_server.py:118' : 'scheduler_metrics_mixin.py:424'}][INFO]:`,
  },
};

/**
 * Envelopes: what launchers and collectors put in front of each line.
 * `wrap(ctx, bracket, message)` → the line, around the comma shape's bracket and message.
 */
export const ENVELOPES = {
  srun: { what: '`srun -l` task label `0: `', wrap: (ctx, bracket, message) => `${ctx.worker.index % 2}: ${bracket} ${message}` },
  kubectl: { what: '`kubectl logs --prefix` `[pod/NAME/CONTAINER] `', wrap: (ctx, bracket, message) => `[pod/sglang-${ctx.worker.role}-${ctx.worker.index}/sglang] ${bracket} ${message}` },
  container: { what: 'container runtime ISO stamp `2026-…Z `', wrap: (ctx, bracket, message) => `${iso(ctx.t, ctx.ms, 9)} ${bracket} ${message}` },
  collector: { what: 'log collector `epoch-ms<TAB>ISO<TAB>`', wrap: (ctx, bracket, message) => `${START_MS + ctx.t * 1000 + ctx.ms}\t${iso(ctx.t, ctx.ms, 3)}\t${bracket} ${message}` },
  ansi: { what: 'ANSI colour (ESC) around the prefix', wrap: (_ctx, bracket, message) => `\u001b[36m${bracket}\u001b[0m ${message}` },
  'ansi-bare': { what: 'ANSI colour without ESC (`[36m…[0m`, pasted)', wrap: (_ctx, bracket, message) => `[36m${bracket}[0m ${message}` },
};

function startup(w, ranks) {
  const lines = [
    { dp: null, t: 0, message: `server_args=ServerArgs(model_path='deepseek-ai/DeepSeek-R1', tp_size=${w.dp}, pp_size=1, dp_size=${w.dp}, ep_size=${w.dp}, enable_dp_attention=True, disaggregation_mode='${w.role}', nnodes=1, node_rank=0, moe_dp_size=1, chunked_prefill_size=8192, mem_fraction_static=0.84)` },
    { dp: null, t: 1, message: 'Using default HuggingFace chat template with detected content format: string' },
  ];
  for (const dp of ranks) {
    lines.push({ dp, t: 3, message: 'Init torch distributed begin.' });
    lines.push({ dp, t: 9, message: 'Load weight end. type=DeepseekV3ForCausalLM, dtype=torch.bfloat16, avail mem=20.80 GB, mem usage=162.66 GB.' });
    lines.push({ dp, t: 11, message: 'KV Cache is allocated. #tokens: 524288, KV size: 34.31 GB' });
    lines.push({ dp, t: 14, message: 'Capture cuda graph end. Time elapsed: 38.12 s. mem usage=2.41 GB. avail mem=17.90 GB.' });
  }
  lines.push({ dp: null, t: 15, message: 'WARNING:  Invalid HTTP request received.' });
  lines.push({ dp: null, t: 16, message: 'The server is fired up and ready to roll!' });
  return lines;
}

/**
 * The serving mix of one SGLang worker, line by line: `{ dp, t, message, batch }` (dp null: a
 * line of no rank; batch: 'Prefill' | 'Decode' | null, then `message` is the part after the header
 * and its separator). `batchShare`: the share of batch lines (the rest keeps its proportions).
 */
function* sglangEvents(w, rand, batchShare) {
  let t = 20;
  // The non-batch mix keeps its proportions (at 30 %, r itself: the bytes the bench always had).
  const rest = (r) => (batchShare === 0.3 ? r : 0.3 + ((r - batchShare) / (1 - batchShare)) * 0.7);
  for (;;) {
    if (rand() < 0.02) t++;
    const dp = Math.floor(rand() * w.dp);
    const r = rand();
    if (w.role === 'prefill' && r < batchShare) {
      yield { dp, t, batch: 'Prefill', message: `#new-seq: ${1 + Math.floor(rand() * 4)}, #new-token: ${1024 + Math.floor(rand() * 7168)}, #cached-token: ${Math.floor(rand() * 512)}, token usage: 0.${pad(Math.floor(rand() * 99))}, #running-req: 0, #queue-req: ${Math.floor(rand() * 40)}, #pending-token: ${Math.floor(rand() * 9000)}, #bootstrap-req: 0, #inflight-req: ${Math.floor(rand() * 4)}, cuda graph: False, input throughput (token/s): ${(rand() * 20000).toFixed(2)}` };
      continue;
    }
    if (w.role === 'decode' && r < batchShare) {
      yield { dp, t, batch: 'Decode', message: `#running-req: ${Math.floor(rand() * 64)}, #token: ${Math.floor(rand() * 60000)}, token usage: 0.${pad(Math.floor(rand() * 99))}, pre-allocated usage: 0.00, #prealloc-req: 0, #transfer-req: 0, #retracted-req: 0, cuda graph: True, gen throughput (token/s): ${(rand() * 2000).toFixed(2)}, #queue-req: ${Math.floor(rand() * 3)}` };
      continue;
    }
    const s = rest(r);
    if (s < 0.8) yield { dp: null, t, batch: null, message: `INFO:     127.0.0.1:${40000 + Math.floor(rand() * 20000)} - "POST /generate HTTP/1.1" 200 OK` };
    else if (s < 0.9) yield { dp, t, batch: null, message: `KV transfer done for request ${Math.floor(rand() * 1e12).toString(16)}, bootstrap_room=${Math.floor(rand() * 1e15)}` };
    else if (s < 0.95) yield { dp, t, batch: null, message: `Finish: obj=GenerateReqInput(rid='${Math.floor(rand() * 1e12).toString(16)}'), out={'meta_info': {'prompt_tokens': ${Math.floor(rand() * 8000)}, 'completion_tokens': ${Math.floor(rand() * 900)}, 'e2e_latency': ${(rand() * 30).toFixed(3)}}}` };
    else if (s < 0.98) yield { dp: null, t, batch: null, message: `INFO:     127.0.0.1:${40000 + Math.floor(rand() * 20000)} - "GET /health HTTP/1.1" 200 OK` };
    else yield { dp, t, batch: null, message: `Scheduler hit an exception: torch.cuda.OutOfMemoryError retried in 0.5 s (attempt ${1 + Math.floor(rand() * 3)})` };
  }
}

/** A line renderer for an SGLang format: event → line. */
function sglangRenderer(format, worker) {
  const shape = SGLANG_SHAPES[format] ?? SGLANG_SHAPES.comma;
  const envelope = ENVELOPES[format];
  let line = 0;
  let iteration = 0;
  return (event) => {
    // Milliseconds that grow through the second, the same in every shape.
    const ctx = { worker, t: event.t, dp: event.dp, ms: (line++ * 37) % 1000 };
    let message = event.message;
    if (event.batch !== null) {
      iteration++;
      message = `${event.batch} batch${shape.iteration ? ` [${iteration}]` : ''}${shape.separator ?? ','} ${message}${shape.trailing ? ', ' : ''}`;
    }
    const bracket = shape.bracket(ctx);
    return envelope === undefined ? `${bracket} ${message}` : envelope.wrap(ctx, bracket, message);
  };
}

// ---------------------------------------------------------------- other families
// Each: a generator of lines for one worker, ~30 % the family's own lines, the rest its noise.

function* dynamoLines(w, rand, json) {
  let t = 0;
  let us = 0;
  for (let n = 0; ; n++) {
    us += Math.floor(rand() * 20000);
    if (us >= 1e6) {
      t++;
      us -= 1e6;
    }
    const time = `${stamp(t).replace(' ', 'T')}.${pad(us, 6)}Z`;
    const dp = Math.floor(rand() * w.dp);
    const worker = 7587890043311737930n + BigInt(w.index);
    const r = rand();
    if (r < 0.15) {
      yield json
        ? `{"time":"${time}","level":"DEBUG","target":"dynamo_llm::kv_router::prefill_router::execution","message":"Built bootstrap_info upfront before prefill","worker_id":${worker},"dp_rank":"Some(${dp})","bootstrap_host":"10.0.0.5","bootstrap_port":8998,"bootstrap_room":${n},"router_mode":"RoundRobin"}`
        : `${time} DEBUG dynamo_llm::kv_router::prefill_router::execution: Built bootstrap_info upfront before prefill worker_id=${worker} dp_rank=Some(${dp}) bootstrap_host=10.0.0.5 bootstrap_port=8998 bootstrap_room=${n} router_mode=RoundRobin`;
    } else if (r < 0.3) {
      const logit = (rand() * 300).toFixed(3);
      yield json
        ? `{"time":"${time}","level":"INFO","target":"dynamo_kv_router::scheduling::selector","message":"Selected worker: worker_type=decode, worker_id=${worker} dp_rank=Some(${dp}), logit: ${logit}, cached blocks: 0, tree size: ${Math.floor(rand() * 3000)}"}`
        : `${time}  INFO dynamo_kv_router::scheduling::selector: Selected worker: worker_type=decode, worker_id=${worker} dp_rank=Some(${dp}), logit: ${logit}, cached blocks: 0, tree size: ${Math.floor(rand() * 3000)}`;
    } else {
      const id = Math.floor(rand() * 1e12).toString(16);
      yield json
        ? `{"time":"${time}","level":"INFO","target":"dynamo_llm::http::service::openai","message":"completions request","request_id":"req-${id}","model":"deepseek-ai/DeepSeek-R1"}`
        : `${time}  INFO dynamo_llm::http::service::openai: completions request request_id=req-${id} model=deepseek-ai/DeepSeek-R1`;
    }
  }
}

/** vLLM's `MM-DD HH:MM:SS` (no year). */
const vllmStamp = (t) => stamp(t).slice(5);

function* vllmEngineLines(w, rand) {
  let t = 0;
  for (;;) {
    if (rand() < 0.02) t++;
    const dp = Math.floor(rand() * w.dp);
    if (rand() < 0.3) {
      yield `(APIServer pid=1) INFO ${vllmStamp(t)} [loggers.py:259] Engine ${pad(dp, 3)}: Avg prompt throughput: ${(rand() * 9000).toFixed(1)} tokens/s, Avg generation throughput: ${(rand() * 900).toFixed(1)} tokens/s, Running: ${Math.floor(rand() * 64)} reqs, Waiting: ${Math.floor(rand() * 40)} reqs, GPU KV cache usage: ${(rand() * 100).toFixed(1)}%, Prefix cache hit rate: ${(rand() * 100).toFixed(1)}%`;
    } else {
      yield `(APIServer pid=1) INFO:     127.0.0.1:${40000 + Math.floor(rand() * 20000)} - "POST /v1/completions HTTP/1.1" 200 OK`;
    }
  }
}

function* vllmIterationLines(w, rand) {
  let t = 0;
  const iterations = Array.from({ length: w.dp }, () => 0);
  for (;;) {
    if (rand() < 0.02) t++;
    const dp = Math.floor(rand() * w.dp);
    if (rand() < 0.3) {
      const context = rand() < 0.3 ? 1 + Math.floor(rand() * 4) : 0;
      const generation = Math.floor(rand() * 64);
      yield `(EngineCore_DP${dp} pid=${100 + dp}) INFO ${vllmStamp(t)} [core.py:900] Iteration(${++iterations[dp]}): ${context} context requests, ${context * 1024} context tokens, ${generation} generation requests, ${generation} generation tokens, iteration elapsed time: ${(rand() * 40).toFixed(2)} ms`;
    } else {
      yield `(APIServer pid=1) INFO ${vllmStamp(t)} [launcher.py:46] 127.0.0.1:${40000 + Math.floor(rand() * 20000)} - "POST /v1/completions HTTP/1.1" 200 OK`;
    }
  }
}

function* trtllmLines(w, rand) {
  let t = 0;
  const iterations = Array.from({ length: w.dp }, () => 0);
  for (;;) {
    if (rand() < 0.02) t++;
    const d = new Date(START_MS + t * 1000);
    const header = `[${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()}-${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}]`;
    const rank = Math.floor(rand() * w.dp);
    if (rand() < 0.3) {
      const ctx = rand() < 0.3 ? 1 + Math.floor(rand() * 3) : 0;
      yield `${header} [TRT-LLM] [RANK ${rank}] [I] iter = ${iterations[rank]++}, global_rank = ${rank}, rank = ${rank}, num_scheduled_requests = ${Math.floor(rand() * 64)}, kv_cache_util = 0.${pad(Math.floor(rand() * 1000), 3)}, currank_total_requests = ${ctx}/${ctx + Math.floor(rand() * 4)}, host_step_time = ${(rand() * 10).toFixed(2)}ms, prev_device_step_time = ${(rand() * 40).toFixed(2)}ms, timestamp = ${stamp(t)}, states = {'num_ctx_requests': ${ctx}, 'num_ctx_tokens': ${ctx * 512}, 'num_generation_tokens': ${Math.floor(rand() * 64)}, 'cached_kv_tokens': 0}`;
    } else {
      yield `${header} [TRT-LLM] [I] INFO:     127.0.0.1:${40000 + Math.floor(rand() * 20000)} - "POST /v1/completions HTTP/1.1" 200 OK`;
    }
  }
}

// ---------------------------------------------------------------- the formats
// `awk`: the one-liner a user would write for this format (prefill-like lines and peak queue per
// rank, as the bench's reference one-liner does), or null when dpskew's best shape is the yardstick.

/** The bench's reference one-liner: prefill batches and peak #queue-req per DP rank. */
const AWK_DP = '/Prefill batch/ { if (match($0, / DP[0-9]+/)) { dp = substr($0, RSTART + 3, RLENGTH - 3); n[dp]++; if (match($0, /#queue-req: [0-9]+/)) { q = substr($0, RSTART + 12, RLENGTH - 12) + 0; if (q > m[dp]) m[dp] = q } } } END { for (d in n) print "DP" d, n[d], m[d] }';
/** The same for a log without rank tags: one count and one peak. */
const AWK_UNLABELED = '/Prefill batch/ { n++; if (match($0, /#queue-req: [0-9]+/)) { q = substr($0, RSTART + 12, RLENGTH - 12) + 0; if (q > m) m = q } } END { print n, m }';
/** Ranks inside another bracket (`[DP3 TP3 EP3]`). */
const AWK_DP_ANYWHERE = AWK_DP.replace('/ DP[0-9]+/', '/DP[0-9]+/').replace('RSTART + 3, RLENGTH - 3', 'RSTART + 2, RLENGTH - 2');

/** Routing decisions per DP rank. */
const AWK_DYNAMO = '/elected worker: |Built bootstrap_info/ { if (match($0, /dp_rank"?[=:]"?Some\\([0-9]+\\)/)) { s = substr($0, RSTART, RLENGTH); sub(/.*Some\\(/, "", s); sub(/\\)/, "", s); n[s]++ } } END { for (d in n) print "DP" d, n[d] }';
/** Per-engine stats lines and peak Waiting. */
const AWK_VLLM_ENGINE = '/Avg prompt throughput/ { if (match($0, /Engine [0-9]+/)) { e = substr($0, RSTART + 7, RLENGTH - 7); n[e]++; if (match($0, /Waiting: [0-9]+/)) { q = substr($0, RSTART + 9, RLENGTH - 9) + 0; if (q > m[e]) m[e] = q } } } END { for (e in n) print e, n[e], m[e] }';
/** Steps per engine core, and those with context requests. */
const AWK_VLLM_ITERATION = '/Iteration\\(/ { if (match($0, /EngineCore_DP[0-9]+/)) { e = substr($0, RSTART + 13, RLENGTH - 13); n[e]++; if (match($0, /: [1-9][0-9]* context requests/)) p[e]++ } } END { for (e in n) print e, n[e], p[e] }';
/** Iterations per rank, and those with context requests. */
const AWK_TRTLLM = '/global_rank = / { if (match($0, / rank = [0-9]+/)) { r = substr($0, RSTART + 8, RLENGTH - 8); n[r]++; if (match($0, /num_ctx_requests.: [1-9]/)) p[r]++ } } END { for (r in n) print r, n[r], p[r] }';

/**
 * Every format of the formats table: `kind` 'shape' (an SGLang line shape), 'envelope' (the comma
 * shape wrapped), 'dense' (80 % batch lines) or 'family' (another engine's log).
 */
export const FORMATS = [
  ...Object.entries(SGLANG_SHAPES).map(([name, s]) => ({ name, kind: 'shape', what: s.what, awk: name === 'no-tags' || name === 'custom' ? AWK_UNLABELED : name === 'custom-ranks' ? AWK_DP_ANYWHERE : AWK_DP })),
  ...Object.entries(ENVELOPES).map(([name, e]) => ({ name, kind: 'envelope', what: e.what, awk: AWK_DP })),
  { name: 'batch-dense', kind: 'dense', what: 'the comma shape with 80 % batch lines', awk: AWK_DP },
  { name: 'dynamo', kind: 'family', what: 'Dynamo router, readable (`Selected worker`, `Built bootstrap_info`)', awk: AWK_DYNAMO },
  { name: 'dynamo-jsonl', kind: 'family', what: 'Dynamo router, JSONL', awk: AWK_DYNAMO },
  { name: 'vllm-engine', kind: 'family', what: 'vLLM `Engine NNN:` stats lines', awk: AWK_VLLM_ENGINE },
  { name: 'vllm-iteration', kind: 'family', what: 'vLLM `Iteration(N)` step lines', awk: AWK_VLLM_ITERATION },
  { name: 'trtllm', kind: 'family', what: 'TensorRT-LLM iteration lines', awk: AWK_TRTLLM },
];

/** The bench's reference one-liner (the `comma` format's). */
export const AWK_PROGRAM = AWK_DP;

/**
 * The lines of one worker's log in `format`, endless: SGLang formats start with the startup block.
 * Each item is the line and, for SGLang formats other than comma, the length of the same line in
 * the comma shape (the content is cut where the comma shape's would be: every shape holds the same lines).
 */
function* formatLines(format, w, index) {
  const rand = mulberry32(1234 + index);
  const spec = FORMATS.find((f) => f.name === format);
  if (spec === undefined) throw new Error(`unknown bench format: ${format}`);
  if (spec.kind === 'family') {
    const lines = format === 'dynamo' || format === 'dynamo-jsonl' ? dynamoLines(w, rand, format === 'dynamo-jsonl') : format === 'vllm-engine' ? vllmEngineLines(w, rand) : format === 'vllm-iteration' ? vllmIterationLines(w, rand) : trtllmLines(w, rand);
    for (const line of lines) yield { line, size: line.length };
    return;
  }
  const render = sglangRenderer(format, w);
  const comma = format === 'comma' || format === 'batch-dense' ? render : sglangRenderer('comma', w);
  const emit = (event) => {
    const line = render(event);
    return { line, size: comma === render ? line.length : comma(event).length };
  };
  for (const event of startup(w, Array.from({ length: w.dp }, (_, i) => i))) yield emit({ ...event, batch: null });
  yield null; // the end of the startup block
  for (const event of sglangEvents(w, rand, format === 'batch-dense' ? 0.8 : 0.3)) yield emit(event);
}

/** Lines are written (and the size checked) in blocks of this many, after the startup block. */
const BLOCK_LINES = 20000;

/**
 * Writes the set into `dir`: `totalBytes` spread evenly over the 8 files, in whole blocks of lines
 * (for SGLang formats, counted in the comma shape).
 * @returns the file paths, in WORKERS order
 */
export function generateBenchLogs(dir, totalBytes, format = 'comma') {
  const perFile = Math.ceil(totalBytes / WORKERS.length);
  return WORKERS.map((w, index) => {
    const path = join(dir, w.name);
    const fd = openSync(path, 'w');
    let written = 0;
    let lines = [];
    const flush = () => {
      writeSync(fd, `${lines.join('\n')}\n`);
      lines = [];
    };
    for (const item of formatLines(format, w, index)) {
      if (item === null) {
        flush();
        continue;
      }
      lines.push(item.line);
      written += item.size + 1;
      if (lines.length === BLOCK_LINES) {
        flush();
        if (written >= perFile) break;
      }
    }
    closeSync(fd);
    return path;
  });
}

/** One worker's log of `format` in memory, about `bytes` long (tests): the same lines the bench writes, cut short. */
export function benchLogText(format, bytes, worker = 0) {
  const w = WORKERS[worker] ?? WORKERS[0];
  const lines = [];
  let written = 0;
  for (const item of formatLines(format, w, worker)) {
    if (item === null) continue;
    lines.push(item.line);
    written += item.line.length + 1;
    if (written >= bytes) break;
  }
  return `${lines.join('\n')}\n`;
}

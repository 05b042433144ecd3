// Deterministic synthetic SGLang logs in the shapes that once made memory grow (issue 18, item 9),
// for `npm run bench -- --memory` (scripts/bench-memory.mjs). Every shape is made of lines like
//   [2026-04-14 10:00:01 DP3 TP3 EP3] Prefill batch, #new-seq: 1, #new-token: 512, #cached-token: 0, …
// plus a little noise (HTTP access lines, request lines), from fixed seeds: the same arguments
// give the same bytes.
//
// - week64:   64 DP ranks over 7 days, one multi-node dp-attention server on 8 nodes (a log per
//             node, 8 ranks each), ~300 MiB in all;
// - ranks4096: one worker logging 4,096 DP ranks over 7 days, a few MiB;
// - files10k: 10,000 small files, each its own worker (4 DP ranks, a few minutes of log), or the
//             rotated logs of 100 workers.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from './bench-logs.mjs';

const pad = (n, w = 2) => String(n).padStart(w, '0');
const START_MS = Date.UTC(2026, 3, 14, 10, 0, 0);
const WEEK_S = 7 * 24 * 3600;

function stamp(seconds) {
  const d = new Date(START_MS + Math.floor(seconds) * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function serverArgs(seconds, { dp, nnodes = 1, nodeRank = 0, mode = 'prefill' }) {
  return `[${stamp(seconds)}] server_args=ServerArgs(model_path='deepseek-ai/DeepSeek-R1', tp_size=${dp}, pp_size=1, dp_size=${dp}, ep_size=${dp}, enable_dp_attention=True, disaggregation_mode='${mode}', nnodes=${nnodes}, node_rank=${nodeRank}, moe_dp_size=1, chunked_prefill_size=8192)`;
}

function prefillLine(rand, seconds, dp) {
  return `[${stamp(seconds)} DP${dp} TP${dp} EP${dp}] Prefill batch, #new-seq: ${1 + Math.floor(rand() * 4)}, #new-token: ${512 + Math.floor(rand() * 7680)}, #cached-token: ${Math.floor(rand() * 512)}, token usage: 0.${pad(Math.floor(rand() * 99))}, #running-req: ${Math.floor(rand() * 8)}, #queue-req: ${Math.floor(rand() * 40)}, `;
}

/** A batch line for `dp` at `seconds`, or now and then a noise line. */
function someLine(rand, seconds, dp) {
  const r = rand();
  if (r < 0.85) return prefillLine(rand, seconds, dp);
  if (r < 0.95) return `[${stamp(seconds)}] INFO:     127.0.0.1:${40000 + Math.floor(rand() * 20000)} - "POST /generate HTTP/1.1" 200 OK`;
  return `[${stamp(seconds)} DP${dp} TP${dp} EP${dp}] KV transfer done for request ${Math.floor(rand() * 1e12).toString(16)}`;
}

/** Writes lines from `next()` (null: done) to `path` in large writes. */
function writeLines(path, first, next) {
  const fd = openSync(path, 'w');
  let lines = [...first];
  let bytes = 0;
  for (let line = next(); line !== null; line = next()) {
    lines.push(line);
    if (lines.length >= 20_000) {
      const chunk = `${lines.join('\n')}\n`;
      writeSync(fd, chunk);
      bytes += Buffer.byteLength(chunk);
      lines = [];
    }
  }
  if (lines.length > 0) {
    const chunk = `${lines.join('\n')}\n`;
    writeSync(fd, chunk);
    bytes += Buffer.byteLength(chunk);
  }
  closeSync(fd);
  return bytes;
}

/**
 * 64 DP ranks over 7 days: 8 node logs of one dp-attention server (dp_size 64, nnodes 8), node k
 * logging ranks 8k … 8k+7, `totalBytes` spread over them, lines in time order within a file.
 * @returns the file paths
 */
export function generateWeek64(dir, totalBytes = 300 << 20) {
  mkdirSync(dir, { recursive: true });
  const nodes = 8;
  // ~144 bytes a line: lines per file for the size asked, spread evenly over the week.
  const linesPerFile = Math.round(totalBytes / nodes / 144);
  return Array.from({ length: nodes }, (_, node) => {
    const rand = mulberry32(9100 + node);
    const path = join(dir, `week-n${pad(node)}_prefill_w0.out`);
    let k = 0;
    writeLines(path, [serverArgs(0, { dp: 64, nnodes: nodes, nodeRank: node })], () => {
      if (k >= linesPerFile) return null;
      const seconds = 10 + (k++ / linesPerFile) * WEEK_S;
      return someLine(rand, seconds, node * 8 + Math.floor(rand() * 8));
    });
    return path;
  });
}

/**
 * One worker logging 4,096 DP ranks over 7 days, `linesPerRank` batch lines each (about 160
 * bytes a line: 16 lines a rank is ~10 MiB).
 * @returns the file path
 */
export function generateRanks4096(dir, linesPerRank = 16) {
  mkdirSync(dir, { recursive: true });
  const ranks = 4096;
  const rand = mulberry32(4096);
  const total = ranks * linesPerRank;
  const path = join(dir, 'wide-n00_prefill_w0.out');
  let k = 0;
  writeLines(path, [serverArgs(0, { dp: ranks })], () => {
    if (k >= total) return null;
    const seconds = 10 + (k / total) * WEEK_S;
    const dp = k++ % ranks;
    return prefillLine(rand, seconds, dp);
  });
  return [path];
}

/**
 * `count` small files in 100 subdirectories, `linesPerFile` lines each over a few minutes (4 DP
 * ranks). With `rotated` false every file is its own worker (`host007/pod00712_prefill_w0.out`);
 * with `rotated` true the files are 100 workers' rotated logs, 100 each
 * (`host007/pod007_prefill_w0.out.12`): the same bytes spread over fewer workers.
 * @returns the directory
 */
export function generateManyFiles(dir, { count = 10_000, linesPerFile = 12, rotated = false } = {}) {
  for (let f = 0; f < count; f++) {
    const sub = join(dir, `host${pad(f % 100, 3)}`);
    if (f < 100) mkdirSync(sub, { recursive: true });
    const rand = mulberry32(70_000 + f);
    let k = 0;
    const offset = 10 + (rotated ? Math.floor(f / 100) * linesPerFile * 5 : f % 600);
    const name = rotated ? `pod${pad(f % 100, 3)}_prefill_w0.out.${Math.floor(f / 100) + 1}` : `pod${pad(f, 5)}_prefill_w0.out`;
    writeLines(join(sub, name), [serverArgs(offset - 5, { dp: 4 })], () => {
      if (k >= linesPerFile) return null;
      return someLine(rand, offset + k++ * 5, Math.floor(rand() * 4));
    });
  }
  return dir;
}

/**
 * The only place findings become sentences: one line saying what was seen, with its numbers, and
 * one saying what to do next.
 */
import type { Phase } from '../model/records.ts';
import type { Finding, RankRow, Report, SkewMeasure } from '../model/report.ts';
import { capitalize, formatInt, formatPercent, formatPValue, formatRatio, rankLabel, sanitize } from './format.ts';

export interface FindingText {
  readonly message: string;
  readonly advice: string;
}

export function describeFinding(f: Finding): FindingText {
  const phase = f.phase === null ? '' : capitalize(f.phase);
  const where = f.worker === null ? '' : ` on ${sanitize(f.worker)}`;
  switch (f.code) {
    case 'BATCH_SKEW': {
      const lead = f.basis === 'tokens' && f.tokens !== null ? f.tokens : f.batches;
      const what = f.basis === 'tokens' ? 'new tokens' : 'batches';
      const other = f.basis === 'tokens' ? f.batches : f.tokens;
      const otherText = other === null ? '' : `; ${f.basis === 'tokens' ? 'batches' : 'new tokens'}: ${skewText(other)}`;
      return {
        message: `${phase} ${what}${where} are skewed across ${f.ranks} ranks: ${skewText(lead)} (${f.level} below ${f.threshold})${otherText}`,
        advice: skewAdvice(f.engine, f.phase),
      };
    }
    case 'WORKER_SKEW': {
      const listed = f.workers.slice(0, 3).map((w) => `${sanitize(w.worker)} (${w.reason === 'idle-rank' ? `${w.idleRanks.map(rankLabel).join(', ')} idle` : `${w.maxRank === null ? '' : `${rankLabel(w.maxRank)} ${formatPercent(w.maxShare)} of ${formatInt(w.batches)} batches, `}peer balance ${formatRatio(w.peerBalance)}`})`);
      const more = f.workers.length > 3 ? `, and ${f.workers.length - 3} more` : '';
      return {
        message: `${phase}: ${f.workers.length} of ${f.workersJudged} workers ${f.workers.length === 1 ? 'is' : 'are'} skewed on ${f.workers.length === 1 ? 'its' : 'their'} own ranks: ${listed.join('; ')}${more}`,
        advice: 'Run with --by worker to see each worker\'s ranks; the sum over workers hides a worker whose own router or balancer misbehaves.',
      };
    }
    case 'LAYOUT_UNKNOWN':
      return {
        message:
          f.phase === null
            ? `${sanitize(f.worker ?? 'input')}: engine stats of ${f.ranks.map(rankLabel).join(', ')} only (${formatInt(f.lines)} samples), and nothing says how many DP ranks there are; no balance claimed`
            : `${phase}${where}: batch lines carry DP labels but only ${f.ranks.map(rankLabel).join(', ')} logged (${formatInt(f.lines)} lines) and nothing says how many ranks the worker has; no balance claimed`,
        advice: 'Pass --dp-size N, or include the worker\'s layout line (SGLang server_args, vLLM non-default args); a log cut by --since, rotation or grep loses it.',
      };
    case 'LAYOUT_CONFLICT':
      return {
        message: `${sanitize(f.worker ?? 'input')}: layout lines announce different dp_size values (${f.dpSizes.join(', ')}); the ranks of all of them are expected`,
        advice: 'A restart with another layout, or several servers in one log: split the log per server, or pass --dp-size.',
      };
    case 'IDLE_RANK':
      if (f.origin !== undefined) {
        return {
          message: `${sanitize(f.worker ?? 'input')}: ${f.idleRanks.map(rankLabel).join(', ')} had no request running or waiting in any scrape while the other ${f.ranks - f.idleRanks.length} of ${f.ranks} ranks had requests running in ${formatInt(f.total)} scrapes`,
          advice: 'An idle rank receives no requests: check the router\'s or the engine\'s rank selection, and that the scrape covers every rank\'s series.',
        };
      }
      return {
        message: `${phase}${where}: ${f.idleRanks.map(rankLabel).join(', ')} ran no batch while the other ${f.ranks - f.idleRanks.length} of ${f.ranks} ranks ran ${formatInt(f.total)}`,
        advice:
          'An idle rank either receives no requests or its log is missing: check that every node\'s log is included, then the router\'s rank selection.',
      };
    case 'QUEUE_SKEW':
      return {
        message: `${phase} queue${where} on ${rankLabel(f.rank)} stood at ${formatInt(f.p95)} requests or more on 5% of its ${f.origin === 'metrics' ? 'scrapes' : f.origin === 'mixed' ? 'samples' : 'lines'} (p95; peak ${formatInt(f.peak)}), ≥ ${f.factor}× the other ranks' median p95 (${formatRatio(f.othersMedianP95, 1)})`,
        advice: 'Requests pile up on one rank while others have room: the balancer is not following load.',
      };
    case 'INSUFFICIENT_DATA':
      switch (f.reason) {
        case 'no-batches':
          return {
            message: `${phase}${where}: no batch lines, nothing to judge`,
            advice: 'Check that the scheduler logs of these workers are included and that SGLang prints its batch lines.',
          };
        case 'too-few-batches':
          return {
            message: `${phase}${where}: ${formatInt(f.batches)} batches, fewer than the ${formatInt(f.required)} needed to judge balance; no verdict claimed`,
            advice: 'Analyse a longer run, or lower --min-batches / --min-batches-per-rank if you accept noisier verdicts.',
          };
        case 'not-significant':
          return {
            message: `${phase}${where}: peer balance ${formatRatio(f.peerBalance)} could be chance (χ² p = ${formatPValue(f.pValue)}); no skew verdict claimed`,
            advice: 'Collect more batches before concluding, or raise --alpha to accept weaker evidence.',
          };
      }
      break;
    case 'NO_RANK_LABELS':
      if (f.labelledLines > 0 && f.lines < f.labelledLines) {
        return {
          message: `${sanitize(f.worker ?? 'input')}: ${formatInt(f.lines)} ${f.phase ?? ''} batch lines carry no DP label among ${formatInt(f.labelledLines)} that do; counted apart (unattributed), as lines torn by concurrent writers`,
          advice: 'Torn lines cost only themselves; many of them mean the worker\'s processes interleave their writes (a line-buffered handler or one file per process avoids it).',
        };
      }
      return f.dpSize !== null && f.dpSize > 1
        ? {
            message: `${sanitize(f.worker ?? 'input')}: ${formatInt(f.lines)} ${f.phase ?? ''} batch lines carry no DP label although dp_size=${f.dpSize}; they are counted apart (unattributed)`,
            advice:
              'Under Dynamo set DYN_SKIP_SGLANG_LOG_FORMATTING=1 so SGLang keeps its "[time DPx TPy]" prefix; with SGLANG_LOGGING_CONFIG_PATH, keep the rank prefix in the format.',
          }
        : {
            message: `${sanitize(f.worker ?? 'input')}: ${formatInt(f.lines)} ${f.phase ?? ''} batch lines carry no DP label; counted as the worker's single rank DP0`,
            advice:
              'If this worker runs several DP ranks, pass --dp-size or include its server_args line; under Dynamo set DYN_SKIP_SGLANG_LOG_FORMATTING=1.',
          };
    case 'LOGGING_ARTIFACT':
      switch (f.kind) {
        case 'tp0-only-logging':
          return {
            message: `${sanitize(f.worker ?? 'input')}: only DP0 logs ${f.phase ?? ''} batches, in the pre-v0.4.1.post7 format: those SGLang versions log only global TP0 under dp-attention, so the other ranks' work is invisible`,
            advice: 'No skew verdict is drawn from this log. SGLang v0.4.1.post7+ logs one line per DP group.',
          };
        case 'prefill-server-without-prefill-lines':
          return {
            message: `${sanitize(f.worker ?? 'input')}: prefill server logged no Prefill batch line (SGLang v0.5.9 prints none in --disaggregation-mode prefill; fixed in v0.5.10rc0, sglang PR #19350)`,
            advice: 'Upgrade SGLang or judge prefill from router logs; here missing lines do not mean idle ranks.',
          };
        case 'dp-minus-one-label':
          return {
            message: `${sanitize(f.worker ?? 'input')}: ${formatInt(f.lines)} lines carry the "DP-1" label of SGLang v0.3.6, which means "no DP"; treated as unlabeled`,
            advice: 'Nothing to do; upgrade SGLang for real DP labels.',
          };
      }
      break;
    case 'UNPARSEABLE_LINES':
      return {
        message: `${formatInt(f.lines)} line${f.lines === 1 ? '' : 's'} looked like batch lines but could not be parsed; first reason: ${f.reason}`,
        advice: 'Torn or truncated lines from concurrent writers are normal in small numbers; many of them mean an unknown format, please report it.',
      };
    case 'NO_BATCH_LINES':
      return {
        message: `No per-rank evidence in ${formatInt(f.linesRead)} lines read: no batch lines (SGLang, TensorRT-LLM), engine stats (vLLM), routing decisions or request lines (Dynamo)`,
        advice:
          'Point dpskew at the engine workers\' own logs (SGLang scheduler .out/.err, vLLM engine logs, TensorRT-LLM iteration logs) or the Dynamo router/frontend logs; under Dynamo with SGLang set DYN_SKIP_SGLANG_LOG_FORMATTING=1. docs/formats.md lists the lines dpskew reads.',
      };
    case 'DP_RANK_PINNED':
      return {
        message: `Every one of ${formatInt(f.decisions)} routing decisions for worker ${sanitize(f.workerId || '(unnamed)')} carries ${rankLabel(f.rank)}${f.dpSize === null ? '' : ` although it has ${f.dpSize} ranks`}: the Dynamo PR #7984 signature`,
        advice:
          f.dpSize === null && f.level === 'warn'
            ? 'If these workers run several DP ranks (pass --dp-size to say so), the router is pinning them; in round-robin/random mode it should send dp_rank=None.'
            : 'The router sends a concrete rank where it should leave the choice to the engine (dp_rank=None); upgrade Dynamo past PR #7984 or check the router mode.',
      };
    case 'REQUESTED_RANK_PINNED':
      return {
        message: `${sanitize(f.worker ?? 'input')}: every one of ${formatInt(f.requests)} requests (${f.source}) that named a DP rank asked for ${rankLabel(f.rank)}${f.dpSize === null ? '' : ` although the server has ${f.dpSize} ranks`}`,
        advice: 'Something upstream (the router, a handler) pins requests to one rank; after the Dynamo PR #7984 fix they carry data_parallel_rank=None and the engine balances.',
      };
    case 'REQUESTS_NONE_SHARE':
      return {
        message: `${sanitize(f.worker ?? 'input')}: ${formatPercent(f.noneShare)} of ${formatInt(f.requests)} requests (${f.source}) carried no DP rank (None), leaving the choice to the engine`,
        advice: 'Information: None is what round-robin/random routing should send.',
      };
    case 'DP_RANK_SENTINEL':
      return {
        message: `${formatInt(f.decisions)} ${f.origin === 'requests' ? 'requests' : 'routing decisions'} carry the u32::MAX "no rank" sentinel as a dp_rank (${f.examples.map(sanitize).join(', ')})`,
        advice: 'An unset rank leaked through the transport as a number; engines may treat it as out of range or fall back to rank 0 (Dynamo PRs #6736, #7984).',
      };
    case 'ROUTING_EXECUTION_MISMATCH':
      return {
        message: `${rankLabel(f.rank)} got ${formatPercent(f.routedShare)} of routing decisions but ran ${formatPercent(f.executedShare)} of prefill batches (more than ${formatPercent(f.threshold, 0)} apart)`,
        advice: 'The engines do not follow the router\'s ranks: check that dp_rank reaches the engine (data_parallel_rank / routed_dp_rank) and that the logs cover the same workers and period.',
      };
    case 'ENGINE_SKEW': {
      const what = f.basis === 'running' ? 'Requests running' : f.origin === undefined ? 'Prefill tokens estimated from engine stats' : 'Prompt tokens counted by metrics (counter deltas)';
      const over = f.basis === 'running' ? ` (mean over ${f.origin === 'metrics' ? 'scrapes' : 'samples'})` : '';
      return {
        message: `${what}${where} are skewed across ${f.ranks} engines${over}: ${rankLabel(f.maxRank)} has ${formatPercent(f.maxShare)}, the others ${formatRatio(f.peerBalance)} of that each on average (peer balance, ${f.level} below ${f.threshold}; mean/max ${formatRatio(f.balance)})`,
        advice: engineSkewAdvice(f.engine, f.phase),
      };
    }
    case 'STATS_AGGREGATED':
      return {
        message: `${sanitize(f.worker ?? 'input')}: ${formatInt(f.lines)} vLLM stats lines are "N Engines Aggregated": per-rank data is absent`,
        advice: 'Run vLLM with --api-server-count 1 and without engine-aggregated logging, or enable --enable-logging-iteration-details for per-rank steps.',
      };
    case 'STATS_LOGGING_DISABLED':
      return {
        message: `${sanitize(f.worker ?? 'input')}: vLLM disabled stats logging because api_server_count > 1`,
        advice: 'Start vLLM with --api-server-count 1, or enable --enable-logging-iteration-details to get per-rank steps.',
      };
    case 'METRICS_WITHOUT_RANK':
      return {
        message: `${sanitize(f.worker ?? 'input')}: ${formatInt(f.samples)} ${sanitize(f.engine)} metric samples carry no DP-rank label, so they are one scheduler's numbers or all ranks' summed, and are not judged`,
        advice: METRICS_RANK_ADVICE[f.engine] ?? 'Scrape the engine\'s /metrics directly: a re-exporter that drops the rank label turns per-rank gauges into a sawtooth.',
      };
    case 'TTFT_SKEW':
      return {
        message: `Requests routed to ${rankLabel(f.rank)}${f.workerId === '' ? '' : ` of worker ${sanitize(f.workerId)}`} waited ${formatRatio(f.ratio)}× longer for their first token than on the other ${f.ranks - 1} ranks (TTFT p50 ${formatInt(f.ttftP50)} ms vs ${formatInt(f.othersP50)} ms, ${f.phase}; ${formatInt(f.requests)} of ${formatInt(f.totalRequests)} requests; warns at ${f.factor}×)`,
        advice: 'Requests queue on that rank: check how the router picks a DP rank (a rank pinned or favoured, Dynamo PR #7984) and that rank\'s load (QUEUE_SKEW, the engine-stats or metrics tables).',
      };
    case 'SINGLE_RANK_LOGGING':
      return {
        message: `${sanitize(f.worker ?? 'input')}: all ${formatInt(f.lines)} ${f.family} iteration lines come from one rank, so the other ranks' work is invisible${f.fetchedShare === null ? '' : `; that rank fetched ${formatPercent(f.fetchedShare)} of all requests (currank_total_requests; 1/dp is even)`}`,
        advice: 'Set TLLM_PROFILE_LOG_RANKS=all so every attention-DP rank prints its iteration log.',
      };
    case 'TOO_MANY_RANKS':
      return {
        message: `${phase}: ${formatInt(f.lines)} batch lines carry ranks beyond the first ${formatInt(f.limit)} distinct ones of a worker and were not counted`,
        advice: 'So many ranks means torn or garbled rank labels (or a format dpskew misreads): look at the lines with odd DP labels.',
      };
    case 'WINDOW_SKEW':
      return {
        message: `${phase} balance over time: ${formatPercent(f.skewedShare)} of active ${f.windowSeconds}-s windows are skewed (more than ${formatPercent(f.threshold, 0)}); worst at ${shortTime(f.worstStart)} with peer balance ${formatRatio(f.worstPeerBalance)}`,
        advice: 'Whole-run totals hide this: look at the windows around the worst one (--format json has them) and what the router did then.',
      };
    case 'IDLE_PERIOD': {
      const listed = f.ranks.slice(0, 3).map(
        (r) =>
          `${rankLabel(r.rank)} ran nothing for ${formatDuration(r.longest.seconds)} (${shortTime(r.longest.start)} – ${shortTime(r.longest.end)}) while the other ranks ${
            f.origin === 'metrics' ? `had requests running (${formatInt(r.longest.peerBatches)} rank-scrapes)` : `ran ${formatInt(r.longest.peerBatches)} batches`
          }${r.periods > 1 ? ` (${r.periods} periods, ${formatDuration(r.totalSeconds)} in all)` : ''}`,
      );
      const more = f.ranks.length - listed.length + f.moreRanks;
      return {
        message: `${f.origin === 'metrics' ? sanitize(f.worker ?? 'input') : phase}: ${listed.join('; ')}${more > 0 ? `; ${more} more rank${more === 1 ? '' : 's'} idled too` : ''}`,
        advice: 'Check those ranks\' schedulers at those times (stalls, errors, a restart) and whether the router stopped sending them requests.',
      };
    }
    case 'QUEUED_WHILE_PEER_IDLE':
      return {
        message: `${f.origin === undefined ? phase : sanitize(f.worker ?? 'input')}: in ${formatPercent(f.share)} of ${f.origin === undefined ? 'active windows' : 'scrapes'} (${formatInt(f.windows)}) one rank had requests queued while another ran nothing (above ${formatPercent(f.threshold, 0)})`,
        advice: 'Work waits on one rank while another has capacity: the balancer is not moving load (SGLang load-balance method, router dp_rank).',
      };
    case 'RUNNING_CEILING':
      return {
        message:
          f.origin === undefined
            ? `${phase}: ${rankLabel(f.rank)} held #running-req at exactly ${formatInt(f.running)} on all ${formatInt(f.queuedLines)} lines where requests were queued`
            : `${sanitize(f.worker ?? 'input')}: ${rankLabel(f.rank)} had exactly ${formatInt(f.running)} requests running in all ${formatInt(f.queuedLines)} scrapes where requests were waiting`,
        advice: 'A cap, not demand: check the running-request limit (SGLang --max-running-requests, vLLM --max-num-seqs) and KV-cache capacity for that rank (SGLang #30294).',
      };
  }
  return { message: f.code, advice: '' };
}

/** How to get per-rank series, per engine. */
const METRICS_RANK_ADVICE: Readonly<Record<string, string>> = {
  sglang: 'Start SGLang with --enable-metrics-for-all-schedulers: only then does every DP rank export its gauges, labelled dp_rank.',
  trtllm: 'TensorRT-LLM\'s Prometheus metrics have no attention-DP rank label: read the /metrics JSON with TLLM_METRICS_ALL_RANKS=1 (attentionDpRank), or the iteration log with TLLM_PROFILE_LOG_RANKS=all.',
  vllm: 'vLLM V1 labels every engine\'s gauges with engine="N": scrape the API server\'s /metrics itself, not a re-export that drops the label.',
};

/**
 * ENGINE_SKEW's advice, by the engine the samples come from: who places requests differs, and so
 * does how to get exact per-step counts (vLLM's iteration details, SGLang's batch lines).
 */
function engineSkewAdvice(engine: string | null, phase: Phase | null): string {
  const exact: Readonly<Record<string, string>> = {
    vllm: 'For exact per-step counts enable vLLM --enable-logging-iteration-details.',
    sglang: 'For exact per-batch counts read the SGLang schedulers\' own logs (their Prefill/Decode batch lines carry DP labels).',
    trtllm: 'For exact per-iteration counts read the iteration logs with TLLM_PROFILE_LOG_RANKS=all.',
  };
  const tail = engine === null ? '' : (exact[engine] ?? '');
  return tail === '' ? skewAdvice(engine, phase) : `${skewAdvice(engine, phase)} ${tail}`;
}

/** `2026-04-14T10:08:00.000Z` → `2026-04-14 10:08:00Z`. */
function shortTime(iso: string): string {
  return iso.length >= 19 ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z` : iso;
}

function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  const minutes = seconds / 60;
  return Number.isInteger(minutes) ? `${minutes} min` : `${minutes.toFixed(1)} min`;
}

/** "DP0 ran 99.2% (peer balance 0.00; mean/max 0.25)". */
function skewText(m: SkewMeasure): string {
  const top = m.maxRank === null ? '' : `${rankLabel(m.maxRank)} ran ${formatPercent(m.maxShare)}, `;
  return `${top}peer balance ${formatRatio(m.peerBalance)}${m.level === null && m.pValue !== null && m.pValue >= 0.001 ? ' (could be chance)' : ''}`;
}

/**
 * What to check, by the engine whose batches are skewed and the phase: who places requests on DP
 * ranks differs (the router, SGLang's or vLLM's balancer, TensorRT-LLM's attention-DP scheduler).
 */
export function skewAdvice(engine: string | null, phase: Phase | null): string {
  switch (engine) {
    case 'sglang':
      return phase === 'decode'
        ? 'Decode requests are placed on DP ranks by the decode server\'s balancer (--load-balance-method; round_robin by default in PD mode) unless the router sends a decode dp_rank: check both.'
        : 'Prefill ranks are chosen by the router (Dynamo PR #7984 pinned every prefill request to DP0) or by SGLang\'s balancer (--load-balance-method; in PD mode prefill follows bootstrap_room mod dp_size): check both, and explicit data_parallel_rank on requests.';
    case 'vllm':
      return 'vLLM places requests on DP engines in its load balancer (internal, or external/hybrid with one API server per rank): check the LB mode, that data_parallel_rank / X-data-parallel-rank carry global ranks, and whether a router pins one.';
    case 'trtllm':
      return 'TensorRT-LLM\'s attention-DP scheduler places requests: enable attention_dp_config.enable_balance (batching_wait_iters, timeout_iters) and check the router\'s rank choice.';
    default:
      return 'Check how requests pick a DP rank: the router, the engine\'s load balancer, and explicit ranks on requests.';
  }
}

/**
 * The verdict's reason in one sentence, for the first line of the human outputs: the first finding
 * at the verdict's level (findings are sorted worst first), in short form where one exists, e.g.
 * `prefill: DP0 took 99.2% of batches (peer balance 0.00); queue peaked at 771 on DP0`.
 */
export function verdictReason(report: Report): string {
  if (report.verdict === 'ok') {
    const judged = [report.prefill, report.decode].filter((p) => p.peerBalance !== null);
    if (judged.length === 0) return 'no skew found';
    return judged.map((p) => `${p.phase}: peer balance ${formatRatio(p.peerBalance)} over ${p.ranks?.length ?? p.groups.length} ${p.ranks === null ? 'workers' : 'ranks'}`).join('; ');
  }
  const level = report.verdict === 'insufficient' ? null : report.verdict;
  const first = report.findings.find((f) => (level === null ? f.code === 'INSUFFICIENT_DATA' || f.code === 'LAYOUT_UNKNOWN' || f.code === 'NO_BATCH_LINES' : f.level === level)) ?? report.findings[0];
  if (first === undefined) return '';
  if (first.code === 'BATCH_SKEW' && first.phase !== null) {
    // The measure that set the finding's level: batches when they did, else new tokens.
    const byTokens = first.tokens !== null && (first.basis === 'tokens' || (first.batches.level !== first.level && first.tokens.level === first.level));
    const measure = byTokens && first.tokens !== null ? first.tokens : first.batches;
    const what = byTokens ? 'new tokens' : 'batches';
    const who = first.worker === null ? '' : ` on ${sanitize(first.worker)}`;
    const took = measure.maxRank === null ? '' : `${rankLabel(measure.maxRank)} took ${formatPercent(measure.maxShare)} of ${what}${who} `;
    const peak = peakQueue(report[first.phase].ranks ?? []);
    return `${first.phase}: ${took}(peer balance ${formatRatio(measure.peerBalance)})${peak === null ? '' : `; queue peaked at ${formatInt(peak.queue)} on ${rankLabel(peak.rank)}`}`;
  }
  return describeFinding(first).message;
}

function peakQueue(ranks: readonly RankRow[]): { readonly rank: number; readonly queue: number } | null {
  let peak: { rank: number; queue: number } | null = null;
  for (const r of ranks) if (r.queue.max !== null && r.queue.max > 0 && (peak === null || r.queue.max > peak.queue)) peak = { rank: r.rank, queue: r.queue.max };
  return peak;
}

/**
 * The page's tables as data: each cell its text (formatted here, with the other renderers'
 * helpers) and its sort key. Log-derived text (worker, file and router names, log lines) goes
 * through `sanitize` like in every other format; the page's script only ever sets it as text.
 */
import type { EngineStatsGroup, EngineStatsRow, RankGroup, RankRow, Report } from '../../model/report.ts';
import { formatInt, formatNumber, formatPercent, formatRatio, rankLabel, sanitize } from '../format.ts';
import { formatAssertionValue } from '../table.ts';
import type { PageCell, PageTable } from './page-types.ts';

/** A column of a table whose cells may all be empty, in which case the column is left out. */
interface Column<Row> {
  readonly label: string;
  readonly numeric: boolean;
  readonly cell: (row: Row) => PageCell;
}

export function int(n: number | null): PageCell {
  return { text: formatInt(n), sort: n };
}

export function share(s: number | null, bar = false): PageCell {
  return bar && s !== null ? { text: formatPercent(s), sort: s, bar: s } : { text: formatPercent(s), sort: s };
}

export function mean(m: number | null): PageCell {
  return { text: formatNumber(m), sort: m };
}

export function text(t: string, sort: string | number | null = t): PageCell {
  return { text: t, sort };
}

/** A rank cell that sorts by number (DP10 after DP9). */
export function rank(r: number): PageCell {
  return { text: rankLabel(r), sort: r };
}

function time(iso: string | null): PageCell {
  return { text: iso === null ? '-' : `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`, sort: iso };
}

/** Build a table from columns, leaving out those whose every cell is empty (`-`). */
export function table<Row>(
  title: string,
  rows: readonly Row[],
  columns: ReadonlyArray<Column<Row>>,
  options: { readonly note?: string | null; readonly footer?: (columns: ReadonlyArray<Column<Row>>) => readonly PageCell[]; readonly sortable?: boolean } = {},
): PageTable {
  const kept = columns.filter((c, i) => i === 0 || rows.length === 0 || rows.some((row) => c.cell(row).sort !== null));
  return {
    title,
    note: options.note ?? null,
    columns: kept.map((c) => c.label),
    numeric: kept.map((c) => c.numeric),
    rows: rows.map((row) => kept.map((c) => c.cell(row))),
    footer: options.footer === undefined ? null : options.footer(kept),
    sortable: options.sortable ?? false,
  };
}

function col<Row>(label: string, numeric: boolean, cell: (row: Row) => PageCell): Column<Row> {
  return { label, numeric, cell };
}

/** One group's ranks: every number the report has for a rank; columns without data are left out. */
export function rankTable(title: string, group: RankGroup): PageTable {
  const columns: ReadonlyArray<Column<RankRow>> = [
    col('rank', false, (r) => rank(r.rank)),
    col('worker', false, (r) => (r.worker === null ? { text: '-', sort: null } : text(sanitize(r.worker)))),
    col('batches', true, (r) => int(r.batches)),
    col('share', true, (r) => share(r.share, true)),
    col('new tokens', true, (r) => int(r.newTokens)),
    col('token share', true, (r) => share(r.tokenShare, r.tokenShare !== null)),
    col('new seqs', true, (r) => int(r.newSeqs)),
    col('cached tokens', true, (r) => int(r.cachedTokens)),
    col('queue max', true, (r) => int(r.queue.max)),
    col('queue p50', true, (r) => int(r.queue.p50)),
    col('queue p95', true, (r) => int(r.queue.p95)),
    col('queue mean', true, (r) => mean(r.queue.mean)),
    col('running max', true, (r) => int(r.running.max)),
    col('running mean', true, (r) => mean(r.running.mean)),
    col('first batch', false, (r) => time(r.firstTime)),
    col('last batch', false, (r) => time(r.lastTime)),
  ];
  return table(title, group.ranks, columns, { sortable: true });
}

/** Routing decisions per rank next to the prefill batches each rank executed. */
export function routingTables(report: Report): PageTable[] {
  const r = report.routing;
  const executed = new Map<number, number>();
  for (const group of report.prefill.groups) for (const row of group.ranks) executed.set(row.rank, (executed.get(row.rank) ?? 0) + row.batches);
  const executedTotal = [...executed.values()].reduce((s, v) => s + v, 0);
  const ranks = [...new Set([...r.ranks.map((x) => x.rank), ...executed.keys()])].sort((a, b) => a - b);
  const routed = new Map(r.ranks.map((x) => [x.rank, x]));
  const rows = ranks.map((k) => {
    const exec = executed.get(k) ?? 0;
    const execShare = executedTotal === 0 ? null : exec / executedTotal;
    const routedShare = routed.get(k)?.share ?? (r.ranks.length === 0 ? null : 0);
    return { rank: k, decisions: routed.get(k)?.decisions ?? 0, routedShare, exec, execShare };
  });
  const perRank = table('Routing decisions vs executed prefill batches, by DP rank', rows, [
    col('rank', false, (x) => rank(x.rank)),
    col('routed', true, (x) => int(x.decisions)),
    col('routed share', true, (x) => share(x.routedShare, true)),
    col('executed batches', true, (x) => int(x.exec)),
    col('executed share', true, (x) => share(x.execShare, true)),
    col('difference', true, (x) => (x.routedShare === null || x.execShare === null ? { text: '-', sort: null } : { text: `${((x.execShare - x.routedShare) * 100).toFixed(1)} pt`, sort: x.execShare - x.routedShare })),
  ], {
    note: `${formatInt(r.decisions)} decisions; dp_rank=None ${formatInt(r.none)} (the engine chose), sentinel ${formatInt(r.sentinel)}, no dp_rank field ${formatInt(r.absent)}`,
    sortable: true,
  });
  const workers = table('Routing decisions by target worker', r.workers, [
    col('worker_id', false, (w) => text(w.workerId === '' ? '(none named)' : sanitize(w.workerId))),
    col('decisions', true, (w) => int(w.decisions)),
    col('ranks', false, (w) => text(w.ranks.map((x) => `${rankLabel(x.rank)} ${formatInt(x.decisions)}`).join(', ') || '-')),
    col('None', true, (w) => int(w.none)),
    col('sentinel', true, (w) => int(w.sentinel)),
    col('no field', true, (w) => int(w.absent)),
    col('router modes', false, (w) => text(w.routerModes.map(sanitize).join(', ') || '-')),
    col('first', false, (w) => time(w.firstTime)),
    col('last', false, (w) => time(w.lastTime)),
  ], { sortable: true });
  return [perRank, workers];
}

/** Per-request lines: how often each rank was asked for (and ran the request, when logged). */
export function requestTables(report: Report): PageTable[] {
  const out: PageTable[] = [];
  for (const src of report.requests.sources) {
    const asked = src.ranks.reduce((s, x) => s + x.requests, 0);
    const ran = src.executed.reduce((s, x) => s + x.requests, 0);
    const executed = new Map(src.executed.map((x) => [x.rank, x.requests]));
    const requested = new Map(src.ranks.map((x) => [x.rank, x.requests]));
    const ranks = [...new Set([...requested.keys(), ...executed.keys()])].sort((a, b) => a - b);
    out.push(
      table(`Requests by requested DP rank (${src.source})`, ranks, [
        col('rank', false, (k) => rank(k)),
        col('requested', true, (k) => int(requested.get(k) ?? 0)),
        col('requested share', true, (k) => share(asked === 0 ? null : (requested.get(k) ?? 0) / asked, true)),
        col('ran on', true, (k) => int(src.executed.length === 0 ? null : (executed.get(k) ?? 0))),
        col('ran share', true, (k) => share(ran === 0 ? null : (executed.get(k) ?? 0) / ran, true)),
      ], {
        note: `${formatInt(src.lines)} lines; no rank asked for (None) ${formatInt(src.none)}${src.noneShare === null ? '' : ` (${formatPercent(src.noneShare)})`}, sentinel ${formatInt(src.sentinel)}, no dp_rank ${formatInt(src.absent)}`,
        sortable: true,
      }),
    );
  }
  const implied = report.requests.impliedByRoom;
  if (implied !== null) {
    const total = implied.ranks.reduce((s, x) => s + x.requests, 0);
    out.push(
      table(`Rank implied by bootstrap_room mod ${implied.dpSize} (an inference, not a logged fact)`, implied.ranks, [
        col('rank', false, (x) => rank(x.rank)),
        col('requests', true, (x) => int(x.requests)),
        col('share', true, (x) => share(total === 0 ? null : x.requests / total, true)),
      ], { note: `${formatInt(implied.rooms)} rooms`, sortable: true }),
    );
  }
  return out;
}

/** vLLM engine stats: one table per group (all workers, or each worker with --by worker). */
export function engineStatsTables(report: Report): PageTable[] {
  return report.engineStats.groups.map((g: EngineStatsGroup) =>
    table(`${g.origin === undefined ? 'vLLM engine stats' : 'Engine metrics'} by DP rank${g.worker === null ? '' : ` — ${sanitize(g.worker)}`}`, g.ranks, [
      col('rank', false, (r) => rank(r.rank)),
      col('worker', false, (r) => (r.worker === null ? { text: '-', sort: null } : text(sanitize(r.worker)))),
      col('samples', true, (r) => int(r.samples)),
      col('prompt tokens (est.)', true, (r) => int(r.promptTokens)),
      col('prompt share', true, (r) => share(r.promptShare, true)),
      col('waiting max', true, (r) => int(r.waiting.max)),
      col('waiting p50', true, (r) => int(r.waiting.p50)),
      col('waiting p95', true, (r) => int(r.waiting.p95)),
      col('waiting mean', true, (r) => mean(r.waiting.mean)),
      col('running max', true, (r) => int(r.running.max)),
      col('running mean', true, (r) => mean(r.running.mean)),
      // KV-cache usage only where a metrics dump carried it: stats-line tables keep their columns.
      ...(g.ranks.some((r) => r.kvUsage !== undefined) ? [col('KV max', true, (r: EngineStatsRow) => share(r.kvUsage?.max ?? null)), col('KV mean', true, (r: EngineStatsRow) => share(r.kvUsage?.mean ?? null))] : []),
      col('first', false, (r) => time(r.firstTime)),
      col('last', false, (r) => time(r.lastTime)),
    ], {
      note: `prompt-token peer balance ${formatRatio(g.promptTokens.peerBalance)} · balance ${formatRatio(g.promptTokens.balance)} · ${formatInt(report.engineStats.samples)} samples${report.engineStats.aggregatedLines > 0 ? ` · ${formatInt(report.engineStats.aggregatedLines)} aggregated lines without per-rank data` : ''}`,
      sortable: true,
    }),
  );
}

export function assertionTable(report: Report): PageTable {
  return table('Assertions', report.assertions, [
    col('result', false, (a) => text(a.passed ? 'pass' : a.level)),
    col('assertion', false, (a) => text(sanitize(a.expression))),
    col('value', true, (a) => (a.actual === null ? { text: 'no data', sort: null } : { text: formatAssertionValue(a.actual), sort: a.actual })),
  ]);
}

export function workerTable(report: Report): PageTable {
  return table('Workers', report.workers, [
    col('worker', false, (w) => text(sanitize(w.name))),
    col('role', false, (w) => text(`${w.role}${w.roleSource === 'none' ? '' : ` (${w.roleSource})`}`, w.role)),
    col('dp_size', true, (w) => ({ text: w.dpSize === null ? '-' : `${w.dpSize} (${w.dpSizeSource}${w.inferredFrom === null ? '' : `: ${w.inferredFrom}`})`, sort: w.dpSize })),
    col('tp', true, (w) => int(w.tpSize)),
    col('pp', true, (w) => int(w.ppSize)),
    col('ep', true, (w) => int(w.epSize)),
    col('dp attention', false, (w) => (w.enableDpAttention === null ? { text: '-', sort: null } : text(w.enableDpAttention ? 'yes' : 'no'))),
    col('disaggregation', false, (w) => (w.disaggregationMode === null ? { text: '-', sort: null } : text(sanitize(w.disaggregationMode)))),
    col('prefill batches', true, (w) => int(w.prefillBatches)),
    col('decode batches', true, (w) => int(w.decodeBatches)),
    col('inputs', true, (w) => int(w.inputs.length)),
  ], { sortable: true });
}

/** Inputs and their line accounting, with a totals row; the unparseable examples; files left out. */
export function inputTables(report: Report): PageTable[] {
  const t = report.totals;
  const accounting = table('Inputs and line accounting', report.inputs, [
    col('input', false, (i) => text(sanitize(i.name))),
    col('worker', false, (i) => text(sanitize(i.worker))),
    col('bytes', true, (i) => ({ text: `${formatBytes(i.bytes)}${i.gzip ? ' gz' : ''}`, sort: i.bytes })),
    col('lines', true, (i) => int(i.lines.linesRead)),
    col('recognised', true, (i) => int(i.lines.recognised)),
    col('batch', true, (i) => int(i.lines.batchLines)),
    col('layout', true, (i) => int(i.lines.layoutLines)),
    col('out of range', true, (i) => int(i.lines.outOfRange)),
    col('ignored', true, (i) => int(i.lines.ignored)),
    col('unparseable', true, (i) => int(i.lines.unparseable)),
    col('oversized', true, (i) => int(i.lines.oversized)),
    col('invalid UTF-8', true, (i) => int(i.lines.invalidUtf8)),
    col('families', false, (i) => text(Object.entries(i.families).map(([k, v]) => `${sanitize(k)} ${formatInt(v)}`).join(', ') || '-')),
    col('error', false, (i) => (i.error === null ? { text: '-', sort: null } : text(sanitize(i.error)))),
  ], {
    note: 'lines = recognised + ignored + unparseable + oversized; recognised includes out of range',
    sortable: true,
    footer: (columns) =>
      columns.map((c) => {
        const totals: Readonly<Record<string, PageCell>> = {
          input: text(`${formatInt(t.inputs)} inputs`),
          bytes: { text: formatBytes(t.bytes), sort: t.bytes },
          lines: int(t.linesRead),
          recognised: int(t.recognised),
          batch: int(t.batchLines),
          layout: int(t.layoutLines),
          'out of range': int(t.outOfRange),
          ignored: int(t.ignored),
          unparseable: int(t.unparseable),
          oversized: int(t.oversized),
          'invalid UTF-8': int(t.invalidUtf8),
        };
        return totals[c.label] ?? text('');
      }),
  });
  const out = [accounting];
  const examples = report.inputs.filter((i) => i.unparseableExample !== null);
  if (examples.length > 0) {
    out.push(
      table('First unparseable line of each input', examples, [
        col('input', false, (i) => text(sanitize(i.name))),
        col('reason', false, (i) => text(sanitize(i.unparseableExample?.reason ?? ''))),
        col('line', false, (i) => text(sanitize(i.unparseableExample?.line ?? ''))),
      ]),
    );
  }
  const left = [
    ...report.skippedFiles.map((name) => ({ name, why: 'not a log name' })),
    ...report.duplicateInputs.map((d) => ({ name: d.name, why: `same file as ${sanitize(d.sameAs)}` })),
  ];
  if (left.length > 0) {
    out.push(table('Files not read', left, [col('file', false, (f) => text(sanitize(f.name))), col('why', false, (f) => text(f.why))]));
  }
  return out;
}

export function thresholdTable(report: Report): PageTable {
  return table('Thresholds', Object.entries(report.thresholds), [col('threshold', false, ([k]) => text(k)), col('value', true, ([, v]) => ({ text: String(v), sort: v }))]);
}

/** `2656479` → `2.5 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit] ?? 'TiB'}`;
}

/**
 * Log envelopes: what wraps a log line without changing it.
 *
 * - ANSI colour codes, including the form whose ESC byte was lost when the log was pasted
 *   (`[2m…[0m`): `stripAnsi`.
 * - Source marks, put in front of each line by the tools that interleave many workers in one
 *   stream. Each names the line's source (the worker it came from) and says where the line itself
 *   starts: `createEnvelopeMatcher`, one byte-level matcher per kind, and `detectEnvelope`, which
 *   tells the kind from the first lines of an input. The formats, as the tools write them:
 *   - `kubectl` — `kubectl logs --prefix`: `[pod/NAME/CONTAINER] line` (kubectl
 *     `pkg/cmd/logs/logs.go`, `fmt.Sprintf("[pod/%s/%s] ", …)`); the source is the pod.
 *   - `stern`, `stern-ns` — stern's default template `{{color .PodColor .PodName}} {{color
 *     .ContainerColor .ContainerName}} {{.Message}}`, with `{{.Namespace}} ` in front when several
 *     namespaces are tailed (`stern-ns`); each name in an SGR colour (`ESC[96m…ESC[0m`) or not
 *     (`--color never`, or piped). The source is the pod.
 *   - `logcli` — Grafana Loki `logcli query` default output: `<RFC3339> {labels} line`, the
 *     labels padded with spaces to the widest set (`pkg/logcli/output/default.go`); labels are Go's
 *     `{a="b", c="d"}`. The source is the `pod` label, or the label set when there is none; the
 *     leading time is the line's time when the line has none of its own.
 *   - `compose` — `docker compose logs`: `NAME<padding> | line` (`cmd/formatter/logs.go`, `"%-*s |"`),
 *     colour optional. The source is the container (or service) name.
 *   - `srun` — `srun -l` / `--label`: `%*d: ` (task id padded to the widest), or `P<n> %*d: ` for a
 *     heterogeneous job (Slurm `_build_label`). The source is the task; the label stays on the line
 *     (every parser already reads past it, as it did before splitting).
 *   - `journal` — journalctl's default `short` format: `Mmm dd hh:mm:ss HOST UNIT[PID]: line`. The
 *     source is HOST and UNIT (the PID changes with every restart).
 *   - `logcli-jsonl` — `logcli query --output=jsonl`: `{"labels":{…},"line":"…","timestamp":"…"}`.
 *   - `es-ndjson` — one JSON document a line: Elasticsearch/OpenSearch hits (`{"_index":…,
 *     "_source":{…}}`, as elasticdump writes them) or their `_source` documents alone.
 *   - `loki-json`, `es-json` — whole JSON documents: Loki's `query_range` response
 *     (`data.result[].stream` + `values`) and a search response (`hits.hits[]._source`).
 *   - `regex` — `--split <regex>`: the user's pattern, with a `(?<source>…)` group.
 */

// SGR sequences with ESC, and other CSI sequences (cursor moves from progress bars).
// eslint-disable-next-line no-control-regex -- matching ESC is the point
const ANSI_CSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
// ESC-less SGR remnants: `[0m`, `[2m`, `[1;36m`. A rank bracket (`[DP0 TP0]`) or a timestamp
// (`[2026-…`) never has digits followed directly by `m`.
const BARE_SGR = /\[(?:\d{1,3}(?:;\d{1,3})*)?m/g;
const MAYBE_BARE_SGR = /\[\d{0,3}(?:;\d{1,3})*m/;

/**
 * Whether some `[` in `text` is followed by digits and `;`s, then `m`, as every ESC-less SGR
 * remnant is (MAYBE_BARE_SGR, without its digit-count bounds): a cheaper first test than the
 * regex, which scans every line whose brackets hold words (`[core.py:900]`, vLLM's every line) or
 * dates (`[04/14/2026-10:00:23]`, TensorRT-LLM's every line) to no avail.
 */
function sgrCanStart(text: string): boolean {
  // `at` ends past the `[`, on the first byte after its digits: the next `[` may be that byte.
  for (let at = text.indexOf('['); at !== -1; at = text.indexOf('[', at)) {
    let next = text.charCodeAt(++at);
    while ((next >= 0x30 && next <= 0x39) || next === 0x3b) next = text.charCodeAt(++at);
    if (next === 0x6d) return true;
  }
  return false;
}

/**
 * `line` without colour codes; the same string (no allocation) when it has none. Removal repeats
 * until nothing is left to remove (`[[0mm` → `[m` → ``), so stripping twice equals stripping once.
 */
export function stripAnsi(line: string): string {
  let out = line.includes('\x1b') ? line.replace(ANSI_CSI, '') : line;
  if (!sgrCanStart(out) || !MAYBE_BARE_SGR.test(out)) return out;
  for (;;) {
    const next = out.replace(BARE_SGR, '');
    if (next === out) return out;
    out = next;
  }
}

/**
 * `raw` without colour codes, for a parser with these needles; null when stripping changed it and
 * `raw` holds none of them: a needle that only stripping makes is none (LineParser.needles, the
 * reader offers a line by its bytes). No cost beyond stripAnsi on a line without colour.
 */
export function stripAnsiHolding(raw: string, needles: readonly string[]): string | null {
  const line = stripAnsi(raw);
  return line === raw || needles.some((n) => raw.includes(n)) ? line : null;
}

/** Envelopes read line by line from bytes (`createEnvelopeMatcher`). */
export const LINE_ENVELOPES = ['kubectl', 'stern', 'stern-ns', 'logcli', 'compose', 'srun', 'journal'] as const;
export type LineEnvelope = (typeof LINE_ENVELOPES)[number];
/** Exports with one JSON document a line (`decodeJsonLine`). */
export type JsonLineEnvelope = 'logcli-jsonl' | 'es-ndjson';
/** Exports that are one JSON document (read by input/exports.ts). */
export type JsonDocumentEnvelope = 'loki-json' | 'es-json';
export type EnvelopeKind = LineEnvelope | JsonLineEnvelope | JsonDocumentEnvelope | 'regex';

/** How an input is split: the kind of its source marks, and for `regex` the user's pattern. Plain data (sent to worker threads). */
export type SplitSpec = { readonly kind: Exclude<EnvelopeKind, 'regex'> } | { readonly kind: 'regex'; readonly pattern: string };

/** The group of a `--split` pattern that names the source. */
export const SOURCE_GROUP = 'source';

export function isLineEnvelope(kind: EnvelopeKind): kind is LineEnvelope {
  return LINE_ENVELOPES.some((k) => k === kind);
}

export function isJsonLineEnvelope(kind: EnvelopeKind): kind is JsonLineEnvelope {
  return kind === 'logcli-jsonl' || kind === 'es-ndjson';
}

/**
 * Where a line's envelope puts things, filled in by a matcher (one object, reused for every line).
 * The source is bytes `[keyStart, keyEnd)` of the line, or `keyText` when it is not a plain run of
 * the line's bytes; an empty key means the envelope names no source (Loki's `{}`). The line itself
 * starts at `bodyStart`. `[timeStart, timeEnd)` is a time the envelope carries (logcli), or -1.
 */
export interface EnvelopeMatch {
  keyStart: number;
  keyEnd: number;
  keyText: string | null;
  bodyStart: number;
  timeStart: number;
  timeEnd: number;
}

export function emptyMatch(): EnvelopeMatch {
  return { keyStart: 0, keyEnd: 0, keyText: null, bodyStart: 0, timeStart: -1, timeEnd: -1 };
}

/** Matches the envelope at the start of the line `bytes[start, end)` (`end` at its `\n`); false when the line has none. */
export type EnvelopeMatcher = (bytes: Uint8Array, start: number, end: number, out: EnvelopeMatch) => boolean;

/** Longest name read in an envelope (a DNS subdomain, as pod names are, is at most 253 bytes). */
const MAX_NAME = 256;
/** Longest envelope: a line past the line bound by at most this much may still hold a line within it. */
export const MAX_ENVELOPE_BYTES = 4096;

const SPACE = 0x20;
const ESC = 0x1b;

/** The byte-level matcher of a line envelope (or of `--split <regex>`, compiled by the caller). */
export function createEnvelopeMatcher(kind: LineEnvelope): EnvelopeMatcher;
export function createEnvelopeMatcher(kind: 'regex', pattern: RegExp): EnvelopeMatcher;
export function createEnvelopeMatcher(kind: LineEnvelope | 'regex', pattern?: RegExp): EnvelopeMatcher {
  switch (kind) {
    case 'kubectl':
      return matchKubectl;
    case 'stern':
      return (b, s, e, out) => matchStern(b, s, e, out, 2);
    case 'stern-ns':
      return (b, s, e, out) => matchStern(b, s, e, out, 3);
    case 'logcli':
      return matchLogcli;
    case 'compose':
      return matchCompose;
    case 'srun':
      return matchSrun;
    case 'journal':
      return matchJournal;
    case 'regex':
      return regexMatcher(pattern ?? /(?!)/y);
  }
}

function set(out: EnvelopeMatch, keyStart: number, keyEnd: number, bodyStart: number): true {
  out.keyStart = keyStart;
  out.keyEnd = keyEnd;
  out.keyText = null;
  out.bodyStart = bodyStart;
  out.timeStart = -1;
  out.timeEnd = -1;
  return true;
}

/** `[pod/NAME/CONTAINER] ` */
function matchKubectl(b: Uint8Array, s: number, e: number, out: EnvelopeMatch): boolean {
  if (e - s < 8 || b[s] !== 0x5b || b[s + 1] !== 0x70 || b[s + 2] !== 0x6f || b[s + 3] !== 0x64 || b[s + 4] !== 0x2f) return false;
  const keyStart = s + 5;
  let i = keyStart;
  let limit = Math.min(e, i + MAX_NAME);
  while (i < limit && b[i] !== 0x2f && b[i] !== 0x5d && b[i] !== SPACE) i++;
  if (i === keyStart || i >= limit || b[i] !== 0x2f) return false;
  const keyEnd = i++;
  limit = Math.min(e, i + MAX_NAME);
  while (i < limit && b[i] !== 0x5d && b[i] !== SPACE) i++;
  if (i + 1 >= e || b[i] !== 0x5d || b[i + 1] !== SPACE) return false;
  return set(out, keyStart, keyEnd, i + 2);
}

/** Past an SGR sequence (`ESC[…m`) at `i`, or `i` when there is none; -1 for a broken one. */
function skipSgr(b: Uint8Array, i: number, e: number): number {
  if (b[i] !== ESC) return i;
  if (b[i + 1] !== 0x5b) return -1;
  const limit = Math.min(e, i + 16);
  for (let j = i + 2; j < limit; j++) {
    const c = b[j] ?? 0;
    if (c === 0x6d) return j + 1;
    if (c !== 0x3b && (c < 0x30 || c > 0x39)) return -1;
  }
  return -1;
}

/** A lower-case DNS name character (`a-z0-9.-`), as Kubernetes names are made of. */
function isNameByte(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
}

/**
 * stern's columns: `n` names (namespace, pod, container, or pod, container), each coloured or
 * not, each followed by a space. Fills `spans` with each name's [start, end); returns where the
 * message starts, or -1.
 */
function sternColumns(b: Uint8Array, s: number, e: number, n: number, spans: number[]): number {
  let i = s;
  for (let k = 0; k < n; k++) {
    i = skipSgr(b, i, e);
    if (i < 0) return -1;
    const start = i;
    const limit = Math.min(e, i + MAX_NAME);
    while (i < limit && isNameByte(b[i] ?? 0)) i++;
    if (i === start) return -1;
    spans[2 * k] = start;
    spans[2 * k + 1] = i;
    i = skipSgr(b, i, e);
    if (i < 0 || i >= e || b[i] !== SPACE) return -1;
    i++;
  }
  return i;
}

/** stern: the source is the pod, the last name but one. */
function matchStern(b: Uint8Array, s: number, e: number, out: EnvelopeMatch, n: number): boolean {
  const spans = STERN_SPANS;
  const body = sternColumns(b, s, e, n, spans);
  if (body < 0) return false;
  return set(out, spans[2 * n - 4] ?? s, spans[2 * n - 3] ?? s, body);
}

const STERN_SPANS: number[] = [0, 0, 0, 0, 0, 0];

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function digits(b: Uint8Array, i: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (!isDigit(b[i + k])) return false;
  return true;
}

/** The end of an RFC 3339 time at `i` (`2026-04-14T09:57:22[.f…](Z|±hh:mm)`), or -1. */
function rfc3339End(b: Uint8Array, i: number, e: number): number {
  if (i + 20 > e || !digits(b, i, 4) || b[i + 4] !== 0x2d || !digits(b, i + 5, 2) || b[i + 7] !== 0x2d || !digits(b, i + 8, 2) || b[i + 10] !== 0x54) return -1;
  if (!digits(b, i + 11, 2) || b[i + 13] !== 0x3a || !digits(b, i + 14, 2) || b[i + 16] !== 0x3a || !digits(b, i + 17, 2)) return -1;
  let j = i + 19;
  if (b[j] === 0x2e) {
    j++;
    while (j < e && isDigit(b[j])) j++;
  }
  if (b[j] === 0x5a) return j + 1;
  if ((b[j] === 0x2b || b[j] === 0x2d) && j + 6 <= e && digits(b, j + 1, 2) && b[j + 3] === 0x3a && digits(b, j + 4, 2)) return j + 6;
  return -1;
}

/**
 * The time logcli writes first on a line (past its colour), into `out.timeStart`/`timeEnd`; false
 * when the line does not start with one. What follows it is the same on every line of a stream.
 */
export function matchLogcliTime(b: Uint8Array, s: number, e: number, out: EnvelopeMatch): boolean {
  const i = skipSgr(b, s, e);
  if (i < 0) return false;
  const timeEnd = rfc3339End(b, i, e);
  if (timeEnd < 0) return false;
  out.timeStart = i;
  out.timeEnd = timeEnd;
  return true;
}

/** `<RFC3339> {labels}<padding> line`, with or without logcli's colours. */
function matchLogcli(b: Uint8Array, s: number, e: number, out: EnvelopeMatch): boolean {
  if (!matchLogcliTime(b, s, e, out)) return false;
  const timeStart = out.timeStart;
  const timeEnd = out.timeEnd;
  let i = skipSgr(b, timeEnd, e);
  if (i < 0 || b[i] !== SPACE) return false;
  i = skipSgr(b, i + 1, e);
  if (i < 0 || b[i] !== 0x7b) return false;
  const labelsStart = i;
  i++;
  let podStart = -1;
  let podEnd = -1;
  let podEscaped = false;
  // name="value", … } with Go-quoted values.
  while (i < e && b[i] !== 0x7d) {
    const nameStart = i;
    while (i < e && b[i] !== 0x3d && b[i] !== 0x7d) i++;
    if (b[i] !== 0x3d || b[i + 1] !== 0x22) return false;
    const isPod = i - nameStart === 3 && b[nameStart] === 0x70 && b[nameStart + 1] === 0x6f && b[nameStart + 2] === 0x64;
    i += 2;
    const valueStart = i;
    let escaped = false;
    while (i < e && b[i] !== 0x22) {
      if (b[i] === 0x5c) {
        escaped = true;
        i++;
      }
      i++;
    }
    if (i >= e) return false;
    if (isPod) {
      podStart = valueStart;
      podEnd = i;
      podEscaped = escaped;
    }
    i++;
    if (b[i] === 0x2c && b[i + 1] === SPACE) i += 2;
    else if (b[i] !== 0x7d) return false;
  }
  if (i >= e) return false;
  const labelsEnd = i + 1;
  i = skipSgr(b, labelsEnd, e);
  if (i < 0 || i >= e || b[i] !== SPACE) return false;
  while (i < e && b[i] === SPACE) i++;
  if (podStart >= 0) set(out, podStart, podEnd, i);
  else if (labelsEnd - labelsStart === 2) set(out, labelsStart, labelsStart, i);
  else set(out, labelsStart, labelsEnd, i);
  if (podEscaped) out.keyText = unquoteGo(b, podStart, podEnd);
  out.timeStart = timeStart;
  out.timeEnd = timeEnd;
  return true;
}

/** A Go-quoted string's contents (`strconv.Quote` writes what JSON reads, for the escapes names can hold). */
function unquoteGo(b: Uint8Array, start: number, end: number): string {
  const text = new TextDecoder().decode(b.subarray(start, end));
  try {
    const value: unknown = JSON.parse(`"${text}"`);
    return typeof value === 'string' ? value : text;
  } catch {
    return text;
  }
}

/** `NAME<padding> | line`, with or without colour around `NAME<padding> |`. */
function matchCompose(b: Uint8Array, s: number, e: number, out: EnvelopeMatch): boolean {
  let i = skipSgr(b, s, e);
  if (i < 0) return false;
  const keyStart = i;
  const limit = Math.min(e, i + MAX_NAME);
  for (; i < limit; i++) {
    const c = b[i] ?? 0;
    const name = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || isDigit(c) || c === 0x2d || c === 0x2e || c === 0x5f;
    if (!name) break;
  }
  const keyEnd = i;
  if (keyEnd === keyStart || b[i] !== SPACE) return false;
  while (i < e && b[i] === SPACE) i++;
  if (b[i] !== 0x7c) return false;
  i = skipSgr(b, i + 1, e);
  if (i < 0 || i >= e || b[i] !== SPACE) return false;
  return set(out, keyStart, keyEnd, i + 1);
}

/** ` 3: line` or `P1  3: line`; the label stays on the line. */
function matchSrun(b: Uint8Array, s: number, e: number, out: EnvelopeMatch): boolean {
  let i = s;
  let pack = -1;
  if (b[i] === 0x50) {
    i++;
    const packStart = i;
    while (i < e && i - packStart < 8 && isDigit(b[i])) i++;
    if (i === packStart || b[i] !== SPACE) return false;
    pack = Number(new TextDecoder().decode(b.subarray(packStart, i)));
  }
  while (i < e && i - s < 16 && b[i] === SPACE) i++;
  const keyStart = i;
  while (i < e && i - keyStart < 8 && isDigit(b[i])) i++;
  if (i === keyStart || b[i] !== 0x3a || b[i + 1] !== SPACE) return false;
  set(out, keyStart, i, s);
  if (pack >= 0) out.keyText = `P${pack}.${new TextDecoder().decode(b.subarray(keyStart, i))}`;
  return true;
}

/** `Apr 14 09:57:22 HOST UNIT[PID]: line`: the source is `HOST UNIT`. */
function matchJournal(b: Uint8Array, s: number, e: number, out: EnvelopeMatch): boolean {
  const c0 = b[s] ?? 0;
  if (e - s < 20 || c0 < 0x41 || c0 > 0x5a || !isLower(b[s + 1]) || !isLower(b[s + 2]) || b[s + 3] !== SPACE) return false;
  if ((b[s + 4] !== SPACE && !isDigit(b[s + 4])) || !isDigit(b[s + 5]) || b[s + 6] !== SPACE) return false;
  if (!digits(b, s + 7, 2) || b[s + 9] !== 0x3a || !digits(b, s + 10, 2) || b[s + 12] !== 0x3a || !digits(b, s + 13, 2) || b[s + 15] !== SPACE) return false;
  let i = s + 16;
  const keyStart = i;
  const limit = Math.min(e, i + MAX_NAME);
  while (i < limit && b[i] !== SPACE) i++;
  if (i === keyStart || b[i] !== SPACE) return false;
  i++;
  const unitStart = i;
  const unitLimit = Math.min(e, i + MAX_NAME);
  while (i < unitLimit && b[i] !== SPACE && b[i] !== 0x5b && b[i] !== 0x3a) i++;
  if (i === unitStart) return false;
  const keyEnd = i;
  if (b[i] === 0x5b) {
    i++;
    while (i < e && isDigit(b[i])) i++;
    if (b[i] !== 0x5d) return false;
    i++;
  }
  if (b[i] !== 0x3a || b[i + 1] !== SPACE) return false;
  return set(out, keyStart, keyEnd, i + 2);
}

function isLower(c: number | undefined): boolean {
  return c !== undefined && c >= 0x61 && c <= 0x7a;
}

/** Bytes of a line a `--split` pattern is matched against: the envelope is at its start. */
const REGEX_WINDOW = MAX_ENVELOPE_BYTES;

/** `--split <regex>`: matched at the start of the line (sticky); what it matched is removed, `(?<source>…)` names the source. */
function regexMatcher(pattern: RegExp): EnvelopeMatcher {
  const decoder = new TextDecoder();
  return (b, s, e, out) => {
    const text = decoder.decode(b.subarray(s, Math.min(e, s + REGEX_WINDOW)));
    pattern.lastIndex = 0;
    const m = pattern.exec(text);
    const source = m?.groups?.[SOURCE_GROUP];
    if (m === null || source === undefined) return false;
    set(out, s, s, s + Buffer.byteLength(m[0]));
    out.keyText = source;
    return true;
  };
}

/**
 * Whether a line carries a clock time of its own (`hh:mm:ss` in its first bytes: SGLang's
 * bracket, vLLM's and TensorRT-LLM's headers, ISO stamps all have one), so that a time from the
 * envelope is not needed.
 */
export function hasOwnTime(b: Uint8Array, start: number, end: number): boolean {
  const limit = Math.min(end, start + OWN_TIME_WINDOW) - 7;
  for (let i = start; i < limit; i++) {
    if (b[i + 2] === 0x3a && b[i + 5] === 0x3a && isDigit(b[i]) && isDigit(b[i + 1]) && isDigit(b[i + 3]) && isDigit(b[i + 4]) && isDigit(b[i + 6]) && isDigit(b[i + 7])) return true;
  }
  return false;
}

/** How far into a line its own time is looked for. */
const OWN_TIME_WINDOW = 64;

// ---------------------------------------------------------------------------------- JSON exports

/** One log line of an export: its source (`''`: none named), text, and the time the store gave it (ISO 8601), if any. */
export interface ExportRecord {
  readonly source: string;
  readonly message: string;
  readonly time: string | null;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The value at a dotted path, whether the document nests its objects (`{"kubernetes":{"pod":
 * {"name":…}}}`, Filebeat) or flattens their keys (`{"kubernetes.pod.name":…}`), or mixes both.
 */
export function valueAt(doc: unknown, path: string): unknown {
  if (!isObject(doc)) return undefined;
  if (Object.hasOwn(doc, path)) return doc[path];
  for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', dot + 1)) {
    const head = path.slice(0, dot);
    if (!Object.hasOwn(doc, head)) continue;
    const found = valueAt(doc[head], path.slice(dot + 1));
    if (found !== undefined) return found;
  }
  return undefined;
}

function firstString(doc: unknown, paths: readonly string[]): string | null {
  for (const path of paths) {
    const value = valueAt(doc, path);
    if (typeof value === 'string') return value;
  }
  return null;
}

/** Where log shippers put the line: Filebeat/Elastic Agent `message`, Fluent Bit/Fluentd `log`, OpenTelemetry `body`. */
const MESSAGE_FIELDS = ['message', 'log', 'body.text', 'body', 'event.original'];
/**
 * Where they put the pod: Filebeat/Elastic Agent `kubernetes.pod.name`, Fluent Bit/Fluentd
 * `kubernetes.pod_name`, OpenTelemetry `k8s.pod.name` (also under `resource.attributes`).
 */
const POD_FIELDS = ['kubernetes.pod.name', 'kubernetes.pod_name', 'k8s.pod.name', 'resource.attributes.k8s.pod.name'];
/** Without a pod, the container (Docker, no Kubernetes). */
const CONTAINER_FIELDS = ['kubernetes.container.name', 'kubernetes.container_name', 'container.name', 'k8s.container.name', 'resource.attributes.k8s.container.name', 'container_name'];
const TIME_FIELDS = ['@timestamp', 'timestamp', 'time'];

/** A log document as Elasticsearch/OpenSearch keep it (`_source`), or null when it holds no log line. */
export function sourceDocRecord(doc: unknown): ExportRecord | null {
  const message = firstString(doc, MESSAGE_FIELDS);
  if (message === null) return null;
  const source = firstString(doc, POD_FIELDS) ?? firstString(doc, CONTAINER_FIELDS) ?? '';
  return { source, message, time: firstString(doc, TIME_FIELDS) };
}

/** A search hit (`{"_source":{…}}`) or a `_source` document itself. */
export function hitRecord(doc: unknown): ExportRecord | null {
  const source = valueAt(doc, '_source');
  return sourceDocRecord(isObject(source) ? source : doc);
}

/** Loki labels → the source: the `pod` label, else the whole set as Loki prints it (`{app="x", job="y"}`), `''` for none. */
export function lokiSource(labels: unknown): string {
  if (!isObject(labels)) return '';
  const pod = labels['pod'];
  if (typeof pod === 'string' && pod !== '') return pod;
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}=${JSON.stringify(String(labels[k]))}`).join(', ')}}`;
}

/** Loki's nanosecond epoch string → ISO 8601 (ms), or null. */
export function lokiTime(ns: unknown): string | null {
  if (typeof ns !== 'string' || !/^\d{1,20}$/.test(ns)) return null;
  const ms = Number(ns.length > 6 ? ns.slice(0, -6) : '0');
  return Number.isSafeInteger(ms) ? new Date(ms).toISOString() : null;
}

/** One line of a JSON-lines export as a record; null for a line that is not one (it is then read as it is). */
export function decodeJsonLine(kind: JsonLineEnvelope, text: string): ExportRecord | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(doc)) return null;
  if (kind === 'es-ndjson') return hitRecord(doc);
  const line = doc['line'];
  if (typeof line !== 'string') return null;
  const time = doc['timestamp'];
  return { source: lokiSource(doc['labels']), message: line, time: typeof time === 'string' ? time : null };
}

// ---------------------------------------------------------------------------------- detection

/** Bytes of an input looked at to tell its envelope. */
export const DETECT_BYTES = 64 << 10;
/** Lines looked at, at most. */
const DETECT_LINES = 200;
/** Share of the lines looked at that must carry the envelope. */
const DETECT_SHARE = 0.8;
/** stern without colour is only two words and a space: most lines, and several, must show it. */
const DETECT_SHARE_WEAK = 0.95;
const DETECT_MIN_LINES_WEAK = 4;

/**
 * The envelope of an input, told from its first bytes (`sample`, DETECT_BYTES or the whole input
 * when shorter; `complete` when it is the whole input, so its last line counts even without `\n`),
 * or null when it has none. A line envelope is taken when at least 80 % of the non-empty lines
 * looked at carry it (95 %, and 4 lines, for stern without colour), checked in the order of
 * LINE_ENVELOPES; JSON exports by their first document.
 */
export function detectEnvelope(sample: Uint8Array, complete = false): SplitSpec | null {
  let at = 0;
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) at = 3;
  while (at < sample.length && (sample[at] === SPACE || sample[at] === 0x0a || sample[at] === 0x0d || sample[at] === 0x09)) at++;
  if (sample[at] === 0x7b || sample[at] === 0x5b) {
    const json = detectJson(sample, at, complete);
    if (json !== null) return json;
  }
  const lines: Array<readonly [number, number]> = [];
  for (let s = at; s < sample.length && lines.length < DETECT_LINES; ) {
    let nl = sample.indexOf(0x0a, s);
    if (nl === -1) {
      if (!complete) break;
      nl = sample.length;
    }
    const end = nl > s && sample[nl - 1] === 0x0d ? nl - 1 : nl;
    if (end > s) lines.push([s, end]);
    s = nl + 1;
  }
  if (lines.length === 0) return null;
  const out = emptyMatch();
  const carrying = (kind: LineEnvelope): number => lines.filter(([s, e]) => createEnvelopeMatcher(kind)(sample, s, e, out)).length;
  for (const kind of LINE_ENVELOPES) {
    if (kind === 'stern' || kind === 'stern-ns') continue;
    if (carrying(kind) >= DETECT_SHARE * lines.length) return { kind };
  }
  return detectStern(sample, lines);
}

/**
 * stern: coloured names are plain to see; without colour, both column counts may fit (a message
 * can start with a name-like word), so the one whose container column holds fewer distinct values
 * wins, and a plain stream must be nearly all stern lines.
 */
function detectStern(sample: Uint8Array, lines: ReadonlyArray<readonly [number, number]>): SplitSpec | null {
  const spans: number[] = [0, 0, 0, 0, 0, 0];
  const fits = (n: number): { share: number; coloured: number; containers: number } => {
    let matched = 0;
    let coloured = 0;
    const containers = new Set<string>();
    for (const [s, e] of lines) {
      if (sternColumns(sample, s, e, n, spans) < 0) continue;
      matched++;
      if (sample[s] === ESC) coloured++;
      containers.add(new TextDecoder().decode(sample.subarray(spans[2 * n - 2], spans[2 * n - 1])));
    }
    return { share: matched / lines.length, coloured: coloured / lines.length, containers: containers.size };
  };
  const two = fits(2);
  const three = fits(3);
  const ok = (f: { share: number; coloured: number }): boolean => f.share >= DETECT_SHARE && (f.coloured >= DETECT_SHARE || (f.share >= DETECT_SHARE_WEAK && lines.length >= DETECT_MIN_LINES_WEAK));
  if (ok(three) && (!ok(two) || three.containers < two.containers)) return { kind: 'stern-ns' };
  if (ok(two)) return { kind: 'stern' };
  return null;
}

const LOKI_DOCUMENT = /"resultType"\s*:\s*"streams"/;
const ES_DOCUMENT = /"hits"\s*:\s*\{/;
const ES_MARKS = /"(?:took|timed_out|_shards|_scroll_id|pit_id)"\s*:/;
const HAS_SOURCE = /"_source"\s*:\s*\{/;

/** A JSON export: one document a line (the first line parses on its own), else a whole document, told by its keys. */
function detectJson(sample: Uint8Array, at: number, complete: boolean): SplitSpec | null {
  let nl = sample.indexOf(0x0a, at);
  if (nl === -1 && complete) nl = sample.length;
  if (nl !== -1) {
    const first = new TextDecoder().decode(sample.subarray(at, nl)).trim();
    let doc: unknown = undefined;
    try {
      doc = JSON.parse(first);
    } catch {
      doc = undefined;
    }
    if (isObject(doc)) {
      if (isObject(doc['data']) && doc['data']['resultType'] === 'streams') return { kind: 'loki-json' };
      if (isObject(doc['hits']) && Array.isArray(doc['hits']['hits'])) return { kind: 'es-json' };
      if (isObject(doc['labels']) && typeof doc['line'] === 'string') return { kind: 'logcli-jsonl' };
      const record = hitRecord(doc);
      if (record !== null && (isObject(doc['_source']) || record.source !== '')) return { kind: 'es-ndjson' };
      return null;
    }
    if (Array.isArray(doc)) return doc.some((d) => hitRecord(d) !== null) ? { kind: 'es-json' } : null;
  }
  const head = new TextDecoder().decode(sample.subarray(at, Math.min(sample.length, at + DETECT_BYTES)));
  if (head.startsWith('{') && LOKI_DOCUMENT.test(head)) return { kind: 'loki-json' };
  if (head.startsWith('{') && ES_DOCUMENT.test(head) && (ES_MARKS.test(head) || HAS_SOURCE.test(head))) return { kind: 'es-json' };
  if (head.startsWith('[') && HAS_SOURCE.test(head)) return { kind: 'es-json' };
  return null;
}

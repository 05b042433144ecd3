/**
 * `JSON.stringify(value, null, 2)` in pieces, for writing a large report without holding its text
 * whole: 10,000 small workers make a ~10 MB report, which as one string costs its ~600 parts, a
 * 10 MB flat copy when it is written, and a 10 MB buffer of its bytes (issue 18: 206 MiB peak
 * RSS). The pieces joined are byte for byte the one string.
 */

/** Containers opened this many levels down; below, each member is one piece (the report's inputs and workers). */
const OPEN_LEVELS = 3;

/**
 * The text of `JSON.stringify(value, null, 2)`, in pieces. Objects and arrays down to `levels`
 * are written member by member, each member stringified on its own and indented to its depth:
 * JSON text has a line break only between tokens (one in a string is escaped), so indenting every
 * line break of a member's text puts it where the whole stringify would.
 */
export function* jsonPieces(value: unknown, levels: number = OPEN_LEVELS, indent = ''): Generator<string, void, undefined> {
  if (levels === 0 || value === null || typeof value !== 'object' || hasToJson(value)) {
    // undefined (a value JSON cannot write, at the top): nothing, as JSON.stringify returns nothing.
    const text = JSON.stringify(value, null, 2) as string | undefined;
    if (text !== undefined) yield indent === '' ? text : text.replaceAll('\n', `\n${indent}`);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield '[]';
      return;
    }
    for (let i = 0; i < value.length; i++) {
      yield i === 0 ? `[\n${inner}` : `,\n${inner}`;
      // As JSON.stringify writes them in an array: undefined, functions and symbols as null.
      const member: unknown = value[i];
      yield* omitted(member) ? ['null'] : jsonPieces(member, levels - 1, inner);
    }
    yield `\n${indent}]`;
    return;
  }
  let first = true;
  for (const [key, member] of Object.entries(value)) {
    // As JSON.stringify writes an object: members that are undefined, functions or symbols left out.
    if (omitted(member)) continue;
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* jsonPieces(member, levels - 1, inner);
  }
  yield first ? '{}' : `\n${indent}}`;
}

function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** A value that says how it is written (a Date): stringified whole, as it says. */
function hasToJson(value: object): boolean {
  return 'toJSON' in value && typeof value.toJSON === 'function';
}

/** Pieces gathered into chunks of at least `bytes` characters (the last may be shorter): fewer, larger writes. */
export function* chunked(pieces: Iterable<string>, bytes: number): Generator<string, void, undefined> {
  let parts: string[] = [];
  let size = 0;
  for (const piece of pieces) {
    parts.push(piece);
    size += piece.length;
    if (size >= bytes) {
      yield parts.join('');
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield parts.join('');
}

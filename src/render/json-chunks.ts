/**
 * `JSON.stringify(value, null, 2)` in chunks, for writing a large report without holding its text
 * whole: 10,000 small workers make a ~10 MB report, which as one string costs its parts, a 10 MB
 * flat copy when it is written and a 10 MB buffer of its bytes (issue 18: 206 MiB peak RSS). The
 * chunks joined are byte for byte the one string.
 */

/** An object or array being written: its members, the next one, and its indentation. */
interface Frame {
  readonly container: object;
  /** the object's keys to write (those JSON.stringify writes), or `null` for an array */
  readonly keys: readonly string[] | null;
  readonly length: number;
  next: number;
  readonly indent: string;
}

/**
 * The text of `JSON.stringify(value, null, 2)`, in chunks of at least `chunkChars` characters (the
 * last may be shorter). Objects and arrays with an object or array among their members are walked
 * member by member; the others (a rank's row, a list of numbers) and every value below them are
 * stringified whole, and indented to their depth: JSON text has a line break only between tokens
 * (one in a string is escaped), so indenting every line break of a member's text puts it where the
 * whole stringify would. One walk with its own stack: a generator per level cost more young-space
 * churn than the text itself.
 */
export function* jsonChunks(value: unknown, chunkChars: number): Generator<string, void, undefined> {
  let parts: string[] = [];
  let size = 0;
  const put = (text: string): void => {
    parts.push(text);
    size += text.length;
  };
  const stack: Frame[] = [];
  /** writes a leaf, or opens a container (written as its members are) */
  const visit = (member: unknown, indent: string): void => {
    if (member === null || typeof member !== 'object' || hasToJson(member) || flat(member)) {
      // undefined at the top (nothing JSON can write): nothing, as JSON.stringify returns nothing.
      const text: string | undefined = JSON.stringify(member, null, 2);
      if (text !== undefined) put(indent === '' ? text : text.replaceAll('\n', `\n${indent}`));
      return;
    }
    const keys = Array.isArray(member) ? null : Object.keys(member).filter((k) => !omitted(Reflect.get(member, k)));
    const length = Array.isArray(member) ? member.length : (keys?.length ?? 0);
    if (length === 0) put(keys === null ? '[]' : '{}');
    else stack.push({ container: member, keys, length, next: 0, indent });
  };
  visit(value, '');
  for (let frame = stack.at(-1); frame !== undefined; frame = stack.at(-1)) {
    const { keys, indent } = frame;
    if (frame.next === frame.length) {
      stack.pop();
      put(`\n${indent}${keys === null ? ']' : '}'}`);
    } else {
      const i = frame.next++;
      const inner = `${indent}  `;
      const key = keys === null ? null : (keys[i] ?? '');
      const member: unknown = Reflect.get(frame.container, key ?? i);
      put(`${i > 0 ? ',' : keys === null ? '[' : '{'}\n${inner}${key === null ? '' : `${JSON.stringify(key)}: `}`);
      // As JSON.stringify writes them in an array: undefined, functions and symbols as null.
      if (key === null && omitted(member)) put('null');
      else visit(member, inner);
    }
    if (size >= chunkChars) {
      yield parts.join('');
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield parts.join('');
}

/** Members JSON.stringify leaves out of an object (and writes as null in an array). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** An object or array without an object or array among its members: stringified whole. */
function flat(container: object): boolean {
  for (const member of Object.values(container)) if (member !== null && typeof member === 'object') return false;
  return true;
}

/** A value that says how it is written (a Date): stringified whole, as it says. */
function hasToJson(value: object): boolean {
  return 'toJSON' in value && typeof value.toJSON === 'function';
}

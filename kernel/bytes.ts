// Byte helpers shared by the kernel's modules: constants kept as [length i32][bytes], comparisons,
// decimal digits, and the f64 slots of an entry.

/** A string's bytes as [length i32][bytes], allocated once at start-up. */
export function bytesOf(text: string): usize {
  const utf8 = String.UTF8.encode(text);
  const n = utf8.byteLength;
  const at = heap.alloc(4 + n);
  store<i32>(at, n);
  memory.copy(at + 4, changetype<usize>(utf8), n);
  return at;
}

// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline export function lengthOf(constant: usize): usize {
  return <usize>load<i32>(constant);
}

/** Whether the constant occurs at `at`, wholly before `end`. */
// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline export function startsWith(at: usize, end: usize, constant: usize): boolean {
  const n = lengthOf(constant);
  return at + n <= end && equalBytes(at, constant + 4, n);
}

/** memcmp == 0, eight (or four) bytes at a time (the last word may overlap the one before). */
export function equalBytes(a: usize, b: usize, n: usize): boolean {
  if (n >= 8) {
    for (let i: usize = 0; i + 8 <= n; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
    return load<u64>(a + n - 8) == load<u64>(b + n - 8);
  }
  if (n >= 4) return load<u32>(a) == load<u32>(b) && load<u32>(a + n - 4) == load<u32>(b + n - 4);
  for (let i: usize = 0; i < n; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

/** The n decimal digits at `at` as a number, or -1. */
export function digits(at: usize, n: i32): i32 {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = <i32>load<u8>(at + i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline export function isDigit(c: u32): boolean {
  return c - 48 < 10;
}

/** A regex word character: `[A-Za-z0-9_]`. */
export function isWord(c: u32): boolean {
  return c - 48 < 10 || (c | 0x20) - 97 < 26 || c == 0x5f;
}

/** Regex `\s` on ASCII: space, tab, LF, VT, FF, CR. */
export function isSpace(c: u32): boolean {
  return c == 0x20 || c - 9 < 5;
}

// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline export function put(entry: usize, slot: i32, value: f64): void {
  store<f64>(entry + <usize>slot * 8, value);
}

// @ts-ignore: an AssemblyScript decorator (TypeScript allows none on functions)
@inline export function get(entry: usize, slot: i32): f64 {
  return load<f64>(entry + <usize>slot * 8);
}

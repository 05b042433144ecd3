/** Whether bytes start with gzip's magic number (1f 8b): what makes an input gzip, whatever its name. */
export function isGzipMagic(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

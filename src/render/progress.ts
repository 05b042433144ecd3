/** The progress line's text: `dpskew: 1.2 GiB of 4.8 GiB (25%) · 310 MiB/s · 3.9 s`. */
import type { ReadProgress } from '../input/read-sources.ts';

const MIB = 1024 * 1024;

export function renderProgress(progress: ReadProgress, elapsedMs: number): string {
  const seconds = Math.max(elapsedMs, 1) / 1000;
  const rate = `${formatBytes(progress.bytesRead / seconds)}/s`;
  const total = progress.bytesTotal;
  const done = total === null || total === 0 ? formatBytes(progress.bytesRead) : `${formatBytes(progress.bytesRead)} of ${formatBytes(total)} (${Math.min(100, Math.floor((progress.bytesRead / total) * 100))}%)`;
  return `dpskew: ${done} · ${rate} · ${seconds.toFixed(1)} s`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * MIB) return `${(bytes / (1024 * MIB)).toFixed(1)} GiB`;
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(0)} MiB`;
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

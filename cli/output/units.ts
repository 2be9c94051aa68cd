/** Human forms of the quantities the CLI prints: counts, bytes, durations, rates. */

/** `12,345` (en-US grouping, so output does not depend on the machine's locale). */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** Bytes in binary units: `512 B`, `3.4 MiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${BYTE_UNITS[unit]}`;
}

/** A duration in milliseconds: `850 ms`, `12.3 s`, `4m 05s`, `2h 03m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const totalSeconds = Math.round(seconds);
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) return `${minutes}m ${String(totalSeconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** A rate per second: `1,234 rows/s`, `3.4 MiB/s`. */
export function formatRate(perSecond: number, unit: 'rows' | 'bytes'): string {
  return unit === 'bytes' ? `${formatBytes(perSecond)}/s` : `${formatCount(perSecond)} rows/s`;
}

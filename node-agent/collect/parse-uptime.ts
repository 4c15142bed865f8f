/**
 * Parses /proc/uptime into milliseconds since boot: the host's monotonic clock, so a wall-clock
 * jump never distorts the elapsed time between two samples. Undefined when unreadable.
 */
export function parseUptime(text: string): number | undefined {
  const first = text.trim().split(/\s+/)[0];
  if (first === undefined || !/^\d+(\.\d+)?$/.test(first)) return undefined;
  const [whole, fraction = ''] = first.split('.');
  const ms = Number(whole) * 1000 + Number(fraction.padEnd(3, '0').slice(0, 3));
  return Number.isSafeInteger(ms) ? ms : undefined;
}

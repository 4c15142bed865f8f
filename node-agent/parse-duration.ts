const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration such as `10s`, `500ms`, `1m`, `1m30s` or `2h` into milliseconds.
 * Returns undefined for anything else (a bare number has no unit and is rejected).
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+(ms|s|m|h))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, n, unit] of trimmed.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(n) * UNITS[unit];
  return Number.isSafeInteger(total) ? total : undefined;
}

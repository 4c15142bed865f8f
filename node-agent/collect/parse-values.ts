/** A parsed file: its values plus how many values could not be read (non-numeric, truncated, beyond 2^53). */
export interface Parsed<T> {
  value: T;
  unreadable: number;
}

/**
 * Parses one non-negative integer counter. Returns undefined for text that is not a plain integer,
 * and for integers beyond Number.MAX_SAFE_INTEGER (2^53 - 1), which a double cannot hold exactly.
 */
export function parseCounter(token: string | undefined): number | undefined {
  if (token === undefined || !/^\d+$/.test(token)) return undefined;
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Parses `key value` lines (cgroup memory.stat, cpu.stat, cpuacct.stat) and `Key: value kB`
 * lines (/proc/meminfo, where kB values are converted to bytes). A line whose value is not a
 * counter is left out and counted as unreadable. With `keys`, only those keys are parsed (and
 * counted): files such as memory.stat hold dozens of keys, some beyond 2^53 by design
 * (`hierarchical_memory_limit` of an unlimited cgroup), that the agent never uses.
 */
export function parseKeyValues(text: string, keys?: ReadonlySet<string>): Parsed<Map<string, number>> {
  const value = new Map<string, number>();
  let unreadable = 0;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const [rawKey, rawValue, unit] = trimmed.split(/\s+/);
    const key = rawKey.endsWith(':') ? rawKey.slice(0, -1) : rawKey;
    if (keys !== undefined && !keys.has(key)) continue;
    const n = parseCounter(rawValue);
    if (n === undefined) {
      unreadable += 1;
      continue;
    }
    const bytes = unit === 'kB' ? n * 1024 : n;
    if (!Number.isSafeInteger(bytes)) {
      unreadable += 1;
      continue;
    }
    value.set(key, bytes);
  }
  return { value, unreadable };
}

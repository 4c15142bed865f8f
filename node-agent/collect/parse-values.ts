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

const isBlank = (c: number): boolean => c === 32 || c === 9;

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
  // A hand-rolled scan: this runs for every cgroup of the node every cycle.
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let i = start;
    while (i < end && isBlank(text.charCodeAt(i))) i += 1;
    let keyEnd = i;
    while (keyEnd < end && !isBlank(text.charCodeAt(keyEnd))) keyEnd += 1;
    if (keyEnd > i) {
      const rawKey = text.slice(i, keyEnd);
      const key = rawKey.endsWith(':') ? rawKey.slice(0, -1) : rawKey;
      if (keys === undefined || keys.has(key)) {
        const [rawValue, unit] = text.slice(keyEnd, end).trim().split(/\s+/);
        const n = parseCounter(rawValue);
        const bytes = n !== undefined && unit === 'kB' ? n * 1024 : n;
        if (bytes === undefined || !Number.isSafeInteger(bytes)) unreadable += 1;
        else value.set(key, bytes);
      }
    }
    start = end + 1;
  }
  return { value, unreadable };
}

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
  return token === undefined ? undefined : parseDigits(token, 0, token.length);
}

/**
 * Parses a single-value file (`memory.current`, `cpuacct.usage`): {@link parseCounter} of its text
 * without the surrounding white space, as `parseCounter(text.trim())` but without a new string.
 */
export function parseCounterFile(text: string): number | undefined {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start += 1;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end -= 1;
  return parseDigits(text, start, end);
}

/**
 * {@link parseCounter} of `text` from `start` to `end`, without a substring or a regular
 * expression: runs for every wanted key of every cgroup file of the node every cycle.
 */
function parseDigits(text: string, start: number, end: number): number | undefined {
  if (start >= end) return undefined;
  let n = 0;
  for (let i = start; i < end; i += 1) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  // Exact up to 2^53: every partial value below it is exact, and beyond it the result is rejected.
  return Number.isSafeInteger(n) ? n : undefined;
}

const isBlank = (c: number): boolean => c === 32 || c === 9;
/** What String.prototype.trim and split(/\s+/) treat as space in these ASCII files. */
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

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
        // The value is the first token after the key; a second token "kB" makes it kilobytes.
        let valueStart = keyEnd;
        while (valueStart < end && isSpace(text.charCodeAt(valueStart))) valueStart += 1;
        let valueEnd = valueStart;
        while (valueEnd < end && !isSpace(text.charCodeAt(valueEnd))) valueEnd += 1;
        let unitStart = valueEnd;
        while (unitStart < end && isSpace(text.charCodeAt(unitStart))) unitStart += 1;
        let unitEnd = unitStart;
        while (unitEnd < end && !isSpace(text.charCodeAt(unitEnd))) unitEnd += 1;
        const n = parseDigits(text, valueStart, valueEnd);
        const kB = unitEnd - unitStart === 2 && text.charCodeAt(unitStart) === 107 && text.charCodeAt(unitStart + 1) === 66;
        const bytes = n !== undefined && kB ? n * 1024 : n;
        if (bytes === undefined || !Number.isSafeInteger(bytes)) unreadable += 1;
        else value.set(key, bytes);
      }
    }
    start = end + 1;
  }
  return { value, unreadable };
}

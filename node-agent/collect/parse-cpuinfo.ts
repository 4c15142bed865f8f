/**
 * Counts the logical CPUs of /proc/cpuinfo (one `processor : N` line each), the denominator
 * Container Insights uses for node capacity. Returns 0 when no processor line is found.
 */
export function parseCpuinfo(text: string): number {
  let cores = 0;
  for (const line of text.split('\n')) if (/^processor\s*:/.test(line)) cores += 1;
  return cores;
}

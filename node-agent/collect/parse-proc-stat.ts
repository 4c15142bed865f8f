import { parseCounter, type Parsed } from './parse-values';

/** Cumulative CPU time of the whole host from the `cpu` line of /proc/stat, in nanoseconds. */
export interface ProcStatCpu {
  cpuUsageNs?: number;
  cpuUserNs?: number;
  cpuSystemNs?: number;
}

/** USER_HZ: /proc/stat and cpuacct.stat count in ticks of 1/100 s on every Linux architecture EKS runs. */
export const USER_HZ = 100;
const NS_PER_TICK = 1e9 / USER_HZ;

/**
 * Parses the aggregate `cpu` line of /proc/stat: user+nice as user time, system+irq+softirq as
 * system time, and their sum plus steal as usage (idle and iowait are not usage). The node's CPU
 * normally comes from its root cgroup; this is the fallback when the root cgroup cannot be read.
 */
export function parseProcStat(text: string): Parsed<ProcStatCpu> {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return { value: {}, unreadable: 1 };
  const fields = line.trim().split(/\s+/).slice(1).map(parseCounter);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  if (fields.length < 8 || [user, nice, system, irq, softirq, steal].some((v) => v === undefined)) return { value: {}, unreadable: 1 };
  const userTicks = user! + nice!;
  const systemTicks = system! + irq! + softirq!;
  const ns = (ticks: number): number | undefined => (Number.isSafeInteger(ticks * NS_PER_TICK) ? ticks * NS_PER_TICK : undefined);
  return { value: { cpuUsageNs: ns(userTicks + systemTicks + steal!), cpuUserNs: ns(userTicks), cpuSystemNs: ns(systemTicks) }, unreadable: 0 };
}

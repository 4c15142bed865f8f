import type { CgroupDeltas, CgroupGauges } from '../../core/record';
import type { CgroupLayout } from './cgroup-layout';
import type { HostReader } from './host-reader';
import type { CgroupReading } from './node-sample';
import { USER_HZ } from './parse-proc-stat';
import { parseCounterFile, parseKeyValues } from './parse-values';
import { isSystemError, readOrCount, type ReadTally } from './read-tally';

/** How to read one cgroup. */
export interface ReadCgroupOptions {
  /** True for the node's root cgroup, which on v2 has no memory.current, memory.peak or memory.swap.current. */
  isRoot: boolean;
  /** Swap in use from /proc/meminfo (SwapTotal - SwapFree): the v2 root's swap. @default undefined (omitted) */
  hostSwapBytes?: number;
  /** False when the host has no swap (SwapTotal 0, as on EKS AMIs): swap is then 0 without reading a file per cgroup. @default true */
  hostHasSwap?: boolean;
}

const NS_PER_TICK = 1e9 / USER_HZ;

/**
 * Reads the CPU and memory figures of one cgroup, `rel` being its path below the controller
 * roots (`''` for the root, `kubepods/burstable/pod<uid>`). Follows Container Insights' sources
 * per cgroup version (metrics catalog section 6): on v1 cpuacct, cpu.stat, memory.* with the
 * hierarchical `total_*` keys; on v2 cpu.stat and memory.* of the unified hierarchy. A file that
 * cannot be read leaves its values out and counts in `tally`.
 */
export function readCgroup(host: HostReader, layout: CgroupLayout, rel: string, options: ReadCgroupOptions, tally: ReadTally): CgroupReading {
  return layout.version === 2 ? readV2(host, rel === '' ? `${layout.unified}` : `${layout.unified}/${rel}`, options, tally) : readV1(host, layout, rel, options, tally);
}

const join = (dir: string, rel: string, file: string): string => (rel === '' ? `${dir}/${file}` : `${dir}/${rel}/${file}`);

function readSingle(host: HostReader, path: string, tally: ReadTally): number | undefined {
  const text = readOrCount(host, path, tally);
  if (text === undefined) return undefined;
  const n = parseCounterFile(text);
  if (n === undefined) tally.readErrors += 1;
  return n;
}

const V1_CPUACCT_STAT = new Set(['user', 'system']);
const V1_CPU_STAT = new Set(['nr_periods', 'nr_throttled', 'throttled_time']);
const V1_MEMORY_STAT = new Set(
  ['rss', 'cache', 'mapped_file', 'swap', 'inactive_file'].flatMap((k) => [k, `total_${k}`]).concat(['pgfault', 'pgmajfault']),
);
const V2_CPU_STAT = new Set(['usage_usec', 'user_usec', 'system_usec', 'nr_periods', 'nr_throttled', 'throttled_usec']);
const V2_MEMORY_STAT = new Set(['anon', 'file', 'file_mapped', 'inactive_file', 'pgfault', 'pgmajfault']);

/** Reads a single-value file that may legitimately be absent: absent is undefined, not an error. */
function readOptional(host: HostReader, path: string, tally: ReadTally): number | undefined {
  let text: string;
  try {
    text = host.readText(path);
  } catch (error) {
    if (isSystemError(error) && error.code === 'ENOENT') return undefined;
    if (!isSystemError(error)) throw error;
    tally.readErrors += 1;
    return undefined;
  }
  const n = parseCounterFile(text);
  if (n === undefined) tally.readErrors += 1;
  return n;
}

function readMap(host: HostReader, path: string, keys: ReadonlySet<string>, tally: ReadTally): Map<string, number> | undefined {
  const text = readOrCount(host, path, tally);
  if (text === undefined) return undefined;
  const parsed = parseKeyValues(text, keys);
  tally.readErrors += parsed.unreadable;
  return parsed.value;
}

const times = (n: number | undefined, factor: number): number | undefined =>
  n === undefined || !Number.isSafeInteger(n * factor) ? undefined : n * factor;
const workingSet = (usage: number | undefined, inactiveFile: number | undefined): number | undefined =>
  usage === undefined ? undefined : Math.max(0, usage - (inactiveFile ?? 0));

function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function readV1(host: HostReader, layout: CgroupLayout, rel: string, options: ReadCgroupOptions, tally: ReadTally): CgroupReading {
  const counters: CgroupDeltas = {};
  const gauges: CgroupGauges = {};
  if (layout.cpuacct) {
    counters.cpuUsageNs = readSingle(host, join(layout.cpuacct, rel, 'cpuacct.usage'), tally);
    const stat = readMap(host, join(layout.cpuacct, rel, 'cpuacct.stat'), V1_CPUACCT_STAT, tally);
    counters.cpuUserNs = times(stat?.get('user'), NS_PER_TICK);
    counters.cpuSystemNs = times(stat?.get('system'), NS_PER_TICK);
  }
  if (layout.cpu) {
    const stat = readMap(host, join(layout.cpu, rel, 'cpu.stat'), V1_CPU_STAT, tally);
    counters.cpuPeriods = stat?.get('nr_periods');
    counters.cpuThrottledPeriods = stat?.get('nr_throttled');
    counters.cpuThrottledNs = stat?.get('throttled_time');
  }
  if (layout.memory) {
    const dir = layout.memory;
    const usage = readSingle(host, join(dir, rel, 'memory.usage_in_bytes'), tally);
    const stat = readMap(host, join(dir, rel, 'memory.stat'), V1_MEMORY_STAT, tally);
    const pick = (key: string): number | undefined => stat?.get(`total_${key}`) ?? stat?.get(key);
    gauges.memoryUsageBytes = usage;
    gauges.memoryWorkingSetBytes = workingSet(usage, pick('inactive_file'));
    gauges.memoryRssBytes = pick('rss');
    gauges.memoryCacheBytes = pick('cache');
    gauges.memoryMappedFileBytes = pick('mapped_file');
    gauges.memoryMaxUsageBytes = readSingle(host, join(dir, rel, 'memory.max_usage_in_bytes'), tally);
    gauges.memoryFailcnt = readSingle(host, join(dir, rel, 'memory.failcnt'), tally);
    // memsw exists only with swap accounting on; without it memory.stat's swap key is the source.
    const memsw = options.hostHasSwap === false ? undefined : readOptional(host, join(dir, rel, 'memory.memsw.usage_in_bytes'), tally);
    gauges.memorySwapBytes = memsw !== undefined && usage !== undefined ? Math.max(0, memsw - usage) : pick('swap');
    // The non-hierarchical keys, as cAdvisor reads them (catalog section 6).
    counters.memoryPgfault = stat?.get('pgfault');
    counters.memoryPgmajfault = stat?.get('pgmajfault');
  }
  return { gauges: compact(gauges), counters: compact(counters) };
}

function readV2(host: HostReader, dir: string, options: ReadCgroupOptions, tally: ReadTally): CgroupReading {
  const cpu = readMap(host, `${dir}/cpu.stat`, V2_CPU_STAT, tally);
  const counters: CgroupDeltas = {
    cpuUsageNs: times(cpu?.get('usage_usec'), 1000),
    cpuUserNs: times(cpu?.get('user_usec'), 1000),
    cpuSystemNs: times(cpu?.get('system_usec'), 1000),
    cpuPeriods: cpu?.get('nr_periods'),
    cpuThrottledPeriods: cpu?.get('nr_throttled'),
    cpuThrottledNs: times(cpu?.get('throttled_usec'), 1000),
  };
  const stat = readMap(host, `${dir}/memory.stat`, V2_MEMORY_STAT, tally);
  const anon = stat?.get('anon');
  const file = stat?.get('file');
  // The v2 root has no memory.current: cAdvisor emulates it as anon + file of the root memory.stat.
  const usage = options.isRoot
    ? anon !== undefined && file !== undefined ? anon + file : undefined
    : readSingle(host, `${dir}/memory.current`, tally);
  counters.memoryPgfault = stat?.get('pgfault');
  counters.memoryPgmajfault = stat?.get('pgmajfault');
  const gauges: CgroupGauges = {
    memoryUsageBytes: usage,
    memoryWorkingSetBytes: workingSet(usage, stat?.get('inactive_file')),
    memoryRssBytes: anon,
    memoryCacheBytes: file,
    memoryMappedFileBytes: stat?.get('file_mapped'),
    // v2 has no failcnt; Container Insights reports 0 (catalog section 6).
    memoryFailcnt: 0,
  };
  if (options.isRoot) {
    gauges.memorySwapBytes = options.hostSwapBytes;
  } else {
    // memory.peak needs kernel 5.19+, memory.swap.current swap accounting: optional, their absence is no error.
    gauges.memoryMaxUsageBytes = readOptional(host, `${dir}/memory.peak`, tally);
    gauges.memorySwapBytes = options.hostHasSwap === false ? 0 : readOptional(host, `${dir}/memory.swap.current`, tally);
  }
  return { gauges: compact(gauges), counters: compact(counters) };
}

import type {
  CgroupFigures,
  ContainerSpecFigures,
  ContainerStatusFigures,
  DiskOpFigures,
  FsFigures,
  NetFigures,
  NodeSpecFigures,
  PodSpecFigures,
  PodStatusFigures,
} from '../../core/metrics/names';
import type { ContainerMetadata, NodeMetadata, PodMetadata } from '../../core/node-metadata';
import type { CgroupDeltas, CgroupGauges, CgroupVersion, DiskOps, Filesystem, NetInterface, NodeRecord } from '../../core/record';

/**
 * The enricher's formulas (catalog sections 2.1-2.7): agent figures and metadata -> the figure
 * objects that core/metrics/names.ts lays out into each Type's metrics. Pure: no cache, no state.
 *
 * Every figure object is one object literal with every key of its kind, undefined where there is no
 * value: one fixed shape per kind, which the metric builders (core/metrics/metrics-object.ts) read
 * by name without megamorphic access.
 */

/** Per-second rate of a counter increase; undefined without a positive interval or with a missing (reset) delta. */
export function toRate(delta: number | undefined, elapsedMs: number | undefined): number | undefined {
  if (delta === undefined || elapsedMs === undefined || !(elapsedMs > 0) || delta < 0) return undefined;
  return delta / (elapsedMs / 1000);
}

/** CPU millicores from a CPU-time increase in ns: deltaNs / elapsedNs × 1000. */
export function toMillicores(deltaNs: number | undefined, elapsedMs: number | undefined): number | undefined {
  if (deltaNs === undefined || elapsedMs === undefined || !(elapsedMs > 0) || deltaNs < 0) return undefined;
  return deltaNs / (elapsedMs * 1e6) * 1000;
}

/** `part` as a percentage of `whole`; undefined when either is unknown or `whole` is not positive. */
export const toPercent = (part: number | undefined, whole: number | undefined): number | undefined =>
  part === undefined || whole === undefined || !(whole > 0) ? undefined : (part / whole) * 100;

/** A restart-count increase as written: a count that went down (a pod recreated) is 0. */
export const toRestarts = (delta: number | undefined): number | undefined => (delta === undefined ? undefined : Math.max(0, delta));

/**
 * `memory_max_usage` of a cgroup: the agent's figure, else on cgroup v2 0 for a cgroup with memory
 * figures, as cAdvisor writes it when the kernel has no `memory.peak` (before 5.19, and always for
 * the root cgroup: catalog section 6).
 */
function toMaxUsage(gauges: CgroupGauges, cgroupVersion: CgroupVersion): number | undefined {
  if (gauges.memoryMaxUsageBytes !== undefined) return gauges.memoryMaxUsageBytes;
  return cgroupVersion === 2 && gauges.memoryUsageBytes !== undefined ? 0 : undefined;
}

/** CPU and memory figures of one cgroup (node root, pod or container), catalog 2.1/2.5/2.7. */
export function toCgroupFigures(gauges: CgroupGauges, deltas: CgroupDeltas | undefined, elapsedMs: number | undefined, cores: number, memTotalBytes: number, cgroupVersion: CgroupVersion): CgroupFigures {
  const total = toMillicores(deltas?.cpuUsageNs, elapsedMs);
  const pgfault = toRate(deltas?.memoryPgfault, elapsedMs);
  const pgmajfault = toRate(deltas?.memoryPgmajfault, elapsedMs);
  return {
    cpu_usage_total: total,
    cpu_usage_user: toMillicores(deltas?.cpuUserNs, elapsedMs),
    cpu_usage_system: toMillicores(deltas?.cpuSystemNs, elapsedMs),
    cpu_utilization: toPercent(total, cores * 1000),
    memory_usage: gauges.memoryUsageBytes,
    memory_cache: gauges.memoryCacheBytes,
    memory_rss: gauges.memoryRssBytes,
    memory_max_usage: toMaxUsage(gauges, cgroupVersion),
    memory_swap: gauges.memorySwapBytes,
    memory_failcnt: gauges.memoryFailcnt,
    memory_mapped_file: gauges.memoryMappedFileBytes,
    memory_working_set: gauges.memoryWorkingSetBytes,
    memory_pgfault: pgfault,
    memory_pgmajfault: pgmajfault,
    // cAdvisor fills the hierarchical values from the same memory.stat keys.
    memory_hierarchical_pgfault: pgfault,
    memory_hierarchical_pgmajfault: pgmajfault,
    memory_failures_total: pgfault !== undefined && pgmajfault !== undefined ? pgfault + pgmajfault : undefined,
    memory_utilization: toPercent(gauges.memoryWorkingSetBytes, memTotalBytes),
  };
}

/** `sum` plus the rate of `delta`; a counter no interface reports stays undefined. */
function addRate(sum: number | undefined, delta: number | undefined, elapsedMs: number | undefined): number | undefined {
  const rate = toRate(delta, elapsedMs);
  return rate === undefined ? sum : (sum ?? 0) + rate;
}

/** Network rates summed over interfaces (one interface for NodeNet/PodNet). */
export function toNetFigures(interfaces: readonly NetInterface[], elapsedMs: number | undefined): NetFigures {
  let rxBytes: number | undefined, rxPackets: number | undefined, rxDropped: number | undefined, rxErrors: number | undefined;
  let txBytes: number | undefined, txPackets: number | undefined, txDropped: number | undefined, txErrors: number | undefined;
  for (const itf of interfaces) {
    const d = itf.deltas;
    if (d === undefined) continue;
    rxBytes = addRate(rxBytes, d.rxBytes, elapsedMs);
    rxPackets = addRate(rxPackets, d.rxPackets, elapsedMs);
    rxDropped = addRate(rxDropped, d.rxDropped, elapsedMs);
    rxErrors = addRate(rxErrors, d.rxErrors, elapsedMs);
    txBytes = addRate(txBytes, d.txBytes, elapsedMs);
    txPackets = addRate(txPackets, d.txPackets, elapsedMs);
    txDropped = addRate(txDropped, d.txDropped, elapsedMs);
    txErrors = addRate(txErrors, d.txErrors, elapsedMs);
  }
  return {
    rx_bytes: rxBytes,
    rx_packets: rxPackets,
    rx_dropped: rxDropped,
    rx_errors: rxErrors,
    tx_bytes: txBytes,
    tx_packets: txPackets,
    tx_dropped: txDropped,
    tx_errors: txErrors,
    total_bytes: rxBytes !== undefined || txBytes !== undefined ? (rxBytes ?? 0) + (txBytes ?? 0) : undefined,
  };
}

/** A filesystem's usage, capacity and inodes (catalog 2.2). */
export function toFsFigures(fs: Filesystem): FsFigures {
  return {
    usage: fs.usageBytes,
    capacity: fs.capacityBytes,
    available: fs.availableBytes,
    utilization: toPercent(fs.usageBytes, fs.capacityBytes),
    inodes: fs.inodes,
    inodes_free: fs.inodesFree,
  };
}

/** Per-second rates of a block device's operation counters, bytes or operations (catalog 2.3). */
export function toDiskOpFigures(ops: DiskOps, elapsedMs: number | undefined): DiskOpFigures {
  return { read: toRate(ops.read, elapsedMs), write: toRate(ops.write, elapsedMs), sync: toRate(ops.sync, elapsedMs), async: toRate(ops.async, elapsedMs), total: toRate(ops.total, elapsedMs) };
}

/** A pod's requests and limits summed over its regular containers; a limit only when every container sets it. */
interface PodResources {
  cpuRequest: number;
  memoryRequest: number;
  cpuLimit: number | undefined;
  memoryLimit: number | undefined;
}

/** A request or limit of the document; one that is not a finite non-negative number (a quantity no node has) counts as not set. */
const amount = (v: number | undefined): number | undefined => (v !== undefined && Number.isFinite(v) && v >= 0 ? v : undefined);

function toPodResources(pod: PodMetadata): PodResources {
  let cpuRequest = 0;
  let memoryRequest = 0;
  // A pod without containers sets no limit; a container without one unsets the pod's.
  let cpuLimit: number | undefined = pod.containers.length > 0 ? 0 : undefined;
  let memoryLimit: number | undefined = pod.containers.length > 0 ? 0 : undefined;
  for (const c of pod.containers) {
    cpuRequest += amount(c.requests.cpuMillicores) ?? 0;
    memoryRequest += amount(c.requests.memoryBytes) ?? 0;
    const cpu = amount(c.limits.cpuMillicores);
    const memory = amount(c.limits.memoryBytes);
    cpuLimit = cpuLimit === undefined || cpu === undefined ? undefined : cpuLimit + cpu;
    memoryLimit = memoryLimit === undefined || memory === undefined ? undefined : memoryLimit + memory;
  }
  return { cpuRequest, memoryRequest, cpuLimit, memoryLimit };
}

const isActive = (pod: PodMetadata) => pod.phase !== 'Succeeded' && pod.phase !== 'Failed';
const IMAGE_PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);

/**
 * A pod's requests, limits and container counts against its node (catalog 2.5 and 9): requests and
 * limits capped at the node's capacity, a limit only when every container sets it and it is not 0,
 * and the CPU figures only with the pod's CPU usage, the memory figures only with its working set
 * (as the receiver decorates: the first sample after a start, without rates, has no CPU ones).
 * `restarts` is the pod's restart-count increase for this interval (the agent's, or the poller's
 * where the node's log layout cannot be read).
 */
export function toPodSpecFigures(record: NodeRecord, cgroup: CgroupFigures, meta: PodMetadata, restarts: number | undefined): PodSpecFigures {
  const cpuCapacity = record.cores * 1000;
  const resources = toPodResources(meta);
  const cpu = cgroup.cpu_usage_total !== undefined;
  const memory = cgroup.memory_working_set !== undefined;
  const cpuRequest = cpu ? Math.min(resources.cpuRequest, cpuCapacity) : 0;
  const memRequest = memory ? Math.min(resources.memoryRequest, record.memTotalBytes) : 0;
  const cpuLimit = cpu && resources.cpuLimit ? Math.min(resources.cpuLimit, cpuCapacity) : undefined;
  const memLimit = memory && resources.memoryLimit ? Math.min(resources.memoryLimit, record.memTotalBytes) : undefined;
  let running = 0;
  for (const c of meta.containers) if (c.state === 'Running') running += 1;
  return {
    cpu_request: cpuRequest !== 0 ? cpuRequest : undefined,
    cpu_reserved_capacity: cpuRequest !== 0 ? toPercent(cpuRequest, cpuCapacity) : undefined,
    memory_request: memRequest !== 0 ? memRequest : undefined,
    memory_reserved_capacity: memRequest !== 0 ? toPercent(memRequest, record.memTotalBytes) : undefined,
    cpu_limit: cpuLimit,
    cpu_utilization_over_pod_limit: cpuLimit === undefined ? undefined : toPercent(cgroup.cpu_usage_total, cpuLimit),
    memory_limit: memLimit,
    memory_utilization_over_pod_limit: memLimit === undefined ? undefined : toPercent(cgroup.memory_working_set, memLimit),
    number_of_containers: meta.containers.length,
    number_of_running_containers: running,
    number_of_container_restarts: toRestarts(restarts),
  };
}

/** The spec figures of a pod the document does not list: only its restarts, which the agent counts. */
export function toUnlistedPodSpecFigures(restarts: number | undefined): PodSpecFigures {
  return {
    cpu_request: undefined,
    cpu_reserved_capacity: undefined,
    memory_request: undefined,
    memory_reserved_capacity: undefined,
    cpu_limit: undefined,
    cpu_utilization_over_pod_limit: undefined,
    memory_limit: undefined,
    memory_utilization_over_pod_limit: undefined,
    number_of_containers: undefined,
    number_of_running_containers: undefined,
    number_of_container_restarts: toRestarts(restarts),
  };
}

/** The enhanced pod phase and condition flags (catalog 2.5, fork). */
export function toPodStatusFigures(meta: PodMetadata): PodStatusFigures {
  return {
    pending: meta.phase === 'Pending' ? 1 : 0,
    running: meta.phase === 'Running' ? 1 : 0,
    succeeded: meta.phase === 'Succeeded' ? 1 : 0,
    failed: meta.phase === 'Failed' ? 1 : 0,
    ready: meta.conditions.ready === 'True' ? 1 : 0,
    scheduled: meta.conditions.scheduled === 'True' ? 1 : 0,
    unknown: meta.conditions.ready === 'Unknown' || meta.conditions.scheduled === 'Unknown' ? 1 : 0,
  };
}

/** The enhanced counts of a pod's containers by state, and by reason where any (catalog 2.5, fork). */
export function toContainerStatusFigures(meta: PodMetadata): ContainerStatusFigures {
  const count = (p: (x: ContainerMetadata) => boolean) => meta.containers.filter(p).length;
  const waiting = (reasons: (r: string) => boolean) => count((x) => x.state === 'Waiting' && x.stateReason !== undefined && reasons(x.stateReason));
  const ifAny = (n: number) => (n > 0 ? n : undefined);
  return {
    running: count((x) => x.state === 'Running'),
    waiting: count((x) => x.state === 'Waiting'),
    terminated: count((x) => x.state === 'Terminated'),
    waiting_reason_crash_loop_back_off: ifAny(waiting((r) => r === 'CrashLoopBackOff')),
    waiting_reason_image_pull_error: ifAny(waiting((r) => IMAGE_PULL_REASONS.has(r))),
    waiting_reason_start_error: ifAny(waiting((r) => r === 'StartError')),
    waiting_reason_create_container_error: ifAny(waiting((r) => r === 'CreateContainerError')),
    waiting_reason_create_container_config_error: ifAny(waiting((r) => r === 'CreateContainerConfigError')),
    terminated_reason_oom_killed: ifAny(count((x) => x.lastTerminationReason?.includes('OOMKilled') === true)),
  };
}

/**
 * A container's requests and limits, with its use against its limits when `enhanced` (catalog 2.7): the
 * CPU figures only with the container's CPU usage, the memory figures only with its working set, as
 * the receiver decorates. Its restarts are {@link toRestarts}, a slot of their own.
 */
export function toContainerSpecFigures(cgroup: CgroupFigures, gauges: CgroupGauges, meta: ContainerMetadata, enhanced: boolean): ContainerSpecFigures {
  const cpu = cgroup.cpu_usage_total !== undefined;
  const memory = cgroup.memory_working_set !== undefined;
  const cpuLimit = cpu ? amount(meta.limits.cpuMillicores) : undefined;
  const memoryLimit = memory ? amount(meta.limits.memoryBytes) : undefined;
  return {
    cpu_limit: cpuLimit,
    cpu_request: cpu ? amount(meta.requests.cpuMillicores) : undefined,
    memory_limit: memoryLimit,
    memory_request: memory ? amount(meta.requests.memoryBytes) : undefined,
    cpu_utilization_over_container_limit: enhanced ? toPercent(cgroup.cpu_usage_total, cpuLimit) : undefined,
    memory_utilization_over_container_limit: enhanced ? toPercent(gauges.memoryWorkingSetBytes, memoryLimit) : undefined,
    number_of_container_restarts: undefined,
  };
}

/**
 * The node's capacity, its active pods' requests (each capped at capacity) and its running counts;
 * the CPU requests only with the node's CPU usage, the memory ones only with its working set.
 */
export function toNodeSpecFigures(record: NodeRecord, cgroup: CgroupFigures, metadata: NodeMetadata | undefined): NodeSpecFigures {
  const cpuCapacity = record.cores * 1000;
  const figures: NodeSpecFigures = {
    cpu_limit: cpuCapacity,
    memory_limit: record.memTotalBytes,
    cpu_request: undefined,
    cpu_reserved_capacity: undefined,
    memory_request: undefined,
    memory_reserved_capacity: undefined,
    number_of_running_pods: undefined,
    number_of_running_containers: undefined,
  };
  if (!metadata) return figures;
  let cpuRequest = 0;
  let memRequest = 0;
  let runningPods = 0;
  let runningContainers = 0;
  for (const pod of metadata.pods) {
    if (pod.phase === 'Running') runningPods += 1;
    for (const c of pod.containers) if (c.state === 'Running') runningContainers += 1;
    if (!isActive(pod)) continue;
    const resources = toPodResources(pod);
    cpuRequest += Math.min(resources.cpuRequest, cpuCapacity);
    memRequest += Math.min(resources.memoryRequest, record.memTotalBytes);
  }
  if (cgroup.cpu_usage_total !== undefined) {
    figures.cpu_request = cpuRequest;
    figures.cpu_reserved_capacity = toPercent(cpuRequest, cpuCapacity);
  }
  if (cgroup.memory_working_set !== undefined) {
    figures.memory_request = memRequest;
    figures.memory_reserved_capacity = toPercent(memRequest, record.memTotalBytes);
  }
  figures.number_of_running_pods = runningPods;
  figures.number_of_running_containers = runningContainers;
  return figures;
}

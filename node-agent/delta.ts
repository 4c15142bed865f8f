import type { AgentStats, CgroupDeltas, ContainerSample, DiskDevice, DiskOps, NetInterface, NodeRecord, PodSample } from '../core/record';
import type { CgroupReading, DiskReading, NetReading, NodeSample } from './collect/node-sample';

/** Who the record is about, and the agent's own figures to carry. */
export interface RecordIdentity {
  cluster: string;
  node: string;
  /** @default undefined (no `agent` member in the record) */
  agent?: AgentStats;
}

/** The record of this interval and the sample to keep for the next one. */
export interface NodeRecordStep {
  record: NodeRecord;
  next: NodeSample;
}

type Counters = Record<string, number | undefined>;

/** Subtracts counter by counter; a counter that went backwards (reset, restart) or is missing on one side has no delta. */
function subtract<T extends object>(previous: T | undefined, current: T): T | undefined {
  if (previous === undefined) return undefined;
  const out: Counters = {};
  const prev = previous as Counters;
  for (const [key, value] of Object.entries(current as Counters)) {
    const before = prev[key];
    if (value === undefined || before === undefined || value < before) continue;
    out[key] = value - before;
  }
  return out as T;
}

const byKey = <T>(items: T[], key: (t: T) => string): Map<string, T> => new Map(items.map((i) => [key(i), i]));

function toNet(previous: NetReading[] | undefined, current: NetReading[]): NetInterface[] {
  const before = previous && byKey(previous, (n) => n.name);
  return current.map((n) => {
    const deltas = before && subtract(before.get(n.name)?.counters, n.counters);
    return deltas ? { name: n.name, deltas } : { name: n.name };
  });
}

function toDisks(previous: DiskReading[] | undefined, current: DiskReading[]): DiskDevice[] {
  const before = previous && byKey(previous, (d) => d.device);
  return current.map((d) => {
    const prev = before?.get(d.device);
    const serviceBytes = subtract<DiskOps>(prev?.serviceBytes, d.serviceBytes);
    const serviced = subtract<DiskOps>(prev?.serviced, d.serviced);
    return serviceBytes && serviced ? { device: d.device, deltas: { serviceBytes, serviced } } : { device: d.device };
  });
}

function withDeltas<T extends object>(base: T, previous: CgroupReading | undefined, current: CgroupReading): T & { deltas?: CgroupDeltas } {
  const deltas = subtract(previous?.counters, current.counters);
  return deltas ? { ...base, deltas } : base;
}

/**
 * Turns the previous and the current sample of a node into the record of this interval: gauges as
 * read, counters as increases over `elapsedMs` of the host's monotonic clock. Without a previous
 * sample (first cycle after a start) or when the monotonic clock did not advance, the record
 * carries gauges only. A counter that went backwards yields no delta for that field; a pod or
 * container first seen in this sample has no deltas yet. Pure: the caller keeps `next`.
 */
export function toNodeRecord(previous: NodeSample | undefined, current: NodeSample, identity: RecordIdentity): NodeRecordStep {
  const elapsedMs = previous === undefined ? undefined : current.monotonicMs - previous.monotonicMs;
  const prev = elapsedMs !== undefined && elapsedMs > 0 ? previous : undefined;
  const prevPods = prev && byKey(prev.pods, (p) => p.uid);
  const pods: PodSample[] = current.pods.map((pod) => {
    const before = prevPods?.get(pod.uid);
    const beforeContainers = before && byKey(before.containers, (c) => c.id);
    const containers: ContainerSample[] = pod.containers.map((c) =>
      withDeltas({ id: c.id, ...(c.runtime ? { runtime: c.runtime } : {}), gauges: c.cgroup.gauges }, beforeContainers?.get(c.id)?.cgroup, c.cgroup),
    );
    const base: PodSample = {
      uid: pod.uid,
      qos: pod.qos,
      gauges: pod.cgroup.gauges,
      ...(pod.hostNetwork !== undefined ? { hostNetwork: pod.hostNetwork } : {}),
      ...(pod.net ? { net: toNet(before?.net, pod.net) } : {}),
      containers,
    };
    return withDeltas(base, before?.cgroup, pod.cgroup);
  });
  const record: NodeRecord = withDeltas(
    {
      cluster: identity.cluster,
      node: identity.node,
      timeMs: current.timeMs,
      ...(prev ? { elapsedMs } : {}),
      cgroupVersion: current.cgroupVersion,
      cores: current.cores,
      memTotalBytes: current.memTotalBytes,
      gauges: current.root.gauges,
    },
    prev?.root,
    current.root,
  ) as NodeRecord;
  record.net = toNet(prev?.net, current.net);
  record.disks = toDisks(prev?.disks, current.disks);
  record.filesystems = current.filesystems;
  record.pods = pods;
  if (identity.agent) record.agent = identity.agent;
  return { record, next: current };
}

import type { AgentStats, CgroupDeltas, ContainerSample, DiskDevice, DiskOps, NetInterface, NodeRecord, PodSample } from '../core/record';
import type { CgroupReading, DiskReading, NetReading, NodeSample, PodReading } from './collect/node-sample';

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
    const disk: DiskDevice = d.serial === undefined ? { device: d.device } : { device: d.device, serial: d.serial };
    return serviceBytes && serviced ? { ...disk, deltas: { serviceBytes, serviced } } : disk;
  });
}

function withDeltas<T extends object>(base: T, previous: CgroupReading | undefined, current: CgroupReading): T & { deltas?: CgroupDeltas } {
  const deltas = subtract(previous?.counters, current.counters);
  return deltas ? { ...base, deltas } : base;
}

/** The restart-count increases of one pod between two samples, and the counts to keep for the next. */
interface RestartStep {
  /** Sum of the increases of the container names counted in both samples; undefined when none was. */
  podDelta?: number;
  /** Increase by container name, for the names counted in both samples. */
  byName: Map<string, number>;
  /** The highest count seen per name, so that a count that dips and comes back adds nothing. */
  next?: ReadonlyMap<string, number>;
}

/**
 * Diffs a pod's restart counts by container name (the kubelet's log layout gives them; a restart
 * gives a container a new id, so names are the key). A name first counted now has no increase; a
 * count that went down (log directory cleaned) gives none, and the highest count stays the reference.
 */
function toRestartStep(before: ReadonlyMap<string, number> | undefined, now: ReadonlyMap<string, number> | undefined): RestartStep {
  const byName = new Map<string, number>();
  if (now === undefined || before === undefined) return { byName, next: now };
  let podDelta: number | undefined;
  let next: Map<string, number> | undefined;
  for (const [name, count] of now) {
    const prev = before.get(name);
    if (prev === undefined) continue;
    const increase = Math.max(0, count - prev);
    byName.set(name, increase);
    podDelta = (podDelta ?? 0) + increase;
    if (prev > count) (next ??= new Map(now)).set(name, prev);
  }
  // A name whose directory could not be listed this time keeps its count for the next comparison.
  for (const [name, prev] of before) if (!now.has(name)) (next ??= new Map(now)).set(name, prev);
  return { podDelta, byName, next: next ?? now };
}

function toPodSample(pod: PodReading, before: PodReading | undefined, restarts: RestartStep): PodSample {
  const beforeContainers = before && byKey(before.containers, (c) => c.id);
  // A name held by two containers of the pod (an old one not yet gone): its increase is the pod's only.
  const names = new Map<string, number>();
  for (const c of pod.containers) if (c.name !== undefined) names.set(c.name, (names.get(c.name) ?? 0) + 1);
  const containers: ContainerSample[] = pod.containers.map((c) => {
    const restartsDelta = c.name !== undefined && names.get(c.name) === 1 ? restarts.byName.get(c.name) : undefined;
    const sample: ContainerSample = {
      id: c.id,
      ...(c.runtime ? { runtime: c.runtime } : {}),
      ...(c.name !== undefined ? { name: c.name } : {}),
      gauges: c.cgroup.gauges,
      ...(restartsDelta !== undefined ? { restartsDelta } : {}),
    };
    return withDeltas(sample, beforeContainers?.get(c.id)?.cgroup, c.cgroup);
  });
  const base: PodSample = {
    uid: pod.uid,
    qos: pod.qos,
    ...(pod.namespace !== undefined ? { namespace: pod.namespace } : {}),
    ...(pod.name !== undefined ? { name: pod.name } : {}),
    gauges: pod.cgroup.gauges,
    ...(pod.hostNetwork !== undefined ? { hostNetwork: pod.hostNetwork } : {}),
    ...(pod.net ? { net: toNet(before?.net, pod.net) } : {}),
    ...(restarts.podDelta !== undefined ? { restartsDelta: restarts.podDelta } : {}),
    containers,
  };
  return withDeltas(base, before?.cgroup, pod.cgroup);
}

/**
 * Turns the previous and the current sample of a node into the record of this interval: gauges as
 * read, counters as increases over `elapsedMs` of the host's monotonic clock. Without a previous
 * sample (first cycle after a start) or when the monotonic clock did not advance, the record
 * carries gauges only. A counter that went backwards yields no delta for that field; a pod or
 * container first seen in this sample has no deltas yet. Restart counts are counters too, keyed by
 * pod uid and container name: each restart is counted once, a pod's first sample has none. Pure:
 * the caller keeps `next` (the current sample, with the highest restart counts seen).
 */
export function toNodeRecord(previous: NodeSample | undefined, current: NodeSample, identity: RecordIdentity): NodeRecordStep {
  const elapsedMs = previous === undefined ? undefined : current.monotonicMs - previous.monotonicMs;
  const prev = elapsedMs !== undefined && elapsedMs > 0 ? previous : undefined;
  const prevPods = prev && byKey(prev.pods, (p) => p.uid);
  let nextPods: PodReading[] | undefined;
  const pods: PodSample[] = current.pods.map((pod, i) => {
    const before = prevPods?.get(pod.uid);
    const restarts = toRestartStep(before?.restartCounts, pod.restartCounts);
    if (restarts.next !== pod.restartCounts) (nextPods ??= [...current.pods])[i] = { ...pod, restartCounts: restarts.next };
    return toPodSample(pod, before, restarts);
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
  return { record, next: nextPods ? { ...current, pods: nextPods } : current };
}

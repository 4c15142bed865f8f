import type { CiRecord } from '../../core/ci-record';
import type { CiType, MetricsOf } from '../../core/metrics/catalog';
import { hasMetrics, toMetricsBuilder } from '../../core/metrics/metrics-object';
import { LAYOUTS, type ContainerSpecFigures } from '../../core/metrics/names';
import type { DeclarationProfile } from '../../core/metrics/profiles';
import type { ContainerMetadata, NodeMetadata, PodMetadata } from '../../core/node-metadata';
import type { ContainerSample, NetInterface, NodeRecord, PodSample } from '../../core/record';
import { getOrCreateContainerView, getOrCreateDerivedShape, getOrCreateNetShape, getOrCreateNodeView, getOrCreatePodView, trimNetShapes, type EnrichCache, type PodView } from './enrich-cache';
import { toEbsVolumeIds, toDiskIoDevice } from './ebs-volumes';
import {
  toCgroupFigures,
  toContainerSpecFigures,
  toContainerStatusFigures,
  toDiskOpFigures,
  toFsFigures,
  toNetFigures,
  toNodeSpecFigures,
  toPodSpecFigures,
  toPodStatusFigures,
  toRestarts,
  toUnlistedPodSpecFigures,
} from './formulas';

/**
 * The enricher's join: one agent NodeRecord plus the node's metadata document -> the Container
 * Insights records of that node for that interval (Node, NodeFS, NodeDiskIO, NodeNet, Pod, PodNet,
 * Container), with the receiver's formulas (catalog sections 2.1-2.7, in formulas.ts) and attributes
 * (section 3). The attribute and `kubernetes` objects come from an {@link EnrichCache} the caller
 * creates and passes in (enrich-cache.ts): it decides which objects are reused, never a value.
 *
 * ContainerFS is never produced: the record carries no per-container filesystem figures (containerd,
 * the EKS runtime, gives none to cAdvisor either).
 *
 * Join rules, when the metadata is missing or behind (a pod started after the poller's last run):
 * - no document for the node: Node-level events are still written, without InstanceId/InstanceType
 *   (so only their `[ClusterName]` dimension sets publish) and without the request/count metrics
 *   that need the pod list; pods and containers are handled as below; counted in `nodeWithoutMetadata`.
 * - a pod of the record that the document does not list (counted in `podsWithoutMetadata`): named
 *   from the agent's node-local identity when the record has it (`Namespace`, `kubernetes.pod_name`,
 *   container names, and `PodName` by the receiver's fallback rule, core/owner.ts
 *   toWorkloadFromPodName), so its events carry the same dimension sets as any pod's; without that
 *   identity too (counted in `podsWithoutIdentity`), its Pod, PodNet and Container events are still
 *   written with what the host knows (`kubernetes.host`, `pod_id`, container ids), without
 *   `PodName`/`Namespace`, so they publish only under `[ClusterName]` sets and stay searchable in
 *   Logs Insights by pod uid (the receiver drops such a pod: docs/metrics.md lists the difference).
 * - a container the document does not list (pod known): written with its id and the agent's
 *   name, no spec-derived metrics; counted in `containersWithoutMetadata`.
 * The node totals (CPU, memory, network of the root cgroup) always include every pod.
 *
 * Restarts: from the agent's restart-count increases when the record names the pod from the node's
 * log layout (every interval after a container's first sample, 0 when nothing restarted), otherwise
 * from the poller's document (`restartDelta`), never both.
 */

/** Options of {@link toCiRecords}. */
export interface EnrichOptions {
  /** The declaration profile: decides the enhanced metrics and the FullPodName / ContainerName attributes. */
  readonly profile: DeclarationProfile;
  /**
   * Add the `Service` attribute (first service of the pod), as the receiver's `add_service_as_attribute`.
   * @default true
   */
  readonly serviceAttribute?: boolean;
}

/** The enriched records of one NodeRecord plus join counters. */
export interface EnrichResult {
  records: CiRecord[];
  /** True when no metadata document was given for the node. */
  nodeWithoutMetadata: boolean;
  /** Pods of the record that the metadata does not list. */
  podsWithoutMetadata: number;
  /** Of those, the pods the record does not name either (no node-local identity). */
  podsWithoutIdentity: number;
  /** Containers of known pods that the metadata does not list. */
  containersWithoutMetadata: number;
  /** Pods whose labels were cut to the per-event budget (enrich-cache.ts, LABELS_MAX_BYTES). */
  podsWithLabelsCut: number;
}

// Frozen: shared, read-only, by every event of their Type.
const SOURCES = {
  Node: Object.freeze(['cadvisor', '/proc', 'pod', 'calculated']),
  NodeFS: Object.freeze(['cadvisor', 'calculated']),
  NodeDiskIO: Object.freeze(['cadvisor']),
  NodeNet: Object.freeze(['cadvisor', 'calculated']),
  Pod: Object.freeze(['cadvisor', 'pod', 'calculated']),
  PodNet: Object.freeze(['cadvisor', 'calculated']),
  Container: Object.freeze(['cadvisor', 'pod', 'calculated']),
} as const satisfies Partial<Record<CiType, readonly string[]>>;

// One builder per Type: each turns the figure objects of formulas.ts into the Type's metric object.
const nodeMetrics = toMetricsBuilder('Node', LAYOUTS.Node);
const nodeFsMetrics = toMetricsBuilder('NodeFS', LAYOUTS.NodeFS);
const nodeDiskMetrics = toMetricsBuilder('NodeDiskIO', LAYOUTS.NodeDiskIO);
const nodeNetMetrics = toMetricsBuilder('NodeNet', LAYOUTS.NodeNet);
const podMetrics = toMetricsBuilder('Pod', LAYOUTS.Pod);
const podNetMetrics = toMetricsBuilder('PodNet', LAYOUTS.PodNet);
const containerMetrics = toMetricsBuilder('Container', LAYOUTS.Container);

/** The interfaces a pod's network figures come from: a host-network pod sees the host's, as cAdvisor reads them through the pod's process. */
const toPodInterfaces = (record: NodeRecord, sample: PodSample): readonly NetInterface[] | undefined => (sample.hostNetwork ? record.net : sample.net);

/** Whether the record counts the pod's restarts itself: it names the pod from the node's log layout (schema 2.1), which is where the agent reads restart counts. */
const agentCountsRestarts = (sample: PodSample): boolean => sample.name !== undefined;

function toPodMetrics(record: NodeRecord, sample: PodSample, meta: PodMetadata | undefined, options: EnrichOptions): MetricsOf<'Pod'> {
  const cgroup = toCgroupFigures(sample.gauges, sample.deltas, record.elapsedMs, record.cores, record.memTotalBytes, record.cgroupVersion);
  const interfaces = toPodInterfaces(record, sample);
  const net = interfaces ? toNetFigures(interfaces, record.elapsedMs) : undefined;
  const restarts = agentCountsRestarts(sample) ? sample.restartsDelta : meta?.restartDelta;
  if (!meta) return podMetrics(cgroup, net, toUnlistedPodSpecFigures(restarts), undefined, undefined);
  const enhanced = options.profile.enhancedMetrics;
  return podMetrics(cgroup, net, toPodSpecFigures(record, cgroup, meta, restarts), enhanced ? toPodStatusFigures(meta) : undefined, enhanced ? toContainerStatusFigures(meta) : undefined);
}

function toContainerRecord(cache: EnrichCache, record: NodeRecord, pod: PodView, podSample: PodSample, sample: ContainerSample, meta: ContainerMetadata | undefined, options: EnrichOptions): CiRecord<'Container'> {
  const cgroup = toCgroupFigures(sample.gauges, sample.deltas, record.elapsedMs, record.cores, record.memTotalBytes, record.cgroupVersion);
  const view = getOrCreateContainerView(cache, pod, sample, meta, options);
  const spec: ContainerSpecFigures | undefined = meta ? toContainerSpecFigures(cgroup, sample.gauges, meta, options.profile.enhancedMetrics) : undefined;
  const restarts = { number_of_container_restarts: toRestarts(agentCountsRestarts(podSample) ? sample.restartsDelta : meta?.restartDelta) };
  return { type: 'Container', timestampMs: record.timeMs, attributes: view.attributes, sources: SOURCES.Container, kubernetes: view.kubernetes, metrics: containerMetrics(cgroup, spec, restarts), memo: view.memo };
}

/**
 * Turns one agent record and its node's metadata (undefined when none is known) into Container
 * Insights records. The same record, metadata and options give the same output whatever `cache`
 * holds; the cache only lends the attribute and `kubernetes` objects (and their encoder memos) of
 * earlier calls, and keeps those of this one. The only effect on the inputs is that the metadata
 * pods' `labels` objects are frozen (they are shared, read-only, by the events and the encoder's
 * memos), so a caller must not mutate them afterwards.
 */
export function toCiRecords(record: NodeRecord, metadata: NodeMetadata | undefined, options: EnrichOptions, cache: EnrichCache): EnrichResult {
  const out: CiRecord[] = [];
  const t = record.timeMs;
  const elapsed = record.elapsedMs;
  const nodeView = getOrCreateNodeView(cache, record, metadata);
  const node = nodeView.attributes;
  const host = nodeView.host;

  // Node
  const nodeCgroup = toCgroupFigures(record.gauges, record.deltas, elapsed, record.cores, record.memTotalBytes, record.cgroupVersion);
  const nm = nodeMetrics(nodeCgroup, toNetFigures(record.net, elapsed), toNodeSpecFigures(record, nodeCgroup, metadata));
  out.push({ type: 'Node', timestampMs: t, attributes: node, sources: SOURCES.Node, kubernetes: host, metrics: nm, memo: nodeView.memo });

  // NodeFS and NodeDiskIO: EBSVolumeId on the devices of EBS volumes (ebs-volumes.ts).
  const ebs = toEbsVolumeIds(record, metadata);
  for (const fs of record.filesystems) {
    const m = nodeFsMetrics(toFsFigures(fs));
    const volume = ebs.ofFilesystem(fs.device);
    // The device length-prefixed: a device may hold ':' (`259:3`), and device and fstype must not run into each other.
    const key = `fs:${fs.device.length}:${fs.device}:${fs.fstype.length}:${fs.fstype}:${volume ?? ''}`;
    const shape = getOrCreateDerivedShape(nodeView, key, volume === undefined ? { device: fs.device, fstype: fs.fstype } : { device: fs.device, fstype: fs.fstype, EBSVolumeId: volume });
    out.push({ type: 'NodeFS', timestampMs: t, attributes: shape.attributes, sources: SOURCES.NodeFS, kubernetes: host, metrics: m, memo: shape.memo });
  }

  // NodeDiskIO: a device with no rate (first sample, reset) gives no record.
  for (const disk of record.disks) {
    const d = disk.deltas;
    if (!d) continue;
    const m = nodeDiskMetrics(toDiskOpFigures(d.serviceBytes, elapsed), toDiskOpFigures(d.serviced, elapsed));
    if (hasMetrics(m)) {
      const volume = ebs.ofDisk(disk.device);
      const device = toDiskIoDevice(disk.device);
      const shape = getOrCreateDerivedShape(nodeView, `disk:${disk.device}:${volume ?? ''}`, volume === undefined ? { device } : { device, EBSVolumeId: volume });
      out.push({ type: 'NodeDiskIO', timestampMs: t, attributes: shape.attributes, sources: SOURCES.NodeDiskIO, kubernetes: host, metrics: m, memo: shape.memo });
    }
  }

  // NodeNet
  for (const itf of record.net) {
    const m = nodeNetMetrics(toNetFigures([itf], elapsed));
    if (hasMetrics(m)) {
      const shape = getOrCreateDerivedShape(nodeView, `net:${itf.name}`, { interface: itf.name });
      out.push({ type: 'NodeNet', timestampMs: t, attributes: shape.attributes, sources: SOURCES.NodeNet, kubernetes: host, metrics: m, memo: shape.memo });
    }
  }

  // Pod, PodNet, Container
  const podsByUid = new Map(metadata?.pods.map((p) => [p.uid, p]));
  let podsWithoutMetadata = 0;
  let podsWithoutIdentity = 0;
  let containersWithoutMetadata = 0;
  let podsWithLabelsCut = 0;
  for (const sample of record.pods) {
    const meta = podsByUid.get(sample.uid);
    if (!meta) {
      podsWithoutMetadata += 1;
      if (sample.namespace === undefined || sample.name === undefined) podsWithoutIdentity += 1;
    }
    const pod = getOrCreatePodView(cache, record, node, sample, meta, options);
    if (pod.labelsCut) podsWithLabelsCut += 1;
    out.push({ type: 'Pod', timestampMs: t, attributes: pod.pod.attributes, sources: SOURCES.Pod, kubernetes: pod.context.kubernetes, metrics: toPodMetrics(record, sample, meta, options), memo: pod.pod.memo });
    const interfaces = toPodInterfaces(record, sample) ?? [];
    trimNetShapes(pod, interfaces.length);
    for (const itf of interfaces) {
      const m = podNetMetrics(toNetFigures([itf], elapsed));
      if (hasMetrics(m)) {
        const shape = getOrCreateNetShape(pod, itf.name);
        out.push({ type: 'PodNet', timestampMs: t, attributes: shape.attributes, sources: SOURCES.PodNet, kubernetes: pod.context.kubernetes, metrics: m, memo: shape.memo });
      }
    }
    const byId = new Map(meta?.containers.filter((c) => c.runtimeId).map((c) => [c.runtimeId as string, c]));
    for (const c of sample.containers) {
      const cmeta = byId.get(c.id);
      if (meta && !cmeta) containersWithoutMetadata += 1;
      out.push(toContainerRecord(cache, record, pod, sample, c, cmeta, options));
    }
  }
  return { records: out, nodeWithoutMetadata: metadata === undefined, podsWithoutMetadata, podsWithoutIdentity, containersWithoutMetadata, podsWithLabelsCut };
}

import { newEncodingMemo, type CiRecord, type EncodingMemo } from '../../core/ci-record';
import type { CiType, MetricsOf } from '../../core/metrics/catalog';
import { CONTAINER, NODE, NODE_DISKIO, NODE_FS, NODE_NET, POD, POD_NET } from '../../core/metrics/names';
import { createMetrics, hasMetrics } from '../../core/metrics/metrics-object';
import type { DeclarationProfile } from '../../core/metrics/profiles';
import type { ContainerMetadata, NodeMetadata, PodMetadata, PodOwner } from '../../core/node-metadata';
import type { CgroupDeltas, CgroupGauges, ContainerSample, NetDeltas, NetInterface, NodeRecord, PodSample } from '../../core/record';

/**
 * The enricher's pure core: one agent NodeRecord plus the node's metadata document -> the Container
 * Insights records of that node for that interval (Node, NodeFS, NodeDiskIO, NodeNet, Pod, PodNet,
 * Container), with the receiver's formulas (catalog sections 2.1-2.7) and attributes (section 3).
 *
 * ContainerFS is never produced: the record carries no per-container filesystem figures (containerd,
 * the EKS runtime, gives none to cAdvisor either).
 *
 * Join rules, when the metadata is missing or behind (a pod started after the poller's last run):
 * - no document for the node: Node-level events are still written, without InstanceId/InstanceType
 *   (so only their `[ClusterName]` dimension sets publish) and without the request/count metrics
 *   that need the pod list; pods and containers are handled as below; counted in `nodeWithoutMetadata`.
 * - a pod of the record that the document does not list: its Pod, PodNet and Container events are
 *   still written with what the host knows (`kubernetes.host`, `pod_id`, container ids and names),
 *   without `PodName`/`Namespace`, so they publish only under `[ClusterName]` sets and stay
 *   searchable in Logs Insights by pod uid; counted in `podsWithoutMetadata`.
 * - a container the document does not list (pod known): written with its id and the agent's
 *   name, no spec-derived metrics; counted in `containersWithoutMetadata`.
 * The node totals (CPU, memory, network of the root cgroup) always include every pod.
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
  /** Containers of known pods that the metadata does not list. */
  containersWithoutMetadata: number;
}

type Metrics = Record<string, number | undefined>;
const newMetrics = (type: CiType) => createMetrics(type) as Metrics;

// Frozen: the EMF encoder serializes frozen values once (see core/emf.ts toJson).
const SOURCES = {
  Node: Object.freeze(['cadvisor', '/proc', 'pod', 'calculated']),
  NodeFS: Object.freeze(['cadvisor', 'calculated']),
  NodeDiskIO: Object.freeze(['cadvisor']),
  NodeNet: Object.freeze(['cadvisor', 'calculated']),
  Pod: Object.freeze(['cadvisor', 'pod', 'calculated']),
  PodNet: Object.freeze(['cadvisor', 'calculated']),
  Container: Object.freeze(['cadvisor', 'pod', 'calculated']),
} as const satisfies Partial<Record<CiType, readonly string[]>>;

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

const percent = (part: number | undefined, whole: number | undefined): number | undefined =>
  part === undefined || whole === undefined || !(whole > 0) ? undefined : (part / whole) * 100;

function put(m: Metrics, name: string, value: number | undefined): void {
  if (value !== undefined && Number.isFinite(value)) m[name] = value;
}

type CgroupNames = typeof NODE | typeof POD | typeof CONTAINER;

/** CPU and memory metrics of one cgroup (node root, pod or container), catalog 2.1/2.5/2.7. */
function putCgroup(m: Metrics, n: CgroupNames, gauges: CgroupGauges, deltas: CgroupDeltas | undefined, elapsedMs: number | undefined, cores: number, memTotalBytes: number): void {
  const total = toMillicores(deltas?.cpuUsageNs, elapsedMs);
  put(m, n.cpu_usage_total, total);
  put(m, n.cpu_usage_user, toMillicores(deltas?.cpuUserNs, elapsedMs));
  put(m, n.cpu_usage_system, toMillicores(deltas?.cpuSystemNs, elapsedMs));
  put(m, n.cpu_utilization, percent(total, cores * 1000));
  put(m, n.memory_usage, gauges.memoryUsageBytes);
  put(m, n.memory_cache, gauges.memoryCacheBytes);
  put(m, n.memory_rss, gauges.memoryRssBytes);
  put(m, n.memory_max_usage, gauges.memoryMaxUsageBytes);
  put(m, n.memory_swap, gauges.memorySwapBytes);
  put(m, n.memory_failcnt, gauges.memoryFailcnt);
  put(m, n.memory_mapped_file, gauges.memoryMappedFileBytes);
  put(m, n.memory_working_set, gauges.memoryWorkingSetBytes);
  const pgfault = toRate(deltas?.memoryPgfault, elapsedMs);
  const pgmajfault = toRate(deltas?.memoryPgmajfault, elapsedMs);
  put(m, n.memory_pgfault, pgfault);
  put(m, n.memory_pgmajfault, pgmajfault);
  // cAdvisor fills the hierarchical values from the same memory.stat keys.
  put(m, n.memory_hierarchical_pgfault, pgfault);
  put(m, n.memory_hierarchical_pgmajfault, pgmajfault);
  put(m, n.memory_failures_total, pgfault !== undefined && pgmajfault !== undefined ? pgfault + pgmajfault : undefined);
  put(m, n.memory_utilization, percent(gauges.memoryWorkingSetBytes, memTotalBytes));
}

const NET_KEYS = ['rx_bytes', 'rx_packets', 'rx_dropped', 'rx_errors', 'tx_bytes', 'tx_packets', 'tx_dropped', 'tx_errors'] as const;
const NET_FIELDS: Record<(typeof NET_KEYS)[number], keyof NetDeltas> = {
  rx_bytes: 'rxBytes',
  rx_packets: 'rxPackets',
  rx_dropped: 'rxDropped',
  rx_errors: 'rxErrors',
  tx_bytes: 'txBytes',
  tx_packets: 'txPackets',
  tx_dropped: 'txDropped',
  tx_errors: 'txErrors',
};
type NetNames = typeof NODE.net | typeof NODE_NET | typeof POD.net | typeof POD_NET;

/** Network rates summed over interfaces (one interface for NodeNet/PodNet); a counter no interface reports is absent. */
function putNet(m: Metrics, n: NetNames, interfaces: readonly NetInterface[], elapsedMs: number | undefined): void {
  for (const key of NET_KEYS) {
    let sum: number | undefined;
    for (const itf of interfaces) {
      const rate = toRate(itf.deltas?.[NET_FIELDS[key]], elapsedMs);
      if (rate !== undefined) sum = (sum ?? 0) + rate;
    }
    put(m, n[key], sum);
  }
  const rx = m[n.rx_bytes];
  const tx = m[n.tx_bytes];
  if (rx !== undefined || tx !== undefined) put(m, n.total_bytes, (rx ?? 0) + (tx ?? 0));
}

/** Σ of one resource over a pod's regular containers, and whether every container sets it. */
function sumResource(pod: PodMetadata, kind: 'requests' | 'limits', resource: 'cpuMillicores' | 'memoryBytes'): { sum: number; everySet: boolean } {
  let sum = 0;
  let everySet = pod.containers.length > 0;
  for (const c of pod.containers) {
    const v = c[kind][resource];
    if (v === undefined) everySet = false;
    else sum += v;
  }
  return { sum, everySet };
}

const isActive = (pod: PodMetadata) => pod.phase !== 'Succeeded' && pod.phase !== 'Failed';
const IMAGE_PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);

/** Attributes shared by every node-level Type. */
function toNodeAttributes(record: NodeRecord, metadata: NodeMetadata | undefined): Record<string, string> {
  const a: Record<string, string> = { ClusterName: record.cluster, NodeName: record.node };
  if (metadata?.instanceId) a.InstanceId = metadata.instanceId;
  if (metadata?.instanceType) a.InstanceType = metadata.instanceType;
  a.AutoScalingGroupName = metadata?.autoScalingGroup ?? '';
  return a;
}

/**
 * The attribute and `kubernetes` objects of a node's own events (Node, NodeFS, NodeDiskIO, NodeNet),
 * frozen and reused while the node's metadata object lives, as the pods' are: a node on the VPC CNI
 * has an `eni` interface per pod, so NodeNet events are as many as Pod events.
 */
interface NodeView {
  readonly cluster: string;
  readonly node: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly memo: EncodingMemo;
  readonly host: Readonly<{ host: string }>;
  /** Attributes of the node plus a device or interface, by `<kind>:<name>`. */
  readonly derived: Map<string, EventShape>;
}

/** Frozen attributes and the encoder's memo of the events that carry them. */
interface EventShape {
  readonly attributes: Readonly<Record<string, string>>;
  readonly memo: EncodingMemo;
}

const toEventShape = (attributes: Record<string, string>): EventShape => ({ attributes: Object.freeze(attributes), memo: newEncodingMemo() });

const nodeViews = new WeakMap<NodeMetadata, NodeView>();

function toNodeView(record: NodeRecord, metadata: NodeMetadata | undefined): NodeView {
  if (metadata) {
    const hit = nodeViews.get(metadata);
    if (hit && hit.cluster === record.cluster && hit.node === record.node) return hit;
  }
  const view: NodeView = { cluster: record.cluster, node: record.node, attributes: Object.freeze(toNodeAttributes(record, metadata)), memo: newEncodingMemo(), host: Object.freeze({ host: record.node }), derived: new Map() };
  if (metadata) nodeViews.set(metadata, view);
  return view;
}

/** The node's attributes plus `extra`, remembered under `key` for the view's lifetime. */
function toDerivedShape(view: NodeView, key: string, extra: Readonly<Record<string, string>>): EventShape {
  let shape = view.derived.get(key);
  if (!shape) {
    shape = toEventShape({ ...view.attributes, ...extra });
    view.derived.set(key, shape);
  }
  return shape;
}

interface PodContext {
  attributes: Record<string, string>;
  kubernetes: Record<string, unknown>;
  meta: PodMetadata | undefined;
}

const hasKeys = (o: object): boolean => {
  for (const _ in o) return true;
  return false;
};

const podOwners = new WeakMap<readonly PodOwner[], readonly unknown[]>();

/** The `kubernetes.pod_owners` list of a pod, built once per metadata owners array. */
function toPodOwners(owners: readonly PodOwner[]): readonly unknown[] {
  let list = podOwners.get(owners);
  if (!list) {
    list = Object.freeze(owners.map((o) => Object.freeze({ owner_kind: o.kind, owner_name: o.name })));
    podOwners.set(owners, list);
  }
  return list;
}

function toPodContext(record: NodeRecord, node: Record<string, string>, sample: PodSample, meta: PodMetadata | undefined, options: EnrichOptions): PodContext {
  const attributes = { ...node };
  const kubernetes: Record<string, unknown> = { host: record.node };
  if (meta) {
    attributes.Namespace = meta.namespace;
    attributes.PodName = meta.workloadName;
    if (options.profile.fullPodName) attributes.FullPodName = meta.name;
    kubernetes.namespace_name = meta.namespace;
    kubernetes.pod_name = meta.name;
  }
  kubernetes.pod_id = sample.uid;
  const service = meta && options.serviceAttribute !== false ? meta.services[0] : undefined;
  if (service !== undefined) {
    attributes.Service = service;
    kubernetes.service_name = service;
  }
  // Frozen and reused while the metadata document lives (the handler caches documents), so the
  // encoder serializes a pod's labels and owners once, not once per event.
  if (meta && hasKeys(meta.labels)) kubernetes.labels = Object.freeze(meta.labels);
  if (meta && meta.owners.length > 0) kubernetes.pod_owners = toPodOwners(meta.owners);
  return { attributes, kubernetes: Object.freeze(kubernetes), meta };
}

/**
 * The attribute and kubernetes objects of a pod's events, frozen and reused while the pod's
 * metadata object lives (the metadata reader keeps a document's object while its content hash does
 * not change): the encoder then serializes them once per pod instead of once per event and interval.
 */
interface PodView {
  readonly profile: DeclarationProfile;
  readonly serviceAttribute: boolean;
  readonly uid: string;
  readonly context: PodContext;
  /** The Pod event's attributes (the pod's plus pod_status). */
  readonly pod: EventShape;
  /** The PodNet events' attributes by interface. */
  readonly net: Map<string, EventShape>;
}

interface ContainerView {
  readonly pod: PodView;
  readonly id: string;
  readonly runtime: string | undefined;
  readonly name: string | undefined;
  readonly attributes: Record<string, string>;
  readonly kubernetes: Record<string, unknown>;
  readonly memo: EncodingMemo;
}

const podViews = new WeakMap<PodMetadata, PodView>();
const containerViews = new WeakMap<ContainerMetadata, ContainerView>();

function toPodView(record: NodeRecord, node: Record<string, string>, sample: PodSample, meta: PodMetadata | undefined, options: EnrichOptions): PodView {
  const serviceAttribute = options.serviceAttribute !== false;
  if (meta) {
    const hit = podViews.get(meta);
    if (hit && hit.profile === options.profile && hit.serviceAttribute === serviceAttribute && hit.uid === sample.uid) return hit;
  }
  const context = toPodContext(record, node, sample, meta, options);
  Object.freeze(context.attributes);
  const podAttributes = meta ? { ...context.attributes, pod_status: meta.phase } : context.attributes;
  const view: PodView = { profile: options.profile, serviceAttribute, uid: sample.uid, context, pod: toEventShape(podAttributes), net: new Map() };
  if (meta) podViews.set(meta, view);
  return view;
}

function toNetShape(view: PodView, name: string): EventShape {
  let shape = view.net.get(name);
  if (!shape) {
    shape = toEventShape({ ...view.context.attributes, interface: name });
    view.net.set(name, shape);
  }
  return shape;
}

function toContainerView(pod: PodView, sample: ContainerSample, meta: ContainerMetadata | undefined, options: EnrichOptions): ContainerView {
  if (meta) {
    const hit = containerViews.get(meta);
    if (hit && hit.pod === pod && hit.id === sample.id && hit.runtime === sample.runtime && hit.name === sample.name) return hit;
  }
  const attributes: Record<string, string> = { ...pod.context.attributes };
  const kubernetes: Record<string, unknown> = { ...pod.context.kubernetes };
  const name = meta?.name ?? sample.name;
  if (name !== undefined) kubernetes.container_name = name;
  const runtime = meta?.runtime ?? sample.runtime;
  if (runtime) kubernetes[runtime] = Object.freeze({ container_id: sample.id });
  else kubernetes.container_id = sample.id;
  if (name !== undefined && options.profile.containerNameAttribute) attributes.ContainerName = name;
  if (meta?.state) attributes.container_status = meta.state;
  if (meta?.stateReason) attributes.container_status_reason = meta.stateReason;
  if (meta?.lastTerminationReason) attributes.container_last_termination_reason = meta.lastTerminationReason;
  const view: ContainerView = { pod, id: sample.id, runtime: sample.runtime, name: sample.name, attributes: Object.freeze(attributes), kubernetes: Object.freeze(kubernetes), memo: newEncodingMemo() };
  if (meta) containerViews.set(meta, view);
  return view;
}

function toPodMetrics(record: NodeRecord, sample: PodSample, meta: PodMetadata | undefined, options: EnrichOptions): Metrics {
  const m = newMetrics('Pod');
  const cpuCapacity = record.cores * 1000;
  putCgroup(m, POD, sample.gauges, sample.deltas, record.elapsedMs, record.cores, record.memTotalBytes);
  if (!sample.hostNetwork && sample.net) putNet(m, POD.net, sample.net, record.elapsedMs);
  if (!meta) return m;
  const usage = m[POD.cpu_usage_total];
  const workingSet = sample.gauges.memoryWorkingSetBytes;
  const cpuRequest = Math.min(sumResource(meta, 'requests', 'cpuMillicores').sum, cpuCapacity);
  if (cpuRequest !== 0) {
    put(m, POD.cpu_request, cpuRequest);
    put(m, POD.cpu_reserved_capacity, percent(cpuRequest, cpuCapacity));
  }
  const memRequest = Math.min(sumResource(meta, 'requests', 'memoryBytes').sum, record.memTotalBytes);
  if (memRequest !== 0) {
    put(m, POD.memory_request, memRequest);
    put(m, POD.memory_reserved_capacity, percent(memRequest, record.memTotalBytes));
  }
  const cpuLimit = sumResource(meta, 'limits', 'cpuMillicores');
  if (cpuLimit.everySet) {
    const limit = Math.min(cpuLimit.sum, cpuCapacity);
    put(m, POD.cpu_limit, limit);
    put(m, POD.cpu_utilization_over_pod_limit, percent(usage, limit));
  }
  const memLimit = sumResource(meta, 'limits', 'memoryBytes');
  if (memLimit.everySet) {
    put(m, POD.memory_limit, memLimit.sum);
    put(m, POD.memory_utilization_over_pod_limit, percent(workingSet, memLimit.sum));
  }
  put(m, POD.number_of_containers, meta.containers.length);
  put(m, POD.number_of_running_containers, meta.containers.filter((c) => c.state === 'Running').length);
  if (meta.restartDelta !== undefined) put(m, POD.number_of_container_restarts, Math.max(0, meta.restartDelta));
  if (options.profile.enhancedMetrics) putPodStatus(m, meta);
  return m;
}

/** The enhanced pod status metrics (catalog 2.5, fork). */
function putPodStatus(m: Metrics, meta: PodMetadata): void {
  const s = POD.status;
  m[s.pending] = meta.phase === 'Pending' ? 1 : 0;
  m[s.running] = meta.phase === 'Running' ? 1 : 0;
  m[s.succeeded] = meta.phase === 'Succeeded' ? 1 : 0;
  m[s.failed] = meta.phase === 'Failed' ? 1 : 0;
  m[s.ready] = meta.conditions.ready === 'True' ? 1 : 0;
  m[s.scheduled] = meta.conditions.scheduled === 'True' ? 1 : 0;
  m[s.unknown] = meta.conditions.ready === 'Unknown' || meta.conditions.scheduled === 'Unknown' ? 1 : 0;
  const c = POD.containerStatus;
  const count = (p: (x: ContainerMetadata) => boolean) => meta.containers.filter(p).length;
  m[c.running] = count((x) => x.state === 'Running');
  m[c.waiting] = count((x) => x.state === 'Waiting');
  m[c.terminated] = count((x) => x.state === 'Terminated');
  const waiting = (reasons: (r: string) => boolean) => count((x) => x.state === 'Waiting' && x.stateReason !== undefined && reasons(x.stateReason));
  const reasons: [string, number][] = [
    [c.waiting_reason_crash_loop_back_off, waiting((r) => r === 'CrashLoopBackOff')],
    [c.waiting_reason_image_pull_error, waiting((r) => IMAGE_PULL_REASONS.has(r))],
    [c.waiting_reason_start_error, waiting((r) => r === 'StartError')],
    [c.waiting_reason_create_container_error, waiting((r) => r === 'CreateContainerError')],
    [c.waiting_reason_create_container_config_error, waiting((r) => r === 'CreateContainerConfigError')],
    [c.terminated_reason_oom_killed, count((x) => x.lastTerminationReason?.includes('OOMKilled') === true)],
  ];
  for (const [name, n] of reasons) if (n > 0) m[name] = n;
}

function toContainerRecord(record: NodeRecord, pod: PodView, sample: ContainerSample, meta: ContainerMetadata | undefined, options: EnrichOptions): CiRecord<'Container'> {
  const m = newMetrics('Container');
  putCgroup(m, CONTAINER, sample.gauges, sample.deltas, record.elapsedMs, record.cores, record.memTotalBytes);
  const view = toContainerView(pod, sample, meta, options);
  if (meta) {
    const usage = m[CONTAINER.cpu_usage_total];
    put(m, CONTAINER.cpu_limit, meta.limits.cpuMillicores);
    put(m, CONTAINER.cpu_request, meta.requests.cpuMillicores);
    put(m, CONTAINER.memory_limit, meta.limits.memoryBytes);
    put(m, CONTAINER.memory_request, meta.requests.memoryBytes);
    if (meta.restartDelta !== undefined) put(m, CONTAINER.number_of_container_restarts, Math.max(0, meta.restartDelta));
    if (options.profile.enhancedMetrics) {
      put(m, CONTAINER.cpu_utilization_over_container_limit, percent(usage, meta.limits.cpuMillicores));
      put(m, CONTAINER.memory_utilization_over_container_limit, percent(sample.gauges.memoryWorkingSetBytes, meta.limits.memoryBytes));
    }
  }
  return { type: 'Container', timestampMs: record.timeMs, attributes: view.attributes, sources: SOURCES.Container, kubernetes: view.kubernetes, metrics: m as MetricsOf<'Container'>, memo: view.memo };
}

/**
 * Turns one agent record and its node's metadata (undefined when none is known) into Container
 * Insights records. The same inputs give the same output; the only effect on the inputs is that the
 * metadata pods' `labels` objects are frozen (they are shared, read-only, by the events and the
 * encoder's cache), so a caller must not mutate them afterwards.
 */
export function toCiRecords(record: NodeRecord, metadata: NodeMetadata | undefined, options: EnrichOptions): EnrichResult {
  const out: CiRecord[] = [];
  const t = record.timeMs;
  const elapsed = record.elapsedMs;
  const nodeView = toNodeView(record, metadata);
  const node = nodeView.attributes;
  const host = nodeView.host;
  const cpuCapacity = record.cores * 1000;

  // Node
  const nm = newMetrics('Node');
  putCgroup(nm, NODE, record.gauges, record.deltas, elapsed, record.cores, record.memTotalBytes);
  put(nm, NODE.cpu_limit, cpuCapacity);
  put(nm, NODE.memory_limit, record.memTotalBytes);
  putNet(nm, NODE.net, record.net, elapsed);
  if (metadata) {
    let cpuRequest = 0;
    let memRequest = 0;
    for (const pod of metadata.pods) {
      if (!isActive(pod)) continue;
      cpuRequest += Math.min(sumResource(pod, 'requests', 'cpuMillicores').sum, cpuCapacity);
      memRequest += Math.min(sumResource(pod, 'requests', 'memoryBytes').sum, record.memTotalBytes);
    }
    put(nm, NODE.cpu_request, cpuRequest);
    put(nm, NODE.cpu_reserved_capacity, percent(cpuRequest, cpuCapacity));
    put(nm, NODE.memory_request, memRequest);
    put(nm, NODE.memory_reserved_capacity, percent(memRequest, record.memTotalBytes));
    put(nm, NODE.number_of_running_pods, metadata.pods.filter((p) => p.phase === 'Running').length);
    put(nm, NODE.number_of_running_containers, metadata.pods.reduce((n, p) => n + p.containers.filter((c) => c.state === 'Running').length, 0));
  }
  out.push({ type: 'Node', timestampMs: t, attributes: node, sources: SOURCES.Node, kubernetes: host, metrics: nm as MetricsOf<'Node'>, memo: nodeView.memo });

  // NodeFS
  for (const fs of record.filesystems) {
    const m = newMetrics('NodeFS');
    put(m, NODE_FS.usage, fs.usageBytes);
    put(m, NODE_FS.capacity, fs.capacityBytes);
    put(m, NODE_FS.available, fs.availableBytes);
    put(m, NODE_FS.utilization, percent(fs.usageBytes, fs.capacityBytes));
    put(m, NODE_FS.inodes, fs.inodes);
    put(m, NODE_FS.inodes_free, fs.inodesFree);
    const shape = toDerivedShape(nodeView, `fs:${fs.device}:${fs.fstype}`, { device: fs.device, fstype: fs.fstype });
    out.push({ type: 'NodeFS', timestampMs: t, attributes: shape.attributes, sources: SOURCES.NodeFS, kubernetes: host, metrics: m as MetricsOf<'NodeFS'>, memo: shape.memo });
  }

  // NodeDiskIO: a device with no rate (first sample, reset) gives no record.
  for (const disk of record.disks) {
    const m = newMetrics('NodeDiskIO');
    if (disk.deltas) {
      for (const op of ['read', 'write', 'sync', 'async', 'total'] as const) {
        put(m, NODE_DISKIO.serviceBytes[op], toRate(disk.deltas.serviceBytes[op], elapsed));
        put(m, NODE_DISKIO.serviced[op], toRate(disk.deltas.serviced[op], elapsed));
      }
    }
    if (hasMetrics(m)) {
      const shape = toDerivedShape(nodeView, `disk:${disk.device}`, { device: disk.device });
      out.push({ type: 'NodeDiskIO', timestampMs: t, attributes: shape.attributes, sources: SOURCES.NodeDiskIO, kubernetes: host, metrics: m as MetricsOf<'NodeDiskIO'>, memo: shape.memo });
    }
  }

  // NodeNet
  for (const itf of record.net) {
    const m = newMetrics('NodeNet');
    putNet(m, NODE_NET, [itf], elapsed);
    if (hasMetrics(m)) {
      const shape = toDerivedShape(nodeView, `net:${itf.name}`, { interface: itf.name });
      out.push({ type: 'NodeNet', timestampMs: t, attributes: shape.attributes, sources: SOURCES.NodeNet, kubernetes: host, metrics: m as MetricsOf<'NodeNet'>, memo: shape.memo });
    }
  }

  // Pod, PodNet, Container
  const podsByUid = new Map(metadata?.pods.map((p) => [p.uid, p]));
  let podsWithoutMetadata = 0;
  let containersWithoutMetadata = 0;
  for (const sample of record.pods) {
    const meta = podsByUid.get(sample.uid);
    if (!meta) podsWithoutMetadata += 1;
    const pod = toPodView(record, node, sample, meta, options);
    out.push({ type: 'Pod', timestampMs: t, attributes: pod.pod.attributes, sources: SOURCES.Pod, kubernetes: pod.context.kubernetes, metrics: toPodMetrics(record, sample, meta, options) as MetricsOf<'Pod'>, memo: pod.pod.memo });
    if (!sample.hostNetwork) {
      for (const itf of sample.net ?? []) {
        const m = newMetrics('PodNet');
        putNet(m, POD_NET, [itf], elapsed);
        if (hasMetrics(m)) {
          const shape = toNetShape(pod, itf.name);
          out.push({ type: 'PodNet', timestampMs: t, attributes: shape.attributes, sources: SOURCES.PodNet, kubernetes: pod.context.kubernetes, metrics: m as MetricsOf<'PodNet'>, memo: shape.memo });
        }
      }
    }
    const byId = new Map(meta?.containers.filter((c) => c.runtimeId).map((c) => [c.runtimeId as string, c]));
    for (const c of sample.containers) {
      const cmeta = byId.get(c.id);
      if (meta && !cmeta) containersWithoutMetadata += 1;
      out.push(toContainerRecord(record, pod, c, cmeta, options));
    }
  }
  return { records: out, nodeWithoutMetadata: metadata === undefined, podsWithoutMetadata, containersWithoutMetadata };
}

import { newEncodingMemo, type CiRecord, type EncodingMemo } from '../../core/ci-record';
import type { CiType, MetricsOf } from '../../core/metrics/catalog';
import { hasMetrics, toMetricsBuilder } from '../../core/metrics/metrics-object';
import {
  LAYOUTS,
  type CgroupFigures,
  type ContainerSpecFigures,
  type ContainerStatusFigures,
  type DiskOpFigures,
  type FsFigures,
  type NetFigures,
  type NodeSpecFigures,
  type PodSpecFigures,
  type PodStatusFigures,
} from '../../core/metrics/names';
import type { DeclarationProfile } from '../../core/metrics/profiles';
import { toNodeKey, type ContainerMetadata, type NodeMetadata, type PodMetadata, type PodOwner } from '../../core/node-metadata';
import type { CgroupDeltas, CgroupGauges, ContainerSample, DiskOps, NetInterface, NodeRecord, PodSample } from '../../core/record';

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

// One builder per Type: each turns the figure objects below into the Type's metric object.
const nodeMetrics = toMetricsBuilder('Node', LAYOUTS.Node);
const nodeFsMetrics = toMetricsBuilder('NodeFS', LAYOUTS.NodeFS);
const nodeDiskMetrics = toMetricsBuilder('NodeDiskIO', LAYOUTS.NodeDiskIO);
const nodeNetMetrics = toMetricsBuilder('NodeNet', LAYOUTS.NodeNet);
const podMetrics = toMetricsBuilder('Pod', LAYOUTS.Pod);
const podNetMetrics = toMetricsBuilder('PodNet', LAYOUTS.PodNet);
const containerMetrics = toMetricsBuilder('Container', LAYOUTS.Container);

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

/** Restarts since the poller's previous run; a count that went down (a pod recreated) is 0. */
const toRestarts = (delta: number | undefined): number | undefined => (delta === undefined ? undefined : Math.max(0, delta));

/** CPU and memory figures of one cgroup (node root, pod or container), catalog 2.1/2.5/2.7. */
function toCgroupFigures(gauges: CgroupGauges, deltas: CgroupDeltas | undefined, elapsedMs: number | undefined, cores: number, memTotalBytes: number): CgroupFigures {
  const total = toMillicores(deltas?.cpuUsageNs, elapsedMs);
  const pgfault = toRate(deltas?.memoryPgfault, elapsedMs);
  const pgmajfault = toRate(deltas?.memoryPgmajfault, elapsedMs);
  return {
    cpu_usage_total: total,
    cpu_usage_user: toMillicores(deltas?.cpuUserNs, elapsedMs),
    cpu_usage_system: toMillicores(deltas?.cpuSystemNs, elapsedMs),
    cpu_utilization: percent(total, cores * 1000),
    memory_usage: gauges.memoryUsageBytes,
    memory_cache: gauges.memoryCacheBytes,
    memory_rss: gauges.memoryRssBytes,
    memory_max_usage: gauges.memoryMaxUsageBytes,
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
    memory_utilization: percent(gauges.memoryWorkingSetBytes, memTotalBytes),
  };
}

/** `sum` plus the rate of `delta`; a counter no interface reports stays undefined. */
function addRate(sum: number | undefined, delta: number | undefined, elapsedMs: number | undefined): number | undefined {
  const rate = toRate(delta, elapsedMs);
  return rate === undefined ? sum : (sum ?? 0) + rate;
}

/** Network rates summed over interfaces (one interface for NodeNet/PodNet). */
function toNetFigures(interfaces: readonly NetInterface[], elapsedMs: number | undefined): NetFigures {
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

/** A pod's requests and limits summed over its regular containers; a limit only when every container sets it. */
interface PodResources {
  cpuRequest: number;
  memoryRequest: number;
  cpuLimit: number | undefined;
  memoryLimit: number | undefined;
}

function toPodResources(pod: PodMetadata): PodResources {
  let cpuRequest = 0;
  let memoryRequest = 0;
  // A pod without containers sets no limit; a container without one unsets the pod's.
  let cpuLimit: number | undefined = pod.containers.length > 0 ? 0 : undefined;
  let memoryLimit: number | undefined = pod.containers.length > 0 ? 0 : undefined;
  for (const c of pod.containers) {
    cpuRequest += c.requests.cpuMillicores ?? 0;
    memoryRequest += c.requests.memoryBytes ?? 0;
    cpuLimit = cpuLimit === undefined || c.limits.cpuMillicores === undefined ? undefined : cpuLimit + c.limits.cpuMillicores;
    memoryLimit = memoryLimit === undefined || c.limits.memoryBytes === undefined ? undefined : memoryLimit + c.limits.memoryBytes;
  }
  return { cpuRequest, memoryRequest, cpuLimit, memoryLimit };
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
 * frozen and reused while the node's attributes stay the same, as the pods' are: a node on the VPC
 * CNI has an `eni` interface per pod, so NodeNet events are as many as Pod events.
 */
interface NodeView {
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

/**
 * The last view of each node by cluster and name. Keyed by name, not by metadata document: a
 * document rewritten because a pod restarted leaves the node's own events warm. Nodes come and go,
 * so it is emptied when it holds MAX_NODE_VIEWS of them.
 */
const nodeViews = new Map<string, NodeView>();
const MAX_NODE_VIEWS = 50_000;

function sameAttributes(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  let count = 0;
  for (const key in a) {
    if (a[key] !== b[key]) return false;
    count += 1;
  }
  for (const _ in b) count -= 1;
  return count === 0;
}

function toNodeView(record: NodeRecord, metadata: NodeMetadata | undefined): NodeView {
  const attributes = toNodeAttributes(record, metadata);
  const key = toNodeKey(record.cluster, record.node);
  const last = nodeViews.get(key);
  if (last && sameAttributes(last.attributes, attributes)) {
    // Interfaces come and go with pods (an eni each): forget them when they far outnumber the node's own.
    if (last.derived.size > 2 * (record.net.length + record.disks.length + record.filesystems.length) + 16) last.derived.clear();
    return last;
  }
  const view: NodeView = { attributes: Object.freeze(attributes), memo: newEncodingMemo(), host: Object.freeze({ host: record.node }), derived: new Map() };
  if (nodeViews.size >= MAX_NODE_VIEWS) nodeViews.clear();
  nodeViews.set(key, view);
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
  // Frozen and reused while the metadata document lives (the handler caches documents): shared,
  // read-only, by the pod's events and, through their memos, by the JSON the encoder keeps.
  if (meta && hasKeys(meta.labels)) kubernetes.labels = Object.freeze(meta.labels);
  if (meta && meta.owners.length > 0) kubernetes.pod_owners = toPodOwners(meta.owners);
  return { attributes, kubernetes: Object.freeze(kubernetes), meta };
}

/**
 * The attribute and kubernetes objects of a pod's events, frozen and reused while the pod's
 * metadata object lives (the metadata reader keeps a document's object while its content hash does
 * not change), with the memo where the encoder keeps their JSON: built once per pod, not per event and interval.
 */
interface PodView {
  readonly profile: DeclarationProfile;
  readonly serviceAttribute: boolean;
  /** The node's attributes the pod's extend: a pod object kept across documents must not keep a node's old ones. */
  readonly node: Readonly<Record<string, string>>;
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

function toPodView(record: NodeRecord, node: Readonly<Record<string, string>>, sample: PodSample, meta: PodMetadata | undefined, options: EnrichOptions): PodView {
  const serviceAttribute = options.serviceAttribute !== false;
  if (meta) {
    const hit = podViews.get(meta);
    if (hit && hit.profile === options.profile && hit.serviceAttribute === serviceAttribute && hit.node === node && hit.uid === sample.uid) return hit;
  }
  const context = toPodContext(record, node, sample, meta, options);
  Object.freeze(context.attributes);
  const podAttributes = meta ? { ...context.attributes, pod_status: meta.phase } : context.attributes;
  const view: PodView = { profile: options.profile, serviceAttribute, node, uid: sample.uid, context, pod: toEventShape(podAttributes), net: new Map() };
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

/** A pod's requests, limits and container counts against its node (catalog 2.5). */
function toPodSpecFigures(record: NodeRecord, cgroup: CgroupFigures, meta: PodMetadata): PodSpecFigures {
  const cpuCapacity = record.cores * 1000;
  const resources = toPodResources(meta);
  const cpuRequest = Math.min(resources.cpuRequest, cpuCapacity);
  const memRequest = Math.min(resources.memoryRequest, record.memTotalBytes);
  const cpuLimit = resources.cpuLimit === undefined ? undefined : Math.min(resources.cpuLimit, cpuCapacity);
  let running = 0;
  for (const c of meta.containers) if (c.state === 'Running') running += 1;
  return {
    cpu_request: cpuRequest !== 0 ? cpuRequest : undefined,
    cpu_reserved_capacity: cpuRequest !== 0 ? percent(cpuRequest, cpuCapacity) : undefined,
    memory_request: memRequest !== 0 ? memRequest : undefined,
    memory_reserved_capacity: memRequest !== 0 ? percent(memRequest, record.memTotalBytes) : undefined,
    cpu_limit: cpuLimit,
    cpu_utilization_over_pod_limit: cpuLimit === undefined ? undefined : percent(cgroup.cpu_usage_total, cpuLimit),
    memory_limit: resources.memoryLimit,
    memory_utilization_over_pod_limit: resources.memoryLimit === undefined ? undefined : percent(cgroup.memory_working_set, resources.memoryLimit),
    number_of_containers: meta.containers.length,
    number_of_running_containers: running,
    number_of_container_restarts: toRestarts(meta.restartDelta),
  };
}

/** The enhanced pod phase and condition flags (catalog 2.5, fork). */
function toPodStatusFigures(meta: PodMetadata): PodStatusFigures {
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
function toContainerStatusFigures(meta: PodMetadata): ContainerStatusFigures {
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

function toPodRecordMetrics(record: NodeRecord, sample: PodSample, meta: PodMetadata | undefined, options: EnrichOptions): MetricsOf<'Pod'> {
  const cgroup = toCgroupFigures(sample.gauges, sample.deltas, record.elapsedMs, record.cores, record.memTotalBytes);
  const net = !sample.hostNetwork && sample.net ? toNetFigures(sample.net, record.elapsedMs) : undefined;
  if (!meta) return podMetrics(cgroup, net, undefined, undefined, undefined);
  const enhanced = options.profile.enhancedMetrics;
  return podMetrics(cgroup, net, toPodSpecFigures(record, cgroup, meta), enhanced ? toPodStatusFigures(meta) : undefined, enhanced ? toContainerStatusFigures(meta) : undefined);
}

function toContainerRecord(record: NodeRecord, pod: PodView, sample: ContainerSample, meta: ContainerMetadata | undefined, options: EnrichOptions): CiRecord<'Container'> {
  const cgroup = toCgroupFigures(sample.gauges, sample.deltas, record.elapsedMs, record.cores, record.memTotalBytes);
  const view = toContainerView(pod, sample, meta, options);
  let spec: ContainerSpecFigures | undefined;
  if (meta) {
    const enhanced = options.profile.enhancedMetrics;
    spec = {
      cpu_limit: meta.limits.cpuMillicores,
      cpu_request: meta.requests.cpuMillicores,
      memory_limit: meta.limits.memoryBytes,
      memory_request: meta.requests.memoryBytes,
      cpu_utilization_over_container_limit: enhanced ? percent(cgroup.cpu_usage_total, meta.limits.cpuMillicores) : undefined,
      memory_utilization_over_container_limit: enhanced ? percent(sample.gauges.memoryWorkingSetBytes, meta.limits.memoryBytes) : undefined,
      number_of_container_restarts: toRestarts(meta.restartDelta),
    };
  }
  return { type: 'Container', timestampMs: record.timeMs, attributes: view.attributes, sources: SOURCES.Container, kubernetes: view.kubernetes, metrics: containerMetrics(cgroup, spec, spec), memo: view.memo };
}

/** The node's capacity, its active pods' requests (each capped at capacity) and its running counts. */
function toNodeSpecFigures(record: NodeRecord, metadata: NodeMetadata | undefined): NodeSpecFigures {
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
  figures.cpu_request = cpuRequest;
  figures.cpu_reserved_capacity = percent(cpuRequest, cpuCapacity);
  figures.memory_request = memRequest;
  figures.memory_reserved_capacity = percent(memRequest, record.memTotalBytes);
  figures.number_of_running_pods = runningPods;
  figures.number_of_running_containers = runningContainers;
  return figures;
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

  // Node
  const nm = nodeMetrics(toCgroupFigures(record.gauges, record.deltas, elapsed, record.cores, record.memTotalBytes), toNetFigures(record.net, elapsed), toNodeSpecFigures(record, metadata));
  out.push({ type: 'Node', timestampMs: t, attributes: node, sources: SOURCES.Node, kubernetes: host, metrics: nm, memo: nodeView.memo });

  // NodeFS
  for (const fs of record.filesystems) {
    const m = nodeFsMetrics({
      usage: fs.usageBytes,
      capacity: fs.capacityBytes,
      available: fs.availableBytes,
      utilization: percent(fs.usageBytes, fs.capacityBytes),
      inodes: fs.inodes,
      inodes_free: fs.inodesFree,
    } satisfies FsFigures);
    const shape = toDerivedShape(nodeView, `fs:${fs.device}:${fs.fstype}`, { device: fs.device, fstype: fs.fstype });
    out.push({ type: 'NodeFS', timestampMs: t, attributes: shape.attributes, sources: SOURCES.NodeFS, kubernetes: host, metrics: m, memo: shape.memo });
  }

  // NodeDiskIO: a device with no rate (first sample, reset) gives no record.
  for (const disk of record.disks) {
    const d = disk.deltas;
    if (!d) continue;
    const rates = (ops: DiskOps): DiskOpFigures => ({ read: toRate(ops.read, elapsed), write: toRate(ops.write, elapsed), sync: toRate(ops.sync, elapsed), async: toRate(ops.async, elapsed), total: toRate(ops.total, elapsed) });
    const m = nodeDiskMetrics(rates(d.serviceBytes), rates(d.serviced));
    if (hasMetrics(m)) {
      const shape = toDerivedShape(nodeView, `disk:${disk.device}`, { device: disk.device });
      out.push({ type: 'NodeDiskIO', timestampMs: t, attributes: shape.attributes, sources: SOURCES.NodeDiskIO, kubernetes: host, metrics: m, memo: shape.memo });
    }
  }

  // NodeNet
  for (const itf of record.net) {
    const m = nodeNetMetrics(toNetFigures([itf], elapsed));
    if (hasMetrics(m)) {
      const shape = toDerivedShape(nodeView, `net:${itf.name}`, { interface: itf.name });
      out.push({ type: 'NodeNet', timestampMs: t, attributes: shape.attributes, sources: SOURCES.NodeNet, kubernetes: host, metrics: m, memo: shape.memo });
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
    out.push({ type: 'Pod', timestampMs: t, attributes: pod.pod.attributes, sources: SOURCES.Pod, kubernetes: pod.context.kubernetes, metrics: toPodRecordMetrics(record, sample, meta, options), memo: pod.pod.memo });
    if (!sample.hostNetwork) {
      for (const itf of sample.net ?? []) {
        const m = podNetMetrics(toNetFigures([itf], elapsed));
        if (hasMetrics(m)) {
          const shape = toNetShape(pod, itf.name);
          out.push({ type: 'PodNet', timestampMs: t, attributes: shape.attributes, sources: SOURCES.PodNet, kubernetes: pod.context.kubernetes, metrics: m, memo: shape.memo });
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

import type { V1DaemonSet, V1Deployment, V1EndpointSlice, V1Job, V1Node, V1Pod, V1ReplicaSet, V1StatefulSet } from '@kubernetes/client-node';
import type { CiRecord } from '../../core/ci-record';
import type { CiType, MetricsOf } from '../../core/metrics/catalog';
import { NODE_METADATA_VERSION, type ContainerMetadata, type NodeMetadata, type PodMetadata, type ResourceAmounts } from '../../core/node-metadata';
import { resolveWorkload, type OwnerLookup, type OwnerReference } from '../../core/owner';
import { parseBytes, parseCount, parseCpuMillicores } from '../../core/quantity';

/**
 * The poller's pure core: Kubernetes API objects -> cluster-level Container Insights records and
 * one metadata document per node. List pages are reduced to compact "facts" as they arrive
 * (`toNodeFacts`, `toPodFacts`, ...), so the poller never holds the full API objects of a large
 * cluster; {@link toPollResult} then joins the facts.
 */

/** The `NodeName` attribute of cluster-level records and the log stream they go to: the poller is the leader, no node is. */
export const POLLER_NODE_NAME = 'kinsight-poller';

/** The `Sources` of every record the poller emits. */
export const POLLER_SOURCES = Object.freeze(['apiserver'] as const);

/** What the poller keeps of a Node. */
export interface NodeFacts {
  readonly name: string;
  readonly instanceId?: string;
  readonly instanceType?: string;
  readonly availabilityZone?: string;
  readonly capacity: NodeMetadata['capacity'];
  readonly allocatable: NodeMetadata['allocatable'];
  readonly conditions: Record<string, string>;
}

/** What the poller keeps of a Pod: its metadata minus what needs other lists (owners, services, deltas). */
export interface PodFacts extends Omit<PodMetadata, 'workloadName' | 'owners' | 'services' | 'restartDelta'> {
  readonly nodeName?: string;
  readonly ownerReferences: OwnerReference[];
}

/** The endpoints of one EndpointSlice whose targetRef is a Pod. */
export interface SliceFacts {
  readonly namespace: string;
  readonly service: string;
  readonly endpoints: ReadonlyArray<{ readonly pod: string; readonly ready: boolean }>;
}

/** A ReplicaSet -> Deployment or Job -> CronJob link. */
export interface OwnerLink {
  readonly namespace: string;
  readonly name: string;
  readonly owner?: string;
}

/** A workload record (enhanced profile). */
export interface WorkloadFacts {
  readonly type: 'ClusterDeployment' | 'ClusterDaemonSet' | 'ClusterStatefulSet' | 'ClusterReplicaSet';
  readonly namespace: string;
  readonly name: string;
  readonly metrics: MetricsOf<'ClusterDeployment'> | MetricsOf<'ClusterDaemonSet'> | MetricsOf<'ClusterStatefulSet'> | MetricsOf<'ClusterReplicaSet'>;
}

/** The lists a poll reads (the workload lists count as one). */
export type PollList = 'nodes' | 'pods' | 'endpointslices' | 'replicasets' | 'jobs' | 'workloads';

/** The lists a node document is built from: a document is only as right as all of them. */
export const DOCUMENT_LISTS: readonly PollList[] = ['nodes', 'pods', 'endpointslices', 'replicasets', 'jobs'];

/** Everything one poll read, as facts. */
export interface PollInput {
  readonly nodes: readonly NodeFacts[];
  readonly pods: readonly PodFacts[];
  readonly slices: readonly SliceFacts[];
  readonly replicaSets: readonly OwnerLink[];
  readonly jobs: readonly OwnerLink[];
  /** Deployments, DaemonSets, StatefulSets and ReplicaSets; only read when `enhanced`. */
  readonly workloads: readonly WorkloadFacts[];
  /**
   * Lists the poll's deadline cut short: their facts are the pages read before it. Records that
   * sum over a list are left out when it is incomplete (a count of part of the pods would be a wrong
   * number, not a smaller one); records of one object each (a workload, a node) still are.
   * @default none: every list complete
   */
  readonly cutShort?: readonly PollList[];
}

/** The context of one poll. */
export interface PollContext {
  readonly cluster: string;
  readonly nowMs: number;
  /** Emit the enhanced records: workloads and node status. */
  readonly enhanced: boolean;
  /** Auto Scaling group by instance id; '' or missing when none. */
  readonly autoScalingGroups: ReadonlyMap<string, string>;
  /** Restart counts of the previous observation, by `<pod uid>/<container name>`. */
  readonly previousRestarts: ReadonlyMap<string, number>;
  /**
   * EBS volumes by instance id: device name -> volume id (EC2 block device mappings).
   * @default none known: documents carry no `ebsVolumes`
   */
  readonly ebsVolumes?: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** The outcome of one poll. */
export interface PollResult {
  readonly records: CiRecord[];
  readonly documents: NodeMetadata[];
  /** Restart counts of this observation, the `previousRestarts` of the next one. */
  readonly restarts: Map<string, number>;
  /** Inputs the poller skipped, e.g. an unparsable quantity (the first few, for a log line). */
  readonly warnings: string[];
}

const MAX_WARNINGS = 20;

const PROVIDER_ID = /^aws:\/\/\/([^/]*)\/([^/]+)$/;
const INSTANCE_ID = /^i-[0-9a-f]+$/;

/** The EC2 instance id of `spec.providerID` (`aws:///us-east-1a/i-0abc...`), or undefined (Fargate, other clouds). */
export function toInstanceId(providerId: string | undefined): string | undefined {
  const id = providerId ? PROVIDER_ID.exec(providerId)?.[2] : undefined;
  return id && INSTANCE_ID.test(id) ? id : undefined;
}

/** The availability zone of an AWS `spec.providerID` (`aws:///us-east-1a/i-0abc...` -> `us-east-1a`), or undefined. */
export function toAvailabilityZone(providerId: string | undefined): string | undefined {
  return (providerId ? PROVIDER_ID.exec(providerId)?.[1] : undefined) || undefined;
}

function toAmounts(list: Record<string, string> | undefined, warnings: string[], where: string): ResourceAmounts & { pods?: number } {
  const out: ResourceAmounts & { pods?: number } = {};
  if (!list) return out;
  const parse = (key: string, parser: (t: string) => { ok: true; value: number } | { ok: false; error: string }) => {
    const text = list[key];
    if (text === undefined) return undefined;
    const parsed = parser(String(text));
    if (parsed.ok) return parsed.value;
    if (warnings.length < MAX_WARNINGS) warnings.push(`${where} ${key}: ${parsed.error}`);
    return undefined;
  };
  const cpu = parse('cpu', parseCpuMillicores);
  const memory = parse('memory', parseBytes);
  const pods = parse('pods', parseCount);
  if (cpu !== undefined) out.cpuMillicores = cpu;
  if (memory !== undefined) out.memoryBytes = memory;
  if (pods !== undefined) out.pods = pods;
  return out;
}

/** Reduces a Node to its facts; unparsable quantities are left out and reported in `warnings`. */
export function toNodeFacts(node: V1Node, warnings: string[] = []): NodeFacts {
  const name = node.metadata?.name ?? '';
  const conditions: Record<string, string> = {};
  for (const c of node.status?.conditions ?? []) conditions[c.type] = c.status;
  const instanceId = toInstanceId(node.spec?.providerID);
  const availabilityZone = toAvailabilityZone(node.spec?.providerID);
  const instanceType = node.metadata?.labels?.['node.kubernetes.io/instance-type'] ?? node.metadata?.labels?.['beta.kubernetes.io/instance-type'];
  return {
    name,
    ...(instanceId ? { instanceId } : {}),
    ...(instanceType ? { instanceType } : {}),
    ...(availabilityZone ? { availabilityZone } : {}),
    capacity: toAmounts(node.status?.capacity, warnings, `node ${name} capacity`),
    allocatable: toAmounts(node.status?.allocatable, warnings, `node ${name} allocatable`),
    conditions,
  };
}

const PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);
const QOS = new Set(['Guaranteed', 'Burstable', 'BestEffort']);

/** Reduces a Pod to its facts: containers with runtime id, requests and limits, state and restart count. */
export function toPodFacts(pod: V1Pod, warnings: string[] = []): PodFacts {
  const name = pod.metadata?.name ?? '';
  const namespace = pod.metadata?.namespace ?? '';
  const statuses = new Map((pod.status?.containerStatuses ?? []).map((s) => [s.name, s]));
  const containers: ContainerMetadata[] = (pod.spec?.containers ?? []).map((spec) => {
    const status = statuses.get(spec.name);
    const where = `pod ${namespace}/${name} container ${spec.name}`;
    const c: ContainerMetadata = {
      name: spec.name,
      requests: toAmounts(spec.resources?.requests as Record<string, string> | undefined, warnings, `${where} requests`),
      limits: toAmounts(spec.resources?.limits as Record<string, string> | undefined, warnings, `${where} limits`),
      restartCount: status?.restartCount ?? 0,
    };
    delete (c.requests as { pods?: number }).pods;
    delete (c.limits as { pods?: number }).pods;
    const id = status?.containerID;
    const sep = id ? id.indexOf('://') : -1;
    if (id && sep > 0) {
      c.runtime = id.slice(0, sep);
      c.runtimeId = id.slice(sep + 3);
    }
    const state = status?.state;
    if (state?.running) c.state = 'Running';
    else if (state?.waiting) {
      c.state = 'Waiting';
      if (state.waiting.reason) c.stateReason = state.waiting.reason;
    } else if (state?.terminated) {
      c.state = 'Terminated';
      if (state.terminated.reason) c.stateReason = state.terminated.reason;
    }
    const last = status?.lastState?.terminated?.reason;
    if (last) c.lastTerminationReason = last;
    return c;
  });
  const phase = pod.status?.phase && PHASES.has(pod.status.phase) ? (pod.status.phase as PodMetadata['phase']) : 'Unknown';
  const qos = pod.status?.qosClass && QOS.has(pod.status.qosClass) ? (pod.status.qosClass as PodMetadata['qos']) : undefined;
  const conditions: PodMetadata['conditions'] = {};
  for (const c of pod.status?.conditions ?? []) {
    if (c.type === 'Ready') conditions.ready = c.status;
    else if (c.type === 'PodScheduled') conditions.scheduled = c.status;
  }
  return {
    uid: pod.metadata?.uid ?? '',
    name,
    namespace,
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    ownerReferences: (pod.metadata?.ownerReferences ?? []).map((o) => ({ kind: o.kind, name: o.name })),
    labels: { ...(pod.metadata?.labels ?? {}) },
    phase,
    ...(qos ? { qos } : {}),
    ...(pod.spec?.hostNetwork ? { hostNetwork: true } : {}),
    conditions,
    containers,
  };
}

/** Reduces an EndpointSlice to its Pod endpoints; the service is the `kubernetes.io/service-name` label, else the slice name. */
export function toSliceFacts(slice: V1EndpointSlice): SliceFacts {
  const namespace = slice.metadata?.namespace ?? '';
  const service = slice.metadata?.labels?.['kubernetes.io/service-name'] ?? slice.metadata?.name ?? '';
  const endpoints = (slice.endpoints ?? [])
    .filter((e) => e.targetRef?.kind === 'Pod' && e.targetRef.name)
    // A nil ready condition means ready (discovery.k8s.io/v1 semantics).
    .map((e) => ({ pod: e.targetRef?.name as string, ready: e.conditions?.ready !== false }));
  return { namespace, service, endpoints };
}

/** The controller owner of a ReplicaSet (a Deployment) or of a Job (a CronJob). */
export function toOwnerLink(object: V1ReplicaSet | V1Job, ownerKind: 'Deployment' | 'CronJob'): OwnerLink {
  const owner = object.metadata?.ownerReferences?.find((o) => o.kind === ownerKind)?.name;
  return { namespace: object.metadata?.namespace ?? '', name: object.metadata?.name ?? '', ...(owner ? { owner } : {}) };
}

/** The workload record facts of a Deployment, DaemonSet, StatefulSet or ReplicaSet (catalog section 2.12). */
export function toWorkloadFacts(
  object: V1Deployment | V1DaemonSet | V1StatefulSet | V1ReplicaSet,
  type: WorkloadFacts['type'],
): WorkloadFacts {
  const namespace = object.metadata?.namespace ?? '';
  const name = object.metadata?.name ?? '';
  let metrics: WorkloadFacts['metrics'];
  if (type === 'ClusterDaemonSet') {
    const s = (object as V1DaemonSet).status;
    metrics = {
      status_replicas_available: s?.numberAvailable ?? 0,
      status_replicas_unavailable: s?.numberUnavailable ?? 0,
      replicas_desired: s?.desiredNumberScheduled ?? 0,
      replicas_ready: s?.currentNumberScheduled ?? 0,
    } satisfies MetricsOf<'ClusterDaemonSet'>;
  } else {
    const o = object as V1Deployment;
    const common = {
      replicas_desired: o.spec?.replicas ?? 0,
      replicas_ready: o.status?.readyReplicas ?? 0,
      status_replicas_available: o.status?.availableReplicas ?? 0,
    } satisfies MetricsOf<'ClusterStatefulSet'> & MetricsOf<'ClusterReplicaSet'>;
    metrics =
      type === 'ClusterDeployment'
        ? ({ ...common, status_replicas_unavailable: o.status?.unavailableReplicas ?? 0 } satisfies MetricsOf<'ClusterDeployment'>)
        : common;
  }
  return { type, namespace, name, metrics };
}

const PRESSURE_CONDITIONS = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'] as const;

/** A node counts as failed when any pressure condition is not False (True or Unknown); Ready is not used (catalog 2.9). */
export const isFailedNode = (conditions: Record<string, string>): boolean =>
  PRESSURE_CONDITIONS.some((type) => conditions[type] !== undefined && conditions[type] !== 'False');

const byKey = (links: readonly OwnerLink[]): Map<string, string> => {
  const map = new Map<string, string>();
  for (const l of links) if (l.owner) map.set(`${l.namespace}/${l.name}`, l.owner);
  return map;
};

function record<T extends CiType>(type: T, ctx: PollContext, attributes: Record<string, string>, metrics: MetricsOf<T>, kubernetes?: Record<string, unknown>): CiRecord<T> {
  return {
    type,
    timestampMs: ctx.nowMs,
    attributes: { ClusterName: ctx.cluster, NodeName: POLLER_NODE_NAME, ...attributes },
    sources: POLLER_SOURCES,
    ...(kubernetes ? { kubernetes } : {}),
    metrics,
  };
}

const bit = (condition: boolean): number => (condition ? 1 : 0);

/** Joins the facts of one poll into records, node documents and the restart counts to remember. */
export function toPollResult(input: PollInput, ctx: PollContext): PollResult {
  const warnings: string[] = [];
  const records: CiRecord[] = [];
  const complete = (list: PollList): boolean => !input.cutShort?.includes(list);

  // Cluster and namespaces.
  const runningByNamespace = new Map<string, number>();
  for (const pod of input.pods) if (pod.phase === 'Running') runningByNamespace.set(pod.namespace, (runningByNamespace.get(pod.namespace) ?? 0) + 1);
  let runningPods = 0;
  for (const n of runningByNamespace.values()) runningPods += n;
  const cluster: MetricsOf<'Cluster'> = {};
  if (complete('nodes')) {
    cluster.cluster_node_count = input.nodes.length;
    cluster.cluster_failed_node_count = input.nodes.filter((n) => isFailedNode(n.conditions)).length;
  }
  if (complete('pods')) cluster.cluster_number_of_running_pods = runningPods;
  if (Object.keys(cluster).length > 0) records.push(record('Cluster', ctx, {}, cluster));
  if (complete('pods')) {
    for (const [namespace, running] of [...runningByNamespace].sort(([a], [b]) => (a < b ? -1 : 1))) {
      records.push(record('ClusterNamespace', ctx, { Namespace: namespace }, { namespace_number_of_running_pods: running }, { namespace_name: namespace }));
    }
  }

  // Services: ready Pod endpoints across all slices of a service, each pod once; and pod -> services,
  // from ready endpoints only (catalog section 9: a pod that is not ready has no Service attribute).
  const readyByService = new Map<string, Set<string>>();
  const servicesByPod = new Map<string, Set<string>>();
  for (const slice of input.slices) {
    const key = `${slice.namespace}/${slice.service}`;
    let ready = readyByService.get(key);
    if (!ready) readyByService.set(key, (ready = new Set()));
    for (const e of slice.endpoints) {
      if (!e.ready) continue;
      ready.add(e.pod);
      const podKey = `${slice.namespace}/${e.pod}`;
      let services = servicesByPod.get(podKey);
      if (!services) servicesByPod.set(podKey, (services = new Set()));
      services.add(slice.service);
    }
  }
  for (const [key, ready] of [...readyByService].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (ready.size === 0 || !complete('endpointslices')) continue;
    const [namespace, service] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
    records.push(
      record('ClusterService', ctx, { Service: service, Namespace: namespace }, { service_number_of_running_pods: ready.size }, { namespace_name: namespace, service_name: service }),
    );
  }

  if (ctx.enhanced) {
    for (const w of input.workloads) {
      records.push(record(w.type, ctx, { PodName: w.name, Namespace: w.namespace }, w.metrics));
    }
  }

  // Node documents.
  const deployments = byKey(input.replicaSets);
  const cronJobs = byKey(input.jobs);
  const lookup: OwnerLookup = {
    deploymentOf: (namespace, rs) => deployments.get(`${namespace}/${rs}`),
    cronJobOf: (namespace, job) => cronJobs.get(`${namespace}/${job}`),
  };
  const podsByNode = new Map<string, PodMetadata[]>(input.nodes.map((n) => [n.name, []]));
  const restarts = new Map<string, number>();
  let orphans = 0;
  for (const facts of input.pods) {
    if (!facts.nodeName) continue;
    const list = podsByNode.get(facts.nodeName);
    if (!list) {
      orphans += 1;
      continue;
    }
    const { workloadName, owners } = resolveWorkload({ name: facts.name, namespace: facts.namespace, ownerReferences: facts.ownerReferences }, lookup);
    let podDelta: number | undefined;
    const containers = facts.containers.map((c) => {
      const key = `${facts.uid}/${c.name}`;
      restarts.set(key, c.restartCount);
      const previous = ctx.previousRestarts.get(key);
      if (previous === undefined) return c;
      const restartDelta = Math.max(0, c.restartCount - previous);
      podDelta = (podDelta ?? 0) + restartDelta;
      return { ...c, restartDelta };
    });
    // Listed member by member (no object rest/spread): this loop runs once per pod of the cluster.
    const pod: PodMetadata = {
      uid: facts.uid,
      name: facts.name,
      namespace: facts.namespace,
      workloadName,
      owners,
      labels: facts.labels,
      services: [...(servicesByPod.get(`${facts.namespace}/${facts.name}`) ?? [])].sort(),
      phase: facts.phase,
      conditions: facts.conditions,
      containers,
    };
    if (facts.qos) pod.qos = facts.qos;
    if (facts.hostNetwork) pod.hostNetwork = true;
    if (podDelta !== undefined) pod.restartDelta = podDelta;
    list.push(pod);
  }
  if (orphans > 0) warnings.push(`${orphans} pods name a node that the node list did not return (node joined or left during the poll)`);

  const documents: NodeMetadata[] = input.nodes.map((n) => {
    const pods = podsByNode.get(n.name) ?? [];
    pods.sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1));
    const ebsVolumes = n.instanceId ? ctx.ebsVolumes?.get(n.instanceId) : undefined;
    return {
      version: NODE_METADATA_VERSION,
      cluster: ctx.cluster,
      node: n.name,
      ...(n.instanceId ? { instanceId: n.instanceId } : {}),
      ...(n.instanceType ? { instanceType: n.instanceType } : {}),
      autoScalingGroup: (n.instanceId && ctx.autoScalingGroups.get(n.instanceId)) || '',
      ...(n.availabilityZone ? { availabilityZone: n.availabilityZone } : {}),
      ...(ebsVolumes ? { ebsVolumes: { ...ebsVolumes } } : {}),
      capacity: n.capacity,
      allocatable: n.allocatable,
      conditions: n.conditions,
      pods,
      observedAtMs: ctx.nowMs,
    };
  });

  if (ctx.enhanced) {
    for (const doc of documents) {
      const c = doc.conditions;
      const attributes: Record<string, string> = { NodeName: doc.node, AutoScalingGroupName: doc.autoScalingGroup };
      if (doc.instanceId) attributes.InstanceId = doc.instanceId;
      if (doc.instanceType) attributes.InstanceType = doc.instanceType;
      const metrics: MetricsOf<'Node'> = {
        node_status_condition_ready: bit(c.Ready === 'True'),
        node_status_condition_disk_pressure: bit(c.DiskPressure === 'True'),
        node_status_condition_memory_pressure: bit(c.MemoryPressure === 'True'),
        node_status_condition_pid_pressure: bit(c.PIDPressure === 'True'),
        node_status_condition_network_unavailable: bit(c.NetworkUnavailable === 'True'),
        node_status_condition_unknown: bit(Object.values(c).some((s) => s === 'Unknown')),
      };
      if (doc.capacity.pods !== undefined) metrics.node_status_capacity_pods = doc.capacity.pods;
      if (doc.allocatable.pods !== undefined) metrics.node_status_allocatable_pods = doc.allocatable.pods;
      records.push(record('Node', ctx, attributes, metrics, { host: doc.node }));
    }
  }
  return { records, documents, restarts, warnings };
}

import type { PodMetadata, ResourceAmounts } from '../../core/node-metadata';
import { resolveWorkload, type ResolvedOwner } from '../../core/owner';
import { parseBytes, parseCpuMillicores } from '../../core/quantity';
import type { QosClass } from '../../core/record';
import { createRandom, toHashHex, toNameSuffix, toTextHash, toUid, type Random } from './random';

/**
 * The one model of a simulated EKS cluster: a seeded description of its nodes, pods, workloads and
 * services, from which every view is derived: the Kubernetes objects the local API server serves
 * (sim/kube), the host trees the agents read and the node records and metadata documents of the
 * benchmarks (sim/node). How the cluster changes over time is sim/cluster/cluster-state.ts.
 *
 * Everything is made from its index on demand ({@link LazyList}), so a 5,000-node / 150,000-pod
 * cluster costs almost no memory until a view asks for it. Ids are hashed from the seed, the
 * cluster name and the object's place, so an object is the same whatever order objects are made in.
 *
 * Layout of the pods of each node: the first two are DaemonSet pods (`aws-node` on the host network,
 * `kube-proxy`, in kube-system); the others cycle through a pattern of 20: 14 Deployment pods (via
 * ReplicaSets), 2 StatefulSet pods, 2 CronJob pods (via Jobs named `<cronjob>-<10 digits>`), 1 Job
 * pod and 1 bare pod. Phases cover Running, Pending (scheduled and unscheduled), Succeeded, Failed
 * and Unknown; some containers crash-loop, some were OOM-killed. Every Deployment and StatefulSet
 * has a Service. Every 25th node reports a pressure condition, every 40th is not Ready.
 */

/** The description a simulated cluster is generated from. */
export interface ClusterDescription {
  /** The cluster name (ClusterName attribute, Auto Scaling group names). */
  readonly name: string;
  /** Number of simulated nodes (the local node, when given, comes on top). */
  readonly nodeCount: number;
  /** Pods per simulated node, DaemonSet pods included. */
  readonly podsPerNode: number;
  /**
   * Seed of the ids and of the consumption; the same seed gives the same cluster.
   * @default 1
   */
  readonly seed?: number;
  /**
   * Namespaces of the workloads (kube-system always exists for the DaemonSets).
   * @default ['default', 'payments', 'web', 'batch', 'monitoring']
   */
  readonly namespaces?: readonly string[];
  /**
   * Replicas of each Deployment.
   * @default 10
   */
  readonly replicasPerDeployment?: number;
  /**
   * Endpoints per EndpointSlice before a new slice is started (Kubernetes uses 100).
   * @default 100
   */
  readonly maxEndpointsPerSlice?: number;
  /**
   * Every node whose index % pressureEvery === 1 has a pressure condition (memory, disk or an
   * Unknown PID pressure, in turn); 0 for none.
   * @default 25
   */
  readonly pressureEvery?: number;
  /**
   * Containers per simulated node across its pods, when a node should carry more than its
   * workloads' own (two in a Deployment pod, one in the others): the pods of the node get
   * `sidecar-<n>` containers in turn (as a mesh or a log router injects them) until the count is reached.
   * @default the workloads' own containers
   */
  readonly containersPerNode?: number;
  /**
   * Every pod Running and Ready, every container running (a node at steady state, as the agent
   * benchmark wants its host), instead of the mix of phases and crash loops of a real cluster.
   * @default false
   */
  readonly allRunning?: boolean;
  /** This machine as a node without pods, listed after the simulated nodes. @default none */
  readonly localNode?: { readonly name: string; readonly cores: number; readonly memTotalBytes: number };
}

/** A list whose items are made from their index on demand. */
export interface LazyList<T> {
  readonly count: number;
  make(index: number): T;
}

/** Where a pod lives in the layout: a simulated node's index and the pod's slot on it. */
export type PodRef = readonly [node: number, slot: number];

/** What a pod's containers and phase say, in short. */
export type PodHealth = 'running' | 'pending' | 'unscheduled' | 'crashloop' | 'oomkilled' | 'succeeded' | 'failed' | 'unknown';

/** Requests or limits as the pod spec writes them: Kubernetes quantities. */
export type Quantities = Readonly<Partial<Record<'cpu' | 'memory', string>>>;

/** A container of a simulated pod. */
export interface SimContainer {
  readonly name: string;
  readonly image: string;
  readonly resources: { readonly requests?: Quantities; readonly limits?: Quantities };
  /**
   * Runtime id (64 hex) it has, or will have once started. A restart gives a new one, as the
   * runtime does; a host tree's restartContainer takes it, so the agent's ids and the API's agree.
   */
  readonly id: string;
  readonly state: 'running' | 'waiting' | 'terminated';
  /** Waiting or terminated reason. */
  readonly reason?: string;
  /** Exit code of a terminated container. */
  readonly exitCode?: number;
  readonly restartCount: number;
  /** How the previous run ended (lastState.terminated). */
  readonly lastTermination?: { readonly reason: string; readonly exitCode: number };
  /** Current consumption. */
  readonly cpuMillicores: number;
  readonly memoryBytes: number;
}

/** A controller ownerReference. */
export interface SimOwnerReference {
  readonly apiVersion: string;
  readonly kind: 'ReplicaSet' | 'StatefulSet' | 'Job' | 'DaemonSet';
  readonly name: string;
  readonly uid: string;
}

/** Who a pod is and how it is, without its containers. */
export interface SimPodStatus {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly phase: PodMetadata['phase'];
  /** False for a Pending pod no node took: it has no nodeName. */
  readonly scheduled: boolean;
  /** The Ready condition. */
  readonly ready: 'True' | 'False' | 'Unknown';
  readonly ip: string;
}

/** A simulated pod. */
export interface SimPod extends SimPodStatus {
  /** The simulated node it belongs to (also when unscheduled: its place in the layout) and its slot there. */
  readonly node: number;
  readonly slot: number;
  /** Replacements of the slot's pod so far (0 for the first pod). */
  readonly generation: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly controller?: SimOwnerReference;
  /** The `PodName` attribute and the resolved owners, as the poller resolves them (core/owner.ts). */
  readonly workloadName: string;
  readonly owners: readonly ResolvedOwner[];
  /** Services selecting the pod. */
  readonly services: readonly string[];
  readonly health: PodHealth;
  readonly qos: QosClass;
  readonly hostNetwork: boolean;
  readonly restartPolicy: 'Always' | 'OnFailure';
  readonly startedAtMs: number;
  readonly containers: readonly SimContainer[];
  /** Network throughput of the pod, bytes per second (0 on the host network: its traffic is the node's). */
  readonly rxBytesPerSecond: number;
  readonly txBytesPerSecond: number;
}

/** Node condition statuses. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** Capacity or allocatable of a node, as the Node object writes them. */
export interface NodeQuantities {
  readonly cpu: string;
  readonly memory: string;
  readonly pods: string;
  readonly 'ephemeral-storage': string;
}

/** A simulated node (or this machine, `local`). */
export interface SimNode {
  /** Index in the node list: simulated nodes first, the local node last. */
  readonly index: number;
  readonly name: string;
  readonly uid: string;
  readonly instanceId: string;
  readonly instanceType: string;
  readonly zone: string;
  readonly arch: 'amd64' | 'arm64';
  readonly ip: string;
  /** What EC2 tags say; '' for this machine, in no group. */
  readonly autoScalingGroup: string;
  readonly cores: number;
  readonly memTotalBytes: number;
  readonly capacity: NodeQuantities;
  readonly allocatable: NodeQuantities;
  readonly conditions: Readonly<Record<'MemoryPressure' | 'DiskPressure' | 'PIDPressure' | 'Ready', ConditionStatus>>;
  /** True for this machine: its agent reads the real host, and it has no simulated pods. */
  readonly local: boolean;
}

/** A node with its pods (by slot) at one moment. */
export interface NodeState extends SimNode {
  readonly pods: readonly SimPod[];
}

/** Name, namespace and uid of a cluster object. */
export interface SimObjectRef {
  readonly name: string;
  /** Absent for cluster-scoped objects. */
  readonly namespace?: string;
  readonly uid: string;
}

/** A namespaced object whose pods the model places. */
export interface SimWorkload extends SimObjectRef {
  readonly namespace: string;
  readonly pods: readonly PodRef[];
}

/** A Deployment, its current ReplicaSet and its replicas. */
export interface SimDeployment extends SimWorkload {
  readonly replicaSet: SimObjectRef;
}

/** A ReplicaSet: the current one of a Deployment holds its pods, an old one none. */
export interface SimReplicaSet extends SimWorkload {
  readonly deployment: SimObjectRef;
  readonly podTemplateHash: string;
}

/** A Job, of a CronJob or standalone. */
export interface SimJob extends SimWorkload {
  readonly cronJob?: SimObjectRef;
}

/** A Service: ClusterIP for a Deployment, headless (`None`) for a StatefulSet. */
export interface SimService extends SimWorkload {
  readonly clusterIP: string;
}

/** The model of a cluster. */
export interface ClusterModel {
  readonly description: Required<Omit<ClusterDescription, 'containersPerNode' | 'localNode'>> & Pick<ClusterDescription, 'containersPerNode' | 'localNode'>;
  /** The nodes the API lists: the simulated nodes by index, then the local node when described. */
  readonly nodes: LazyList<SimNode>;
  /** The pod of a simulated node's slot; `generation` > 0 is a replacement (a fresh, running pod of the same workload). */
  pod(node: number, slot: number, generation?: number): SimPod;
  /** The first pod of a slot without its containers: what workload statuses and endpoint slices read, cheaply. */
  podStatus(node: number, slot: number): SimPodStatus;
  /** A node with its pods at the start (the local node has none). */
  nodeState(index: number): NodeState;
  readonly namespaces: LazyList<SimObjectRef>;
  readonly deployments: LazyList<SimDeployment>;
  /** The current ReplicaSet of every Deployment, then an old, scaled-down one for every 4th Deployment. */
  readonly replicaSets: LazyList<SimReplicaSet>;
  readonly daemonSets: LazyList<SimWorkload>;
  readonly statefulSets: LazyList<SimWorkload>;
  /** CronJob Jobs first, then standalone Jobs. */
  readonly jobs: LazyList<SimJob>;
  readonly cronJobs: LazyList<SimObjectRef & { readonly namespace: string }>;
  /** A Service per Deployment, then one per StatefulSet. */
  readonly services: LazyList<SimService>;
}

const DEFAULT_NAMESPACES = ['default', 'payments', 'web', 'batch', 'monitoring'];
const DAEMONSETS = ['aws-node', 'kube-proxy'] as const;
const PATTERN = 20;
/** Slots of the pattern of 20 non-DaemonSet pods: [first slot, width]. */
const SLOTS = { deployment: [0, 14], statefulset: [14, 2], cronjob: [16, 2], job: [18, 1], bare: [19, 1] } as const;
type SlotKind = keyof typeof SLOTS;
const SLOT_KINDS = Object.keys(SLOTS) as SlotKind[];
const STS_REPLICAS = 2;
const JOBS_PER_CRONJOB = 3;
/** When the pods the cluster starts with were created: before the simulation began. */
export const SIM_CREATED_MS = Date.UTC(2026, 10, 1, 8, 0, 0);
const MIB = 1024 * 1024;

const INSTANCE_TYPES = [
  { type: 'm5.large', cpu: '2', memory: '7869096Ki', pods: '29', allocCpu: '1930m', allocMemory: '7179928Ki', arch: 'amd64' },
  { type: 'm6i.xlarge', cpu: '4', memory: '15896700Ki', pods: '58', allocCpu: '3920m', allocMemory: '14857340Ki', arch: 'amd64' },
  { type: 'c6g.2xlarge', cpu: '8', memory: '15896700Ki', pods: '58', allocCpu: '7910m', allocMemory: '14857340Ki', arch: 'arm64' },
] as const;
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'] as const;

/** The node name of simulated node `index`. */
export const toSimNodeName = (index: number): string => `ip-10-0-${Math.floor(index / 250)}-${(index % 250) + 4}.ec2.internal`;

/** The EC2 instance id of node `index`. */
export const toSimInstanceId = (index: number): string => `i-0${index.toString(16).padStart(16, '0')}`;

/** The Auto Scaling group of a simulated instance (what a fake EC2 returns for its aws:autoscaling:groupName tag). */
export function toSimAutoScalingGroup(cluster: string, instanceId: string): string {
  const index = Number.parseInt(instanceId.slice(2), 16);
  return `eks-${cluster}-ng-${ZONES[index % ZONES.length].slice(-1)}`;
}

const must = (result: { ok: true; value: number } | { ok: false; error: string }): number => {
  if (!result.ok) throw new Error(`simulated cluster: ${result.error}`);
  return result.value;
};

/** Requests or limits as numbers (millicores, bytes), as the poller parses them. */
export function toAmounts(quantities: Quantities | undefined): ResourceAmounts {
  const out: ResourceAmounts = {};
  if (quantities?.cpu !== undefined) out.cpuMillicores = must(parseCpuMillicores(quantities.cpu));
  if (quantities?.memory !== undefined) out.memoryBytes = must(parseBytes(quantities.memory));
  return out;
}

/** Whether the API reports the pod's container statuses: not for a pod no node took, nor for one whose node stopped reporting (Unknown). */
export const hasContainerStatuses = (pod: SimPod): boolean => pod.scheduled && pod.health !== 'unknown';

/** The pods of a node that run on its host (phase Running), each with its running containers: what the agent reads. */
export function toPodsOnHost(pods: readonly SimPod[]): SimPod[] {
  return pods
    .filter((p) => p.phase === 'Running')
    .map((p) => (p.containers.every((c) => c.state === 'running') ? p : { ...p, containers: p.containers.filter((c) => c.state === 'running') }));
}

const PHASES: Record<PodHealth, PodMetadata['phase']> = {
  running: 'Running',
  oomkilled: 'Running',
  crashloop: 'Running',
  pending: 'Pending',
  unscheduled: 'Pending',
  succeeded: 'Succeeded',
  failed: 'Failed',
  unknown: 'Unknown',
};

const healthOf = (g: number, kind: SlotKind): PodHealth => {
  switch (kind) {
    case 'deployment':
      if (g % 97 === 5) return 'pending';
      if (g % 53 === 7) return 'crashloop';
      if (g % 71 === 3) return 'oomkilled';
      return 'running';
    case 'statefulset':
      return g % 89 === 14 ? 'crashloop' : 'running';
    case 'cronjob':
      return g % 7 === 2 ? 'failed' : 'succeeded';
    case 'job':
      return g % 3 === 0 ? 'running' : 'succeeded';
    case 'bare': {
      // Every bare pod of the pattern in turn, so that small clusters have each of these phases too.
      const k = Math.floor(g / PATTERN) % 5;
      return k === 1 ? 'unscheduled' : k === 2 ? 'unknown' : 'running';
    }
  }
};

const isReady = (health: PodHealth): boolean => health === 'running' || health === 'oomkilled';

interface ContainerTemplate {
  readonly name: string;
  readonly image: string;
  readonly resources: SimContainer['resources'];
  /** The resources as numbers, parsed once. */
  readonly requests: ResourceAmounts;
  readonly limits: ResourceAmounts;
}

const template = (name: string, image: string, resources: SimContainer['resources']): ContainerTemplate => ({
  name,
  image,
  resources,
  requests: toAmounts(resources.requests),
  limits: toAmounts(resources.limits),
});

// Made once: every pod of a kind shares its spec objects. The quantities are spelled in several of
// the forms clusters use (0.25, 129e6, 0.5Gi, 4096Mi, 1G).
const ENVOY = template('envoy', 'envoyproxy/envoy:v1.31', { requests: { cpu: '100m', memory: '64Mi' } });
const TEMPLATES = {
  daemonset: [template('main', 'public.ecr.aws/eks/agent:v1.0', { requests: { cpu: '25m', memory: '64Mi' } })],
  deployment: [template('app', 'registry.example.com/app:1.4.2', { requests: { cpu: '0.25', memory: '256Mi' }, limits: { cpu: '1', memory: '0.5Gi' } }), ENVOY],
  deploymentMillicores: [template('app', 'registry.example.com/app:1.4.2', { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '0.5Gi' } }), ENVOY],
  statefulset: [template('postgres', 'postgres:17', { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2000m', memory: '4096Mi' } })],
  job: [template('task', 'registry.example.com/task:2', { requests: { cpu: '500m', memory: '129e6' }, limits: { cpu: '1500m', memory: '1G' } })],
  bare: [template('debug', 'busybox:1.37', {})],
} as const;

const templatesOf = (kind: SlotKind | 'daemonset', g: number): readonly ContainerTemplate[] => {
  if (kind === 'deployment') return g % 2 ? TEMPLATES.deploymentMillicores : TEMPLATES.deployment;
  return TEMPLATES[kind === 'cronjob' ? 'job' : kind];
};

const SIDECARS: ContainerTemplate[] = [];
const sidecar = (n: number): ContainerTemplate =>
  (SIDECARS[n] ??= template(`sidecar-${n}`, 'registry.example.com/log-router:3', { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '10m', memory: '32Mi' } }));

const qosOf = (templates: readonly ContainerTemplate[]): QosClass => {
  const all = templates.map((c) => c.resources);
  if (all.every((r) => !r.requests && !r.limits)) return 'BestEffort';
  const guaranteed = all.every((r) => r.limits?.cpu && r.limits?.memory && (!r.requests || (r.requests.cpu !== undefined && r.requests.memory !== undefined)));
  return guaranteed ? 'Guaranteed' : 'Burstable';
};

/** Network appetite per pod kind, bytes per second. */
const NET_BYTES_PER_SECOND: Record<SlotKind | 'daemonset', number> = { daemonset: 25_000, deployment: 150_000, statefulset: 60_000, cronjob: 20_000, job: 20_000, bare: 5_000 };

interface Layout {
  readonly dsPerNode: number;
  readonly otherPerNode: number;
  readonly totalOther: number;
}

const countOfKind = (layout: Layout, kind: SlotKind): number => {
  const [start, width] = SLOTS[kind];
  const n = layout.totalOther;
  return Math.floor(n / PATTERN) * width + Math.min(Math.max((n % PATTERN) - start, 0), width);
};

/** Global index among non-DaemonSet pods of the `kIndex`-th pod of a kind. */
const toGlobalIndex = (kind: SlotKind, kIndex: number): number => {
  const [start, width] = SLOTS[kind];
  return Math.floor(kIndex / width) * PATTERN + start + (kIndex % width);
};

const toKindOf = (g: number): { kind: SlotKind; kIndex: number } => {
  const r = g % PATTERN;
  for (const kind of SLOT_KINDS) {
    const [start, width] = SLOTS[kind];
    if (r >= start && r < start + width) return { kind, kIndex: Math.floor(g / PATTERN) * width + (r - start) };
  }
  throw new Error(`unreachable: slot ${r}`);
};

const podIp = (nodeIndex: number, slot: number) => `10.${1 + Math.floor(nodeIndex / 256)}.${nodeIndex % 256}.${slot + 10}`;
const nodeIp = (index: number) => `10.0.${Math.floor(index / 250)}.${(index % 250) + 4}`;

/** Creates the model of a cluster from its description; nodes, pods and workloads are made when asked for. */
export function createClusterModel(description: ClusterDescription): ClusterModel {
  const desc: ClusterModel['description'] = {
    seed: 1,
    namespaces: DEFAULT_NAMESPACES,
    replicasPerDeployment: 10,
    maxEndpointsPerSlice: 100,
    pressureEvery: 25,
    allRunning: false,
    ...description,
  };
  const cluster = desc.name;
  // Every hashed id starts with this: another seed or cluster name gives other ids.
  const seedText = `${desc.seed}/${cluster}`;
  const dsPerNode = Math.min(DAEMONSETS.length, desc.podsPerNode);
  const otherPerNode = desc.podsPerNode - dsPerNode;
  const layout: Layout = { dsPerNode, otherPerNode, totalOther: desc.nodeCount * otherPerNode };
  const R = desc.replicasPerDeployment;
  const namespaceOf = (kind: SlotKind, workload: number): string => desc.namespaces[(workload + SLOT_KINDS.indexOf(kind)) % desc.namespaces.length];
  const uidOf = (what: string): string => toUid(`${seedText}/${what}`);

  const deploymentName = (d: number) => `${['api', 'web', 'worker', 'cache', 'gateway'][d % 5]}-${d}`;
  const replicaSetName = (d: number) => `${deploymentName(d)}-${toNameSuffix(`${seedText}/rs/${d}`, 10)}`;
  const oldReplicaSetName = (d: number) => `${deploymentName(d)}-${toNameSuffix(`${seedText}/old-rs/${d}`, 10)}`;
  const statefulSetName = (s: number) => `db-${s}`;
  const cronJobName = (c: number) => `report-${c}`;
  const cronJobJobName = (j: number) => `${cronJobName(Math.floor(j / JOBS_PER_CRONJOB))}-${2_900_000_000 + (j % JOBS_PER_CRONJOB) * 5}`;
  const jobName = (j: number) => `migrate-${j}`;

  const deploymentPods = countOfKind(layout, 'deployment');
  const deployments = Math.ceil(deploymentPods / R);
  const replicasOf = (d: number) => Math.min(R, deploymentPods - d * R);
  const stsPods = countOfKind(layout, 'statefulset');
  const statefulSets = Math.ceil(stsPods / STS_REPLICAS);
  const stsReplicasOf = (s: number) => Math.min(STS_REPLICAS, stsPods - s * STS_REPLICAS);
  const cronJobJobs = countOfKind(layout, 'cronjob');
  const cronJobs = Math.ceil(cronJobJobs / JOBS_PER_CRONJOB);
  const jobs = countOfKind(layout, 'job');

  /** Where the `kIndex`-th pod of a kind lives. */
  const locate = (kind: SlotKind, kIndex: number): PodRef => {
    const g = toGlobalIndex(kind, kIndex);
    return [Math.floor(g / otherPerNode), (g % otherPerNode) + dsPerNode];
  };
  const podsOfKind = (kind: SlotKind, first: number, count: number): PodRef[] => Array.from({ length: Math.max(0, count) }, (_, i) => locate(kind, first + i));

  // Sidecars of containersPerNode: the workloads' own containers per node, counted once per node.
  const ownContainers = new Map<number, number>();
  const sidecarsOf = (nodeIndex: number, slot: number): number => {
    if (desc.containersPerNode === undefined || desc.podsPerNode === 0) return 0;
    let own = ownContainers.get(nodeIndex);
    if (own === undefined) {
      own = dsPerNode;
      for (let g = nodeIndex * otherPerNode; g < (nodeIndex + 1) * otherPerNode; g += 1) own += templatesOf(toKindOf(g).kind, g).length;
      ownContainers.set(nodeIndex, own);
    }
    const extra = desc.containersPerNode - own;
    if (extra < 0) throw new Error(`simulated cluster: containersPerNode ${desc.containersPerNode} is fewer than the ${own} containers of the workloads of node ${nodeIndex}; expected at least ${own}`);
    return Math.floor(extra / desc.podsPerNode) + (slot < extra % desc.podsPerNode ? 1 : 0);
  };

  interface Identity {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    controller?: SimOwnerReference;
    /** What the controller belongs to (ReplicaSet -> Deployment, Job -> CronJob). */
    ownerOfController?: string;
    services: string[];
    kind: SlotKind | 'daemonset';
    g: number;
    health: PodHealth;
  }

  const identityOf = (nodeIndex: number, slot: number, generation: number): Identity => {
    // A replacement pod has a new name suffix; a StatefulSet pod keeps its name.
    const podKey = `${seedText}/pod/${nodeIndex}/${slot}/${generation}`;
    if (slot < dsPerNode) {
      const ds = DAEMONSETS[slot];
      return {
        name: `${ds}-${toNameSuffix(podKey, 5)}`,
        namespace: 'kube-system',
        labels: { 'k8s-app': ds, 'controller-revision-hash': '6d4f8b9c7' },
        controller: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds, uid: uidOf(`ds/${ds}`) },
        services: [],
        kind: 'daemonset',
        g: -1,
        health: 'running',
      };
    }
    const g = nodeIndex * otherPerNode + (slot - dsPerNode);
    const { kind, kIndex } = toKindOf(g);
    const health = generation > 0 || desc.allRunning ? 'running' : healthOf(g, kind);
    switch (kind) {
      case 'deployment': {
        const d = Math.floor(kIndex / R);
        const rs = replicaSetName(d);
        return {
          name: `${rs}-${toNameSuffix(podKey, 5)}`,
          namespace: namespaceOf(kind, d),
          labels: { app: deploymentName(d), 'pod-template-hash': rs.slice(-10), 'app.kubernetes.io/part-of': 'shop' },
          controller: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: uidOf(`rs/${d}`) },
          ownerOfController: deploymentName(d),
          services: [deploymentName(d)],
          kind,
          g,
          health,
        };
      }
      case 'statefulset': {
        const s = Math.floor(kIndex / STS_REPLICAS);
        const name = `${statefulSetName(s)}-${kIndex % STS_REPLICAS}`;
        return {
          name,
          namespace: namespaceOf(kind, s),
          labels: { app: statefulSetName(s), 'statefulset.kubernetes.io/pod-name': name },
          controller: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: statefulSetName(s), uid: uidOf(`sts/${s}`) },
          services: [statefulSetName(s)],
          kind,
          g,
          health,
        };
      }
      case 'cronjob': {
        const job = cronJobJobName(kIndex);
        return {
          name: `${job}-${toNameSuffix(podKey, 5)}`,
          namespace: namespaceOf(kind, Math.floor(kIndex / JOBS_PER_CRONJOB)),
          labels: { 'job-name': job, 'batch.kubernetes.io/job-name': job },
          controller: { apiVersion: 'batch/v1', kind: 'Job', name: job, uid: uidOf(`cjob/${kIndex}`) },
          ownerOfController: cronJobName(Math.floor(kIndex / JOBS_PER_CRONJOB)),
          services: [],
          kind,
          g,
          health,
        };
      }
      case 'job':
        return {
          name: `${jobName(kIndex)}-${toNameSuffix(podKey, 5)}`,
          namespace: namespaceOf(kind, kIndex),
          labels: { 'job-name': jobName(kIndex) },
          controller: { apiVersion: 'batch/v1', kind: 'Job', name: jobName(kIndex), uid: uidOf(`job/${kIndex}`) },
          services: [],
          kind,
          g,
          health,
        };
      case 'bare':
        return { name: `debug-${kIndex}${generation > 0 ? `-${generation}` : ''}`, namespace: namespaceOf(kind, kIndex), labels: { purpose: 'debug' }, services: [], kind, g, health };
    }
  };

  const toContainer = (t: ContainerTemplate, index: number, podUid: string, health: PodHealth, random: Random): SimContainer => {
    const id = toHashHex(`${podUid}/${t.name}`, 64);
    const idle = (state: SimContainer['state'], reason?: string, exitCode?: number, restartCount = 0, lastTermination?: SimContainer['lastTermination']): SimContainer => ({
      name: t.name, image: t.image, resources: t.resources, id, state, reason, exitCode, restartCount, lastTermination, cpuMillicores: 0, memoryBytes: 0,
    });
    const running = (restartCount: number, lastTermination?: SimContainer['lastTermination']): SimContainer => ({
      name: t.name,
      image: t.image,
      resources: t.resources,
      id,
      state: 'running',
      restartCount,
      lastTermination,
      cpuMillicores: Math.max(1, random.around((t.requests.cpuMillicores ?? 50) * 0.7, 0.4)),
      memoryBytes: Math.min(t.limits.memoryBytes ?? Number.POSITIVE_INFINITY, Math.max(4 * MIB, random.around((t.requests.memoryBytes ?? 64 * MIB) * 0.8, 0.2))),
    });
    switch (health) {
      case 'running':
        return running(0);
      case 'oomkilled':
        return running(2, { reason: 'OOMKilled', exitCode: 137 });
      case 'crashloop':
        return index === 0 ? idle('waiting', 'CrashLoopBackOff', undefined, 7, { reason: 'Error', exitCode: 1 }) : running(0);
      case 'pending':
        return idle('waiting', index === 0 ? 'ContainerCreating' : 'ImagePullBackOff');
      case 'succeeded':
        return idle('terminated', 'Completed', 0);
      case 'failed':
        return idle('terminated', 'Error', 2);
      case 'unknown':
      case 'unscheduled':
        return idle('waiting');
    }
  };

  const checkSlot = (nodeIndex: number, slot: number): void => {
    if (!(nodeIndex >= 0 && nodeIndex < desc.nodeCount && slot >= 0 && slot < desc.podsPerNode)) {
      throw new RangeError(`simulated cluster ${cluster}: no pod slot ${slot} on node ${nodeIndex}; expected node 0..${desc.nodeCount - 1}, slot 0..${desc.podsPerNode - 1}`);
    }
  };

  const statusOf = (id: Identity, nodeIndex: number, slot: number, generation: number): SimPodStatus => ({
    uid: uidOf(`pod/${nodeIndex}/${slot}/${generation}`),
    name: id.name,
    namespace: id.namespace,
    phase: PHASES[id.health],
    scheduled: id.health !== 'unscheduled',
    ready: id.health === 'unknown' ? 'Unknown' : isReady(id.health) ? 'True' : 'False',
    ip: podIp(nodeIndex, slot),
  });

  const pod = (nodeIndex: number, slot: number, generation = 0): SimPod => {
    checkSlot(nodeIndex, slot);
    const id = identityOf(nodeIndex, slot, generation);
    const status = statusOf(id, nodeIndex, slot, generation);
    const own = templatesOf(id.kind, nodeIndex * 1000 + slot);
    const sidecars = sidecarsOf(nodeIndex, slot);
    const templates = sidecars === 0 ? own : [...own, ...Array.from({ length: sidecars }, (_, n) => sidecar(own.length + n))];
    const random = createRandom(toTextHash(status.uid));
    const hostNetwork = id.kind === 'daemonset' && slot === 0;
    const net = status.phase === 'Running' && !hostNetwork ? NET_BYTES_PER_SECOND[id.kind] : 0;
    const lookup = { deploymentOf: () => id.ownerOfController, cronJobOf: () => id.ownerOfController };
    const { workloadName, owners } = resolveWorkload({ name: id.name, namespace: id.namespace, ownerReferences: id.controller ? [{ kind: id.controller.kind, name: id.controller.name }] : [] }, lookup);
    return {
      uid: status.uid,
      name: status.name,
      namespace: status.namespace,
      phase: status.phase,
      scheduled: status.scheduled,
      ready: status.ready,
      ip: status.ip,
      node: nodeIndex,
      slot,
      generation,
      labels: id.labels,
      controller: id.controller,
      workloadName,
      owners,
      services: id.services,
      health: id.health,
      qos: qosOf(templates),
      hostNetwork,
      restartPolicy: id.kind === 'job' || id.kind === 'cronjob' ? 'OnFailure' : 'Always',
      startedAtMs: SIM_CREATED_MS,
      containers: templates.map((t, i) => toContainer(t, i, status.uid, id.health, random)),
      rxBytesPerSecond: random.around(net * 0.6, 0.5),
      txBytesPerSecond: random.around(net * 0.4, 0.5),
    };
  };

  const node = (index: number): SimNode => {
    const local = desc.localNode;
    if (local && index === desc.nodeCount) {
      const allocatableMemory = Math.max(0, local.memTotalBytes - 600 * MIB);
      const capacity = { cpu: String(local.cores), memory: `${Math.floor(local.memTotalBytes / 1024)}Ki`, pods: '110', 'ephemeral-storage': '83873772Ki' };
      return {
        index,
        name: local.name,
        uid: uidOf(`node/local`),
        instanceId: toSimInstanceId(index),
        instanceType: 'local',
        zone: 'local-1a',
        arch: 'amd64',
        ip: nodeIp(index),
        autoScalingGroup: '',
        cores: local.cores,
        memTotalBytes: local.memTotalBytes,
        capacity,
        allocatable: { ...capacity, cpu: `${local.cores * 1000 - 80}m`, memory: `${Math.floor(allocatableMemory / 1024)}Ki`, 'ephemeral-storage': '76224326324' },
        conditions: { MemoryPressure: 'False', DiskPressure: 'False', PIDPressure: 'False', Ready: 'True' },
        local: true,
      };
    }
    if (!(index >= 0 && index < desc.nodeCount)) throw new RangeError(`simulated cluster ${cluster}: no node ${index}; expected 0..${desc.nodeCount - 1}${local ? ` or ${desc.nodeCount} (the local node)` : ''}`);
    const t = INSTANCE_TYPES[index % INSTANCE_TYPES.length];
    const zone = ZONES[index % ZONES.length];
    const every = desc.pressureEvery;
    const pressured = every > 0 && index % every === 1 ? (['MemoryPressure', 'DiskPressure', 'PIDPressure'] as const)[Math.floor(index / every) % 3] : undefined;
    const instanceId = toSimInstanceId(index);
    return {
      index,
      name: toSimNodeName(index),
      uid: uidOf(`node/${index}`),
      instanceId,
      instanceType: t.type,
      zone,
      arch: t.arch,
      ip: nodeIp(index),
      autoScalingGroup: toSimAutoScalingGroup(cluster, instanceId),
      cores: must(parseCpuMillicores(t.cpu)) / 1000,
      memTotalBytes: must(parseBytes(t.memory)),
      capacity: { cpu: t.cpu, memory: t.memory, pods: t.pods, 'ephemeral-storage': '83873772Ki' },
      allocatable: { cpu: t.allocCpu, memory: t.allocMemory, pods: t.pods, 'ephemeral-storage': '76224326324' },
      conditions: {
        MemoryPressure: pressured === 'MemoryPressure' ? 'True' : 'False',
        DiskPressure: pressured === 'DiskPressure' ? 'True' : 'False',
        PIDPressure: pressured === 'PIDPressure' ? 'Unknown' : 'False',
        Ready: index % 40 === 39 ? 'False' : 'True',
      },
      local: false,
    };
  };

  const lazy = <T>(count: number, make: (index: number) => T): LazyList<T> => ({ count: Math.max(0, count), make });
  const namespaces = ['kube-system', ...desc.namespaces];

  return {
    description: desc,
    nodes: lazy(desc.nodeCount + (desc.localNode ? 1 : 0), node),
    pod,
    podStatus: (nodeIndex, slot) => {
      checkSlot(nodeIndex, slot);
      return statusOf(identityOf(nodeIndex, slot, 0), nodeIndex, slot, 0);
    },
    nodeState: (index) => ({ ...node(index), pods: index < desc.nodeCount ? Array.from({ length: desc.podsPerNode }, (_, slot) => pod(index, slot)) : [] }),
    namespaces: lazy(namespaces.length, (i) => ({ name: namespaces[i], uid: uidOf(`ns/${namespaces[i]}`) })),
    deployments: lazy(deployments, (d) => ({
      name: deploymentName(d),
      namespace: namespaceOf('deployment', d),
      uid: uidOf(`deploy/${d}`),
      pods: podsOfKind('deployment', d * R, replicasOf(d)),
      replicaSet: { name: replicaSetName(d), namespace: namespaceOf('deployment', d), uid: uidOf(`rs/${d}`) },
    })),
    replicaSets: lazy(deployments + Math.ceil(deployments / 4), (i) => {
      const current = i < deployments;
      const d = current ? i : (i - deployments) * 4;
      const name = current ? replicaSetName(d) : oldReplicaSetName(d);
      return {
        name,
        namespace: namespaceOf('deployment', d),
        uid: uidOf(current ? `rs/${d}` : `old-rs/${d}`),
        pods: current ? podsOfKind('deployment', d * R, replicasOf(d)) : [],
        deployment: { name: deploymentName(d), namespace: namespaceOf('deployment', d), uid: uidOf(`deploy/${d}`) },
        podTemplateHash: name.slice(-10),
      };
    }),
    daemonSets: lazy(dsPerNode, (i) => ({
      name: DAEMONSETS[i],
      namespace: 'kube-system',
      uid: uidOf(`ds/${DAEMONSETS[i]}`),
      pods: Array.from({ length: desc.nodeCount }, (_, n): PodRef => [n, i]),
    })),
    statefulSets: lazy(statefulSets, (s) => ({
      name: statefulSetName(s),
      namespace: namespaceOf('statefulset', s),
      uid: uidOf(`sts/${s}`),
      pods: podsOfKind('statefulset', s * STS_REPLICAS, stsReplicasOf(s)),
    })),
    jobs: lazy(cronJobJobs + jobs, (i) => {
      const fromCron = i < cronJobJobs;
      const k = fromCron ? i : i - cronJobJobs;
      const c = Math.floor(k / JOBS_PER_CRONJOB);
      return {
        name: fromCron ? cronJobJobName(k) : jobName(k),
        namespace: fromCron ? namespaceOf('cronjob', c) : namespaceOf('job', k),
        uid: uidOf(fromCron ? `cjob/${k}` : `job/${k}`),
        pods: podsOfKind(fromCron ? 'cronjob' : 'job', k, 1),
        ...(fromCron ? { cronJob: { name: cronJobName(c), namespace: namespaceOf('cronjob', c), uid: uidOf(`cron/${c}`) } } : {}),
      };
    }),
    cronJobs: lazy(cronJobs, (c) => ({ name: cronJobName(c), namespace: namespaceOf('cronjob', c), uid: uidOf(`cron/${c}`) })),
    services: lazy(deployments + statefulSets, (i) => {
      const isDeployment = i < deployments;
      const w = isDeployment ? i : i - deployments;
      return {
        name: isDeployment ? deploymentName(w) : statefulSetName(w),
        namespace: isDeployment ? namespaceOf('deployment', w) : namespaceOf('statefulset', w),
        uid: uidOf(`svc/${i}`),
        clusterIP: isDeployment ? `172.20.${Math.floor(i / 250) % 256}.${(i % 250) + 2}` : 'None',
        pods: isDeployment ? podsOfKind('deployment', w * R, replicasOf(w)) : podsOfKind('statefulset', w * STS_REPLICAS, stsReplicasOf(w)),
      };
    }),
  };
}

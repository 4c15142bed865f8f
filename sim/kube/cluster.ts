/**
 * A simulated EKS cluster: realistic Kubernetes API objects (wire JSON, as the API server sends
 * them) generated deterministically from a small description. Objects are made on demand from
 * their index ({@link LazyList}), so a 5,000-node / 150,000-pod cluster costs almost no memory
 * until a list page is served.
 *
 * Layout of the pods of each node: the first two are DaemonSet pods (`aws-node`, `kube-proxy` in
 * kube-system); the others cycle through a pattern of 20: 14 Deployment pods (via ReplicaSets),
 * 2 StatefulSet pods, 2 CronJob pods (via Jobs named `<cronjob>-<10 digits>`), 1 Job pod and 1 bare
 * pod. Phases cover Running, Pending (scheduled and unscheduled), Succeeded, Failed and Unknown;
 * some containers crash-loop, some were OOM-killed. Every Deployment and StatefulSet has a Service
 * whose EndpointSlices hold at most `maxEndpointsPerSlice` endpoints each.
 */

/** The description a simulated cluster is generated from. */
export interface ClusterDescription {
  /** The cluster name (ClusterName attribute, instance tags). */
  readonly name: string;
  /** Number of nodes. */
  readonly nodeCount: number;
  /** Pods per node, DaemonSet pods included. */
  readonly podsPerNode: number;
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
   * Every node whose index % pressureEvery === 1 has a pressure condition (memory, disk or an Unknown PID pressure, in turn).
   * @default 25
   */
  readonly pressureEvery?: number;
}

/** A Kubernetes object as JSON on the wire. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** A list whose items are made from their index on demand. */
export interface LazyList {
  readonly count: number;
  make(index: number): KubeObject;
}

/** Every resource the simulator serves, by plural name. */
export const SIM_RESOURCES = [
  'namespaces',
  'nodes',
  'pods',
  'services',
  'endpointslices',
  'deployments',
  'replicasets',
  'daemonsets',
  'statefulsets',
  'jobs',
  'cronjobs',
] as const;

/** A resource the simulator serves. */
export type SimResource = (typeof SIM_RESOURCES)[number];

/** A generated cluster: one lazy list per resource. */
export type SimCluster = { readonly description: ClusterDescription } & { readonly [R in SimResource]: LazyList };

const DEFAULT_NAMESPACES = ['default', 'payments', 'web', 'batch', 'monitoring'];
const DAEMONSETS = ['aws-node', 'kube-proxy'] as const;
const PATTERN = 20;
/** Slots of the pattern of 20 non-DaemonSet pods: [first slot, width]. */
const SLOTS = { deployment: [0, 14], statefulset: [14, 2], cronjob: [16, 2], job: [18, 1], bare: [19, 1] } as const;
type SlotKind = keyof typeof SLOTS;
const STS_REPLICAS = 2;
const JOBS_PER_CRONJOB = 3;
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const CREATED = '2026-11-01T08:00:00Z';

const INSTANCE_TYPES = [
  { type: 'm5.large', cpu: '2', memory: '7869096Ki', pods: '29', allocCpu: '1930m', allocMemory: '7179928Ki' },
  { type: 'm6i.xlarge', cpu: '4', memory: '15896700Ki', pods: '58', allocCpu: '3920m', allocMemory: '14857340Ki' },
  { type: 'c6g.2xlarge', cpu: '8', memory: '15896700Ki', pods: '58', allocCpu: '7910m', allocMemory: '14857340Ki' },
] as const;
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'] as const;

// Deterministic ids from a seed text: FNV-1a then xorshift32. Not cryptographic, and ten times
// cheaper than node:crypto per call, which matters when 150,000 pods are made for one poll.
const fnv1a = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};
const xorshift = (x: number): number => {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
};
const hex = (text: string, chars: number): string => {
  let x = fnv1a(text) || 0x9e3779b9;
  let out = '';
  while (out.length < chars) {
    x = xorshift(x);
    out += x.toString(16).padStart(8, '0');
  }
  return out.length === chars ? out : out.slice(0, chars);
};
const toUid = (text: string): string => {
  const h = hex(text, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const toSuffix = (text: string, chars: number): string => {
  let x = fnv1a(text) || 0x9e3779b9;
  let out = '';
  while (out.length < chars) {
    x = xorshift(x);
    for (let w = x, k = 0; k < 4 && out.length < chars; k += 1, w >>>= 8) out += NAME_ALPHABET[(w & 0xff) % NAME_ALPHABET.length];
  }
  return out;
};
const imageIds = new Map<string, string>();
const toImageId = (image: string): string => {
  let id = imageIds.get(image);
  if (id === undefined) imageIds.set(image, (id = `${image}@sha256:${hex(image, 64)}`));
  return id;
};

/** The node name of node `index`. */
export const toSimNodeName = (index: number): string => `ip-10-0-${Math.floor(index / 250)}-${(index % 250) + 4}.ec2.internal`;

/** The EC2 instance id of node `index`. */
export const toSimInstanceId = (index: number): string => `i-0${index.toString(16).padStart(16, '0')}`;

/** The Auto Scaling group a simulated instance belongs to (what a fake EC2 returns for its aws:autoscaling:groupName tag). */
export function toSimAutoScalingGroup(cluster: string, instanceId: string): string {
  const index = Number.parseInt(instanceId.slice(2), 16);
  return `eks-${cluster}-ng-${ZONES[index % ZONES.length].slice(-1)}`;
}

interface Layout {
  readonly desc: Required<ClusterDescription>;
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
  for (const kind of Object.keys(SLOTS) as SlotKind[]) {
    const [start, width] = SLOTS[kind];
    if (r >= start && r < start + width) return { kind, kIndex: Math.floor(g / PATTERN) * width + (r - start) };
  }
  throw new Error(`unreachable: slot ${r}`);
};

const namespaceOf = (layout: Layout, kind: SlotKind, workload: number): string => {
  const list = layout.desc.namespaces;
  return list[(workload + Object.keys(SLOTS).indexOf(kind)) % list.length];
};

const deploymentName = (layout: Layout, d: number) => `${['api', 'web', 'worker', 'cache', 'gateway'][d % 5]}-${d}`;
const replicaSetName = (layout: Layout, d: number) => `${deploymentName(layout, d)}-${toSuffix(`rs/${layout.desc.name}/${d}`, 10)}`;
const statefulSetName = (s: number) => `db-${s}`;
const cronJobName = (c: number) => `report-${c}`;
const cronJobJobName = (j: number) => `${cronJobName(Math.floor(j / JOBS_PER_CRONJOB))}-${2_900_000_000 + (j % JOBS_PER_CRONJOB) * 5}`;
const jobName = (j: number) => `migrate-${j}`;

/** The health of a non-DaemonSet pod, cheap to compute (workload statuses use it without making pods). */
type PodHealth = 'running' | 'pending' | 'unscheduled' | 'crashloop' | 'oomkilled' | 'succeeded' | 'failed' | 'unknown';

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

interface ContainerSpecLike {
  name: string;
  image: string;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
}

const containersOf = (kind: SlotKind | 'daemonset', g: number): ContainerSpecLike[] => {
  switch (kind) {
    case 'daemonset':
      return [{ name: 'main', image: 'public.ecr.aws/eks/agent:v1.0', resources: { requests: { cpu: '25m', memory: '64Mi' } } }];
    case 'deployment':
      return [
        { name: 'app', image: 'registry.example.com/app:1.4.2', resources: { requests: { cpu: g % 2 ? '250m' : '0.25', memory: '256Mi' }, limits: { cpu: '1', memory: '0.5Gi' } } },
        { name: 'envoy', image: 'envoyproxy/envoy:v1.31', resources: { requests: { cpu: '100m', memory: '64Mi' } } },
      ];
    case 'statefulset':
      return [{ name: 'postgres', image: 'postgres:17', resources: { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2000m', memory: '4096Mi' } } }];
    case 'cronjob':
    case 'job':
      return [{ name: 'task', image: 'registry.example.com/task:2', resources: { requests: { cpu: '500m', memory: '129e6' }, limits: { cpu: '1500m', memory: '1G' } } }];
    case 'bare':
      return [{ name: 'debug', image: 'busybox:1.37', resources: {} }];
  }
};

const qosOf = (containers: ContainerSpecLike[]): string => {
  const all = containers.map((c) => c.resources);
  if (all.every((r) => !r.requests && !r.limits)) return 'BestEffort';
  const guaranteed = all.every((r) => r.limits?.cpu && r.limits?.memory && (!r.requests || (r.requests.cpu !== undefined && r.requests.memory !== undefined)));
  return guaranteed ? 'Guaranteed' : 'Burstable';
};

function containerStatus(c: ContainerSpecLike, podUid: string, health: PodHealth, index: number): Record<string, unknown> {
  const restartCount = health === 'crashloop' ? 7 : health === 'oomkilled' ? 2 : 0;
  const containerID = `containerd://${hex(`${podUid}/${c.name}/${restartCount}`, 64)}`;
  const base = { name: c.name, image: c.image, imageID: toImageId(c.image), restartCount, started: false, ready: false };
  const running = { running: { startedAt: CREATED } };
  switch (health) {
    case 'running':
      return { ...base, containerID, started: true, ready: true, state: running, lastState: {} };
    case 'oomkilled':
      return { ...base, containerID, started: true, ready: true, state: running, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: CREATED, finishedAt: CREATED, containerID } } };
    case 'crashloop':
      return index === 0
        ? { ...base, containerID, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: CREATED, finishedAt: CREATED, containerID } } }
        : { ...base, containerID, started: true, ready: true, restartCount: 0, state: running, lastState: {} };
    case 'pending':
      return { ...base, restartCount: 0, state: { waiting: { reason: index === 0 ? 'ContainerCreating' : 'ImagePullBackOff' } }, lastState: {} };
    case 'succeeded':
      return { ...base, containerID, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: CREATED, finishedAt: CREATED, containerID } }, lastState: {} };
    case 'failed':
      return { ...base, containerID, state: { terminated: { exitCode: 2, reason: 'Error', startedAt: CREATED, finishedAt: CREATED, containerID } }, lastState: {} };
    case 'unknown':
    case 'unscheduled':
      return { ...base, state: {}, lastState: {} };
  }
}

const PHASES: Record<PodHealth, string> = {
  running: 'Running',
  oomkilled: 'Running',
  crashloop: 'Running',
  pending: 'Pending',
  unscheduled: 'Pending',
  succeeded: 'Succeeded',
  failed: 'Failed',
  unknown: 'Unknown',
};

interface PodIdentity {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  owner?: { apiVersion: string; kind: string; name: string; uid: string };
  containerKind: SlotKind | 'daemonset';
  health: PodHealth;
}

function identityOf(layout: Layout, nodeIndex: number, slot: number): PodIdentity {
  const cluster = layout.desc.name;
  if (slot < layout.dsPerNode) {
    const ds = DAEMONSETS[slot];
    return {
      name: `${ds}-${toSuffix(`${cluster}/${ds}/${nodeIndex}`, 5)}`,
      namespace: 'kube-system',
      labels: { 'k8s-app': ds, 'controller-revision-hash': '6d4f8b9c7' },
      owner: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds, uid: toUid(`${cluster}/ds/${ds}`) },
      containerKind: 'daemonset',
      health: 'running',
    };
  }
  const g = nodeIndex * layout.otherPerNode + (slot - layout.dsPerNode);
  const { kind, kIndex } = toKindOf(g);
  const health = healthOf(g, kind);
  switch (kind) {
    case 'deployment': {
      const d = Math.floor(kIndex / layout.desc.replicasPerDeployment);
      const rs = replicaSetName(layout, d);
      return {
        name: `${rs}-${toSuffix(`${cluster}/pod/${g}`, 5)}`,
        namespace: namespaceOf(layout, kind, d),
        labels: { app: deploymentName(layout, d), 'pod-template-hash': rs.slice(-10), 'app.kubernetes.io/part-of': 'shop' },
        owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: toUid(`${cluster}/rs/${d}`) },
        containerKind: kind,
        health,
      };
    }
    case 'statefulset': {
      const s = Math.floor(kIndex / STS_REPLICAS);
      return {
        name: `${statefulSetName(s)}-${kIndex % STS_REPLICAS}`,
        namespace: namespaceOf(layout, kind, s),
        labels: { app: statefulSetName(s), 'statefulset.kubernetes.io/pod-name': `${statefulSetName(s)}-${kIndex % STS_REPLICAS}` },
        owner: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: statefulSetName(s), uid: toUid(`${cluster}/sts/${s}`) },
        containerKind: kind,
        health,
      };
    }
    case 'cronjob': {
      const job = cronJobJobName(kIndex);
      return {
        name: `${job}-${toSuffix(`${cluster}/pod/${g}`, 5)}`,
        namespace: namespaceOf(layout, kind, Math.floor(kIndex / JOBS_PER_CRONJOB)),
        labels: { 'job-name': job, 'batch.kubernetes.io/job-name': job },
        owner: { apiVersion: 'batch/v1', kind: 'Job', name: job, uid: toUid(`${cluster}/cjob/${kIndex}`) },
        containerKind: kind,
        health,
      };
    }
    case 'job':
      return {
        name: `${jobName(kIndex)}-${toSuffix(`${cluster}/pod/${g}`, 5)}`,
        namespace: namespaceOf(layout, kind, kIndex),
        labels: { 'job-name': jobName(kIndex) },
        owner: { apiVersion: 'batch/v1', kind: 'Job', name: jobName(kIndex), uid: toUid(`${cluster}/job/${kIndex}`) },
        containerKind: kind,
        health,
      };
    case 'bare':
      return { name: `debug-${kIndex}`, namespace: namespaceOf(layout, kind, kIndex), labels: { purpose: 'debug' }, containerKind: kind, health };
  }
}

const podIp = (nodeIndex: number, slot: number) => `10.${1 + Math.floor(nodeIndex / 256)}.${nodeIndex % 256}.${slot + 10}`;

function makePod(layout: Layout, nodeIndex: number, slot: number): KubeObject {
  const id = identityOf(layout, nodeIndex, slot);
  const uid = toUid(`${layout.desc.name}/pod/${nodeIndex}/${slot}`);
  const containers = containersOf(id.containerKind, nodeIndex * 1000 + slot);
  const scheduled = id.health !== 'unscheduled';
  const phase = PHASES[id.health];
  const ready = isReady(id.health);
  const conditions = [
    { type: 'PodScheduled', status: scheduled ? 'True' : 'False', lastTransitionTime: CREATED, ...(scheduled ? {} : { reason: 'Unschedulable' }) },
    ...(scheduled ? [{ type: 'Initialized', status: 'True', lastTransitionTime: CREATED }] : []),
    ...(scheduled ? [{ type: 'Ready', status: id.health === 'unknown' ? 'Unknown' : ready ? 'True' : 'False', lastTransitionTime: CREATED }] : []),
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: id.name,
      namespace: id.namespace,
      uid,
      resourceVersion: '1',
      creationTimestamp: CREATED,
      labels: id.labels,
      ...(id.owner ? { ownerReferences: [{ ...id.owner, controller: true, blockOwnerDeletion: true }] } : {}),
    },
    spec: {
      ...(scheduled ? { nodeName: toSimNodeName(nodeIndex) } : {}),
      containers: containers.map((c) => ({ name: c.name, image: c.image, resources: c.resources })),
      restartPolicy: id.containerKind === 'job' || id.containerKind === 'cronjob' ? 'OnFailure' : 'Always',
      serviceAccountName: 'default',
      ...(id.containerKind === 'daemonset' && slot === 0 ? { hostNetwork: true } : {}),
    },
    status: {
      phase,
      conditions,
      qosClass: qosOf(containers),
      ...(scheduled ? { hostIP: `10.0.${Math.floor(nodeIndex / 250)}.${(nodeIndex % 250) + 4}`, podIP: podIp(nodeIndex, slot), startTime: CREATED } : {}),
      ...(scheduled && id.health !== 'unknown' ? { containerStatuses: containers.map((c, i) => containerStatus(c, uid, id.health, i)) } : {}),
    },
  };
}

function makeNode(layout: Layout, index: number): KubeObject {
  const t = INSTANCE_TYPES[index % INSTANCE_TYPES.length];
  const zone = ZONES[index % ZONES.length];
  const every = layout.desc.pressureEvery;
  const pressured = index % every === 1 ? (['MemoryPressure', 'DiskPressure', 'PIDPressure'] as const)[Math.floor(index / every) % 3] : undefined;
  const condition = (type: string, healthy: string, reason: string) => {
    const status = pressured === type ? (type === 'PIDPressure' ? 'Unknown' : 'True') : healthy;
    return { type, status, reason, lastHeartbeatTime: CREATED, lastTransitionTime: CREATED, message: `kubelet reports ${type}=${status}` };
  };
  const name = toSimNodeName(index);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid: toUid(`${layout.desc.name}/node/${index}`),
      resourceVersion: '1',
      creationTimestamp: CREATED,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': t.type.startsWith('c6g') ? 'arm64' : 'amd64',
        'node.kubernetes.io/instance-type': t.type,
        'topology.kubernetes.io/zone': zone,
        'eks.amazonaws.com/nodegroup': `ng-${zone.slice(-1)}`,
      },
    },
    spec: { providerID: `aws:///${zone}/${toSimInstanceId(index)}` },
    status: {
      capacity: { cpu: t.cpu, memory: t.memory, pods: t.pods, 'ephemeral-storage': '83873772Ki' },
      allocatable: { cpu: t.allocCpu, memory: t.allocMemory, pods: t.pods, 'ephemeral-storage': '76224326324' },
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID'),
        condition('Ready', index % 40 === 39 ? 'False' : 'True', 'KubeletReady'),
      ],
      addresses: [
        { type: 'InternalIP', address: `10.0.${Math.floor(index / 250)}.${(index % 250) + 4}` },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: { kubeletVersion: 'v1.33.5-eks-1234567', containerRuntimeVersion: 'containerd://1.7.27', osImage: 'Amazon Linux 2023', architecture: 'amd64', operatingSystem: 'linux' },
    },
  };
}

/** Where the `rep`-th pod of a workload of a kind lives: [node index, slot], or undefined past the end. */
const locate = (layout: Layout, kind: SlotKind, kIndex: number): [number, number] | undefined => {
  if (kIndex >= countOfKind(layout, kind)) return undefined;
  const g = toGlobalIndex(kind, kIndex);
  return [Math.floor(g / layout.otherPerNode), (g % layout.otherPerNode) + layout.dsPerNode];
};

const lazy = (count: number, make: (index: number) => KubeObject): LazyList => ({ count: Math.max(0, count), make });
const meta = (name: string, namespace: string | undefined, uidSeed: string, extra: Record<string, unknown> = {}) => ({
  name,
  ...(namespace ? { namespace } : {}),
  uid: toUid(uidSeed),
  resourceVersion: '1',
  creationTimestamp: CREATED,
  ...extra,
});

/** Generates a simulated cluster from its description; objects are made when a list page asks for them. */
export function createSimCluster(description: ClusterDescription): SimCluster {
  const desc: Required<ClusterDescription> = {
    namespaces: DEFAULT_NAMESPACES,
    replicasPerDeployment: 10,
    maxEndpointsPerSlice: 100,
    pressureEvery: 25,
    ...description,
  };
  const dsPerNode = Math.min(DAEMONSETS.length, desc.podsPerNode);
  const otherPerNode = desc.podsPerNode - dsPerNode;
  const layout: Layout = { desc, dsPerNode, otherPerNode, totalOther: desc.nodeCount * otherPerNode };
  const cluster = desc.name;
  const R = desc.replicasPerDeployment;
  const M = desc.maxEndpointsPerSlice;
  const deploymentPods = countOfKind(layout, 'deployment');
  const deployments = Math.ceil(deploymentPods / R);
  const replicasOf = (d: number) => Math.min(R, deploymentPods - d * R);
  const statefulSets = Math.ceil(countOfKind(layout, 'statefulset') / STS_REPLICAS);
  const stsReplicasOf = (s: number) => Math.min(STS_REPLICAS, countOfKind(layout, 'statefulset') - s * STS_REPLICAS);
  const cronJobJobs = countOfKind(layout, 'cronjob');
  const cronJobs = Math.ceil(cronJobJobs / JOBS_PER_CRONJOB);
  const jobs = countOfKind(layout, 'job');

  // Pods of the i-th workload (deployments first, then statefulsets) as [node, slot, health] triples.
  const podsOfService = (i: number): Array<[number, number, PodHealth]> => {
    const kind: SlotKind = i < deployments ? 'deployment' : 'statefulset';
    const w = i < deployments ? i : i - deployments;
    const n = kind === 'deployment' ? replicasOf(w) : stsReplicasOf(w);
    const per = kind === 'deployment' ? R : STS_REPLICAS;
    const out: Array<[number, number, PodHealth]> = [];
    for (let rep = 0; rep < n; rep += 1) {
      const at = locate(layout, kind, w * per + rep);
      if (at) out.push([at[0], at[1], healthOf(toGlobalIndex(kind, w * per + rep), kind)]);
    }
    return out;
  };
  const serviceName = (i: number) => (i < deployments ? deploymentName(layout, i) : statefulSetName(i - deployments));
  const serviceNamespace = (i: number) => (i < deployments ? namespaceOf(layout, 'deployment', i) : namespaceOf(layout, 'statefulset', i - deployments));
  const serviceCount = deployments + statefulSets;
  const slicesPerService = (i: number) => Math.max(1, Math.ceil((i < deployments ? replicasOf(i) : stsReplicasOf(i - deployments)) / M));
  // Offsets of the first slice of each service: compact numbers, not objects.
  const sliceStart = new Uint32Array(serviceCount + 1);
  for (let i = 0; i < serviceCount; i += 1) sliceStart[i + 1] = sliceStart[i] + slicesPerService(i);
  const serviceOfSlice = (index: number): number => {
    let lo = 0;
    let hi = serviceCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (sliceStart[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const readyCountOf = (kind: SlotKind, w: number, per: number, n: number) => {
    let ready = 0;
    for (let rep = 0; rep < n; rep += 1) if (isReady(healthOf(toGlobalIndex(kind, w * per + rep), kind))) ready += 1;
    return ready;
  };

  return {
    description: desc,
    namespaces: lazy(desc.namespaces.length + 1, (i) => {
      const name = i === 0 ? 'kube-system' : desc.namespaces[i - 1];
      return { apiVersion: 'v1', kind: 'Namespace', metadata: meta(name, undefined, `${cluster}/ns/${name}`), status: { phase: 'Active' } };
    }),
    nodes: lazy(desc.nodeCount, (i) => makeNode(layout, i)),
    pods: lazy(desc.nodeCount * desc.podsPerNode, (i) => makePod(layout, Math.floor(i / desc.podsPerNode), i % desc.podsPerNode)),
    services: lazy(serviceCount, (i) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(serviceName(i), serviceNamespace(i), `${cluster}/svc/${i}`, { labels: { app: serviceName(i) } }),
      spec: {
        selector: { app: serviceName(i) },
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
        type: 'ClusterIP',
        clusterIP: i < deployments ? `172.20.${Math.floor(i / 250) % 256}.${(i % 250) + 2}` : 'None',
      },
    })),
    endpointslices: lazy(sliceStart[serviceCount], (index) => {
      const i = serviceOfSlice(index);
      const k = index - sliceStart[i];
      const pods = podsOfService(i).slice(k * M, (k + 1) * M);
      const name = serviceName(i);
      return {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: meta(`${name}-${toSuffix(`${cluster}/eps/${index}`, 5)}`, serviceNamespace(i), `${cluster}/eps/${index}`, {
          labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
          ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: toUid(`${cluster}/svc/${i}`), controller: true }],
        }),
        addressType: 'IPv4',
        endpoints: pods
          .filter(([, , health]) => health !== 'unscheduled')
          .map(([node, slot, health]) => {
            const id = identityOf(layout, node, slot);
            return {
              addresses: [podIp(node, slot)],
              conditions: { ready: isReady(health), serving: isReady(health), terminating: false },
              targetRef: { kind: 'Pod', namespace: id.namespace, name: id.name, uid: toUid(`${cluster}/pod/${node}/${slot}`) },
              nodeName: toSimNodeName(node),
              zone: ZONES[node % ZONES.length],
            };
          }),
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      };
    }),
    deployments: lazy(deployments, (d) => {
      const replicas = replicasOf(d);
      const ready = readyCountOf('deployment', d, R, replicas);
      return {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta(deploymentName(layout, d), namespaceOf(layout, 'deployment', d), `${cluster}/deploy/${d}`, { generation: 3 }),
        spec: { replicas, selector: { matchLabels: { app: deploymentName(layout, d) } } },
        status: { replicas, readyReplicas: ready, availableReplicas: ready, unavailableReplicas: replicas - ready, updatedReplicas: replicas, observedGeneration: 3 },
      };
    }),
    // The current ReplicaSet of every Deployment, then an old, scaled-down one for every 4th Deployment.
    replicasets: lazy(deployments + Math.ceil(deployments / 4), (i) => {
      const current = i < deployments;
      const d = current ? i : (i - deployments) * 4;
      const name = current ? replicaSetName(layout, d) : `${deploymentName(layout, d)}-${toSuffix(`old-rs/${cluster}/${d}`, 10)}`;
      const replicas = current ? replicasOf(d) : 0;
      const ready = current ? readyCountOf('deployment', d, R, replicas) : 0;
      return {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: meta(name, namespaceOf(layout, 'deployment', d), current ? `${cluster}/rs/${d}` : `${cluster}/old-rs/${d}`, {
          labels: { app: deploymentName(layout, d), 'pod-template-hash': name.slice(-10) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deploymentName(layout, d), uid: toUid(`${cluster}/deploy/${d}`), controller: true }],
        }),
        spec: { replicas, selector: { matchLabels: { app: deploymentName(layout, d), 'pod-template-hash': name.slice(-10) } } },
        status: { replicas, readyReplicas: ready, availableReplicas: ready, fullyLabeledReplicas: replicas },
      };
    }),
    daemonsets: lazy(dsPerNode, (i) => ({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta(DAEMONSETS[i], 'kube-system', `${cluster}/ds/${DAEMONSETS[i]}`),
      spec: { selector: { matchLabels: { 'k8s-app': DAEMONSETS[i] } } },
      status: {
        desiredNumberScheduled: desc.nodeCount,
        currentNumberScheduled: desc.nodeCount,
        numberReady: desc.nodeCount,
        numberAvailable: desc.nodeCount,
        numberUnavailable: 0,
        numberMisscheduled: 0,
        updatedNumberScheduled: desc.nodeCount,
      },
    })),
    statefulsets: lazy(statefulSets, (s) => {
      const replicas = stsReplicasOf(s);
      const ready = readyCountOf('statefulset', s, STS_REPLICAS, replicas);
      return {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: meta(statefulSetName(s), namespaceOf(layout, 'statefulset', s), `${cluster}/sts/${s}`),
        spec: { replicas, serviceName: statefulSetName(s), selector: { matchLabels: { app: statefulSetName(s) } } },
        status: { replicas, readyReplicas: ready, availableReplicas: ready, currentReplicas: replicas, updatedReplicas: replicas },
      };
    }),
    // CronJob Jobs first, then standalone Jobs.
    jobs: lazy(cronJobJobs + jobs, (i) => {
      const fromCron = i < cronJobJobs;
      const k = fromCron ? i : i - cronJobJobs;
      const name = fromCron ? cronJobJobName(k) : jobName(k);
      const health = healthOf(toGlobalIndex(fromCron ? 'cronjob' : 'job', k), fromCron ? 'cronjob' : 'job');
      const c = Math.floor(k / JOBS_PER_CRONJOB);
      return {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: meta(name, namespaceOf(layout, fromCron ? 'cronjob' : 'job', fromCron ? c : k), fromCron ? `${cluster}/cjob/${k}` : `${cluster}/job/${k}`, {
          labels: { 'job-name': name },
          ...(fromCron ? { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronJobName(c), uid: toUid(`${cluster}/cron/${c}`), controller: true }] } : {}),
        }),
        spec: { completions: 1, parallelism: 1, backoffLimit: 6 },
        status: { active: health === 'running' ? 1 : 0, succeeded: health === 'succeeded' ? 1 : 0, failed: health === 'failed' ? 1 : 0, startTime: CREATED },
      };
    }),
    cronjobs: lazy(cronJobs, (c) => ({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: meta(cronJobName(c), namespaceOf(layout, 'cronjob', c), `${cluster}/cron/${c}`),
      spec: { schedule: '*/5 * * * *', concurrencyPolicy: 'Forbid', jobTemplate: { spec: { template: { spec: { containers: [] } } } } },
      status: { lastScheduleTime: CREATED },
    })),
  };
}

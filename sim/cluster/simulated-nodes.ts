import type { QosClass } from '../../core/record';

/**
 * The truth of a simulated cluster as it evolves: nodes, their pods and containers, and what each
 * one consumes. The local pipeline turns it into host trees (what the agents read) and Kubernetes
 * objects (what the poller reads); the fleet benchmark turns it into node records directly.
 *
 * Pure: `advanceSimulatedNodes` takes the previous state and returns the next; randomness comes
 * from a seeded generator carried in the state, so a run is reproducible.
 */

/** A container of a simulated pod. */
export interface SimulatedContainer {
  name: string;
  /** Runtime id (64 hex). Kept across restarts: the simulated host keeps the container's cgroup, so the agent's ids and the API's agree. */
  id: string;
  restartCount: number;
  lastTerminationReason?: string;
  cpuRequestMillicores: number;
  cpuLimitMillicores?: number;
  memoryRequestBytes: number;
  memoryLimitBytes?: number;
  /** Current consumption. */
  cpuMillicores: number;
  memoryBytes: number;
}

/** A simulated pod, always Running while it is on a node. */
export interface SimulatedPod {
  uid: string;
  name: string;
  namespace: string;
  /** Owning Deployment (the pod name is `<workload>-<rs hash>-<suffix>`). */
  workload: string;
  /** Services selecting the pod. */
  services: string[];
  labels: Record<string, string>;
  qos: QosClass;
  startedAtMs: number;
  containers: SimulatedContainer[];
  /** Network throughput of the pod, bytes per second. */
  rxBytesPerSecond: number;
  txBytesPerSecond: number;
}

/** A simulated node. */
export interface SimulatedNode {
  name: string;
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  cores: number;
  memTotalBytes: number;
  /** True for this machine: its agent reads the real host, and the cluster lists it without pods. */
  local: boolean;
  memoryPressure: boolean;
  pods: SimulatedPod[];
}

/** The whole simulated cluster at one moment. */
export interface SimulatedCluster {
  cluster: string;
  nowMs: number;
  step: number;
  /** Seeded generator state. */
  seed: number;
  nodes: SimulatedNode[];
  /** What happened in the last step, for the progress line. */
  events: string[];
}

/** Options of {@link createSimulatedCluster}. */
export interface SimulatedClusterOptions {
  cluster: string;
  /** Simulated nodes besides the local one. */
  nodes: number;
  podsPerNode: number;
  nowMs: number;
  /** Include this machine as a node named `localNodeName`. @default false */
  localNode?: { name: string; cores: number; memTotalBytes: number };
  /** @default 1 */
  seed?: number;
  /** Instance type of the simulated nodes. @default 'm5.xlarge' (4 vCPU, 16 GiB) */
  instanceType?: string;
}

/** Options of {@link advanceSimulatedNodes}. */
export interface AdvanceOptions {
  /** The step from which one node comes under memory pressure. @default 6 */
  memoryPressureFromStep?: number;
  /** Per pod and step probability of a container restart. @default 0.03 */
  restartProbability?: number;
  /** Per node and step probability that a pod stops and a new one takes its place. @default 0.15 */
  churnProbability?: number;
}

const INSTANCE_TYPES: Record<string, { cores: number; memGiB: number }> = {
  'm5.large': { cores: 2, memGiB: 8 },
  'm5.xlarge': { cores: 4, memGiB: 16 },
  'm5.2xlarge': { cores: 8, memGiB: 32 },
  'c5.xlarge': { cores: 4, memGiB: 8 },
};

/** The workloads pods are drawn from: namespace, deployment, services, containers and their appetite. */
const WORKLOADS = [
  { namespace: 'shop', name: 'frontend', services: ['frontend'], containers: ['web', 'envoy'], cpu: 120, memMiB: 180, net: 400_000 },
  { namespace: 'shop', name: 'checkout', services: ['checkout'], containers: ['app'], cpu: 200, memMiB: 260, net: 150_000 },
  { namespace: 'shop', name: 'cart', services: ['cart'], containers: ['app', 'redis'], cpu: 80, memMiB: 320, net: 90_000 },
  { namespace: 'payments', name: 'payments-api', services: ['payments'], containers: ['api'], cpu: 260, memMiB: 400, net: 120_000 },
  { namespace: 'payments', name: 'ledger', services: ['ledger'], containers: ['app'], cpu: 60, memMiB: 512, net: 30_000 },
  { namespace: 'data', name: 'ingest', services: [], containers: ['worker'], cpu: 450, memMiB: 700, net: 900_000 },
  { namespace: 'data', name: 'reports', services: ['reports'], containers: ['app'], cpu: 40, memMiB: 220, net: 10_000 },
  { namespace: 'kube-system', name: 'coredns', services: ['kube-dns'], containers: ['coredns'], cpu: 10, memMiB: 40, net: 25_000 },
] as const;

// mulberry32: a tiny seeded generator; the state is the seed carried in the cluster.
function next(seed: number): [number, number] {
  const s = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(s ^ (s >>> 15), 1 | s);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return [((t ^ (t >>> 14)) >>> 0) / 4294967296, s];
}

/** A random source threaded through a step. */
class Dice {
  constructor(public seed: number) {}
  float(): number {
    const [value, seed] = next(this.seed);
    this.seed = seed;
    return value;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.float() * maxExclusive);
  }
  hex(chars: number): string {
    let out = '';
    while (out.length < chars) out += this.int(0x10000).toString(16).padStart(4, '0');
    return out.slice(0, chars);
  }
  /** A value that wanders around `base` by up to +-`spread` (fraction). */
  around(base: number, spread: number): number {
    return base * (1 + (this.float() * 2 - 1) * spread);
  }
}

const KUBE_SUFFIX = 'bcdfghjklmnpqrstvwxz2456789';
const toSuffix = (dice: Dice, n: number): string => Array.from({ length: n }, () => KUBE_SUFFIX[dice.int(KUBE_SUFFIX.length)]).join('');
const toUid = (dice: Dice): string => `${dice.hex(8)}-${dice.hex(4)}-4${dice.hex(3)}-a${dice.hex(3)}-${dice.hex(12)}`;
const MIB = 1024 * 1024;

function newPod(dice: Dice, nowMs: number, index: number): SimulatedPod {
  const w = WORKLOADS[index % WORKLOADS.length];
  const guaranteed = w.namespace === 'payments';
  const containers = w.containers.map((name, i): SimulatedContainer => {
    const share = i === 0 ? 0.8 : 0.2;
    const cpuRequest = Math.round((w.cpu * share) / 10) * 10 || 10;
    const memRequest = Math.round(w.memMiB * share) * MIB;
    return {
      name,
      id: dice.hex(64),
      restartCount: 0,
      cpuRequestMillicores: cpuRequest,
      cpuLimitMillicores: guaranteed ? cpuRequest : cpuRequest * 4,
      memoryRequestBytes: memRequest,
      memoryLimitBytes: guaranteed ? memRequest : memRequest * 2,
      cpuMillicores: dice.around(cpuRequest * 0.7, 0.4),
      memoryBytes: dice.around(memRequest * 0.8, 0.2),
    };
  });
  return {
    uid: toUid(dice),
    name: `${w.name}-${toSuffix(dice, 10)}-${toSuffix(dice, 5)}`,
    namespace: w.namespace,
    workload: w.name,
    services: [...w.services],
    labels: { app: w.name, 'pod-template-hash': toSuffix(dice, 10) },
    qos: guaranteed ? 'Guaranteed' : 'Burstable',
    startedAtMs: nowMs,
    containers,
    rxBytesPerSecond: dice.around(w.net * 0.6, 0.5),
    txBytesPerSecond: dice.around(w.net * 0.4, 0.5),
  };
}

/** Creates the initial cluster: `nodes` simulated nodes with `podsPerNode` pods each, plus the local node when given. */
export function createSimulatedCluster(options: SimulatedClusterOptions): SimulatedCluster {
  const dice = new Dice(options.seed ?? 1);
  const instanceType = options.instanceType ?? 'm5.xlarge';
  const shape = INSTANCE_TYPES[instanceType] ?? INSTANCE_TYPES['m5.xlarge'];
  const nodes: SimulatedNode[] = [];
  if (options.localNode) {
    nodes.push({
      name: options.localNode.name,
      instanceId: `i-0${dice.hex(16)}`,
      instanceType: 'local',
      availabilityZone: 'local-1a',
      cores: options.localNode.cores,
      memTotalBytes: options.localNode.memTotalBytes,
      local: true,
      memoryPressure: false,
      pods: [],
    });
  }
  for (let n = 0; n < options.nodes; n++) {
    const octet = 10 + n;
    const pods = Array.from({ length: options.podsPerNode }, (_, p) => newPod(dice, options.nowMs, n * 3 + p));
    nodes.push({
      name: `ip-10-0-${Math.floor(octet / 250)}-${octet % 250}.ec2.internal`,
      instanceId: `i-0${dice.hex(16)}`,
      instanceType,
      availabilityZone: `us-east-1${'abc'[n % 3]}`,
      cores: shape.cores,
      memTotalBytes: shape.memGiB * 1024 * MIB,
      local: false,
      memoryPressure: false,
      pods,
    });
  }
  return { cluster: options.cluster, nowMs: options.nowMs, step: 0, seed: dice.seed, nodes, events: [] };
}

/**
 * Advances the cluster to `nowMs`: consumption wanders, a container now and then restarts
 * (OOMKilled or Error), a pod now and then stops and a new one starts, and
 * from `memoryPressureFromStep` on the first simulated node fills its memory and reports
 * MemoryPressure.
 */
export function advanceSimulatedNodes(state: SimulatedCluster, nowMs: number, options: AdvanceOptions = {}): SimulatedCluster {
  const dice = new Dice(state.seed);
  const step = state.step + 1;
  const pressureFrom = options.memoryPressureFromStep ?? 6;
  const restartP = options.restartProbability ?? 0.03;
  const churnP = options.churnProbability ?? 0.15;
  const events: string[] = [];
  const firstSimulated = state.nodes.find((n) => !n.local)?.name;
  const nodes = state.nodes.map((node): SimulatedNode => {
    if (node.local) return node;
    const pressured = node.name === firstSimulated && step >= pressureFrom;
    if (pressured && !node.memoryPressure) events.push(`${node.name} is under memory pressure`);
    let pods = node.pods.map((pod): SimulatedPod => {
      const containers = pod.containers.map((c): SimulatedContainer => {
        const grow = pressured ? 1.08 : 1;
        const cap = c.memoryLimitBytes ?? Number.POSITIVE_INFINITY;
        const memoryBytes = Math.min(cap, Math.max(4 * MIB, dice.around(c.memoryBytes * grow, 0.05)));
        const cpuMillicores = Math.max(1, 0.7 * c.cpuMillicores + 0.3 * dice.around(c.cpuRequestMillicores * 0.7, 0.6));
        if (dice.float() < restartP || (pressured && memoryBytes >= cap)) {
          const reason = memoryBytes >= cap ? 'OOMKilled' : 'Error';
          events.push(`${pod.namespace}/${pod.name} container ${c.name} restarted (${reason})`);
          return { ...c, restartCount: c.restartCount + 1, lastTerminationReason: reason, memoryBytes: c.memoryRequestBytes * 0.5, cpuMillicores };
        }
        return { ...c, memoryBytes, cpuMillicores };
      });
      return {
        ...pod,
        containers,
        rxBytesPerSecond: Math.max(0, 0.6 * pod.rxBytesPerSecond + 0.4 * dice.around(pod.rxBytesPerSecond, 0.5)),
        txBytesPerSecond: Math.max(0, 0.6 * pod.txBytesPerSecond + 0.4 * dice.around(pod.txBytesPerSecond, 0.5)),
      };
    });
    if (pods.length > 0 && dice.float() < churnP) {
      const gone = dice.int(pods.length);
      const replacement = newPod(dice, nowMs, dice.int(WORKLOADS.length));
      events.push(`${pods[gone].namespace}/${pods[gone].name} stopped on ${node.name}; ${replacement.namespace}/${replacement.name} started`);
      pods = [...pods.slice(0, gone), ...pods.slice(gone + 1), replacement];
    }
    return { ...node, memoryPressure: pressured, pods };
  });
  return { ...state, nowMs, step, seed: dice.seed, nodes, events };
}

/** Memory the pods of a node use, bytes. */
export const toPodsMemoryBytes = (node: SimulatedNode): number =>
  node.pods.reduce((sum, p) => sum + p.containers.reduce((s, c) => s + c.memoryBytes, 0), 0);

/** CPU the pods of a node use, millicores. */
export const toPodsCpuMillicores = (node: SimulatedNode): number =>
  node.pods.reduce((sum, p) => sum + p.containers.reduce((s, c) => s + c.cpuMillicores, 0), 0);

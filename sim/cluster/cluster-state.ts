import { createClusterModel, toAmounts, type ClusterDescription, type ClusterModel, type NodeState, type SimContainer, type SimPod } from './cluster-model';
import { createRandom, toHashHex } from './random';

/**
 * A simulated cluster over time, for `kinsight local` and the fleet benchmark: consumption wanders,
 * containers now and then restart, pods of Deployments stop and their ReplicaSet starts new ones
 * in their place, and a node comes under memory pressure. Every view of the model (Kubernetes
 * objects, host trees, node records and documents) is derived from a state as from the model.
 *
 * Pure: {@link advanceClusterState} takes the previous state and returns the next; randomness comes
 * from a seeded generator whose state is carried in the state, so a run is reproducible.
 */

/** The whole cluster at one moment. */
export interface ClusterState {
  readonly model: ClusterModel;
  readonly nowMs: number;
  readonly step: number;
  /** The seeded generator's state. */
  readonly random: number;
  /** The nodes as the model lists them (simulated nodes by index, then the local node), with their pods by slot. */
  readonly nodes: readonly NodeState[];
  /** What happened in the last step, for the progress line. */
  readonly events: readonly string[];
}

/** Options of {@link advanceClusterState}. */
export interface AdvanceOptions {
  /** The step from which the first simulated node comes under memory pressure. @default 6 */
  readonly memoryPressureFromStep?: number;
  /** Per container and step probability of a restart. @default 0.03 */
  readonly restartProbability?: number;
  /** Per node and step probability that a Deployment pod stops and a new one takes its place. @default 0.15 */
  readonly churnProbability?: number;
}

const MIB = 1024 * 1024;

/** The cluster of a description (or model) at `nowMs`, as the model makes it. */
export function createClusterState(source: ClusterDescription | ClusterModel, nowMs: number): ClusterState {
  const model = 'nodes' in source ? source : createClusterModel(source);
  const nodes = Array.from({ length: model.nodes.count }, (_, i) => model.nodeState(i));
  return { model, nowMs, step: 0, random: model.description.seed, nodes, events: [] };
}

/**
 * Advances the cluster to `nowMs`: consumption wanders, a running container now and then restarts
 * (OOMKilled at its memory limit, or Error), a Deployment pod now and then stops and a new one of
 * the same ReplicaSet starts in its slot, and from `memoryPressureFromStep` on the first simulated
 * node fills its memory and reports MemoryPressure.
 */
export function advanceClusterState(state: ClusterState, nowMs: number, options: AdvanceOptions = {}): ClusterState {
  const random = createRandom(state.random);
  const step = state.step + 1;
  const pressureFrom = options.memoryPressureFromStep ?? 6;
  const restartP = options.restartProbability ?? 0.03;
  const churnP = options.churnProbability ?? 0.15;
  const events: string[] = [];
  const nodes = state.nodes.map((node): NodeState => {
    if (node.local) return node;
    const pressured = node.index === 0 && step >= pressureFrom;
    if (pressured && node.conditions.MemoryPressure !== 'True') events.push(`${node.name} is under memory pressure`);
    let pods = node.pods.map((pod): SimPod => {
      if (pod.phase !== 'Running') return pod;
      const containers = pod.containers.map((c): SimContainer => {
        if (c.state !== 'running') return c;
        const requests = toAmounts(c.resources.requests);
        const cap = toAmounts(c.resources.limits).memoryBytes ?? Number.POSITIVE_INFINITY;
        const memoryBytes = Math.min(cap, Math.max(4 * MIB, random.around(c.memoryBytes * (pressured ? 1.08 : 1), 0.05)));
        const cpuMillicores = Math.max(1, 0.7 * c.cpuMillicores + 0.3 * random.around((requests.cpuMillicores ?? 50) * 0.7, 0.6));
        if (random.float() < restartP || (pressured && memoryBytes >= cap)) {
          const lastTermination = memoryBytes >= cap ? { reason: 'OOMKilled', exitCode: 137 } : { reason: 'Error', exitCode: 1 };
          events.push(`${pod.namespace}/${pod.name} container ${c.name} restarted (${lastTermination.reason})`);
          // The runtime starts a new container: a new id, hashed from the old one so the run stays reproducible.
          const restartCount = c.restartCount + 1;
          return { ...c, id: toHashHex(`${c.id}/${restartCount}`, 64), restartCount, lastTermination, memoryBytes: (requests.memoryBytes ?? 64 * MIB) * 0.5, cpuMillicores };
        }
        return { ...c, memoryBytes, cpuMillicores };
      });
      return {
        ...pod,
        containers,
        rxBytesPerSecond: Math.max(0, 0.6 * pod.rxBytesPerSecond + 0.4 * random.around(pod.rxBytesPerSecond, 0.5)),
        txBytesPerSecond: Math.max(0, 0.6 * pod.txBytesPerSecond + 0.4 * random.around(pod.txBytesPerSecond, 0.5)),
      };
    });
    const replaceable = pods.filter((p) => p.controller?.kind === 'ReplicaSet');
    if (replaceable.length > 0 && random.float() < churnP) {
      const gone = replaceable[random.int(replaceable.length)];
      const replacement: SimPod = { ...state.model.pod(node.index, gone.slot, gone.generation + 1), startedAtMs: nowMs };
      events.push(`${gone.namespace}/${gone.name} stopped on ${node.name}; ${replacement.namespace}/${replacement.name} started`);
      pods = pods.map((p) => (p === gone ? replacement : p));
    }
    const conditions = pressured ? { ...node.conditions, MemoryPressure: 'True' as const } : node.conditions;
    return { ...node, conditions, pods };
  });
  return { ...state, nowMs, step, random: random.state, nodes, events };
}

/** Memory the running containers of a node's pods use, bytes. */
export const toPodsMemoryBytes = (pods: readonly SimPod[]): number => pods.reduce((sum, p) => sum + p.containers.reduce((s, c) => s + c.memoryBytes, 0), 0);

/** CPU the running containers of a node's pods use, millicores. */
export const toPodsCpuMillicores = (pods: readonly SimPod[]): number => pods.reduce((sum, p) => sum + p.containers.reduce((s, c) => s + c.cpuMillicores, 0), 0);

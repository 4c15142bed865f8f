import { NODE_METADATA_VERSION, type ContainerMetadata, type NodeMetadata, type PodMetadata } from '../../core/node-metadata';
import { parseBytes, parseCount, parseCpuMillicores } from '../../core/quantity';
import { hasContainerStatuses, toAmounts, type NodeQuantities, type NodeState, type SimPod } from '../cluster/cluster-model';

/**
 * The metadata document the poller would write for a simulated node, made from the model instead
 * of a poll: the benchmarks' shortcut, so that a fleet of thousands of nodes needs no Kubernetes
 * API server. It is the poller's document for the same objects (a test holds them equal), minus
 * the restart deltas, which need an earlier poll. The local pipeline does not use it: there the
 * real poller reads the local API server.
 */
export function toSimNodeMetadata(cluster: string, node: NodeState, observedAtMs: number): NodeMetadata {
  const pods = node.pods
    .filter((pod) => pod.scheduled)
    .map(toPodMetadata)
    .sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1));
  return {
    version: NODE_METADATA_VERSION,
    cluster,
    node: node.name,
    instanceId: node.instanceId,
    instanceType: node.instanceType,
    autoScalingGroup: node.autoScalingGroup,
    availabilityZone: node.zone,
    capacity: toNodeAmounts(node.capacity),
    allocatable: toNodeAmounts(node.allocatable),
    conditions: { ...node.conditions },
    pods,
    observedAtMs,
  };
}

const value = (result: { ok: true; value: number } | { ok: false; error: string }): number | undefined => (result.ok ? result.value : undefined);

const toNodeAmounts = (q: NodeQuantities): NodeMetadata['capacity'] => ({
  cpuMillicores: value(parseCpuMillicores(q.cpu)),
  memoryBytes: value(parseBytes(q.memory)),
  pods: value(parseCount(q.pods)),
});

const STATES = { running: 'Running', waiting: 'Waiting', terminated: 'Terminated' } as const;

function toPodMetadata(pod: SimPod): PodMetadata {
  const reported = hasContainerStatuses(pod);
  const containers = pod.containers.map((c): ContainerMetadata => {
    const out: ContainerMetadata = { name: c.name, requests: toAmounts(c.resources.requests), limits: toAmounts(c.resources.limits), restartCount: reported ? c.restartCount : 0 };
    if (!reported) return out;
    if (c.state !== 'waiting' || c.lastTermination) {
      out.runtime = 'containerd';
      out.runtimeId = c.id;
    }
    out.state = STATES[c.state];
    if (c.reason) out.stateReason = c.reason;
    if (c.lastTermination) out.lastTerminationReason = c.lastTermination.reason;
    return out;
  });
  return {
    uid: pod.uid,
    name: pod.name,
    namespace: pod.namespace,
    workloadName: pod.workloadName,
    owners: [...pod.owners],
    labels: { ...pod.labels },
    // Only ready endpoints name a pod's services (the EndpointSlices mark the others not ready).
    services: pod.ready === 'True' ? [...pod.services].sort() : [],
    phase: pod.phase,
    qos: pod.qos,
    ...(pod.hostNetwork ? { hostNetwork: true } : {}),
    conditions: { ready: pod.ready, scheduled: 'True' },
    containers,
  };
}

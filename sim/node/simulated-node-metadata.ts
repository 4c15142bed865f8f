import { NODE_METADATA_VERSION, type NodeMetadata } from '../../core/node-metadata';
import type { SimulatedNode } from '../cluster/simulated-nodes';

/**
 * The metadata document the poller would write for a simulated node: the benchmark's shortcut,
 * so that a fleet of thousands of nodes needs no Kubernetes API server. The local pipeline does
 * not use it: there the real poller reads the local API server.
 */
export function toSimulatedNodeMetadata(cluster: string, node: SimulatedNode, observedAtMs: number): NodeMetadata {
  const cpu = node.cores * 1000;
  return {
    version: NODE_METADATA_VERSION,
    cluster,
    node: node.name,
    instanceId: node.instanceId,
    instanceType: node.instanceType,
    autoScalingGroup: `eks-${cluster}-workers`,
    capacity: { cpuMillicores: cpu, memoryBytes: node.memTotalBytes, pods: 110 },
    allocatable: { cpuMillicores: cpu - 80, memoryBytes: node.memTotalBytes - 600 * 1024 * 1024, pods: 110 },
    conditions: { Ready: 'True', MemoryPressure: node.memoryPressure ? 'True' : 'False', DiskPressure: 'False', PIDPressure: 'False' },
    pods: node.pods.map((pod) => ({
      uid: pod.uid,
      name: pod.name,
      namespace: pod.namespace,
      workloadName: pod.workload,
      owners: [{ kind: 'Deployment', name: pod.workload }],
      labels: pod.labels,
      services: pod.services,
      phase: 'Running',
      qos: pod.qos,
      conditions: { ready: 'True', scheduled: 'True' },
      containers: pod.containers.map((c) => ({
        name: c.name,
        runtimeId: c.id,
        runtime: 'containerd',
        requests: { cpuMillicores: c.cpuRequestMillicores, memoryBytes: c.memoryRequestBytes },
        limits: { cpuMillicores: c.cpuLimitMillicores, memoryBytes: c.memoryLimitBytes },
        state: 'Running',
        lastTerminationReason: c.lastTerminationReason,
        restartCount: c.restartCount,
      })),
    })),
    observedAtMs,
  };
}

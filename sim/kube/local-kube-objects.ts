import type { KubeObject, SimResource } from './cluster';
import type { KubeStore } from './kube-api-server';
import type { SimulatedCluster, SimulatedNode, SimulatedPod } from '../cluster/simulated-nodes';

/**
 * The Kubernetes API objects of a simulated cluster as it is now (nodes, pods with their container
 * statuses, namespaces, Deployments and their ReplicaSets, Services and EndpointSlices), so that
 * the real poller sees the same pods, container ids and restarts that the agents read from the
 * host trees. The local pipeline syncs them into the local API server's store every interval.
 */
export type KubeObjects = Partial<Record<SimResource, KubeObject[]>>;

const CREATED = '2026-11-01T08:00:00Z';
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const mem = (bytes: number): string => `${Math.round(bytes / (1024 * 1024))}Mi`;
const cpu = (millicores: number): string => `${Math.round(millicores)}m`;
/** The ReplicaSet of a Deployment: `<workload>-<rs hash>`, the pod name minus its last suffix. */
const replicaSetOf = (pod: SimulatedPod): string => pod.name.slice(0, pod.name.lastIndexOf('-'));

function toNode(node: SimulatedNode): KubeObject {
  const conditions = [
    ['MemoryPressure', node.memoryPressure ? 'True' : 'False', node.memoryPressure ? 'KubeletHasInsufficientMemory' : 'KubeletHasSufficientMemory'],
    ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
    ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
    ['Ready', 'True', 'KubeletReady'],
  ].map(([type, status, reason]) => ({ type, status, reason, lastHeartbeatTime: CREATED, lastTransitionTime: CREATED }));
  const allocatableMemory = Math.max(0, node.memTotalBytes - 600 * 1024 * 1024);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      uid: `node-${node.instanceId}`,
      creationTimestamp: CREATED,
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': node.instanceType,
        'topology.kubernetes.io/zone': node.availabilityZone,
      },
    },
    spec: { providerID: `aws:///${node.availabilityZone}/${node.instanceId}` },
    status: {
      capacity: { cpu: String(node.cores), memory: mem(node.memTotalBytes), pods: '110' },
      allocatable: { cpu: cpu(node.cores * 1000 - 80), memory: mem(allocatableMemory), pods: '110' },
      conditions,
      nodeInfo: { kubeletVersion: 'v1.33.5-eks-local', containerRuntimeVersion: 'containerd://1.7.27', operatingSystem: 'linux' },
    },
  };
}

function toPod(node: SimulatedNode, pod: SimulatedPod): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      uid: pod.uid,
      creationTimestamp: iso(pod.startedAtMs),
      labels: pod.labels,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: replicaSetOf(pod), uid: `rs-${pod.namespace}-${replicaSetOf(pod)}`, controller: true }],
    },
    spec: {
      nodeName: node.name,
      containers: pod.containers.map((c) => ({
        name: c.name,
        image: `registry.example.com/${pod.workload}/${c.name}:1.0`,
        resources: {
          requests: { cpu: cpu(c.cpuRequestMillicores), memory: mem(c.memoryRequestBytes) },
          limits: {
            ...(c.cpuLimitMillicores !== undefined ? { cpu: cpu(c.cpuLimitMillicores) } : {}),
            ...(c.memoryLimitBytes !== undefined ? { memory: mem(c.memoryLimitBytes) } : {}),
          },
        },
      })),
    },
    status: {
      phase: 'Running',
      qosClass: pod.qos,
      startTime: iso(pod.startedAtMs),
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'True' },
      ],
      containerStatuses: pod.containers.map((c) => ({
        name: c.name,
        containerID: `containerd://${c.id}`,
        ready: true,
        started: true,
        restartCount: c.restartCount,
        state: { running: { startedAt: iso(pod.startedAtMs) } },
        lastState: c.lastTerminationReason ? { terminated: { exitCode: c.lastTerminationReason === 'OOMKilled' ? 137 : 1, reason: c.lastTerminationReason } } : {},
      })),
    },
  };
}

/** Builds every API object of the simulated cluster. */
export function toKubeObjects(sim: SimulatedCluster): KubeObjects {
  const nodes = sim.nodes.map(toNode);
  const placed = sim.nodes.flatMap((node) => node.pods.map((pod) => ({ node, pod })));
  const pods = placed.map(({ node, pod }) => toPod(node, pod));
  const namespaces = [...new Set(['default', 'kube-system', ...placed.map(({ pod }) => pod.namespace)])].map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, uid: `ns-${name}` },
    status: { phase: 'Active' },
  }));
  const byWorkload = new Map<string, SimulatedPod[]>();
  for (const { pod } of placed) {
    const key = `${pod.namespace}/${pod.workload}`;
    byWorkload.set(key, [...(byWorkload.get(key) ?? []), pod]);
  }
  const deployments: KubeObject[] = [];
  const replicasets: KubeObject[] = [];
  const services: KubeObject[] = [];
  const endpointslices: KubeObject[] = [];
  for (const workloadPods of byWorkload.values()) {
    const { namespace, workload } = workloadPods[0];
    const replicas = workloadPods.length;
    const status = { replicas, readyReplicas: replicas, availableReplicas: replicas };
    deployments.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: workload, namespace, uid: `deploy-${namespace}-${workload}` },
      spec: { replicas, selector: { matchLabels: { app: workload } } },
      status: { ...status, unavailableReplicas: 0, updatedReplicas: replicas },
    });
    for (const rs of new Set(workloadPods.map(replicaSetOf))) {
      replicasets.push({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: rs,
          namespace,
          uid: `rs-${namespace}-${rs}`,
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: workload, uid: `deploy-${namespace}-${workload}`, controller: true }],
        },
        spec: { replicas: workloadPods.filter((p) => replicaSetOf(p) === rs).length },
        status,
      });
    }
  }
  const byService = new Map<string, Array<{ node: SimulatedNode; pod: SimulatedPod }>>();
  for (const entry of placed) {
    for (const service of entry.pod.services) {
      const key = `${entry.pod.namespace}/${service}`;
      byService.set(key, [...(byService.get(key) ?? []), entry]);
    }
  }
  for (const [key, members] of byService) {
    const [namespace, name] = key.split('/');
    services.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, uid: `svc-${namespace}-${name}` },
      spec: { selector: { app: members[0].pod.workload }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], type: 'ClusterIP' },
    });
    endpointslices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-local`, namespace, uid: `eps-${namespace}-${name}`, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: members.map(({ node, pod }, i) => ({
        addresses: [`10.1.${i % 250}.${(i >> 8) + 10}`],
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', namespace, name: pod.name, uid: pod.uid },
        nodeName: node.name,
      })),
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
  }
  return { namespaces, nodes, pods, deployments, replicasets, services, endpointslices };
}

/**
 * Brings a store to the given objects: upserts what changed, removes what is gone, leaves the
 * rest (and its resourceVersion) alone, as an API server would after the same changes.
 */
export function syncKubeStore(store: KubeStore, objects: KubeObjects): void {
  for (const [resource, list] of Object.entries(objects) as Array<[SimResource, KubeObject[]]>) {
    const wanted = new Map(list.map((o) => [`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
    for (const existing of store.list(resource)) {
      const key = `${existing.metadata.namespace ?? ''}/${existing.metadata.name}`;
      const next = wanted.get(key);
      if (!next) {
        store.remove(resource, existing.metadata.namespace, existing.metadata.name);
        continue;
      }
      const { resourceVersion: _rv, ...oldMeta } = existing.metadata;
      if (JSON.stringify({ ...existing, metadata: oldMeta }) !== JSON.stringify(next)) store.upsert(resource, next);
      wanted.delete(key);
    }
    for (const object of wanted.values()) store.upsert(resource, object);
  }
}

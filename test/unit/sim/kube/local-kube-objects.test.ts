import { KubeStore } from '../../../../sim/kube/kube-api-server';
import { syncKubeStore, toKubeObjects } from '../../../../sim/kube/local-kube-objects';
import { advanceSimulatedNodes, createSimulatedCluster } from '../../../../sim/cluster/simulated-nodes';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

describe('Kubernetes objects of the simulated cluster', () => {
  const sim = createSimulatedCluster({ cluster: 'demo', nodes: 2, podsPerNode: 5, nowMs: T0, localNode: { name: 'here', cores: 2, memTotalBytes: 8 * 1024 ** 3 } });

  it('lists every node with its instance and capacity, and every pod with the container ids the host trees use', () => {
    const objects = toKubeObjects(sim);
    expect(objects.nodes!.map((n) => n.metadata.name)).toEqual(sim.nodes.map((n) => n.name));
    const node = objects.nodes![1] as unknown as { spec: { providerID: string }; status: { capacity: Record<string, string> } };
    expect(node.spec.providerID).toBe(`aws:///${sim.nodes[1].availabilityZone}/${sim.nodes[1].instanceId}`);
    expect(node.status.capacity).toMatchObject({ cpu: '4', pods: '110' });
    expect(objects.pods).toHaveLength(10);
    const pod = sim.nodes[1].pods[0];
    const object = objects.pods!.find((p) => p.metadata.uid === pod.uid) as unknown as { spec: { nodeName: string }; status: { containerStatuses: Array<{ containerID: string }> } };
    expect(object.spec.nodeName).toBe(sim.nodes[1].name);
    expect(object.status.containerStatuses.map((c) => c.containerID)).toEqual(pod.containers.map((c) => `containerd://${c.id}`));
  });

  it('owns each pod by a ReplicaSet of its Deployment and selects it by its services endpoint slices', () => {
    const objects = toKubeObjects(sim);
    const pod = sim.nodes[1].pods.find((p) => p.services.length > 0)!;
    const owner = (objects.pods!.find((p) => p.metadata.uid === pod.uid)!.metadata.ownerReferences as Array<{ name: string }>)[0].name;
    const rs = objects.replicasets!.find((r) => r.metadata.name === owner)!;
    expect((rs.metadata.ownerReferences as Array<{ kind: string; name: string }>)[0]).toMatchObject({ kind: 'Deployment', name: pod.workload });
    const slice = objects.endpointslices!.find((s) => (s.metadata.labels as Record<string, string>)['kubernetes.io/service-name'] === pod.services[0])!;
    expect((slice.endpoints as Array<{ targetRef: { uid: string } }>).map((e) => e.targetRef.uid)).toContain(pod.uid);
  });

  it('syncs a store: new objects added, gone ones removed, unchanged ones left at their resourceVersion', () => {
    const store = new KubeStore();
    syncKubeStore(store, toKubeObjects(sim));
    const versionOf = (name: string) => store.get('nodes', undefined, name)!.metadata.resourceVersion;
    const before = versionOf(sim.nodes[2].name);
    const pressuredBefore = versionOf(sim.nodes[1].name);
    const next = advanceSimulatedNodes(sim, T0 + 60_000, { churnProbability: 1, memoryPressureFromStep: 1 });
    syncKubeStore(store, toKubeObjects(next));
    expect(store.list('pods').map((p) => p.metadata.uid).sort()).toEqual(next.nodes.flatMap((n) => n.pods.map((p) => p.uid)).sort());
    expect(versionOf(sim.nodes[2].name)).toBe(before);
    expect(versionOf(sim.nodes[1].name)).not.toBe(pressuredBefore);
  });
});

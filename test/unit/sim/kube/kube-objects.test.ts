import { createClusterModel } from '../../../../sim/cluster/cluster-model';
import { advanceClusterState, createClusterState } from '../../../../sim/cluster/cluster-state';
import { toKubeObjects } from '../../../../sim/kube/kube-objects';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const all = <T>(list: { count: number; make(i: number): unknown }): T[] => Array.from({ length: list.count }, (_, i) => list.make(i) as T);

type Pod = { metadata: { name: string; uid: string; ownerReferences?: Array<{ kind: string; name: string }> }; spec: { nodeName?: string }; status: { phase: string; containerStatuses?: Array<{ containerID?: string; restartCount: number; lastState: { terminated?: { reason: string } } }> } };
type Node = { metadata: { name: string }; spec: { providerID: string }; status: { capacity: Record<string, string>; conditions: Array<{ type: string; status: string }> } };

describe('Kubernetes objects of the cluster model', () => {
  const state = createClusterState({ name: 'demo', nodeCount: 2, podsPerNode: 8, pressureEvery: 0, localNode: { name: 'here', cores: 2, memTotalBytes: 8 * 1024 ** 3 } }, T0);

  it('lists every node with its instance and capacity, and every pod with the container ids the host trees use', () => {
    const objects = toKubeObjects(state);
    const nodes = all<Node>(objects.nodes);
    expect(nodes.map((n) => n.metadata.name)).toEqual(state.nodes.map((n) => n.name));
    expect(nodes[1].spec.providerID).toBe(`aws:///${state.nodes[1].zone}/${state.nodes[1].instanceId}`);
    expect(nodes[1].status.capacity).toMatchObject({ cpu: '4', pods: '58' });
    const pods = all<Pod>(objects.pods);
    expect(pods).toHaveLength(16);
    const pod = state.nodes[1].pods[2];
    const object = pods.find((p) => p.metadata.uid === pod.uid)!;
    expect(object.spec.nodeName).toBe(state.nodes[1].name);
    expect(object.status.containerStatuses!.map((c) => c.containerID)).toEqual(pod.containers.map((c) => `containerd://${c.id}`));
  });

  it('owns each Deployment pod by the ReplicaSet of its Deployment and lists it in its service endpoint slices', () => {
    const objects = toKubeObjects(state);
    const pod = state.nodes[1].pods.find((p) => p.services.length > 0)!;
    const owner = all<Pod>(objects.pods).find((p) => p.metadata.uid === pod.uid)!.metadata.ownerReferences![0];
    const rs = all<{ metadata: { name: string; ownerReferences: Array<{ kind: string; name: string }> } }>(objects.replicasets).find((r) => r.metadata.name === owner.name)!;
    expect(rs.metadata.ownerReferences[0]).toMatchObject({ kind: 'Deployment', name: pod.workloadName });
    const slices = all<{ metadata: { labels: Record<string, string> }; endpoints: Array<{ targetRef: { uid: string } }> }>(objects.endpointslices);
    const slice = slices.find((s) => s.metadata.labels['kubernetes.io/service-name'] === pod.services[0])!;
    expect(slice.endpoints.map((e) => e.targetRef.uid)).toContain(pod.uid);
  });

  it('serves the state of the moment: restarts, replaced pods, memory pressure and ready counts', () => {
    const next = advanceClusterState(state, T0 + 60_000, { churnProbability: 1, restartProbability: 0.5, memoryPressureFromStep: 1 });
    const objects = toKubeObjects(next);
    const pods = all<Pod>(objects.pods);
    expect(pods.map((p) => p.metadata.uid)).toEqual(next.nodes.flatMap((n) => n.pods.map((p) => p.uid)));
    const restarted = next.nodes.flatMap((n) => n.pods).find((p) => p.containers.some((c) => c.lastTermination?.reason === 'Error'))!;
    const statuses = pods.find((p) => p.metadata.uid === restarted.uid)!.status.containerStatuses!;
    expect(statuses.map((s) => [s.restartCount, s.lastState.terminated?.reason])).toEqual(restarted.containers.map((c) => [c.restartCount, c.lastTermination?.reason]));
    expect(all<Node>(objects.nodes)[0].status.conditions.find((c) => c.type === 'MemoryPressure')!.status).toBe('True');
    const deployment = all<{ metadata: { name: string }; status: { replicas: number; readyReplicas: number } }>(objects.deployments)[0];
    const members = next.nodes.flatMap((n) => n.pods).filter((p) => p.workloadName === deployment.metadata.name && p.owners[0]?.kind === 'Deployment');
    expect(deployment.status).toMatchObject({ replicas: members.length, readyReplicas: members.filter((p) => p.ready === 'True').length });
  });

  it('makes the objects of a large cluster one at a time, when asked for', () => {
    const objects = toKubeObjects(createClusterModel({ name: 'big', nodeCount: 5_000, podsPerNode: 30 }));
    expect([objects.nodes.count, objects.pods.count]).toEqual([5_000, 150_000]);
    const last = objects.pods.make(149_999) as unknown as Pod;
    expect(last.spec.nodeName).toBe('ip-10-0-19-253.ec2.internal');
  });
});

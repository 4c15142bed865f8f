import { advanceClusterState, createClusterState } from '../../../../sim/cluster/cluster-state';
import { KubeStore } from '../../../../sim/kube/kube-api-server';
import { toKubeObjects } from '../../../../sim/kube/kube-objects';
import { syncKubeStore } from '../../../../sim/kube/sync-kube-store';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

describe('syncKubeStore', () => {
  it('adds new objects, removes gone ones and leaves unchanged ones at their resourceVersion', () => {
    const state = createClusterState({ name: 'demo', nodeCount: 3, podsPerNode: 6, pressureEvery: 0 }, T0);
    const store = new KubeStore();
    syncKubeStore(store, toKubeObjects(state));
    const versionOf = (name: string) => store.get('nodes', undefined, name)!.metadata.resourceVersion;
    const untouched = versionOf(state.nodes[2].name);
    const pressured = versionOf(state.nodes[0].name);
    const next = advanceClusterState(state, T0 + 60_000, { churnProbability: 1, restartProbability: 0, memoryPressureFromStep: 1 });
    syncKubeStore(store, toKubeObjects(next));
    expect(store.list('pods').map((p) => p.metadata.uid).sort()).toEqual(next.nodes.flatMap((n) => n.pods.map((p) => p.uid)).sort());
    expect(versionOf(state.nodes[2].name)).toBe(untouched);
    expect(versionOf(state.nodes[0].name)).not.toBe(pressured);
  });

  it('changes nothing when synced twice with the same objects', () => {
    const state = createClusterState({ name: 'demo', nodeCount: 2, podsPerNode: 6 }, T0);
    const store = new KubeStore();
    syncKubeStore(store, toKubeObjects(state));
    const version = store.resourceVersion;
    syncKubeStore(store, toKubeObjects(state));
    expect(store.resourceVersion).toBe(version);
  });
});

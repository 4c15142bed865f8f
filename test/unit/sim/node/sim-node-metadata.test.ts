import type { V1EndpointSlice, V1Job, V1Node, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { toNodeFacts, toOwnerLink, toPodFacts, toPollResult, toSliceFacts } from '../../../../lambdas/poller/poll';
import { createClusterModel } from '../../../../sim/cluster/cluster-model';
import { advanceClusterState, createClusterState, type ClusterState } from '../../../../sim/cluster/cluster-state';
import { toKubeObjects } from '../../../../sim/kube/kube-objects';
import { toSimNodeMetadata } from '../../../../sim/node/sim-node-metadata';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const all = <T>(list: { count: number; make(i: number): unknown }): T[] => Array.from({ length: list.count }, (_, i) => list.make(i) as T);

/** The documents the real poller's pure core makes from the Kubernetes objects of the same state. */
function pollDocuments(state: ClusterState) {
  const objects = toKubeObjects(state);
  const warnings: string[] = [];
  const result = toPollResult(
    {
      nodes: all<V1Node>(objects.nodes).map((n) => toNodeFacts(n, warnings)),
      pods: all<V1Pod>(objects.pods).map((p) => toPodFacts(p, warnings)),
      slices: all<V1EndpointSlice>(objects.endpointslices).map(toSliceFacts),
      replicaSets: all<V1ReplicaSet>(objects.replicasets).map((rs) => toOwnerLink(rs, 'Deployment')),
      jobs: all<V1Job>(objects.jobs).map((j) => toOwnerLink(j, 'CronJob')),
      workloads: [],
    },
    { cluster: state.model.description.name, nowMs: T0, enhanced: false, autoScalingGroups: new Map(state.nodes.map((n) => [n.instanceId, n.autoScalingGroup])), previousRestarts: new Map() },
  );
  return { documents: result.documents, warnings: [...warnings, ...result.warnings] };
}

describe('toSimNodeMetadata', () => {
  it('makes the document the poller makes from the same cluster: every phase, owner kind and container state', () => {
    const state = createClusterState(createClusterModel({ name: 'demo', nodeCount: 6, podsPerNode: 22, replicasPerDeployment: 5, pressureEvery: 3 }), T0);
    const polled = pollDocuments(state);
    expect(polled.warnings).toEqual([]);
    expect(state.nodes.map((n) => toSimNodeMetadata('demo', n, T0))).toEqual(polled.documents);
    const pods = polled.documents.flatMap((d) => d.pods);
    expect(new Set(pods.map((p) => p.phase))).toEqual(new Set(['Running', 'Pending', 'Succeeded', 'Failed', 'Unknown']));
    expect(new Set(pods.flatMap((p) => p.owners.map((o) => o.kind)))).toEqual(new Set(['DaemonSet', 'Deployment', 'StatefulSet', 'CronJob', 'Job']));
  });

  it('still makes the poller document after restarts, replaced pods and memory pressure, and for this machine', () => {
    let state = createClusterState({ name: 'demo', nodeCount: 2, podsPerNode: 8, pressureEvery: 0, localNode: { name: 'here', cores: 2, memTotalBytes: 8 * 1024 ** 3 } }, T0);
    for (let step = 1; step <= 4; step += 1) state = advanceClusterState(state, T0 + step * 60_000, { churnProbability: 1, restartProbability: 0.3, memoryPressureFromStep: 2 });
    const polled = pollDocuments(state);
    expect(state.nodes.map((n) => toSimNodeMetadata('demo', n, T0))).toEqual(polled.documents);
    expect(polled.documents.map((d) => [d.conditions.MemoryPressure, d.autoScalingGroup])).toEqual([['True', 'eks-demo-ng-a'], ['False', 'eks-demo-ng-b'], ['False', '']]);
    expect(polled.documents[0].pods.some((p) => p.containers.some((c) => c.lastTerminationReason !== undefined && c.restartCount > 0))).toBe(true);
  });
});

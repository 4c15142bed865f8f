import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectNode, createCollectMemory } from '../../../../node-agent/collect/collect-node';
import { createHostReader } from '../../../../node-agent/collect/host-reader';
import { toNodeRecord } from '../../../../node-agent/delta';
import { toPodsOnHost } from '../../../../sim/cluster/cluster-model';
import { advanceClusterState, createClusterState } from '../../../../sim/cluster/cluster-state';
import { createNodeHostTree, syncHostTree } from '../../../../sim/node/node-host-tree';

const T0 = Date.UTC(2026, 11, 3, 8, 0, 0);

describe('a simulated node\'s host tree, from one cluster state to the next', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kinsight-node-tree-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds what the agent reads of the next state: the pods that run, the new container ids, each restart once', () => {
    const first = createClusterState({ name: 'sync', nodeCount: 2, podsPerNode: 12, seed: 3 }, T0);
    const next = advanceClusterState(first, T0 + 60_000, { restartProbability: 0.6, churnProbability: 1, memoryPressureFromStep: 99 });
    const [before, after] = [first.nodes[1], next.nodes[1]];
    const tree = createNodeHostTree(dir, before, 1);
    const host = createHostReader(tree.root);
    const memory = createCollectMemory();
    const identity = { cluster: 'sync', node: after.name };
    const previous = collectNode(host, T0, memory);

    syncHostTree(tree, before, after, 60);
    const record = toNodeRecord(previous, collectNode(host, T0 + 60_000, memory), identity).record;

    const onHost = toPodsOnHost(after.pods);
    const restarts = (uid: string, name: string): number => {
      const was = before.pods.find((p) => p.uid === uid)?.containers.find((c) => c.name === name);
      return was ? after.pods.find((p) => p.uid === uid)!.containers.find((c) => c.name === name)!.restartCount - was.restartCount : 0;
    };
    // Churn replaced a pod and some containers restarted: the test would show nothing otherwise.
    expect(onHost.filter((p) => !before.pods.some((q) => q.uid === p.uid)).length).toBe(1);
    expect(onHost.some((p) => p.containers.some((c) => restarts(p.uid, c.name) > 0))).toBe(true);
    expect(record.cgroupVersion).toBe(1);
    expect(record.pods.map((p) => [p.uid, p.namespace, p.name]).sort()).toEqual(onHost.map((p) => [p.uid, p.namespace, p.name]).sort());
    for (const pod of onHost) {
      const sample = record.pods.find((p) => p.uid === pod.uid)!;
      const isNew = !before.pods.some((p) => p.uid === pod.uid);
      // Each container under the id the API reports; a pod new since the last read has no increase yet.
      expect(sample.containers.map((c) => [c.name, c.id, c.restartsDelta]).sort()).toEqual(
        pod.containers.map((c) => [c.name, c.id, isNew ? undefined : restarts(pod.uid, c.name)]).sort(),
      );
    }
  });
});

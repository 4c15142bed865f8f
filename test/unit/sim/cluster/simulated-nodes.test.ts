import { advanceSimulatedNodes, createSimulatedCluster, type SimulatedCluster } from '../../../../sim/cluster/simulated-nodes';
import { toSimulatedNodeRecord } from '../../../../sim/node/simulated-node-record';
import { toSimulatedNodeMetadata } from '../../../../sim/node/simulated-node-metadata';
import { parseRecord } from '../../../../core/record';
import { toWireRecord } from '../../../../core/record-wire';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const run = (state: SimulatedCluster, steps: number, options = {}): SimulatedCluster[] => {
  const out = [state];
  for (let i = 1; i <= steps; i++) out.push(advanceSimulatedNodes(out[i - 1], T0 + i * 60_000, options));
  return out;
};

describe('simulated cluster', () => {
  const initial = createSimulatedCluster({ cluster: 'demo', nodes: 3, podsPerNode: 6, nowMs: T0, localNode: { name: 'here', cores: 2, memTotalBytes: 8 * 1024 ** 3 } });

  it('starts with the local node (no pods) and the simulated nodes with their pods', () => {
    expect(initial.nodes.map((n) => [n.local, n.pods.length])).toEqual([[true, 0], [false, 6], [false, 6], [false, 6]]);
    const uids = initial.nodes.flatMap((n) => n.pods.map((p) => p.uid));
    expect(new Set(uids).size).toBe(uids.length);
    for (const pod of initial.nodes[1].pods) {
      expect(pod.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(pod.containers.every((c) => /^[0-9a-f]{64}$/.test(c.id))).toBe(true);
    }
  });

  it('is reproducible from its seed', () => {
    const again = createSimulatedCluster({ cluster: 'demo', nodes: 3, podsPerNode: 6, nowMs: T0, localNode: { name: 'here', cores: 2, memTotalBytes: 8 * 1024 ** 3 } });
    expect(run(again, 5).at(-1)).toEqual(run(initial, 5).at(-1));
  });

  it('keeps the pod count per node while pods stop and start, and restarts containers over time', () => {
    const states = run(initial, 30, { restartProbability: 0.05, churnProbability: 0.5 });
    const last = states.at(-1)!;
    expect(last.nodes.map((n) => n.pods.length)).toEqual([0, 6, 6, 6]);
    const firstUids = new Set(initial.nodes.flatMap((n) => n.pods.map((p) => p.uid)));
    expect(last.nodes.flatMap((n) => n.pods).some((p) => !firstUids.has(p.uid))).toBe(true);
    expect(last.nodes.flatMap((n) => n.pods.flatMap((p) => p.containers)).some((c) => c.restartCount > 0)).toBe(true);
    expect(states.flatMap((s) => s.events).some((e) => /restarted/.test(e))).toBe(true);
  });

  it('puts the first simulated node under memory pressure from the configured step on', () => {
    const states = run(initial, 4, { memoryPressureFromStep: 3 });
    expect(states.map((s) => s.nodes[1].memoryPressure)).toEqual([false, false, false, true, true]);
    expect(states.at(-1)!.nodes.filter((n) => n.memoryPressure)).toHaveLength(1);
    expect(states[3].events).toContain(`${states[3].nodes[1].name} is under memory pressure`);
  });

  it('gives node records that pass the record contract and metadata that lists the same pods', () => {
    const node = initial.nodes[1];
    const record = toSimulatedNodeRecord('demo', node, T0, 60_000);
    expect(parseRecord(JSON.parse(JSON.stringify(toWireRecord(record))))).toEqual({ ok: true, value: record });
    expect(record.pods.map((p) => p.uid)).toEqual(node.pods.map((p) => p.uid));
    expect(record.deltas?.cpuUsageNs).toBeGreaterThan(0);
    expect(toSimulatedNodeRecord('demo', node, T0).deltas).toBeUndefined();
    const doc = toSimulatedNodeMetadata('demo', node, T0);
    expect(doc.pods.map((p) => p.uid)).toEqual(node.pods.map((p) => p.uid));
    expect(doc.pods[0].containers.map((c) => c.runtimeId)).toEqual(node.pods[0].containers.map((c) => c.id));
  });
});

import { parseRecord } from '../../../../core/record/parse-record';
import { toWireRecord } from '../../../../core/record/wire-record';
import { toPodsOnHost } from '../../../../sim/cluster/cluster-model';
import { advanceClusterState, createClusterState } from '../../../../sim/cluster/cluster-state';
import { toSimNodeRecord } from '../../../../sim/node/sim-node-record';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

describe('toSimNodeRecord', () => {
  const state = createClusterState({ name: 'demo', nodeCount: 3, podsPerNode: 22 }, T0);
  const node = state.nodes[1];

  it('gives a record that passes the record contract, with the pods running on the host and their running containers', () => {
    const record = toSimNodeRecord('demo', node, T0, 60_000);
    expect(parseRecord(JSON.parse(JSON.stringify(toWireRecord(record))))).toEqual({ ok: true, value: record });
    const onHost = toPodsOnHost(node.pods);
    expect(onHost.length).toBeLessThan(node.pods.length);
    expect(record.pods.map((p) => [p.uid, p.containers.map((c) => c.id)])).toEqual(onHost.map((p) => [p.uid, p.containers.map((c) => c.id)]));
    expect(record.deltas?.cpuUsageNs).toBeGreaterThan(0);
    expect(toSimNodeRecord('demo', node, T0).deltas).toBeUndefined();
  });

  it('names each pod and container as the agent does, with each container\'s restarts since the previous state and their sum per pod', () => {
    const next = advanceClusterState(state, T0 + 60_000, { restartProbability: 0.5, churnProbability: 0, memoryPressureFromStep: 99 });
    const after = next.nodes[1];
    const record = toSimNodeRecord('demo', after, T0 + 60_000, 60_000, node);
    const onHost = toPodsOnHost(after.pods);
    expect(record.pods.map((p) => [p.namespace, p.name])).toEqual(onHost.map((p) => [p.namespace, p.name]));
    const increases = onHost.map((p) => p.containers.map((c) => c.restartCount - node.pods.find((q) => q.uid === p.uid)!.containers.find((d) => d.name === c.name)!.restartCount));
    expect(increases.flat().filter((n) => n > 0).length).toBeGreaterThan(0);
    expect(record.pods.map((p) => p.containers.map((c) => c.restartsDelta))).toEqual(increases);
    expect(record.pods.map((p) => p.restartsDelta)).toEqual(increases.map((cs) => cs.reduce((a, b) => a + b, 0)));
    // A first record has no increase; without the previous state, nothing restarted.
    expect(toSimNodeRecord('demo', after, T0).pods.every((p) => p.restartsDelta === undefined && p.containers.every((c) => c.restartsDelta === undefined))).toBe(true);
    expect(toSimNodeRecord('demo', after, T0, 60_000).pods.every((p) => p.restartsDelta === 0)).toBe(true);
  });

  it('lists an eni interface per pod with its own network, as the VPC CNI names the host side of its veth pair', () => {
    const record = toSimNodeRecord('demo', node, T0, 60_000);
    const ownNetwork = toPodsOnHost(node.pods).filter((p) => !p.hostNetwork);
    expect(record.net.map((n) => n.name)).toEqual(['eth0', ...ownNetwork.map((p) => `eni${p.uid.replace(/-/g, '').slice(0, 11)}`)]);
    expect(record.pods.filter((p) => p.hostNetwork).map((p) => [p.net, p.uid])).toEqual([[undefined, node.pods[0].uid]]);
  });

  it('uses most of the memory of a node under memory pressure', () => {
    const usage = (memoryPressure: 'True' | 'False') => toSimNodeRecord('demo', { ...node, conditions: { ...node.conditions, MemoryPressure: memoryPressure } }, T0, 60_000).gauges.memoryUsageBytes ?? 0;
    expect(usage('True')).toBeGreaterThan(usage('False'));
    expect(usage('True')).toBeGreaterThanOrEqual(0.6 * node.memTotalBytes);
    expect(usage('True')).toBeLessThanOrEqual(0.97 * node.memTotalBytes);
  });
});

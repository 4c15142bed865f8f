import { advanceClusterState, createClusterState, type AdvanceOptions, type ClusterState } from '../../../../sim/cluster/cluster-state';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const LOCAL = { name: 'here', cores: 2, memTotalBytes: 8 * 1024 ** 3 };
const run = (state: ClusterState, steps: number, options: AdvanceOptions = {}): ClusterState[] => {
  const out = [state];
  for (let i = 1; i <= steps; i++) out.push(advanceClusterState(out[i - 1], T0 + i * 60_000, options));
  return out;
};

describe('simulated cluster over time', () => {
  const initial = createClusterState({ name: 'demo', nodeCount: 3, podsPerNode: 8, pressureEvery: 0, localNode: LOCAL }, T0);

  it('starts with the simulated nodes and their pods by slot, then the local node without pods', () => {
    expect(initial.nodes.map((n) => [n.index, n.local, n.pods.length])).toEqual([[0, false, 8], [1, false, 8], [2, false, 8], [3, true, 0]]);
    expect(initial.nodes[3].name).toBe('here');
    expect(initial.nodes[1].pods.map((p) => p.slot)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(initial.nodes.every((n) => n.conditions.MemoryPressure === 'False')).toBe(true);
  });

  it('is reproducible from its seed, and another seed gives another run', () => {
    const again = createClusterState({ name: 'demo', nodeCount: 3, podsPerNode: 8, pressureEvery: 0, localNode: LOCAL }, T0);
    const [a, b] = [run(again, 5).at(-1)!, run(initial, 5).at(-1)!];
    expect([a.nodes, a.events, a.random]).toEqual([b.nodes, b.events, b.random]);
    const other = createClusterState({ name: 'demo', nodeCount: 3, podsPerNode: 8, pressureEvery: 0, localNode: LOCAL, seed: 2 }, T0);
    expect(run(other, 5).at(-1)!.nodes[0].pods[2].uid).not.toBe(run(initial, 5).at(-1)!.nodes[0].pods[2].uid);
  });

  it('replaces Deployment pods in their slot by new pods of the same ReplicaSet, and restarts running containers', () => {
    const states = run(initial, 30, { restartProbability: 0.05, churnProbability: 0.5 });
    const last = states.at(-1)!;
    expect(last.nodes.map((n) => n.pods.length)).toEqual([8, 8, 8, 0]);
    const replaced = last.nodes.flatMap((n) => n.pods).filter((p) => p.generation > 0);
    expect(replaced.length).toBeGreaterThan(0);
    for (const pod of replaced) {
      const first = initial.nodes[pod.node].pods[pod.slot];
      expect([pod.uid === first.uid, pod.name === first.name]).toEqual([false, false]);
      expect([pod.controller, pod.workloadName, pod.phase, pod.startedAtMs > T0]).toEqual([first.controller, first.workloadName, 'Running', true]);
    }
    expect(last.nodes.flatMap((n) => n.pods).filter((p) => p.generation === 0).every((p) => p.controller?.kind !== 'ReplicaSet' || p.uid === initial.nodes[p.node].pods[p.slot].uid)).toBe(true);
    const restarted = last.nodes.flatMap((n) => n.pods.flatMap((p) => p.containers)).filter((c) => c.lastTermination?.reason === 'Error' && c.restartCount > 0);
    expect(restarted.length).toBeGreaterThan(0);
    expect(states.flatMap((s) => s.events).some((e) => / restarted \((Error|OOMKilled)\)$/.test(e))).toBe(true);
    expect(states.flatMap((s) => s.events).some((e) => / stopped on ip-.*; .* started$/.test(e))).toBe(true);
  });

  it('leaves pods that do not run (Pending, crash-looping containers) as they are', () => {
    const last = run(initial, 10, { restartProbability: 1, churnProbability: 0 }).at(-1)!;
    const pods = initial.nodes.flatMap((n) => n.pods);
    expect(pods.filter((p) => p.phase !== 'Running').map((p) => p.health)).toEqual(['pending', 'failed', 'succeeded']);
    expect(pods.filter((p) => p.phase === 'Running' && p.containers.some((c) => c.state !== 'running')).map((p) => p.health)).toEqual(['crashloop', 'crashloop']);
    // Every pod that was not Running, and every container that was not running, is unchanged after 10 steps.
    const notRunning = (state: typeof initial) => state.nodes.flatMap((n) => n.pods.filter((p) => p.phase !== 'Running').map((p) => [n.index, p.slot, p.name, p.containers]));
    const stopped = (state: typeof initial) => state.nodes.flatMap((n) => n.pods.flatMap((p) => p.containers.map((c, i) => [n.index, p.slot, i, c]))).filter(([n, slot, i]) => initial.nodes[n as number].pods[slot as number].containers[i as number].state !== 'running');
    expect(notRunning(initial)).toHaveLength(3);
    expect(notRunning(last)).toEqual(notRunning(initial));
    expect(stopped(initial)).toHaveLength(6);
    expect(stopped(last)).toEqual(stopped(initial));
  });

  it('puts the first simulated node under memory pressure from the configured step on, with OOM kills at the limit', () => {
    const states = run(initial, 12, { memoryPressureFromStep: 3, restartProbability: 0 });
    expect(states.map((s) => s.nodes[0].conditions.MemoryPressure)).toEqual(['False', 'False', 'False', ...Array(10).fill('True')]);
    expect(states.at(-1)!.nodes.filter((n) => n.conditions.MemoryPressure === 'True')).toHaveLength(1);
    expect(states[3].events).toContain(`${states[3].nodes[0].name} is under memory pressure`);
    expect(states.flatMap((s) => s.events).some((e) => e.endsWith('restarted (OOMKilled)'))).toBe(true);
  });
});

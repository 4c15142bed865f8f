import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectNode, createCollectMemory } from '../../../../node-agent/collect/collect-node';
import { createHostReader } from '../../../../node-agent/collect/host-reader';
import { toNodeRecord } from '../../../../node-agent/delta';
import { createClusterModel, toPodsOnHost } from '../../../../sim/cluster/cluster-model';
import { createHostTree, type HostTreeSpec } from '../../../../sim/node/host-tree';

/** The running pods of one node of the model, every QoS class and the host network among them from 22 pods on. */
const podsOnNode = (podsPerNode: number) => toPodsOnHost(createClusterModel({ name: 'host', nodeCount: 1, podsPerNode, allRunning: true }).nodeState(0).pods);

describe('sim host tree', () => {
  const dirs: string[] = [];
  const makeDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'kinsight-host-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  // The node's CPU over the interval, exact for the default seed: half of 4 cores for 60 s spread
  // over the containers by weight, each share drawn within +-20 %, and the root a fifth more than
  // the pods. v1 reads cpuacct.usage in ns and user/system in 10 ms ticks, v2 microseconds.
  const V1_CPU = { cpuUsageNs: 142_981_158_774, cpuUserNs: 100_080_000_000, cpuSystemNs: 42_890_000_000 };
  const V2_CPU = { cpuUsageNs: 142_981_158_000, cpuUserNs: 100_086_811_000, cpuSystemNs: 42_894_347_000 };
  it.each<[HostTreeSpec['cgroupVersion'], HostTreeSpec['driver'], HostTreeSpec['runtime'], boolean, typeof V1_CPU]>([
    [1, 'cgroupfs', 'docker', false, V1_CPU],
    [1, 'systemd', 'containerd', true, V1_CPU],
    [2, 'systemd', 'containerd', false, V2_CPU],
    [2, 'cgroupfs', 'containerd', false, V2_CPU],
  ])('writes a cgroup v%s %s %s host (hybrid %s) that the agent reads completely', (cgroupVersion, driver, runtime, hybrid, cpu) => {
    const pods = podsOnNode(22);
    expect(new Set(pods.map((p) => p.qos))).toEqual(new Set(['Guaranteed', 'Burstable', 'BestEffort']));
    const tree = createHostTree(makeDir(), { cgroupVersion, hybrid, driver, runtime, cores: 4, memTotalBytes: 16 * 2 ** 30, pods });
    const host = createHostReader(tree.root);
    const first = collectNode(host, 0);
    tree.advance(60, { cpuUtilization: 0.5 });
    const second = collectNode(host, 60_000);
    expect(second).toMatchObject({ cgroupVersion, cores: 4, memTotalBytes: 16 * 2 ** 30, readErrors: 0, podsVanished: 0 });
    expect(second.pods.map((p) => p.uid).sort()).toEqual(pods.map((p) => p.uid).sort());
    expect(second.pods.flatMap((p) => p.containers.map((c) => c.id)).sort()).toEqual(pods.flatMap((p) => p.containers.map((c) => c.id)).sort());
    const { record } = toNodeRecord(first, second, { cluster: 'c', node: 'n' });
    expect(record.elapsedMs).toBe(60_000);
    expect(record.deltas).toMatchObject(cpu);
    // One pod of the 22 is on the host network; the first pod's interface moved 50 kB/s +-50 % for 60 s.
    expect(pods.filter((p) => p.hostNetwork)).toHaveLength(1);
    expect(record.pods.filter((p) => p.hostNetwork).map((p) => p.uid)).toEqual(pods.filter((p) => p.hostNetwork).map((p) => p.uid));
    expect(record.pods.find((p) => !p.hostNetwork)?.net).toEqual([{ name: 'eth0', deltas: { rxBytes: 3567884, rxPackets: 3965, rxErrors: 0, rxDropped: 0, txBytes: 1783942, txPackets: 1983, txErrors: 0, txDropped: 0 } }]);
  });

  it('gives host-network pods the host\'s net/dev itself, so the agent tells them without the namespace links', () => {
    const pods = podsOnNode(22);
    const tree = createHostTree(makeDir(), { cgroupVersion: 2, driver: 'systemd', runtime: 'containerd', cores: 2, memTotalBytes: 2 ** 33, pods });
    const host = createHostReader(tree.root);
    const denied = (path: string): never => {
      throw Object.assign(new Error(`EACCES: permission denied, readlink '${path}'`), { code: 'EACCES' });
    };
    expect(pods.filter((p) => p.hostNetwork)).toHaveLength(1);
    const sample = collectNode({ ...host, readLink: (path) => (path.endsWith('/ns/net') ? denied(path) : host.readLink(path)) }, 0);
    expect(sample.pods.filter((p) => p.hostNetwork).map((p) => p.uid).sort()).toEqual(pods.filter((p) => p.hostNetwork).map((p) => p.uid).sort());
    expect(sample.pods.filter((p) => p.hostNetwork === false)).toHaveLength(pods.filter((p) => !p.hostNetwork).length);
  });

  it('removes a pod so that the next sample no longer has it', () => {
    const pods = podsOnNode(3);
    const tree = createHostTree(makeDir(), { cgroupVersion: 2, driver: 'systemd', runtime: 'containerd', cores: 2, memTotalBytes: 2 ** 33, pods });
    tree.removePod(pods[1].uid);
    tree.advance(10);
    expect(collectNode(createHostReader(tree.root), 0).pods.map((p) => p.uid).sort()).toEqual([pods[0].uid, pods[2].uid].sort());
  });

  it('lays out the kubelet\'s pod logs and links, which name every pod and container and count restarts', () => {
    const pods = podsOnNode(6);
    const tree = createHostTree(makeDir(), { cgroupVersion: 2, driver: 'systemd', runtime: 'containerd', cores: 2, memTotalBytes: 2 ** 33, pods });
    const sample = collectNode(createHostReader(tree.root), 0);
    expect(sample.podLogErrors).toBe(0);
    expect(sample.pods.map((p) => [p.uid, p.namespace, p.name, p.restartCounts]).sort()).toEqual(
      pods.map((p) => [p.uid, p.namespace, p.name, new Map(p.containers.map((c) => [c.name, c.restartCount]))]).sort(),
    );
    expect(sample.pods.flatMap((p) => p.containers.map((c) => `${c.id}=${c.name}`)).sort()).toEqual(pods.flatMap((p) => p.containers.map((c) => `${c.id}=${c.name}`)).sort());
    expect(sample.disks[0].serial).toMatch(/^vol[0-9a-f]{17}$/);
  });

  it('restarts a container under a new id with the next log, so that the agent counts one restart and the pod\'s CPU keeps growing', () => {
    const pods = podsOnNode(3);
    const tree = createHostTree(makeDir(), { cgroupVersion: 1, driver: 'cgroupfs', runtime: 'docker', cores: 2, memTotalBytes: 2 ** 33, pods });
    const host = createHostReader(tree.root);
    const memory = createCollectMemory();
    const target = pods[1];
    const first = collectNode(host, 0, memory);
    tree.advance(60);
    const newId = tree.restartContainer(target.uid, target.containers[0].name);
    tree.advance(60);
    const second = { ...collectNode(host, 120_000, memory), monotonicMs: first.monotonicMs + 120_000 };
    const { record } = toNodeRecord(first, second, { cluster: 'c', node: 'n' });
    const pod = record.pods.find((p) => p.uid === target.uid);
    expect(pod?.restartsDelta).toBe(1);
    expect(pod?.containers.find((c) => c.name === target.containers[0].name)).toMatchObject({ id: newId, restartsDelta: 1 });
    expect(pod?.containers.map((c) => c.id)).not.toContain(target.containers[0].id);
    expect(pod?.deltas?.cpuUsageNs).toBeGreaterThan(0);
    expect(record.pods.filter((p) => p.uid !== target.uid).map((p) => p.restartsDelta)).toEqual([0, 0]);
    const logDir = join(tree.root, `var/log/pods/${target.namespace}_${target.name}_${target.uid}/${target.containers[0].name}`);
    const count = target.containers[0].restartCount;
    expect(readdirSync(logDir).sort()).toEqual([...new Set([Math.max(0, count), count + 1])].map((n) => `${n}.log`).sort());
  });

  it('removes a pod\'s logs and links with the pod, and writes no layout when told the node has none', () => {
    const pods = podsOnNode(3);
    const tree = createHostTree(makeDir(), { cgroupVersion: 2, driver: 'cgroupfs', runtime: 'containerd', cores: 2, memTotalBytes: 2 ** 33, pods });
    tree.removePod(pods[0].uid);
    expect(readdirSync(join(tree.root, 'var/log/pods')).some((d) => d.endsWith(pods[0].uid))).toBe(false);
    expect(readdirSync(join(tree.root, 'var/log/containers')).some((l) => l.startsWith(`${pods[0].name}_`))).toBe(false);
    const bare = createHostTree(makeDir(), { cgroupVersion: 2, driver: 'cgroupfs', runtime: 'containerd', cores: 2, memTotalBytes: 2 ** 33, pods, podLogsDir: false });
    expect(existsSync(join(bare.root, 'var/log'))).toBe(false);
    expect(collectNode(createHostReader(bare.root), 0)).toMatchObject({ podLogErrors: 2, podLogsProblem: '/var/log/pods: ENOENT' });
  });

  it('rejects restarting a container it does not have', () => {
    const pods = podsOnNode(1);
    const tree = createHostTree(makeDir(), { cgroupVersion: 2, driver: 'systemd', runtime: 'containerd', cores: 2, memTotalBytes: 2 ** 33, pods });
    expect(() => tree.restartContainer(pods[0].uid, 'nope')).toThrow(/no container nope in pod/);
  });

  it('rejects removing a pod it does not have', () => {
    const tree = createHostTree(makeDir(), { cgroupVersion: 2, driver: 'systemd', runtime: 'containerd', cores: 2, memTotalBytes: 2 ** 33, pods: [] });
    expect(() => tree.removePod('nope')).toThrow(/no pod with uid nope/);
  });
});

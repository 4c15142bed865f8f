import { join } from 'node:path';
import { toPodsOnHost, type NodeState } from '../cluster/cluster-model';
import { toPodsCpuMillicores } from '../cluster/cluster-state';
import { createHostTree, type HostTree } from './host-tree';

/** Share of its memory a node under memory pressure uses (the kubelet's eviction threshold is near). */
const MEMORY_PRESSURE_UTILIZATION = 0.93;

/**
 * The host tree of a simulated node, under `dir/<node name>`, with the pods running on it. The
 * `index`-th tree alternates cgroup v2 with systemd and cgroup v1 with cgroupfs, so a cluster of
 * two nodes or more has both layouts.
 */
export function createNodeHostTree(dir: string, node: NodeState, index: number): HostTree {
  return createHostTree(join(dir, node.name), {
    cgroupVersion: index % 2 === 0 ? 2 : 1,
    driver: index % 2 === 0 ? 'systemd' : 'cgroupfs',
    runtime: 'containerd',
    cores: node.cores,
    memTotalBytes: node.memTotalBytes,
    pods: toPodsOnHost(node.pods),
    seed: index + 1,
  });
}

/**
 * Brings a node's host tree from the node's `previous` state to `next`, as the kubelet and the
 * runtime would: the pods that ended go, the pods that started come, a container whose restart
 * count grew is restarted (its cgroup replaced, the new id the API reports, the next `<n>.log`),
 * and the clocks move on by the time between the two states under the load `next` describes.
 */
export function syncHostTree(tree: HostTree, previous: NodeState, next: NodeState, seconds: number): void {
  const before = toPodsOnHost(previous.pods);
  const pods = toPodsOnHost(next.pods);
  for (const pod of before.filter((p) => !pods.some((q) => q.uid === p.uid))) tree.removePod(pod.uid);
  for (const pod of pods.filter((p) => !before.some((q) => q.uid === p.uid))) tree.addPod(pod);
  for (const pod of pods) {
    const was = before.find((q) => q.uid === pod.uid);
    for (const c of was ? pod.containers : []) {
      const last = was!.containers.find((d) => d.name === c.name);
      if (last && c.restartCount > last.restartCount) tree.restartContainer(pod.uid, c.name, c.id);
    }
  }
  tree.advance(seconds, {
    cpuUtilization: Math.min(0.95, 0.05 + toPodsCpuMillicores(pods) / (next.cores * 1000)),
    podNetBytesPerSecond: pods.reduce((s, p) => s + p.rxBytesPerSecond, 0) / Math.max(1, pods.length),
    memoryUtilization: next.conditions.MemoryPressure === 'True' ? MEMORY_PRESSURE_UTILIZATION : undefined,
  });
}

import { type CgroupDeltas, type CgroupGauges, type NodeRecord, type PodSample } from '../../core/record';
import { toPodsOnHost, type NodeState, type SimContainer } from '../cluster/cluster-model';
import { toPodsCpuMillicores, toPodsMemoryBytes } from '../cluster/cluster-state';

const SYSTEM_MEMORY_BYTES = 900 * 1024 * 1024;
const SYSTEM_CPU_MILLICORES = 150;

const toGauges = (memoryBytes: number): CgroupGauges => {
  const usage = Math.round(memoryBytes);
  return {
    memoryUsageBytes: usage,
    memoryWorkingSetBytes: Math.round(usage * 0.85),
    memoryRssBytes: Math.round(usage * 0.7),
    memoryCacheBytes: Math.round(usage * 0.25),
    memoryMappedFileBytes: Math.round(usage * 0.05),
    memorySwapBytes: 0,
    memoryMaxUsageBytes: Math.round(usage * 1.1),
    memoryFailcnt: 0,
  };
};

const toDeltas = (cpuMillicores: number, elapsedMs: number): CgroupDeltas => {
  const cpuNs = Math.round(cpuMillicores * elapsedMs * 1000);
  return {
    cpuUsageNs: cpuNs,
    cpuUserNs: Math.round(cpuNs * 0.7),
    cpuSystemNs: Math.round(cpuNs * 0.3),
    cpuPeriods: Math.round(elapsedMs / 100),
    cpuThrottledPeriods: 0,
    cpuThrottledNs: 0,
    memoryPgfault: Math.round(elapsedMs * 2),
    memoryPgmajfault: 0,
  };
};

const toNet = (rxBps: number, txBps: number, elapsedMs: number) => ({
  rxBytes: Math.round((rxBps * elapsedMs) / 1000),
  rxPackets: Math.round((rxBps * elapsedMs) / 1000 / 900),
  rxDropped: 0,
  rxErrors: 0,
  txBytes: Math.round((txBps * elapsedMs) / 1000),
  txPackets: Math.round((txBps * elapsedMs) / 1000 / 900),
  txDropped: 0,
  txErrors: 0,
});

/**
 * The node record an agent would send for a simulated node, without host files: the benchmarks'
 * fast path (thousands of nodes per second). Its pods are those running on the host, with their
 * running containers (`toPodsOnHost`), named as the agent names them from the kubelet's log layout.
 * `elapsedMs` absent gives a first record (gauges only, no restart increases); with it, each
 * container's restart increase is its count's since `previous` (the node one interval earlier;
 * without it, none restarted).
 */
export function toSimNodeRecord(cluster: string, node: NodeState, timeMs: number, elapsedMs?: number, previous?: NodeState): NodeRecord {
  const hasDeltas = elapsedMs !== undefined;
  const onHost = toPodsOnHost(node.pods);
  const restartsOf = (uid: string, c: SimContainer): number => {
    const before = previous?.pods.find((p) => p.uid === uid)?.containers.find((d) => d.name === c.name);
    return before ? Math.max(0, c.restartCount - before.restartCount) : 0;
  };
  const pods: PodSample[] = onHost.map((pod) => ({
    uid: pod.uid,
    qos: pod.qos,
    namespace: pod.namespace,
    name: pod.name,
    // Over all the pod's containers, also those not running now (crash-looping, waiting).
    ...(hasDeltas ? { restartsDelta: (node.pods.find((p) => p.uid === pod.uid) ?? pod).containers.reduce((s, c) => s + restartsOf(pod.uid, c), 0) } : {}),
    gauges: toGauges(pod.containers.reduce((s, c) => s + c.memoryBytes, 0)),
    deltas: hasDeltas ? toDeltas(pod.containers.reduce((s, c) => s + c.cpuMillicores, 0), elapsedMs) : undefined,
    // A pod on the host network has no interfaces of its own: its traffic is the node's.
    ...(pod.hostNetwork ? { hostNetwork: true } : { net: [{ name: 'eth0', deltas: hasDeltas ? toNet(pod.rxBytesPerSecond, pod.txBytesPerSecond, elapsedMs) : undefined }] }),
    containers: pod.containers.map((c) => ({
      id: c.id,
      runtime: 'containerd',
      name: c.name,
      gauges: toGauges(c.memoryBytes),
      deltas: hasDeltas ? toDeltas(c.cpuMillicores, elapsedMs) : undefined,
      ...(hasDeltas ? { restartsDelta: restartsOf(pod.uid, c) } : {}),
    })),
  }));
  const rx = onHost.reduce((s, p) => s + p.rxBytesPerSecond, 0);
  const tx = onHost.reduce((s, p) => s + p.txBytesPerSecond, 0);
  const nodeMemory = SYSTEM_MEMORY_BYTES + toPodsMemoryBytes(onHost) + (node.conditions.MemoryPressure === 'True' ? node.memTotalBytes * 0.6 : 0);
  const capacity = 100 * 1024 ** 3;
  return {
    cluster,
    node: node.name,
    timeMs,
    elapsedMs,
    cgroupVersion: 2,
    cores: node.cores,
    memTotalBytes: node.memTotalBytes,
    gauges: toGauges(Math.min(nodeMemory, node.memTotalBytes * 0.97)),
    deltas: hasDeltas ? toDeltas(SYSTEM_CPU_MILLICORES + toPodsCpuMillicores(onHost), elapsedMs) : undefined,
    // The host side of each pod's veth pair, as the VPC CNI names it (`eni` + 11 hex): cAdvisor and the
    // agent list these with the node's interfaces, so each becomes a NodeNet event; a pod's receive is its
    // eni's transmit. Pods on the host network have none.
    net: [
      { name: 'eth0', deltas: hasDeltas ? toNet(rx, tx, elapsedMs) : undefined },
      ...onHost
        .filter((pod) => !pod.hostNetwork)
        .map((pod) => ({ name: `eni${pod.uid.replace(/-/g, '').slice(0, 11)}`, deltas: hasDeltas ? toNet(pod.txBytesPerSecond, pod.rxBytesPerSecond, elapsedMs) : undefined })),
    ],
    disks: [
      {
        device: 'nvme0n1',
        deltas: hasDeltas
          ? { serviceBytes: { read: elapsedMs * 40, write: elapsedMs * 120, total: elapsedMs * 160 }, serviced: { read: elapsedMs / 50, write: elapsedMs / 20, total: elapsedMs / 50 + elapsedMs / 20 } }
          : undefined,
      },
    ],
    filesystems: [
      { device: '/dev/nvme0n1p1', mountpoint: '/', fstype: 'xfs', capacityBytes: capacity, usageBytes: capacity * 0.31, availableBytes: capacity * 0.69, inodes: 52_428_800, inodesFree: 51_000_000 },
    ],
    pods,
  };
}

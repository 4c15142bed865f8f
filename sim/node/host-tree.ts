import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { QosClass } from '../../core/record';
import type { SimContainer, SimPod } from '../cluster/cluster-model';
import { createRandom } from '../cluster/random';

/**
 * What a host tree needs of a pod: a simulated pod running on the node (sim/cluster's
 * `toPodsOnHost` gives them, each with its running containers).
 */
export type HostTreePod = Pick<SimPod, 'uid' | 'qos' | 'hostNetwork' | 'namespace' | 'name'> & {
  readonly containers: readonly Pick<SimContainer, 'id' | 'name' | 'restartCount'>[];
};

/** The node a host tree simulates. */
export interface HostTreeSpec {
  /** 1: cgroup v1 (Amazon Linux 2 style); 2: unified cgroup v2 (AL2023, Bottlerocket). */
  cgroupVersion: 1 | 2;
  /** With cgroupVersion 1: also mount an (empty) cgroup2 at sys/fs/cgroup/unified, as systemd's hybrid mode does. @default false */
  hybrid?: boolean;
  /** kubelet cgroup driver. */
  driver: 'systemd' | 'cgroupfs';
  /** Container runtime, which names the systemd scopes (`cri-containerd-<id>.scope`, `docker-<id>.scope`). */
  runtime: 'containerd' | 'docker';
  cores: number;
  memTotalBytes: number;
  pods: readonly HostTreePod[];
  /** Add a pause (sandbox) container to every pod, as real runtimes do. @default true */
  pauseContainers?: boolean;
  /** Seed of the deterministic random walk. @default 1 */
  seed?: number;
  /**
   * Where the kubelet writes container logs (its podLogsDir): the tree lays out
   * `<dir>/<namespace>_<pod>_<uid>/<container>/<restartCount>.log` and links
   * `/var/log/containers/<pod>_<namespace>_<container>-<id>.log` to them; false for a node without.
   * @default '/var/log/pods'
   */
  podLogsDir?: string | false;
}

/** How busy the node is while time advances. */
export interface LoadProfile {
  /** Share of the node's CPUs in use, 0..1, spread over the containers. @default 0.4 */
  cpuUtilization: number;
  /** Network bytes per second per pod (received; transmitted is half). @default 50_000 */
  podNetBytesPerSecond: number;
  /** Disk bytes written per second on the node. @default 2_000_000 */
  diskBytesPerSecond: number;
  /** Share of MemTotal the node uses at least, 0..1 (the system slice fills what the pods leave): memory pressure. @default the pods' memory plus a fifth */
  memoryUtilization?: number;
}

/** A simulated host root on disk. Pass `root` as the agent's `--host-root`. */
export interface HostTree {
  readonly root: string;
  readonly spec: HostTreeSpec;
  /** Moves the host's clocks forward: counters grow under `load`, memory gauges wander. Rewrites the files. */
  advance(seconds: number, load?: Partial<LoadProfile>): void;
  /** Deletes a pod's cgroups and processes, as when a pod ends. */
  removePod(uid: string): void;
  /** Creates a pod's cgroups and processes, as when a pod starts; its counters start at zero. */
  addPod(pod: HostTreePod): void;
  /**
   * Restarts a container of a pod as the kubelet does: the old container's cgroup and process go, a
   * new container with a new id starts from zero, and its log is `<restartCount + 1>.log` (the log
   * before the previous one is removed, as the kubelet's garbage collection does). Returns the new id.
   * @param id the new container's id, as the cluster's API will give it. @default a random one
   */
  restartContainer(uid: string, containerName: string, id?: string): string;
}

const COUNTER_KEYS = ['cpuNs', 'userNs', 'systemNs', 'pgfault', 'pgmajfault'] as const;
type CounterKey = (typeof COUNTER_KEYS)[number];

const DEFAULT_LOAD: LoadProfile = { cpuUtilization: 0.4, podNetBytesPerSecond: 50_000, diskBytesPerSecond: 2_000_000 };
const HOST_NETNS = 'net:[4026531840]';
const PAGE = 4096;

interface HostCgroup {
  /** Paths below each controller root. */
  rel: string;
  cpuNs: number;
  userNs: number;
  systemNs: number;
  periods: number;
  throttled: number;
  throttledNs: number;
  pgfault: number;
  pgmajfault: number;
  anon: number;
  file: number;
  mapped: number;
  inactiveFile: number;
  peak: number;
  weight: number;
  pid?: number;
  /** A container's runtime id and name (the pause container has no name). */
  id?: string;
  name?: string;
  /** A container's restart count (its log is `<restarts>.log`). */
  restarts?: number;
  /** The id of the container it replaced (the dead container whose log and link the kubelet keeps). */
  previousId?: string;
}

/** A pod as the host tree keeps it: its cgroups, processes and network counters. */
interface HostPod {
  spec: HostTreePod;
  cgroup: HostCgroup;
  containers: HostCgroup[];
  /** Counters of the containers that restarted: the pod cgroup keeps what they used. */
  retired: Record<CounterKey, number>;
  pid: number;
  netns: string;
  rxBytes: number;
  rxPackets: number;
  txBytes: number;
  txPackets: number;
}

const toQosDir = (spec: HostTreeSpec, qos: QosClass): string | undefined => {
  if (qos === 'Guaranteed') return undefined;
  return spec.driver === 'systemd' ? `kubepods-${qos.toLowerCase()}.slice` : qos.toLowerCase();
};

function toPodRel(spec: HostTreeSpec, pod: HostTreePod): string {
  const qosDir = toQosDir(spec, pod.qos);
  if (spec.driver === 'cgroupfs') return ['kubepods', qosDir, `pod${pod.uid}`].filter(Boolean).join('/');
  const podSlice = `kubepods-${qosDir ? `${pod.qos.toLowerCase()}-` : ''}pod${pod.uid.replace(/-/g, '_')}.slice`;
  return ['kubepods.slice', qosDir, podSlice].filter(Boolean).join('/');
}

function toContainerDir(spec: HostTreeSpec, id: string): string {
  if (spec.driver === 'cgroupfs') return id;
  return `${spec.runtime === 'docker' ? 'docker' : 'cri-containerd'}-${id}.scope`;
}

/**
 * Writes a fake host root under `dir` (proc/ and sys/fs/cgroup/) for the node `spec`: the files
 * and formats the agent reads on a real EKS worker, for cgroup v1, hybrid or v2, the systemd or
 * cgroupfs driver and containerd or docker naming. Returns a handle that advances the host in time.
 */
export function createHostTree(dir: string, spec: HostTreeSpec): HostTree {
  const generator = createRandom(((spec.seed ?? 1) ^ 0x5a17) + 0x9e3779b9);
  const random = (): number => generator.float();
  const write = (path: string, text: string): void => {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  };
  // Files whose content never changes are written once: advance() then rewrites only counters and gauges.
  const written = new Set<string>();
  const writeOnce = (path: string, text: string): void => {
    if (written.has(path)) return;
    write(path, text);
    written.add(path);
  };
  const newCgroup = (rel: string, weight: number, memBytes: number): HostCgroup => ({
    rel, cpuNs: 0, userNs: 0, systemNs: 0, periods: 0, throttled: 0, throttledNs: 0, pgfault: 0, pgmajfault: 0,
    anon: Math.round(memBytes * 0.7 / PAGE) * PAGE, file: Math.round(memBytes * 0.3 / PAGE) * PAGE,
    mapped: Math.round(memBytes * 0.05 / PAGE) * PAGE, inactiveFile: Math.round(memBytes * 0.1 / PAGE) * PAGE, peak: 0, weight,
  });
  // The kubelet's log layout: names only, the log files stay empty (the agent never reads them).
  const podLogsDir = spec.podLogsDir === false ? undefined : (spec.podLogsDir ?? '/var/log/pods').replace(/^\/+|\/+$/g, '');
  const toPodLogDir = (p: HostTreePod): string => `${podLogsDir}/${p.namespace}_${p.name}_${p.uid}`;
  const toLogLink = (p: HostTreePod, name: string, id: string): string => `var/log/containers/${p.name}_${p.namespace}_${name}-${id}.log`;
  const writeContainerLog = (pod: HostPod, c: HostCgroup): void => {
    if (podLogsDir === undefined || c.name === undefined || c.id === undefined) return;
    const restarts = c.restarts ?? 0;
    const logDir = `${toPodLogDir(pod.spec)}/${c.name}`;
    // The kubelet keeps the log of the previous run (the dead container) beside the current one.
    for (const n of restarts > 0 ? [restarts - 1, restarts] : [restarts]) write(`${logDir}/${n}.log`, '');
    const linkPath = join(dir, toLogLink(pod.spec, c.name, c.id));
    mkdirSync(dirname(linkPath), { recursive: true });
    rmSync(linkPath, { force: true });
    symlinkSync(`/${logDir}/${restarts}.log`, linkPath);
  };
  let nextPid = 1000;
  let nextNetns = 0;
  const newContainer = (podRel: string, id: string, weight: number, app?: { name: string; restarts: number }): HostCgroup => {
    const c = newCgroup(`${podRel}/${toContainerDir(spec, id)}`, weight, 20e6 + random() * 200e6);
    c.peak = c.anon + c.file;
    c.pid = nextPid += 7;
    c.id = id;
    if (app) {
      c.name = app.name;
      c.restarts = app.restarts;
    }
    return c;
  };
  const pause = spec.pauseContainers ?? true;
  const toHostPod = (p: HostTreePod): HostPod => {
    const i = nextNetns++;
    const rel = toPodRel(spec, p);
    const containers = [
      ...(pause ? [newContainer(rel, generator.hex(64), 0.01)] : []),
      ...p.containers.map((c) => newContainer(rel, c.id, 0.5 + random(), { name: c.name, restarts: c.restartCount })),
    ];
    const pid = containers[0].pid as number;
    const pod: HostPod = {
      spec: p, cgroup: newCgroup(rel, 0, 0), containers, retired: { cpuNs: 0, userNs: 0, systemNs: 0, pgfault: 0, pgmajfault: 0 }, pid,
      netns: p.hostNetwork ? HOST_NETNS : `net:[${4026532000 + i}]`, rxBytes: 0, rxPackets: 0, txBytes: 0, txPackets: 0,
    };
    // The kubelet makes the pod's log directory when the pod starts, also while none of its containers runs (crash-looping).
    if (podLogsDir !== undefined) mkdirSync(join(dir, toPodLogDir(p)), { recursive: true });
    for (const c of containers) if (c.name !== undefined) writeContainerLog(pod, c);
    return pod;
  };
  const pods: HostPod[] = spec.pods.map(toHostPod);
  const root = newCgroup('', 0, 0);
  let uptimeMs = 86_400_000 + Math.floor(random() * 1000);
  let disk = { readOps: 12_000, readSectors: 2_000_000, writeOps: 30_000, writeSectors: 8_000_000 };
  const controllers = spec.cgroupVersion === 2 ? ['sys/fs/cgroup'] : ['sys/fs/cgroup/cpu,cpuacct', 'sys/fs/cgroup/memory', 'sys/fs/cgroup/blkio'];
  let clock = 0;
  // Namespace links dangle (their targets are kernel names), so existsSync cannot tell they were made.
  const links = new Set<string>();
  const link = (target: string, path: string): void => {
    if (links.has(path)) return;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    symlinkSync(target, join(dir, path));
    links.add(path);
  };

  const sumInto = (target: HostCgroup, parts: HostCgroup[], extra: number): void => {
    for (const key of ['cpuNs', 'userNs', 'systemNs', 'pgfault', 'pgmajfault', 'anon', 'file', 'mapped', 'inactiveFile'] as const) {
      target[key] = Math.round(parts.reduce((s, c) => s + c[key], 0) * extra);
    }
    target.peak = Math.max(target.peak, target.anon + target.file);
  };

  const writeCgroup = (c: HostCgroup, isRoot: boolean, procs: number[]): void => {
    const usage = c.anon + c.file;
    if (spec.cgroupVersion === 2) {
      const d = c.rel === '' ? 'sys/fs/cgroup' : `sys/fs/cgroup/${c.rel}`;
      write(`${d}/cpu.stat`, `usage_usec ${Math.floor(c.cpuNs / 1000)}\nuser_usec ${Math.floor(c.userNs / 1000)}\nsystem_usec ${Math.floor(c.systemNs / 1000)}\nnice_usec 0\n` +
        (isRoot ? '' : `nr_periods ${c.periods}\nnr_throttled ${c.throttled}\nthrottled_usec ${Math.floor(c.throttledNs / 1000)}\nnr_bursts 0\nburst_usec 0\n`));
      write(`${d}/memory.stat`, [
        `anon ${c.anon}`, `file ${c.file}`, 'kernel 8556544', 'kernel_stack 327680', 'pagetables 1462272', 'sec_pagetables 0', 'percpu 0', 'sock 0', 'vmalloc 0',
        `shmem 0`, `zswap 0`, `zswapped 0`, `file_mapped ${c.mapped}`, 'file_dirty 0', 'file_writeback 0', 'swapcached 0', 'anon_thp 0', 'file_thp 0', 'shmem_thp 0',
        `inactive_anon ${Math.floor(c.anon / 2 / PAGE) * PAGE}`, `active_anon ${Math.ceil(c.anon / 2 / PAGE) * PAGE}`, `inactive_file ${c.inactiveFile}`, `active_file ${c.file - c.inactiveFile}`,
        'unevictable 0', 'slab_reclaimable 1012345', 'slab_unreclaimable 456789', 'slab 1469134', `pgfault ${c.pgfault}`, `pgmajfault ${c.pgmajfault}`, 'workingset_refault_anon 0', 'workingset_refault_file 0', '',
      ].join('\n'));
      if (!isRoot) {
        write(`${d}/memory.current`, `${usage}\n`);
        write(`${d}/memory.peak`, `${c.peak}\n`);
        write(`${d}/memory.swap.current`, '0\n');
        writeOnce(`${d}/memory.max`, 'max\n');
        writeOnce(`${d}/cpu.max`, 'max 100000\n');
        writeOnce(`${d}/cgroup.procs`, procs.map((p) => `${p}\n`).join(''));
      }
      return;
    }
    const at = (ctl: string, file: string): string => (c.rel === '' ? `${ctl}/${file}` : `${ctl}/${c.rel}/${file}`);
    const [cpu, memory] = controllers;
    write(at(cpu, 'cpuacct.usage'), `${c.cpuNs}\n`);
    write(at(cpu, 'cpuacct.stat'), `user ${Math.floor(c.userNs / 1e7)}\nsystem ${Math.floor(c.systemNs / 1e7)}\n`);
    write(at(cpu, 'cpu.stat'), `nr_periods ${c.periods}\nnr_throttled ${c.throttled}\nthrottled_time ${c.throttledNs}\n`);
    writeOnce(at(cpu, 'cgroup.procs'), procs.map((p) => `${p}\n`).join(''));
    write(at(memory, 'memory.usage_in_bytes'), `${usage}\n`);
    write(at(memory, 'memory.max_usage_in_bytes'), `${c.peak}\n`);
    writeOnce(at(memory, 'memory.failcnt'), '0\n');
    writeOnce(at(memory, 'memory.limit_in_bytes'), '9223372036854771712\n');
    writeOnce(at(memory, 'cgroup.procs'), procs.map((p) => `${p}\n`).join(''));
    const own = [`cache ${c.file}`, `rss ${c.anon}`, 'rss_huge 0', 'shmem 0', `mapped_file ${c.mapped}`, 'dirty 0', 'writeback 0', 'swap 0',
      `pgpgin ${c.pgfault}`, `pgpgout ${c.pgfault}`, `pgfault ${c.pgfault}`, `pgmajfault ${c.pgmajfault}`,
      `inactive_anon 0`, `active_anon ${c.anon}`, `inactive_file ${c.inactiveFile}`, `active_file ${c.file - c.inactiveFile}`, 'unevictable 0'];
    write(at(memory, 'memory.stat'), [...own, 'hierarchical_memory_limit 9223372036854771712', 'hierarchical_memsw_limit 9223372036854771712',
      ...own.map((l) => `total_${l}`), ''].join('\n'));
  };

  const render = (): void => {
    const memUsed = root.anon + root.file;
    const memTotalKb = Math.floor(spec.memTotalBytes / 1024);
    write('proc/uptime', `${(uptimeMs / 1000).toFixed(2)} ${((uptimeMs / 1000) * spec.cores * 0.6).toFixed(2)}\n`);
    writeOnce('proc/cpuinfo', Array.from({ length: spec.cores }, (_u, i) =>
      `processor\t: ${i}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz\ncpu MHz\t\t: 2499.998\ncore id\t\t: ${i >> 1}\ncpu cores\t: ${Math.max(1, spec.cores >> 1)}\n\n`).join(''));
    write('proc/meminfo', [`MemTotal:       ${memTotalKb} kB`, `MemFree:        ${Math.max(0, memTotalKb - Math.floor(memUsed / 1024))} kB`,
      `MemAvailable:   ${Math.max(0, memTotalKb - Math.floor(root.anon / 1024))} kB`, 'Buffers:           2048 kB', `Cached:         ${Math.floor(root.file / 1024)} kB`,
      'SwapCached:            0 kB', 'SwapTotal:             0 kB', 'SwapFree:              0 kB', ''].join('\n'));
    const ticks = (ns: number): number => Math.floor(ns / 1e7);
    write('proc/stat', `cpu  ${ticks(root.userNs)} 0 ${ticks(root.systemNs)} ${ticks(uptimeMs * 1e6 * spec.cores - root.cpuNs)} 120 0 40 0 0 0\n` +
      Array.from({ length: spec.cores }, (_u, i) => `cpu${i} ${ticks(root.userNs / spec.cores)} 0 ${ticks(root.systemNs / spec.cores)} 1000 10 0 4 0 0 0\n`).join('') +
      `ctxt 123456789\nbtime 1700000000\nprocesses 45678\nprocs_running 3\nprocs_blocked 0\n`);
    write('proc/diskstats', [
      `   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0`,
      ` 259       0 nvme0n1 ${disk.readOps} 120 ${disk.readSectors} 9000 ${disk.writeOps} 5000 ${disk.writeSectors} 40000 0 30000 49000 0 0 0 0 800 1200`,
      ` 259       1 nvme0n1p1 ${disk.readOps - 100} 120 ${disk.readSectors - 800} 8900 ${disk.writeOps} 5000 ${disk.writeSectors} 40000 0 29000 48900 0 0 0 0 0 0`,
      ` 259       2 nvme0n1p128 100 0 800 100 0 0 0 0 0 100 100 0 0 0 0 0 0`, ''].join('\n'));
    const hostRx = pods.reduce((s, p) => s + p.rxBytes, 5_000_000);
    const hostTx = pods.reduce((s, p) => s + p.txBytes, 2_000_000);
    const netHeader = 'Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';
    const line = (name: string, rx: number, rxp: number, tx: number, txp: number): string =>
      `${name.padStart(6)}: ${rx} ${rxp} 0 0 0 0 0 0 ${tx} ${txp} 0 0 0 0 0 0\n`;
    write('proc/net/dev', netHeader + line('lo', 123456, 1200, 123456, 1200) + line('eth0', hostRx, Math.floor(hostRx / 800), hostTx, Math.floor(hostTx / 600)) +
      pods.filter((p) => !p.spec.hostNetwork).map((p, i) => line(`eni${i.toString(16).padStart(11, '0')}`, p.txBytes, p.txPackets, p.rxBytes, p.rxPackets)).join(''));
    writeOnce('proc/mounts', ['/dev/nvme0n1p1 / xfs rw,noatime,attr2,inode64,logbufs=8,logbsize=32k,noquota 0 0', 'proc /proc proc rw,relatime 0 0',
      'tmpfs /run tmpfs rw,nosuid,nodev,mode=755 0 0', `cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0`,
      ...pods.slice(0, 3).map((p) => `tmpfs /var/lib/kubelet/pods/${p.spec.uid}/volumes/kubernetes.io~projected/kube-api-access tmpfs rw,relatime 0 0`),
      ...pods.slice(0, 3).map((p) => `overlay /run/containerd/io.containerd.runtime.v2.task/k8s.io/${p.containers[0].rel.slice(-12)}/rootfs overlay rw,relatime 0 0`), ''].join('\n'));
    // The EBS root volume's NVMe serial: its volume id without the dash (not drawn from the random walk, which it would shift).
    writeOnce('sys/block/nvme0n1/device/serial', `vol${(((spec.seed ?? 1) * 2654435761) >>> 0).toString(16).padStart(17, '0')}\n`);
    mkdirSync(join(dir, 'run'), { recursive: true });
    link(HOST_NETNS, 'proc/1/ns/net');
    for (const p of pods) {
      p.containers.forEach((c, j) => {
        const cpid = c.pid as number;
        link(p.netns, `proc/${cpid}/ns/net`);
        if (!links.has(`proc/${cpid}/comm`)) {
          write(`proc/${cpid}/comm`, j === 0 && (spec.pauseContainers ?? true) ? 'pause\n' : `${['nginx', 'java', 'node', 'envoy'][j % 4]}\n`);
          links.add(`proc/${cpid}/comm`);
        }
      });
      if (!p.spec.hostNetwork) write(`proc/${p.pid}/net/dev`, netHeader + line('lo', 0, 0, 0, 0) + line('eth0', p.rxBytes, p.rxPackets, p.txBytes, p.txPackets));
      // A host-network process sees the host's namespace entries themselves (the same inode in procfs).
      else link('../net', `proc/${p.pid}/net`);
      writeCgroup(p.cgroup, false, []);
      for (const c of p.containers) writeCgroup(c, false, c.pid ? [c.pid] : []);
    }
    writeCgroup(root, true, [1]);
    if (spec.cgroupVersion === 2) {
      writeOnce('sys/fs/cgroup/cgroup.controllers', 'cpuset cpu io memory hugetlb pids rdma misc\n');
      writeOnce('sys/fs/cgroup/cgroup.subtree_control', 'cpuset cpu io memory hugetlb pids\n');
    } else {
      const blkio = (kind: 'bytes' | 'ops'): string => {
        const [r, w] = kind === 'bytes' ? [disk.readSectors * 512, disk.writeSectors * 512] : [disk.readOps, disk.writeOps];
        return `259:0 Read ${r}\n259:0 Write ${w}\n259:0 Sync ${w}\n259:0 Async ${r}\n259:0 Discard 0\n259:0 Total ${r + w}\nTotal ${r + w}\n`;
      };
      write('sys/fs/cgroup/blkio/blkio.throttle.io_service_bytes', blkio('bytes'));
      write('sys/fs/cgroup/blkio/blkio.throttle.io_serviced', blkio('ops'));
      for (const name of ['cpu', 'cpuacct']) link('cpu,cpuacct', `sys/fs/cgroup/${name}`);
      if (spec.hybrid) {
        writeOnce('sys/fs/cgroup/unified/cgroup.controllers', '');
        write('sys/fs/cgroup/unified/cpu.stat', `usage_usec ${Math.floor(root.cpuNs / 1000)}\nuser_usec ${Math.floor(root.userNs / 1000)}\nsystem_usec ${Math.floor(root.systemNs / 1000)}\n`);
      }
    }
  };

  const advance = (seconds: number, partial?: Partial<LoadProfile>): void => {
    const load = { ...DEFAULT_LOAD, ...partial };
    clock += seconds;
    uptimeMs += Math.round(seconds * 1000);
    const all = pods.flatMap((p) => p.containers);
    const totalWeight = all.reduce((s, c) => s + c.weight, 0) || 1;
    const budgetNs = load.cpuUtilization * spec.cores * seconds * 1e9;
    for (const c of all) {
      const ns = Math.round((budgetNs * c.weight) / totalWeight * (0.8 + random() * 0.4));
      c.cpuNs += ns;
      c.userNs += Math.round(ns * 0.7);
      c.systemNs += Math.round(ns * 0.3);
      c.periods += Math.round(seconds * 10);
      if (random() < 0.1) {
        c.throttled += 1;
        c.throttledNs += Math.round(random() * 5e7);
      }
      c.pgfault += Math.round(seconds * 100 * (0.5 + random()));
      if (random() < 0.05) c.pgmajfault += 1;
      const wander = (v: number): number => Math.max(PAGE, Math.round(v * (0.98 + random() * 0.04) / PAGE) * PAGE);
      c.anon = wander(c.anon);
      c.file = wander(c.file);
      c.inactiveFile = Math.min(c.file, wander(c.inactiveFile));
      c.mapped = Math.min(c.file, c.mapped);
      c.peak = Math.max(c.peak, c.anon + c.file);
    }
    for (const p of pods) {
      sumInto(p.cgroup, p.containers, 1);
      for (const key of COUNTER_KEYS) p.cgroup[key] += p.retired[key];
      if (!p.spec.hostNetwork) {
        const rx = Math.round(load.podNetBytesPerSecond * seconds * (0.5 + random()));
        p.rxBytes += rx;
        p.rxPackets += Math.ceil(rx / 900);
        p.txBytes += Math.round(rx / 2);
        p.txPackets += Math.ceil(rx / 1800);
      }
    }
    // The root holds the pods plus the system slice and the kernel: a fifth more.
    sumInto(root, pods.map((p) => p.cgroup), 1.2);
    if (load.memoryUtilization !== undefined) {
      const floor = Math.round((load.memoryUtilization * spec.memTotalBytes - root.file) / PAGE) * PAGE;
      root.anon = Math.max(root.anon, floor);
      root.peak = Math.max(root.peak, root.anon + root.file);
    }
    const written = Math.round((load.diskBytesPerSecond * seconds) / 512);
    disk = { readOps: disk.readOps + Math.round(seconds * 5), readSectors: disk.readSectors + Math.round(written / 10), writeOps: disk.writeOps + Math.round(seconds * 40), writeSectors: disk.writeSectors + written };
    render();
  };

  const removePod = (uid: string): void => {
    const index = pods.findIndex((p) => p.spec.uid === uid);
    if (index < 0) throw new Error(`removePod: no pod with uid ${uid} in this host tree; expected one of the spec's pods`);
    const [pod] = pods.splice(index, 1);
    for (const ctl of controllers) rmSync(join(dir, ctl, pod.cgroup.rel), { recursive: true, force: true });
    for (const c of pod.containers) removeProcess(c);
    if (podLogsDir !== undefined) {
      // The kubelet removes the pod's log directory and its links once the pod is gone.
      rmSync(join(dir, toPodLogDir(pod.spec)), { recursive: true, force: true });
      for (const c of pod.containers) if (c.name !== undefined && c.id !== undefined) rmSync(join(dir, toLogLink(pod.spec, c.name, c.id)), { force: true });
    }
  };

  const removeProcess = (c: HostCgroup): void => {
    rmSync(join(dir, `proc/${c.pid}`), { recursive: true, force: true });
    links.delete(`proc/${c.pid}/ns/net`);
    links.delete(`proc/${c.pid}/comm`);
    links.delete(`proc/${c.pid}/net`);
  };

  const restartContainer = (uid: string, containerName: string, id?: string): string => {
    const pod = pods.find((p) => p.spec.uid === uid);
    const index = pod?.containers.findIndex((c) => c.name === containerName) ?? -1;
    if (!pod || index < 0) throw new Error(`restartContainer: no container ${containerName} in pod ${uid} of this host tree; expected a running container of one of its pods`);
    const old = pod.containers[index];
    for (const key of COUNTER_KEYS) pod.retired[key] += old[key];
    for (const ctl of controllers) rmSync(join(dir, ctl, old.rel), { recursive: true, force: true });
    removeProcess(old);
    const restarts = (old.restarts ?? 0) + 1;
    const fresh = newContainer(pod.cgroup.rel, id ?? generator.hex(64), old.weight, { name: containerName, restarts });
    pod.containers[index] = fresh;
    if (podLogsDir !== undefined) {
      // The kubelet's garbage collection keeps one dead container per name: the one before it goes, with its link.
      rmSync(join(dir, `${toPodLogDir(pod.spec)}/${containerName}/${restarts - 2}.log`), { force: true });
      if (old.previousId !== undefined) rmSync(join(dir, toLogLink(pod.spec, containerName, old.previousId)), { force: true });
      fresh.previousId = old.id;
      writeContainerLog(pod, fresh);
    }
    render();
    return fresh.id as string;
  };

  const addPod = (pod: HostTreePod): void => {
    if (pods.some((p) => p.spec.uid === pod.uid)) throw new Error(`addPod: pod ${pod.uid} is already in this host tree; expected a new uid`);
    pods.push(toHostPod(pod));
    render();
  };

  advance(0);
  return { root: dir, spec, advance, removePod, addPod, restartContainer, get clockSeconds() { return clock; } } as HostTree;
}

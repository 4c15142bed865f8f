import { KinsightError } from '../../core/errors';
import type { DiskOps, Filesystem } from '../../core/record';
import { detectCgroupLayout, type CgroupLayout } from './cgroup-layout';
import type { HostReader } from './host-reader';
import { KUBEPODS_DIRS, parseContainerDirName, parsePodDirName, toQosClass } from './kubepods-names';
import type { ContainerReading, DiskReading, NetReading, NodeSample, PodReading } from './node-sample';
import { parseBlkio } from './read-blkio';
import { parseCpuinfo } from './parse-cpuinfo';
import { parseDiskstats } from './parse-diskstats';
import { parseMounts } from './parse-mounts';
import { parseNetDev } from './parse-net-dev';
import { parseProcStat } from './parse-proc-stat';
import { parseUptime } from './parse-uptime';
import { parseKeyValues } from './parse-values';
import { readCgroup } from './read-cgroup';
import { createPodLogsMemory, DEFAULT_POD_LOGS_DIR, readPodLogs, type PodLogsMemory } from './read-pod-logs';
import { isSystemError, readOrCount, type ReadTally } from './read-tally';
import type { QosClass } from '../../core/record';

/** A pod found while listing kubepods, before its files are read. */
interface PodListing {
  uid: string;
  qos: QosClass;
  rel: string;
  containers: { id: string; runtime?: string; rel: string }[];
}

/** The pause process of a pod sandbox, as found by an earlier cycle. */
export interface SandboxProcess {
  pid: number;
  /** Whether its network namespace is the host's, as its namespace link said. */
  hostNetwork: boolean;
}

/**
 * What the collector remembers between cycles: which container cgroups are pod sandboxes
 * ("pause") and which are regular containers, so that each is probed (cgroup.procs, comm) once,
 * and the pause process of each sandbox with its network verdict, so that later cycles read only
 * its net/dev (a sandbox keeps its process and namespace for its life; a new sandbox has a new id).
 * Pruned every cycle to the containers still present.
 */
export interface CollectMemory {
  sandboxIds: Set<string>;
  appIds: Set<string>;
  /** Sandbox container id -> its pause process. @default empty */
  sandboxes: Map<string, SandboxProcess>;
  /** What the kubelet's log layout said (pod directories, restart counts, container names). @default empty */
  podLogs: PodLogsMemory;
  /** Block device -> its serial, or null when it has none: read once per device. @default empty */
  diskSerials: Map<string, string | null>;
}

/** An empty {@link CollectMemory}, for the first cycle. */
export const createCollectMemory = (): CollectMemory => ({ sandboxIds: new Set(), appIds: new Set(), sandboxes: new Map(), podLogs: createPodLogsMemory(), diskSerials: new Map() });

/** Options of {@link collectNode}. */
export interface CollectOptions {
  /** The kubelet's `podLogsDir`, a path of the host (read below the host root). @default '/var/log/pods' */
  podLogsDir?: string;
}

/**
 * Reads one sample of a host: /proc (uptime, cpuinfo, meminfo, stat, net/dev, diskstats, mounts
 * and statfs), the disks' serials (/sys/block), the cgroup tree (root, every kubepods pod and
 * container) and the names of the kubelet's log layout, which name the pods and containers and
 * count their restarts (read-pod-logs.ts). Never calls the Kubernetes API or IMDS. Values that
 * cannot be read are omitted and counted in `readErrors`; a pod that disappears while being read is
 * omitted and counted in `podsVanished`; a log layout that cannot be read leaves the pods without
 * names and is counted in `podLogErrors`.
 *
 * Throws a KinsightError only when the host cannot be a Linux node at all: no monotonic clock
 * (/proc/uptime), no CPU count or no MemTotal.
 *
 * @param memory what earlier cycles learnt about the containers; updated in place. @default a new, empty one
 */
export function collectNode(host: HostReader, nowMs: number, memory: CollectMemory = createCollectMemory(), options: CollectOptions = {}): NodeSample {
  const tally: ReadTally = { readErrors: 0 };
  const monotonicMs = parseUptime(readOrCount(host, 'proc/uptime', tally) ?? '');
  if (monotonicMs === undefined) throw new KinsightError('cannot read the monotonic clock from <host-root>/proc/uptime; expected "<seconds> <idle>"; is --host-root the root of a Linux host?');
  const cores = parseCpuinfo(readOrCount(host, 'proc/cpuinfo', tally) ?? '');
  if (cores === 0) throw new KinsightError('found no "processor" line in <host-root>/proc/cpuinfo; expected one per logical CPU; is --host-root the root of a Linux host?');
  const meminfo = parseKeyValues(readOrCount(host, 'proc/meminfo', tally) ?? '');
  tally.readErrors += meminfo.unreadable;
  const memTotalBytes = meminfo.value.get('MemTotal');
  if (memTotalBytes === undefined) throw new KinsightError('found no readable MemTotal in <host-root>/proc/meminfo; expected "MemTotal: <n> kB"');
  const swapTotal = meminfo.value.get('SwapTotal');
  const swapFree = meminfo.value.get('SwapFree');
  const hostSwapBytes = swapTotal !== undefined && swapFree !== undefined ? Math.max(0, swapTotal - swapFree) : undefined;
  const hostHasSwap = swapTotal !== 0;

  const layout = detectCgroupLayout(host);
  const root = readCgroup(host, layout, '', { isRoot: true, hostSwapBytes }, tally);
  if (root.counters.cpuUsageNs === undefined) {
    // No CPU figures in the root cgroup (v1 without cpuacct, unreadable file): the host's /proc/stat has them.
    const text = readOrCount(host, 'proc/stat', tally);
    const stat = text === undefined ? undefined : parseProcStat(text);
    tally.readErrors += stat?.unreadable ?? 0;
    Object.assign(root.counters, stat?.value);
  }

  const hostNetPath = host.exists('proc/1/net/dev') ? 'proc/1/net/dev' : 'proc/net/dev';
  const net = readNet(host, hostNetPath, tally) ?? [];
  const disks = readDisks(host, layout, memory, tally);
  const filesystems = readFilesystems(host, tally);

  let podsVanished = 0;
  const pods: PodReading[] = [];
  const hostNetns = tryReadLink(host, 'proc/1/ns/net');
  const hostNetId = tryFileId(host, hostNetPath);
  const seen = createCollectMemory();
  for (const listing of listPods(host, layout)) {
    const podTally: ReadTally = { readErrors: 0 };
    const pod = readPod(host, layout, listing, podTally, { hostNetns, hostNetId, hostNet: net, hostHasSwap, memory, seen });
    // Reads of a pod that ended fail: only then is it worth asking whether the pod is gone.
    if (podTally.readErrors > 0 && !host.exists(`${layout.listing}/${listing.rel}`)) {
      podsVanished += 1;
      continue;
    }
    tally.readErrors += podTally.readErrors;
    pods.push(pod);
  }
  memory.sandboxIds = seen.sandboxIds;
  memory.appIds = seen.appIds;
  memory.sandboxes = seen.sandboxes;
  const sample: NodeSample = { timeMs: nowMs, monotonicMs, cgroupVersion: layout.version, cores, memTotalBytes, root, net, disks, filesystems, pods, readErrors: tally.readErrors, podsVanished };
  // Without pods there is nothing to name (and a host without a kubelet has no log layout).
  if (pods.length > 0) {
    const logs = readPodLogs(host, options.podLogsDir ?? DEFAULT_POD_LOGS_DIR, pods, memory.podLogs);
    sample.pods = pods.map((pod) => {
      const identity = logs.pods.get(pod.uid);
      const containers = pod.containers.map((c) => {
        const name = logs.containerNames.get(c.id);
        return name === undefined ? c : { ...c, name };
      });
      return identity === undefined ? { ...pod, containers } : { ...pod, containers, namespace: identity.namespace, name: identity.name, restartCounts: identity.restartCounts };
    });
    sample.podLogErrors = logs.errors;
    if (logs.problem !== undefined) sample.podLogsProblem = logs.problem;
  }
  host.release?.();
  return sample;
}

function readNet(host: HostReader, path: string, tally: ReadTally): NetReading[] | undefined {
  const text = readOrCount(host, path, tally);
  if (text === undefined) return undefined;
  const parsed = parseNetDev(text);
  tally.readErrors += parsed.unreadable;
  return parsed.value;
}

/** A kernel block device name that names its sysfs directory (`cciss/c0d0` is `cciss!c0d0` there). */
const SYSFS_DEVICE = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;
/** What a serial must look like to be sent: printable ASCII without spaces (NVMe pads with spaces, trimmed first). */
const SERIAL = /^[\x21-\x7e]{1,64}$/;

/**
 * The serial of a block device (`/sys/block/<dev>/device/serial`; an EBS volume on Nitro shows its
 * volume id without the dash), read once per device: a device keeps its serial while it exists. A
 * device without one (virtio, Xen, loop) is remembered as such; an unreadable file is counted.
 */
function readSerial(host: HostReader, device: string, memory: CollectMemory, tally: ReadTally): string | undefined {
  const known = memory.diskSerials.get(device);
  if (known !== undefined) return known ?? undefined;
  let serial: string | null = null;
  if (SYSFS_DEVICE.test(device)) {
    try {
      const text = host.readText(`sys/block/${device.replace(/\//g, '!')}/device/serial`).trim();
      if (SERIAL.test(text)) serial = text;
    } catch (error) {
      if (!isSystemError(error)) throw error;
      if (error.code !== 'ENOENT' && error.code !== 'ENOTDIR') {
        tally.readErrors += 1;
        return undefined;
      }
    }
  }
  memory.diskSerials.set(device, serial);
  return serial ?? undefined;
}

function readDisks(host: HostReader, layout: CgroupLayout, memory: CollectMemory, tally: ReadTally): DiskReading[] {
  const text = readOrCount(host, 'proc/diskstats', tally);
  if (text === undefined) return [];
  const parsed = parseDiskstats(text);
  tally.readErrors += parsed.unreadable;
  // major:minor -> name, for the v1 blkio files that name devices by number.
  const names = new Map<string, string>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 3) names.set(`${f[0]}:${f[1]}`, f[2]);
  }
  const disks: DiskReading[] = parsed.value.map((d) => {
    const serial = readSerial(host, d.device, memory, tally);
    return {
      device: d.device,
      ...(serial === undefined ? {} : { serial }),
      serviceBytes: { read: d.readBytes, write: d.writeBytes },
      serviced: { read: d.readOps, write: d.writeOps },
    };
  });
  for (const device of memory.diskSerials.keys()) if (!disks.some((d) => d.device === device)) memory.diskSerials.delete(device);
  if (layout.version === 1 && layout.blkio) {
    // The v1 root blkio adds the sync/async/total split that /proc/diskstats lacks, when it counts at all.
    for (const [file, key] of [['blkio.throttle.io_service_bytes', 'serviceBytes'], ['blkio.throttle.io_serviced', 'serviced']] as const) {
      const blkio = readOrCount(host, `${layout.blkio}/${file}`, tally);
      if (blkio === undefined) continue;
      const ops = parseBlkio(blkio);
      tally.readErrors += ops.unreadable;
      for (const [majorMinor, o] of ops.value) {
        const disk = disks.find((d) => d.device === (names.get(majorMinor) ?? majorMinor));
        if (!disk || !(o.total ?? 0)) continue;
        const extra: DiskOps = { sync: o.sync, async: o.async, total: o.total };
        for (const k of ['sync', 'async', 'total'] as const) if (extra[k] !== undefined) disk[key][k] = extra[k];
      }
    }
  }
  return disks;
}

function readFilesystems(host: HostReader, tally: ReadTally): Filesystem[] {
  const text = readOrCount(host, host.exists('proc/1/mounts') ? 'proc/1/mounts' : 'proc/mounts', tally);
  if (text === undefined) return [];
  const out: Filesystem[] = [];
  for (const m of parseMounts(text)) {
    try {
      const s = host.statfs(m.mountpoint === '/' ? '.' : m.mountpoint.slice(1));
      const capacityBytes = s.blocks * s.bsize;
      out.push({
        ...m,
        capacityBytes,
        usageBytes: (s.blocks - s.bfree) * s.bsize,
        availableBytes: s.bavail * s.bsize,
        ...(s.files > 0 ? { inodes: s.files, inodesFree: s.ffree } : {}),
      });
    } catch (error) {
      if (!isSystemError(error)) throw error;
      tally.readErrors += 1;
    }
  }
  return out;
}

function tryList(host: HostReader, path: string): string[] | undefined {
  try {
    return host.listDirs(path);
  } catch (error) {
    if (!isSystemError(error)) throw error;
    // A directory that vanished while listing is a pod or QoS group that ended: nothing to read.
    return undefined;
  }
}

function tryReadLink(host: HostReader, path: string): string | undefined {
  try {
    return host.readLink(path);
  } catch (error) {
    if (!isSystemError(error)) throw error;
    // Namespace links need ptrace access to the process; without it the agent compares counters instead.
    return undefined;
  }
}

function tryFileId(host: HostReader, path: string): string | undefined {
  try {
    return host.fileId(path);
  } catch (error) {
    if (!isSystemError(error)) throw error;
    // The process ended, or the host (a fixture) has no such file: no verdict from it.
    return undefined;
  }
}

function listPods(host: HostReader, layout: CgroupLayout): PodListing[] {
  const kubepods = KUBEPODS_DIRS.find((d) => host.exists(`${layout.listing}/${d}`));
  if (kubepods === undefined) return [];
  const pods: PodListing[] = [];
  const addPod = (rel: string, dirName: string, qos: QosClass): void => {
    const pod = parsePodDirName(dirName);
    if (!pod) return;
    const podRel = `${rel}/${dirName}`;
    const containers = (tryList(host, `${layout.listing}/${podRel}`) ?? []).flatMap((c) => {
      const parsed = parseContainerDirName(c);
      return parsed ? [{ ...parsed, rel: `${podRel}/${c}` }] : [];
    });
    pods.push({ uid: pod.uid, qos, rel: podRel, containers });
  };
  for (const child of tryList(host, `${layout.listing}/${kubepods}`) ?? []) {
    const qos = toQosClass(child);
    if (qos === undefined) {
      addPod(kubepods, child, 'Guaranteed');
      continue;
    }
    for (const podDir of tryList(host, `${layout.listing}/${kubepods}/${child}`) ?? []) addPod(`${kubepods}/${child}`, podDir, qos);
  }
  return pods;
}

function readPod(
  host: HostReader,
  layout: CgroupLayout,
  listing: PodListing,
  tally: ReadTally,
  context: { hostNetns?: string; hostNetId?: string; hostNet: NetReading[]; hostHasSwap: boolean; memory: CollectMemory; seen: CollectMemory },
): PodReading {
  const { memory, seen } = context;
  const cgroup = readCgroup(host, layout, listing.rel, { isRoot: false, hostHasSwap: context.hostHasSwap }, tally);
  const containers: ContainerReading[] = [];
  let sandboxPid: number | undefined;
  let sandboxRel: string | undefined;
  let sandboxId: string | undefined;
  for (const c of listing.containers) {
    if (memory.sandboxIds.has(c.id)) {
      seen.sandboxIds.add(c.id);
      sandboxRel = c.rel;
      sandboxId = c.id;
      continue;
    }
    if (!memory.appIds.has(c.id)) {
      // The sandbox ("pause") container holds the pod's namespaces; it is not a container of the pod spec.
      const pid = findPid(host, layout, [c.rel]);
      const comm = pid === undefined ? undefined : tryReadText(host, `proc/${pid}/comm`);
      if (comm?.trim() === 'pause') {
        seen.sandboxIds.add(c.id);
        sandboxPid = pid;
        sandboxId = c.id;
        continue;
      }
      // Remembered only once a process of it was seen; an empty cgroup is probed again next cycle.
      if (comm !== undefined) seen.appIds.add(c.id);
    } else {
      seen.appIds.add(c.id);
    }
    const containerTally: ReadTally = { readErrors: 0 };
    const reading = readCgroup(host, layout, c.rel, { isRoot: false, hostHasSwap: context.hostHasSwap }, containerTally);
    // A container that ended while being read is left out, without read errors.
    if (containerTally.readErrors > 0 && !host.exists(`${layout.listing}/${c.rel}`)) continue;
    tally.readErrors += containerTally.readErrors;
    containers.push({ id: c.id, ...(c.runtime ? { runtime: c.runtime } : {}), cgroup: reading });
  }
  const pod: PodReading = { uid: listing.uid, qos: listing.qos, cgroup, containers };
  const known = sandboxId === undefined ? undefined : memory.sandboxes.get(sandboxId);
  if (sandboxId !== undefined && known !== undefined) {
    // The remembered pause process: no cgroup.procs, no namespace link. If its net/dev cannot be
    // read, the process ended (the sandbox is going away): it is looked up again below.
    if (known.hostNetwork) {
      seen.sandboxes.set(sandboxId, known);
      return { ...pod, hostNetwork: true };
    }
    const knownTally: ReadTally = { readErrors: 0 };
    const net = readNet(host, `proc/${known.pid}/net/dev`, knownTally);
    if (net !== undefined) {
      seen.sandboxes.set(sandboxId, known);
      tally.readErrors += knownTally.readErrors;
      return { ...pod, hostNetwork: false, net };
    }
  }
  if (sandboxPid === undefined && sandboxRel !== undefined) sandboxPid = findPid(host, layout, [sandboxRel]);
  const pid = sandboxPid ?? findPid(host, layout, [...listing.containers.map((c) => c.rel), listing.rel]);
  if (pid === undefined) return pod;
  // The namespace link where the agent may read it (ptrace access), else the identity of the
  // process's net/dev, which stat gives any uid: both tell the host's namespace exactly.
  const podNetns = context.hostNetns === undefined ? undefined : tryReadLink(host, `proc/${pid}/ns/net`);
  const podNetId = podNetns !== undefined || context.hostNetId === undefined ? undefined : tryFileId(host, `proc/${pid}/net/dev`);
  const onHost = podNetns !== undefined ? podNetns === context.hostNetns : podNetId !== undefined ? podNetId === context.hostNetId : undefined;
  // Only an exact verdict about the sandbox's own process is remembered.
  const remember = (hostNetwork: boolean): void => {
    if (sandboxId !== undefined && pid === sandboxPid && onHost !== undefined) seen.sandboxes.set(sandboxId, { pid, hostNetwork });
  };
  if (onHost === true) {
    remember(true);
    return { ...pod, hostNetwork: true };
  }
  const net = readNet(host, `proc/${pid}/net/dev`, tally);
  if (net === undefined) return pod;
  // With neither (a process that ended between the two reads), a pod that sees exactly the host's
  // interfaces and counters is taken to be on the host network; such a verdict is not remembered.
  if (onHost === undefined && context.hostNet.length > 0 && JSON.stringify(net) === JSON.stringify(context.hostNet)) {
    return { ...pod, hostNetwork: true };
  }
  remember(false);
  return { ...pod, hostNetwork: false, net };
}

function tryReadText(host: HostReader, path: string): string | undefined {
  try {
    return host.readText(path);
  } catch (error) {
    if (!isSystemError(error)) throw error;
    // The process ended or hides its comm: the container is then listed as a regular one.
    return undefined;
  }
}

function findPid(host: HostReader, layout: CgroupLayout, rels: string[]): number | undefined {
  for (const rel of rels) {
    const path = `${layout.listing}/${rel}/cgroup.procs`;
    const text = tryReadText(host, path);
    if (text === undefined) continue;
    const first = text.split('\n').find((l) => /^\d+$/.test(l.trim()));
    if (first !== undefined) return Number(first.trim());
  }
  return undefined;
}

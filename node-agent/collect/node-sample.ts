import type { CgroupDeltas, CgroupGauges, CgroupVersion, DiskOps, Filesystem, NetDeltas, QosClass } from '../../core/record';

/**
 * One reading of a cgroup: gauges as they are, counters as cumulative values. The counters use
 * the field names of the record's deltas, so the delta step is a subtraction per key.
 */
export interface CgroupReading {
  gauges: CgroupGauges;
  counters: CgroupDeltas;
}

/** Cumulative counters of one interface. */
export interface NetReading {
  name: string;
  counters: NetDeltas;
}

/** Cumulative I/O counters of one block device, per operation. */
export interface DiskReading {
  device: string;
  /** The kernel's serial of the device (`/sys/block/<dev>/device/serial`), when it has one. */
  serial?: string;
  serviceBytes: DiskOps;
  serviced: DiskOps;
}

/** A container cgroup under a pod. */
export interface ContainerReading {
  id: string;
  runtime?: string;
  /** Container name, from the link of the kubelet's log layout that names this container id and its pod. */
  name?: string;
  cgroup: CgroupReading;
}

/** A pod cgroup under kubepods. */
export interface PodReading {
  uid: string;
  qos: QosClass;
  cgroup: CgroupReading;
  /** True when a process of the pod shares the host's network namespace. */
  hostNetwork?: boolean;
  /** Interfaces of the pod's network namespace; absent when unknown or on the host network. */
  net?: NetReading[];
  containers: ContainerReading[];
  /** Namespace and name from the pod's log directory `<namespace>_<name>_<uid>`. */
  namespace?: string;
  name?: string;
  /**
   * Restart count by container name, for every container directory of the pod's log directory that
   * has a log file, with or without a cgroup now (a cumulative counter: the delta step diffs it).
   */
  restartCounts?: ReadonlyMap<string, number>;
}

/**
 * Everything the agent read from a host in one cycle, with cumulative counters. `collectNode`
 * makes it; `toNodeRecord` turns two of them into a record.
 */
export interface NodeSample {
  /** Wall clock, epoch ms. */
  timeMs: number;
  /** Host monotonic clock (/proc/uptime), ms. */
  monotonicMs: number;
  cgroupVersion: CgroupVersion;
  cores: number;
  memTotalBytes: number;
  root: CgroupReading;
  net: NetReading[];
  disks: DiskReading[];
  filesystems: Filesystem[];
  pods: PodReading[];
  /** Values that could not be read or parsed (omitted). */
  readErrors: number;
  /** Pods listed but gone before they could be read (omitted). */
  podsVanished: number;
  /**
   * Listings of the kubelet's log layout that failed in this cycle (the pod logs directory or
   * /var/log/containers missing or unreadable): the pods concerned have no node-local identity.
   * @default undefined (the layout was not read: no pods)
   */
  podLogErrors?: number;
  /** The first of those failures (`<host path>: <error code>`), for the agent's warning. */
  podLogsProblem?: string;
}

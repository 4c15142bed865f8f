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
  serviceBytes: DiskOps;
  serviced: DiskOps;
}

/** A container cgroup under a pod. */
export interface ContainerReading {
  id: string;
  runtime?: string;
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
}

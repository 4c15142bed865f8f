/**
 * The node record, decoded: what the agent builds for one node every interval and what the enricher
 * reads. These types are the record's vocabulary and import nothing. The rest of the record lives
 * next to them:
 *
 * - wire-record.ts: the document as sent (schema 2.x, columns) <-> this decoded form;
 * - parse-record.ts: a JSON value -> NodeRecord, with the version dispatch (2.x, 1.x);
 * - record-data.ts: the codec, NodeRecord <-> the bytes of a Kinesis record (JSON, gzip);
 * - record.schema.json: the JSON Schema of the 2.x document, which agrees with parse-record.ts.
 *
 * Counters travel as deltas over `elapsedMs` (the host's monotonic clock), gauges as values, so
 * the enricher needs no state. The first record after an agent start has no deltas. Documented in
 * docs/record-format.md.
 */

/** cgroup hierarchy the node runs: 1 (v1 or hybrid with v1 controllers) or 2 (unified). */
export type CgroupVersion = 1 | 2;

/** Kubernetes QoS class from the kubepods cgroup path. */
export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** Point-in-time values of a cgroup (node root, pod or container). All optional: a value that could not be read is omitted. */
export interface CgroupGauges {
  memoryUsageBytes?: number;
  /** usage minus inactive_file, floor 0. */
  memoryWorkingSetBytes?: number;
  memoryRssBytes?: number;
  memoryCacheBytes?: number;
  memoryMappedFileBytes?: number;
  memorySwapBytes?: number;
  memoryMaxUsageBytes?: number;
  memoryFailcnt?: number;
}

/** Counter increases of a cgroup over `elapsedMs`. */
export interface CgroupDeltas {
  cpuUsageNs?: number;
  cpuUserNs?: number;
  cpuSystemNs?: number;
  cpuPeriods?: number;
  cpuThrottledPeriods?: number;
  cpuThrottledNs?: number;
  memoryPgfault?: number;
  memoryPgmajfault?: number;
}

/** Counter increases of one network interface over `elapsedMs`. */
export interface NetDeltas {
  rxBytes?: number;
  rxPackets?: number;
  rxDropped?: number;
  rxErrors?: number;
  txBytes?: number;
  txPackets?: number;
  txDropped?: number;
  txErrors?: number;
}

/** One network interface. `deltas` is absent on the first sample. */
export interface NetInterface {
  name: string;
  deltas?: NetDeltas;
}

/** Per-operation counter increases of a block device; cgroup v2 and /proc/diskstats give only read and write. */
export interface DiskOps {
  read?: number;
  write?: number;
  sync?: number;
  async?: number;
  total?: number;
}

/** One block device of the node. */
export interface DiskDevice {
  /**
   * The device's serial number where the kernel gives one (schema 2.1): on EC2 Nitro instances an EBS
   * volume's NVMe serial is its volume id without the dash (`vol0123456789abcdef0`).
   */
  serial?: string;
  /** Kernel name (`nvme0n1`), or `major:minor` when no name is known. */
  device: string;
  deltas?: { serviceBytes: DiskOps; serviced: DiskOps };
}

/** One mounted filesystem of the node (the NodeFS records). */
export interface Filesystem {
  device: string;
  mountpoint: string;
  fstype: string;
  capacityBytes: number;
  usageBytes: number;
  availableBytes: number;
  inodes?: number;
  inodesFree?: number;
}

/** A container of a pod, found in the pod's cgroup. The pause container is not listed. */
export interface ContainerSample {
  /** Runtime container id (64 hex characters for containerd and docker). */
  id: string;
  /** `containerd`, `docker` or `cri-o`, from the cgroup naming. */
  runtime?: string;
  /** Container name: from the kubelet's log layout on the node (schema 2.1), or the runtime's state files. */
  name?: string;
  gauges: CgroupGauges;
  deltas?: CgroupDeltas;
  /**
   * Increase of the container's restart count over `elapsedMs` (schema 2.1), from the kubelet's log
   * layout: a counter like the others, so absent on the first sample of the container's name in its pod.
   */
  restartsDelta?: number;
}

/** A pod found under the kubepods cgroup hierarchy. */
export interface PodSample {
  uid: string;
  qos: QosClass;
  gauges: CgroupGauges;
  deltas?: CgroupDeltas;
  /** True when the pod shares the host network namespace: its traffic is the node's and `net` is absent. */
  hostNetwork?: boolean;
  /** Interfaces of the pod's network namespace (absent when unknown or on the host network). */
  net?: NetInterface[];
  containers: ContainerSample[];
  /** The pod's namespace, from the kubelet's pod log directory `<namespace>_<name>_<uid>` (schema 2.1). */
  namespace?: string;
  /** The pod's name, from the same directory (schema 2.1). */
  name?: string;
  /**
   * Increase of the summed restart count of the pod's containers over `elapsedMs`, including
   * containers that have no cgroup at the moment (crash-looping, waiting) (schema 2.1). Absent on
   * the pod's first sample.
   */
  restartsDelta?: number;
}

/** The agent's own figures, measured over the previous cycle. */
export interface AgentStats {
  version: string;
  collectionMs: number;
  recordsSent: number;
  retries: number;
  dropped: number;
  bufferedRecords: number;
  rssBytes: number;
  /** Values that could not be read or parsed in this cycle (omitted from the record). */
  readErrors: number;
  /** Pods that disappeared while being read (omitted from the record). */
  podsVanished: number;
  /**
   * Listings of the kubelet's log layout that failed in this cycle (its directory missing or
   * unreadable): the pods concerned are sent without namespace, name and restart counts (schema 2.1;
   * absent from older agents and when the node had no pods to name).
   */
  podLogErrors?: number;
}

/** The record of one node for one interval, decoded. */
export interface NodeRecord {
  cluster: string;
  node: string;
  /** Wall-clock time of the sample, epoch milliseconds. */
  timeMs: number;
  /** Monotonic time since the previous sample, above 0; absent on the first record after a start (and when the clock did not advance). */
  elapsedMs?: number;
  cgroupVersion: CgroupVersion;
  /** Logical CPUs in /proc/cpuinfo. */
  cores: number;
  /** MemTotal of /proc/meminfo, in bytes. */
  memTotalBytes: number;
  /** The node's root cgroup. */
  gauges: CgroupGauges;
  deltas?: CgroupDeltas;
  /** Host interfaces (lo, veth*, docker*, nerdctl* excluded, as cAdvisor does). */
  net: NetInterface[];
  disks: DiskDevice[];
  filesystems: Filesystem[];
  pods: PodSample[];
  agent?: AgentStats;
}

import { err, ok, type Result } from './result';
import { toSnippet } from './errors';
import { fromWireRecord, WIRE_SCHEMA_VERSION } from './record-wire';

/**
 * The node record: what the agent sends for one node every interval, and what the enricher reads.
 * On the wire it is a JSON document of schema 2.x with columns per field (core/record-wire.ts),
 * gzip-compressed; {@link NodeRecord} is its decoded form. Documented in docs/record-format.md, with
 * a JSON Schema in core/record.schema.json.
 *
 * Counters travel as deltas over `elapsedMs` (the host's monotonic clock), gauges as values, so
 * the enricher needs no state. The first record after an agent start has no deltas.
 */

/** The schema version this code writes. A reader accepts any minor of the majors it reads. */
export const RECORD_SCHEMA_VERSION = WIRE_SCHEMA_VERSION;
/**
 * The majors this code reads: 2 (columns, what agents write since 0.2) and 1 (one object per pod and
 * container, what earlier agents wrote: still read so that a rolling upgrade loses nothing).
 */
export const RECORD_SCHEMA_MAJORS: readonly number[] = [2, 1];

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
  /** Container name, when the runtime's state files gave it. */
  name?: string;
  gauges: CgroupGauges;
  deltas?: CgroupDeltas;
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
}

/** The record of one node for one interval, decoded. */
export interface NodeRecord {
  cluster: string;
  node: string;
  /** Wall-clock time of the sample, epoch milliseconds. */
  timeMs: number;
  /** Monotonic time since the previous sample; absent on the first record after a start. */
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

/** The partition key of a node's records: every record of a node lands on the same shard, in order. */
export const toPartitionKey = (cluster: string, node: string): string => `${cluster}/${node}`;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Checks a JSON document against the node record contract and returns the decoded record. Reads
 * schema 2.x (columns, core/record-wire.ts) and 1.x (objects); rejects an unknown major version,
 * missing identity or a malformed structure with a message naming the member. The full structure
 * is described by core/record.schema.json.
 */
export function parseRecord(value: unknown): Result<NodeRecord> {
  if (!isObject(value)) return err(`record is not a JSON object: ${toSnippet(value)}`);
  const version = value.schemaVersion;
  if (typeof version !== 'string' || !/^\d+\.\d+$/.test(version)) {
    return err(`record schemaVersion ${toSnippet(version)} is not "<major>.<minor>"; expected "${RECORD_SCHEMA_VERSION}"`);
  }
  const major = Number(version.split('.')[0]);
  if (!RECORD_SCHEMA_MAJORS.includes(major)) {
    const known = RECORD_SCHEMA_MAJORS.map((m) => `${m}.x`).join(' and ');
    return err(`record schemaVersion "${version}" has unknown major ${major}; this reader understands ${known} (upgrade the enricher or downgrade the agent)`);
  }
  for (const key of ['cluster', 'node'] as const) {
    if (typeof value[key] !== 'string' || value[key] === '') return err(`record ${key} must be a non-empty string, got ${toSnippet(value[key])}`);
  }
  for (const key of ['timeMs', 'cores', 'memTotalBytes'] as const) {
    if (!isFiniteNumber(value[key])) return err(`record ${key} must be a finite number, got ${toSnippet(value[key])}`);
  }
  if (value.elapsedMs !== undefined && !(isFiniteNumber(value.elapsedMs) && value.elapsedMs >= 0)) {
    return err(`record elapsedMs must be a number >= 0 when present, got ${toSnippet(value.elapsedMs)}`);
  }
  if (value.cgroupVersion !== 1 && value.cgroupVersion !== 2) return err(`record cgroupVersion must be 1 or 2, got ${toSnippet(value.cgroupVersion)}`);
  if (major === 2) return fromWireRecord(value);
  if (!isObject(value.gauges)) return err('record gauges must be an object');
  for (const key of ['net', 'disks', 'filesystems', 'pods'] as const) {
    if (!Array.isArray(value[key])) return err(`record ${key} must be an array, got ${toSnippet(value[key])}`);
  }
  for (const [i, pod] of (value.pods as unknown[]).entries()) {
    if (!isObject(pod) || typeof pod.uid !== 'string' || !Array.isArray(pod.containers) || !isObject(pod.gauges)) {
      return err(`record pods[${i}] needs uid (string), gauges (object) and containers (array): ${toSnippet(pod)}`);
    }
  }
  return ok(value as unknown as NodeRecord);
}

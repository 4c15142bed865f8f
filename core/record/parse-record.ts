import { toSnippet } from '../errors';
import { err, ok, type Result } from '../result';
import type { AgentStats, DiskOps, Filesystem, NetInterface, NodeRecord } from './index';
import { isFiniteNumber, isObject } from './json-guards';
import { DELTA_FIELDS, fromWireRecord, GAUGE_FIELDS, NET_FIELDS, RECORD_SCHEMA_VERSION } from './wire-record';

/**
 * The majors this code reads: 2 (columns, what agents write since 0.2) and 1 (one object per pod and
 * container, what earlier agents wrote: still read so that a rolling upgrade loses nothing).
 */
export const RECORD_SCHEMA_MAJORS: readonly number[] = [2, 1];

/**
 * What a record from a real node stays within (docs/record-format.md, "Validation"). Each bound is far
 * above what a node can produce and low enough that one record cannot exhaust a reader: a record
 * beyond one is poison. record.schema.json states the same bounds where JSON Schema can.
 */
export const RECORD_LIMITS = {
  /** Inflated JSON of one record: an agent sends about 80 KB for 110 pods and 250 containers, 200 KB for 250 pods. */
  maxJsonBytes: 2 * 1024 * 1024,
  /** Pods of one node: Kubernetes is tested to 110, EKS recommends at most 250, the largest EC2 instances allow 737. */
  maxPods: 1_000,
  maxContainers: 5_000,
  /** Network interfaces, the node's and the pods' together (the VPC CNI gives the host one per pod). */
  maxInterfaces: 5_000,
  /**
   * Host-network pods times the node's interfaces: each such pod reports the host's interfaces as its
   * own (PodNet), so this bounds the events those pods give.
   */
  maxHostNetworkPodInterfaces: 32_768,
  /** Block devices (EBS allows 128 attachments on the largest Nitro instances, plus instance store). */
  maxDisks: 256,
  maxFilesystems: 1_024,
  /** Logical CPUs (the largest EC2 instances have 896). */
  maxCores: 4_096,
  /** MemTotal: 256 TiB (the largest EC2 instances have 32 TiB). */
  maxMemTotalBytes: 2 ** 48,
  /** Every figure: non-negative and exactly representable, so sums and rates of them stay finite. */
  maxFigure: Number.MAX_SAFE_INTEGER,
  /** Shortest interval between two samples: an agent samples every few seconds at the most. */
  minElapsedMs: 1,
  /** Longest identifier or name of a member without a stricter rule (pod uid, container id, device, interface, serial...). */
  maxIdChars: 128,
  maxMountpointChars: 4_096,
} as const;

/** @see https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html (name: 1-100 characters, letters, digits, hyphens, underscores, starting with a letter or digit) */
const CLUSTER_NAME = /^[0-9A-Za-z][0-9A-Za-z_-]{0,99}$/;
/** A DNS-1123 label (namespaces, container names). @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/ */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A DNS-1123 subdomain of at most 253 characters (node and pod names). */
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** True for a cluster name EKS allows. */
export const isClusterName = (name: string): boolean => CLUSTER_NAME.test(name);
/** True for a node name Kubernetes allows (a DNS-1123 subdomain, at most 253 characters). */
export const isNodeName = (name: string): boolean => DNS_SUBDOMAIN.test(name);

/** What a member must be: a string, a finite number, or a finite number when present. */
type Kind = 'string' | 'number' | 'number?';

// Every member of each kind of object, so that the compiler insists on a check for a member added to the type.
const FILESYSTEM_MEMBERS: Record<keyof Filesystem, Kind> = {
  device: 'string',
  mountpoint: 'string',
  fstype: 'string',
  capacityBytes: 'number',
  usageBytes: 'number',
  availableBytes: 'number',
  inodes: 'number?',
  inodesFree: 'number?',
};
const DISK_OPS_MEMBERS: Record<keyof DiskOps, Kind> = { read: 'number?', write: 'number?', sync: 'number?', async: 'number?', total: 'number?' };
const AGENT_MEMBERS: Record<keyof AgentStats, Kind> = {
  version: 'string',
  collectionMs: 'number',
  recordsSent: 'number',
  retries: 'number',
  dropped: 'number',
  bufferedRecords: 'number',
  rssBytes: 'number',
  readErrors: 'number',
  podsVanished: 'number',
  podLogErrors: 'number?',
};
const KIND_TEXT: Record<Kind, string> = { string: 'a string', number: 'a finite number', 'number?': 'a finite number when present' };

/** Checks that `value` is an object whose known members have their kind; members it does not know are left alone. */
function checkMembers(value: unknown, name: string, kinds: Readonly<Record<string, Kind>>): string | undefined {
  if (!isObject(value)) return `record ${name} must be an object, got ${toSnippet(value)}`;
  for (const key in kinds) {
    const kind = kinds[key];
    const v = value[key];
    const good = kind === 'string' ? typeof v === 'string' : kind === 'number' ? isFiniteNumber(v) : v === undefined || isFiniteNumber(v);
    if (!good) return `record ${name}.${key} must be ${KIND_TEXT[kind]}, got ${toSnippet(v)}`;
  }
  return undefined;
}

/** Checks the members that schema 2.x and 1.x write alike: identity, node figures, disks, filesystems, agent. */
function checkSharedMembers(doc: Record<string, unknown>): string | undefined {
  for (const key of ['cluster', 'node'] as const) {
    if (typeof doc[key] !== 'string' || doc[key] === '') return `record ${key} must be a non-empty string, got ${toSnippet(doc[key])}`;
  }
  for (const key of ['timeMs', 'cores', 'memTotalBytes'] as const) {
    if (!isFiniteNumber(doc[key])) return `record ${key} must be a finite number, got ${toSnippet(doc[key])}`;
  }
  // The delta step sends elapsedMs only when the monotonic clock advanced (node-agent/delta.ts): 0 would
  // make every rate infinite, and a fraction of a millisecond rates no real agent produces.
  if (doc.elapsedMs !== undefined && !(isFiniteNumber(doc.elapsedMs) && doc.elapsedMs >= RECORD_LIMITS.minElapsedMs)) {
    return `record elapsedMs must be a number >= ${RECORD_LIMITS.minElapsedMs} (milliseconds) when present, got ${toSnippet(doc.elapsedMs)}`;
  }
  if (doc.cgroupVersion !== 1 && doc.cgroupVersion !== 2) return `record cgroupVersion must be 1 or 2, got ${toSnippet(doc.cgroupVersion)}`;
  for (const key of ['disks', 'filesystems'] as const) {
    if (!Array.isArray(doc[key])) return `record ${key} must be an array, got ${toSnippet(doc[key])}`;
  }
  const disks = doc.disks as unknown[];
  for (let i = 0; i < disks.length; i++) {
    const disk = disks[i];
    if (!isObject(disk) || typeof disk.device !== 'string') return `record disks[${i}] must be an object with a device (string), got ${toSnippet(disk)}`;
    if (disk.serial !== undefined && typeof disk.serial !== 'string') return `record disks[${i}].serial must be a string when present, got ${toSnippet(disk.serial)}`;
    if (disk.deltas === undefined) continue;
    const deltas = disk.deltas;
    if (!isObject(deltas)) return `record disks[${i}].deltas must be an object, got ${toSnippet(deltas)}`;
    const problem = checkMembers(deltas.serviceBytes, `disks[${i}].deltas.serviceBytes`, DISK_OPS_MEMBERS) ?? checkMembers(deltas.serviced, `disks[${i}].deltas.serviced`, DISK_OPS_MEMBERS);
    if (problem) return problem;
  }
  const filesystems = doc.filesystems as unknown[];
  for (let i = 0; i < filesystems.length; i++) {
    const problem = checkMembers(filesystems[i], `filesystems[${i}]`, FILESYSTEM_MEMBERS);
    if (problem) return problem;
  }
  return doc.agent === undefined ? undefined : checkMembers(doc.agent, 'agent', AGENT_MEMBERS);
}

/** Decodes a schema 1.x document (one object per pod and container, as the decoded record). */
function fromSchema1(doc: Record<string, unknown>): Result<NodeRecord> {
  if (!isObject(doc.gauges)) return err('record gauges must be an object');
  for (const key of ['net', 'pods'] as const) {
    if (!Array.isArray(doc[key])) return err(`record ${key} must be an array, got ${toSnippet(doc[key])}`);
  }
  for (const [i, pod] of (doc.pods as unknown[]).entries()) {
    if (!isObject(pod) || typeof pod.uid !== 'string' || !Array.isArray(pod.containers) || !isObject(pod.gauges)) {
      return err(`record pods[${i}] needs uid (string), gauges (object) and containers (array): ${toSnippet(pod)}`);
    }
  }
  return ok(doc as unknown as NodeRecord);
}

/** A value for a message: JSON (a string quoted, so that odd characters show), trimmed. */
const quoted = (v: unknown): string => toSnippet(JSON.stringify(v) ?? String(v));
const FIGURE_TEXT = `a number from 0 to ${RECORD_LIMITS.maxFigure}`;
const isFigure = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= RECORD_LIMITS.maxFigure;
const isId = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= RECORD_LIMITS.maxIdChars;
const ID_TEXT = `a string of 1 to ${RECORD_LIMITS.maxIdChars} characters`;

/** Checks the listed figures of an object (each absent or a figure); `value` must be an object. */
function checkFigures(value: unknown, name: string, fields: readonly string[]): string | undefined {
  if (!isObject(value)) return `record ${name} must be an object, got ${quoted(value)}`;
  for (const field of fields) {
    const v = value[field];
    if (v !== undefined && !isFigure(v)) return `record ${name}.${field} must be ${FIGURE_TEXT} when present, got ${quoted(v)}`;
  }
  return undefined;
}

function checkInterfaces(list: unknown, name: string): string | undefined {
  if (!Array.isArray(list)) return `record ${name} must be an array, got ${quoted(list)}`;
  for (let i = 0; i < list.length; i++) {
    const itf = list[i] as NetInterface;
    if (!isObject(itf) || !isId(itf.name)) return `record ${name}[${i}].name must be ${ID_TEXT}, got ${quoted(isObject(itf) ? itf.name : itf)}`;
    if (itf.deltas !== undefined) {
      const problem = checkFigures(itf.deltas, `${name}[${i}].deltas`, NET_FIELDS);
      if (problem) return problem;
    }
  }
  return undefined;
}

function checkCgroup(value: { gauges?: unknown; deltas?: unknown }, name: string): string | undefined {
  return checkFigures(value.gauges, `${name}.gauges`, GAUGE_FIELDS) ?? (value.deltas === undefined ? undefined : checkFigures(value.deltas, `${name}.deltas`, DELTA_FIELDS));
}

const DISK_OP_FIELDS: readonly (keyof DiskOps)[] = ['read', 'write', 'sync', 'async', 'total'];
const FS_FIGURES: readonly (keyof Filesystem)[] = ['capacityBytes', 'usageBytes', 'availableBytes', 'inodes', 'inodesFree'];
const AGENT_FIGURES = (Object.keys(AGENT_MEMBERS) as (keyof AgentStats)[]).filter((k) => AGENT_MEMBERS[k] !== 'string');

/**
 * The rules on the values of a decoded record, whatever its major: names as EKS and Kubernetes allow
 * them, the bounds of RECORD_LIMITS, figures non-negative and exactly representable, and every member
 * of the documented types (a 1.x document is checked here member by member).
 */
function checkValues(r: NodeRecord): string | undefined {
  if (!isClusterName(r.cluster)) return `record cluster ${quoted(r.cluster)} is not a cluster name EKS allows (1-100 letters, digits, - or _, starting with a letter or digit)`;
  if (!isNodeName(r.node)) return `record node ${quoted(r.node)} is not a node name Kubernetes allows (a DNS-1123 subdomain: lower-case letters, digits, - and ., at most 253 characters)`;
  if (!isFigure(r.timeMs)) return `record timeMs must be ${FIGURE_TEXT}, got ${quoted(r.timeMs)}`;
  if (!(Number.isInteger(r.cores) && r.cores >= 1 && r.cores <= RECORD_LIMITS.maxCores)) return `record cores must be an integer from 1 to ${RECORD_LIMITS.maxCores}, got ${quoted(r.cores)}`;
  if (!(Number.isInteger(r.memTotalBytes) && r.memTotalBytes >= 1 && r.memTotalBytes <= RECORD_LIMITS.maxMemTotalBytes)) {
    return `record memTotalBytes must be an integer from 1 to ${RECORD_LIMITS.maxMemTotalBytes}, got ${quoted(r.memTotalBytes)}`;
  }
  if (r.pods.length > RECORD_LIMITS.maxPods) return `record has ${r.pods.length} pods; a node has at most ${RECORD_LIMITS.maxPods}`;
  if (r.disks.length > RECORD_LIMITS.maxDisks) return `record has ${r.disks.length} disks; a node has at most ${RECORD_LIMITS.maxDisks}`;
  if (r.filesystems.length > RECORD_LIMITS.maxFilesystems) return `record has ${r.filesystems.length} filesystems; a node has at most ${RECORD_LIMITS.maxFilesystems}`;
  let containers = 0;
  let interfaces = Array.isArray(r.net) ? r.net.length : 0;
  let hostNetworkPods = 0;
  for (const pod of r.pods) {
    if (isObject(pod)) {
      containers += Array.isArray(pod.containers) ? pod.containers.length : 0;
      interfaces += Array.isArray(pod.net) ? pod.net.length : 0;
      if (pod.hostNetwork === true) hostNetworkPods += 1;
    }
  }
  if (containers > RECORD_LIMITS.maxContainers) return `record has ${containers} containers; a node has at most ${RECORD_LIMITS.maxContainers}`;
  if (interfaces > RECORD_LIMITS.maxInterfaces) return `record has ${interfaces} network interfaces; a node has at most ${RECORD_LIMITS.maxInterfaces}`;
  if (hostNetworkPods * r.net.length > RECORD_LIMITS.maxHostNetworkPodInterfaces) {
    return `record has ${hostNetworkPods} host-network pods and ${r.net.length} host interfaces, ${hostNetworkPods * r.net.length} pod interfaces in all; a node has at most ${RECORD_LIMITS.maxHostNetworkPodInterfaces}`;
  }
  const problem = checkCgroup(r, 'node') ?? checkInterfaces(r.net, 'net');
  if (problem) return problem;
  for (let i = 0; i < r.disks.length; i++) {
    const disk = r.disks[i];
    if (!isId(disk.device)) return `record disks[${i}].device must be ${ID_TEXT}, got ${quoted(disk.device)}`;
    if (disk.serial !== undefined && !isId(disk.serial)) return `record disks[${i}].serial must be ${ID_TEXT} when present, got ${quoted(disk.serial)}`;
    if (disk.deltas !== undefined) {
      const p = checkFigures(disk.deltas.serviceBytes, `disks[${i}].deltas.serviceBytes`, DISK_OP_FIELDS) ?? checkFigures(disk.deltas.serviced, `disks[${i}].deltas.serviced`, DISK_OP_FIELDS);
      if (p) return p;
    }
  }
  for (let i = 0; i < r.filesystems.length; i++) {
    const fs = r.filesystems[i];
    if (!isId(fs.device) || !isId(fs.fstype)) return `record filesystems[${i}] device and fstype must be ${ID_TEXT}, got ${quoted(fs.device)} and ${quoted(fs.fstype)}`;
    if (fs.mountpoint.length > RECORD_LIMITS.maxMountpointChars) return `record filesystems[${i}].mountpoint is longer than ${RECORD_LIMITS.maxMountpointChars} characters`;
    const p = checkFigures(fs, `filesystems[${i}]`, FS_FIGURES);
    if (p) return p;
  }
  for (let i = 0; i < r.pods.length; i++) {
    const pod = r.pods[i];
    const name = `pods[${i}]`;
    if (!isObject(pod)) return `record ${name} must be an object, got ${quoted(pod)}`;
    if (!isId(pod.uid)) return `record ${name}.uid must be ${ID_TEXT}, got ${quoted(pod.uid)}`;
    if (pod.qos !== 'Guaranteed' && pod.qos !== 'Burstable' && pod.qos !== 'BestEffort') return `record ${name}.qos must be Guaranteed, Burstable or BestEffort, got ${quoted(pod.qos)}`;
    if (pod.hostNetwork !== undefined && typeof pod.hostNetwork !== 'boolean') return `record ${name}.hostNetwork must be a boolean when present, got ${quoted(pod.hostNetwork)}`;
    if (pod.namespace !== undefined && !(typeof pod.namespace === 'string' && DNS_LABEL.test(pod.namespace))) return `record ${name}.namespace ${quoted(pod.namespace)} is not a namespace Kubernetes allows (a DNS-1123 label)`;
    if (pod.name !== undefined && !(typeof pod.name === 'string' && DNS_SUBDOMAIN.test(pod.name))) return `record ${name}.name ${quoted(pod.name)} is not a pod name Kubernetes allows (a DNS-1123 subdomain)`;
    if (pod.restartsDelta !== undefined && !isFigure(pod.restartsDelta)) return `record ${name}.restartsDelta must be ${FIGURE_TEXT} when present, got ${quoted(pod.restartsDelta)}`;
    const p = checkCgroup(pod, name) ?? (pod.net === undefined ? undefined : checkInterfaces(pod.net, `${name}.net`));
    if (p) return p;
    if (!Array.isArray(pod.containers)) return `record ${name}.containers must be an array, got ${quoted(pod.containers)}`;
    for (let k = 0; k < pod.containers.length; k++) {
      const c = pod.containers[k];
      const cname = `${name}.containers[${k}]`;
      if (!isObject(c)) return `record ${cname} must be an object, got ${quoted(c)}`;
      if (!isId(c.id)) return `record ${cname}.id must be ${ID_TEXT}, got ${quoted(c.id)}`;
      if (c.runtime !== undefined && !isId(c.runtime)) return `record ${cname}.runtime must be ${ID_TEXT} when present, got ${quoted(c.runtime)}`;
      if (c.name !== undefined && !(typeof c.name === 'string' && DNS_LABEL.test(c.name))) return `record ${cname}.name ${quoted(c.name)} is not a container name Kubernetes allows (a DNS-1123 label)`;
      if (c.restartsDelta !== undefined && !isFigure(c.restartsDelta)) return `record ${cname}.restartsDelta must be ${FIGURE_TEXT} when present, got ${quoted(c.restartsDelta)}`;
      const cp = checkCgroup(c, cname);
      if (cp) return cp;
    }
  }
  if (r.agent !== undefined) {
    if (r.agent.version.length > RECORD_LIMITS.maxIdChars) return `record agent.version is longer than ${RECORD_LIMITS.maxIdChars} characters`;
    return checkFigures(r.agent, 'agent', AGENT_FIGURES);
  }
  return undefined;
}

/**
 * Checks a JSON document against the node record contract and returns the decoded record: the one
 * place where a record from outside is judged (the enricher reaches it through parseRecordData,
 * `kinsight replay` through parseRecordJson). Dispatches on the major of `schemaVersion`: 2.x
 * (columns, wire-record.ts) and 1.x (objects); rejects an unknown major, a missing member or a
 * malformed structure with a message naming the member. Members and columns it does not know are
 * ignored (a later minor version adds them). What it accepts in a 2.x document is what
 * record.schema.json accepts, plus the rules between members that JSON Schema cannot state (column
 * lengths, container counts, interface owners); a test holds the two together.
 *
 * After the decode, the rules on values (checkValues: names, RECORD_LIMITS, non-negative figures),
 * on the NodeRecord, so that both majors get them. Whether the cluster belongs to the fleet is the
 * caller's to check (the enricher through its signing keys, `kinsight replay` through `--clusters`).
 */
export function parseRecord(value: unknown): Result<NodeRecord> {
  if (!isObject(value)) return err(`record is not a JSON object: ${toSnippet(value)}`);
  const version = value.schemaVersion;
  if (typeof version !== 'string' || !/^\d+\.\d+$/.test(version)) {
    return err(`record schemaVersion ${toSnippet(version)} is not "<major>.<minor>"; expected "${RECORD_SCHEMA_VERSION}"`);
  }
  const major = version.slice(0, version.indexOf('.'));
  if (!RECORD_SCHEMA_MAJORS.some((m) => String(m) === major)) {
    const known = RECORD_SCHEMA_MAJORS.map((m) => `${m}.x`).join(' and ');
    return err(`record schemaVersion "${version}" has unknown major ${major}; this reader understands ${known} (upgrade the enricher or downgrade the agent)`);
  }
  const problem = checkSharedMembers(value);
  if (problem) return err(problem);
  const decoded = major === '2' ? fromWireRecord(value) : fromSchema1(value);
  if (!decoded.ok) return decoded;
  const invalid = checkValues(decoded.value);
  return invalid === undefined ? decoded : err(invalid);
}

import { toSnippet } from '../errors';
import { err, ok, type Result } from '../result';
import type { AgentStats, DiskOps, Filesystem, NodeRecord } from './index';
import { isFiniteNumber, isObject } from './json-guards';
import { fromWireRecord, RECORD_SCHEMA_VERSION } from './wire-record';

/**
 * The majors this code reads: 2 (columns, what agents write since 0.2) and 1 (one object per pod and
 * container, what earlier agents wrote: still read so that a rolling upgrade loses nothing).
 */
export const RECORD_SCHEMA_MAJORS: readonly number[] = [2, 1];

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
  // The delta step sends elapsedMs only when the monotonic clock advanced (node-agent/delta.ts): 0 would make every rate infinite.
  if (doc.elapsedMs !== undefined && !(isFiniteNumber(doc.elapsedMs) && doc.elapsedMs > 0)) {
    return `record elapsedMs must be a number > 0 when present, got ${toSnippet(doc.elapsedMs)}`;
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
 * Rules on values (bounds per record, node names, non-negative figures, the fleet's clusters) are
 * not checked yet; they belong after the decode below, on the NodeRecord, so that both majors and
 * every caller get them.
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
  return major === '2' ? fromWireRecord(value) : fromSchema1(value);
}

import { toSnippet } from '../errors';
import { err, ok, type Result } from '../result';
import type { NodeRecord } from './index';
import { isFiniteNumber, isObject } from './json-guards';
import { fromWireRecord, RECORD_SCHEMA_VERSION } from './wire-record';

/**
 * The majors this code reads: 2 (columns, what agents write since 0.2) and 1 (one object per pod and
 * container, what earlier agents wrote: still read so that a rolling upgrade loses nothing).
 */
export const RECORD_SCHEMA_MAJORS: readonly number[] = [2, 1];

/** Checks the members that schema 2.x and 1.x write alike: identity, node figures, disks and filesystems as arrays. */
function checkSharedMembers(doc: Record<string, unknown>): string | undefined {
  for (const key of ['cluster', 'node'] as const) {
    if (typeof doc[key] !== 'string' || doc[key] === '') return `record ${key} must be a non-empty string, got ${toSnippet(doc[key])}`;
  }
  for (const key of ['timeMs', 'cores', 'memTotalBytes'] as const) {
    if (!isFiniteNumber(doc[key])) return `record ${key} must be a finite number, got ${toSnippet(doc[key])}`;
  }
  if (doc.elapsedMs !== undefined && !(isFiniteNumber(doc.elapsedMs) && doc.elapsedMs >= 0)) {
    return `record elapsedMs must be a number >= 0 when present, got ${toSnippet(doc.elapsedMs)}`;
  }
  if (doc.cgroupVersion !== 1 && doc.cgroupVersion !== 2) return `record cgroupVersion must be 1 or 2, got ${toSnippet(doc.cgroupVersion)}`;
  for (const key of ['disks', 'filesystems'] as const) {
    if (!Array.isArray(doc[key])) return `record ${key} must be an array, got ${toSnippet(doc[key])}`;
  }
  return undefined;
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
 * malformed structure with a message naming the member. Columns it does not know are ignored (a
 * later minor version adds them). The full structure is described by record.schema.json.
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
  const major = Number(version.split('.')[0]);
  if (!RECORD_SCHEMA_MAJORS.includes(major)) {
    const known = RECORD_SCHEMA_MAJORS.map((m) => `${m}.x`).join(' and ');
    return err(`record schemaVersion "${version}" has unknown major ${major}; this reader understands ${known} (upgrade the enricher or downgrade the agent)`);
  }
  const problem = checkSharedMembers(value);
  if (problem) return err(problem);
  return major === 2 ? fromWireRecord(value) : fromSchema1(value);
}

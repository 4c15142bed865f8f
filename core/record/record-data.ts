import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { toSnippet } from '../errors';
import { KINESIS_MAX_PARTITION_KEY_CHARS } from '../limits';
import { err, ok, type Result } from '../result';
import type { NodeRecord } from './index';
import { parseRecord } from './parse-record';
import { toWireRecord } from './wire-record';

/**
 * The record codec: the one place where a node record becomes bytes and bytes become a record. The
 * data of a Kinesis record is the wire document (schema 2.x, wire-record.ts) as UTF-8 JSON,
 * gzip-compressed. `toRecordData` and `parseRecordData` are the data path, one function each way;
 * `toRecordJson` and `parseRecordJson` are their JSON step, for the text forms (`kinsight agent
 * --dry-run` prints it, `kinsight replay` reads it). Nothing else in the project compresses or
 * parses records.
 *
 * Agents of a fleet sign their records: `toSignedRecordData` wraps the same gzip bytes in an
 * envelope that names the cluster and its key, and `openRecordData` (the enricher's way in) verifies
 * it before inflating. Checks of values go into parseRecord, which every reader reaches.
 */

/**
 * Largest inflated record a reader accepts unless told otherwise: far above what an agent sends
 * (about 80 KB of JSON for 110 pods and 250 containers), and a bound on what a hostile few hundred
 * bytes of gzip can make a reader allocate.
 */
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Hex characters of the digest that stands for the end of a partition key too long for Kinesis (128 bits). */
const PARTITION_KEY_DIGEST_CHARS = 32;

/**
 * The partition key of a node's records, `<cluster>/<node>`: every record of a node lands on the same
 * shard, in order. Kinesis refuses a key over 256 characters, which a 100-character cluster name and a
 * node name near Kubernetes' 253 make: such a key keeps its first 223 characters (the cluster name,
 * the slash and the start of the node name) and ends in `~` and 32 hex characters of the SHA-256 of
 * the whole key, so that it stays one key per node. Keys within the limit are unchanged (so are the
 * shards their records go to).
 * @see https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecordsRequestEntry.html
 */
export function toPartitionKey(cluster: string, node: string): string {
  const key = `${cluster}/${node}`;
  // Counted in UTF-16 units, never fewer than characters: within the limit however Kinesis counts.
  if (key.length <= KINESIS_MAX_PARTITION_KEY_CHARS) return key;
  const room = KINESIS_MAX_PARTITION_KEY_CHARS - PARTITION_KEY_DIGEST_CHARS - 1;
  let head = '';
  for (const char of key) {
    // Whole characters only: a surrogate pair cut in two would not survive UTF-8.
    if (head.length + char.length > room) break;
    head += char;
  }
  return `${head}~${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, PARTITION_KEY_DIGEST_CHARS)}`;
}

/** A record as its wire document in JSON text, as it is compressed and as `kinsight replay` reads it. */
export const toRecordJson = (record: NodeRecord): string => JSON.stringify(toWireRecord(record));

/** Decodes the JSON text of a record (any schema version this code reads), or says why it cannot be read. */
export function parseRecordJson(text: string): Result<NodeRecord> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return err(`record is not JSON (${(error as Error).message}): ${toSnippet(text)}`);
  }
  return parseRecord(value);
}

/** Encodes a record as the data of its Kinesis record: the wire document's JSON, gzip-compressed. */
export const toRecordData = (record: NodeRecord): Uint8Array => gzipSync(toRecordJson(record));

/**
 * Decodes the data of a Kinesis record (the bytes, after the base64 of the Kinesis API) into a node
 * record, or says why it can never be read: not gzip, larger than `maxBytes` once inflated (the
 * inflation stops there), not JSON, or not a record (parseRecord).
 */
export function parseRecordData(bytes: Uint8Array, maxBytes: number): Result<NodeRecord> {
  let text: string;
  try {
    text = gunzipSync(bytes, { maxOutputLength: maxBytes }).toString('utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') return err(`record inflates to more than ${maxBytes} bytes; the agent never sends records that large`);
    return err(`record is not gzip data (${(error as Error).message}); first bytes ${Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(8, bytes.byteLength)).toString('hex')}`);
  }
  return parseRecordJson(text);
}

/**
 * The signed form of a record's data (docs/record-format.md, "Signed records"): an envelope around
 * the same gzip bytes, so that the enricher can tell which cluster's key signed a record before it
 * inflates it, and reject a record that a cluster's agent wrote in another cluster's name.
 *
 * ```
 * offset  size  content
 * 0       3     "ks" 0x01: envelope version 1 (gzip data starts 0x1f 0x8b: the two forms never collide)
 * 3       1     L: length of the cluster name (1..100, EKS's limit)
 * 4       L     the cluster name, ASCII
 * 4+L     1     K: length of the key id (1..64)
 * 5+L     K     the key id, ASCII (the Secrets Manager version id of the cluster's key)
 * 5+L+K   32    HMAC-SHA256 with the key over every byte before it and the payload
 * 37+L+K  ...   the payload: exactly what toRecordData gives
 * ```
 * The record inside must name the envelope's cluster (openRecordData checks it).
 */
const ENVELOPE_MAGIC = [0x6b, 0x73, 0x01] as const;
const MAC_BYTES = 32;
/** @see https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html (name: 1-100 characters) */
const MAX_ENVELOPE_CLUSTER_CHARS = 100;
const MAX_KEY_ID_CHARS = 64;

/** A key a cluster's agents sign records with: its id travels in the envelope, its secret never does. */
export interface RecordSigningKey {
  readonly id: string;
  readonly secret: Uint8Array;
}

/** What the envelope of a record's data says before anything is verified or inflated. */
export type RecordEnvelope =
  | { readonly signed: false; readonly payload: Uint8Array }
  | { readonly signed: true; readonly cluster: string; readonly keyId: string; readonly payload: Uint8Array; readonly signedPart: Uint8Array; readonly mac: Uint8Array };

const isAsciiName = (text: string, max: number): boolean => text.length >= 1 && text.length <= max && /^[\x21-\x7e]+$/.test(text);

const hmac = (secret: Uint8Array, header: Uint8Array, payload: Uint8Array): Buffer => createHmac('sha256', secret).update(header).update(payload).digest();

/** Encodes a record as signed data with `key`: the envelope names the record's cluster and the key's id. */
export function toSignedRecordData(record: NodeRecord, key: RecordSigningKey): Uint8Array {
  return signRecordData(record.cluster, toRecordData(record), key);
}

/**
 * Wraps data that `toRecordData` made for a record of `cluster` in the signed envelope, with `key`:
 * what `toSignedRecordData` does, for a sender that keeps the data and signs it later (the agent
 * signs a buffered record with the key that is current when it sends it). The record inside must
 * name `cluster`, or openRecordData rejects it.
 */
export function signRecordData(cluster: string, data: Uint8Array, key: RecordSigningKey): Uint8Array {
  if (!isAsciiName(cluster, MAX_ENVELOPE_CLUSTER_CHARS)) throw new RangeError(`cluster name ${toSnippet(cluster)} cannot be signed: expected 1-${MAX_ENVELOPE_CLUSTER_CHARS} printable ASCII characters`);
  if (!isAsciiName(key.id, MAX_KEY_ID_CHARS)) throw new RangeError(`key id ${toSnippet(key.id)} cannot be signed: expected 1-${MAX_KEY_ID_CHARS} printable ASCII characters`);
  const header = Buffer.concat([Buffer.from(ENVELOPE_MAGIC), Buffer.from([cluster.length]), Buffer.from(cluster, 'ascii'), Buffer.from([key.id.length]), Buffer.from(key.id, 'ascii')]);
  return Buffer.concat([header, hmac(key.secret, header, data), data]);
}

/** Reads the envelope of a record's data (signed or not); a malformed envelope is an error. Nothing is verified yet. */
export function readRecordEnvelope(bytes: Uint8Array): Result<RecordEnvelope> {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!(data[0] === ENVELOPE_MAGIC[0] && data[1] === ENVELOPE_MAGIC[1])) return ok({ signed: false, payload: bytes });
  if (data[2] !== ENVELOPE_MAGIC[2]) return err(`record envelope version ${data[2]} is unknown; this reader understands version ${ENVELOPE_MAGIC[2]} (upgrade the enricher)`);
  const clusterLength = data[3] ?? 0;
  const keyAt = 4 + clusterLength;
  const keyLength = data[keyAt] ?? 0;
  const macAt = keyAt + 1 + keyLength;
  if (data.byteLength < macAt + MAC_BYTES) return err(`record envelope is truncated: ${data.byteLength} bytes`);
  const cluster = data.toString('latin1', 4, keyAt);
  const keyId = data.toString('latin1', keyAt + 1, macAt);
  if (!isAsciiName(cluster, MAX_ENVELOPE_CLUSTER_CHARS)) return err(`record envelope names cluster ${toSnippet(cluster)}: expected 1-${MAX_ENVELOPE_CLUSTER_CHARS} printable ASCII characters`);
  if (!isAsciiName(keyId, MAX_KEY_ID_CHARS)) return err(`record envelope names key id ${toSnippet(keyId)}: expected 1-${MAX_KEY_ID_CHARS} printable ASCII characters`);
  return ok({ signed: true, cluster, keyId, signedPart: data.subarray(0, macAt), mac: data.subarray(macAt, macAt + MAC_BYTES), payload: data.subarray(macAt + MAC_BYTES) });
}

/** Options of {@link openRecordData}. */
export interface OpenRecordOptions {
  /** Largest inflated record accepted. */
  readonly maxBytes: number;
  /** The secret of a cluster's key by id; undefined when the cluster or the key is unknown. */
  readonly keyOf: (cluster: string, keyId: string) => Uint8Array | undefined;
  /**
   * Reject data that carries no signature.
   * @default true
   */
  readonly requireSignature?: boolean;
}

/**
 * Decodes the data of a Kinesis record the way the enricher must: a signed record is verified with
 * its cluster's key before it is inflated, and must name the cluster that signed it; unsigned data
 * is rejected unless `requireSignature` is false. Every failure says why the record can never be read.
 */
export function openRecordData(bytes: Uint8Array, options: OpenRecordOptions): Result<NodeRecord> {
  const envelope = readRecordEnvelope(bytes);
  if (!envelope.ok) return envelope;
  const e = envelope.value;
  if (!e.signed) {
    if (options.requireSignature !== false) return err('record is not signed; every agent of the fleet signs its records with its cluster\'s key (an agent older than 0.3, or one deployed outside the fleet?)');
    return parseRecordData(e.payload, options.maxBytes);
  }
  const secret = options.keyOf(e.cluster, e.keyId);
  if (secret === undefined) return err(`record is signed for cluster ${toSnippet(e.cluster)} with key ${toSnippet(e.keyId)}, which is not a key of that cluster in this fleet`);
  const expected = hmac(secret, e.signedPart, e.payload);
  if (!timingSafeEqual(expected, e.mac)) return err(`record signature does not verify with key ${toSnippet(e.keyId)} of cluster ${toSnippet(e.cluster)}: it was not signed by that cluster's agents, or it was altered`);
  const record = parseRecordData(e.payload, options.maxBytes);
  if (!record.ok) return record;
  if (record.value.cluster !== e.cluster) return err(`record names cluster ${toSnippet(record.value.cluster)} but was signed with the key of cluster ${toSnippet(e.cluster)}`);
  return record;
}

import { gunzipSync, gzipSync } from 'node:zlib';
import { toSnippet } from '../errors';
import { err, type Result } from '../result';
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
 * Room left for what comes next: an envelope around the gzip bytes (a signature) goes inside
 * toRecordData and parseRecordData; checks of values go into parseRecord, which every reader reaches.
 */

/**
 * Largest inflated record a reader accepts unless told otherwise: far above what an agent sends
 * (about 80 KB of JSON for 110 pods and 250 containers), and a bound on what a hostile few hundred
 * bytes of gzip can make a reader allocate.
 */
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** The partition key of a node's records: every record of a node lands on the same shard, in order. */
export const toPartitionKey = (cluster: string, node: string): string => `${cluster}/${node}`;

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

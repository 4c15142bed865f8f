import { gunzipSync, gzipSync } from 'node:zlib';
import { toPartitionKey, type NodeRecord } from '../../core/record';
import { toWireRecord } from '../../core/record-wire';
import type { PutRecordsEntry } from './kinesis-port';

/**
 * Encodes a record as one Kinesis entry: its wire document (schema 2.x, columns) as JSON,
 * gzip-compressed, partition key `<cluster>/<node>` so that the records of a node stay in order on
 * one shard.
 */
export function toKinesisEntry(record: NodeRecord): PutRecordsEntry {
  return { data: gzipSync(JSON.stringify(toWireRecord(record))), partitionKey: toPartitionKey(record.cluster, record.node) };
}

/** Decodes the data of an entry made by {@link toKinesisEntry} back to JSON (not yet validated: see parseRecord). */
export function fromKinesisData(data: Uint8Array): unknown {
  return JSON.parse(gunzipSync(data).toString('utf8'));
}

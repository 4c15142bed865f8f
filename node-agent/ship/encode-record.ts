import type { NodeRecord } from '../../core/record';
import { toPartitionKey, toRecordData } from '../../core/record/record-data';
import type { PutRecordsEntry } from './kinesis-port';

/**
 * Encodes a record as one Kinesis entry: its data from the record codec (the wire document, schema
 * 2.x, as gzip-compressed JSON), partition key `<cluster>/<node>` (within Kinesis' 256 characters,
 * see toPartitionKey) so that the records of a node stay in order on one shard.
 */
export function toKinesisEntry(record: NodeRecord): PutRecordsEntry {
  return { data: toRecordData(record), partitionKey: toPartitionKey(record.cluster, record.node) };
}

import { KINESIS_MAX_BYTES_PER_PUT, KINESIS_MAX_RECORD_BYTES, KINESIS_MAX_RECORDS_PER_PUT } from '../../core/limits';
import type { PutRecordsEntry } from './kinesis-port';

/** PutRecords limits; tests pass smaller ones. */
export interface BatchLimits {
  /** @default KINESIS_MAX_RECORDS_PER_PUT (500) */
  maxRecords: number;
  /** Data plus partition key of all entries of one call. @default KINESIS_MAX_BYTES_PER_PUT (5 MiB) */
  maxBytes: number;
  /** Data plus partition key of one entry. @default KINESIS_MAX_RECORD_BYTES (1 MiB) */
  maxRecordBytes: number;
}

/** @see https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html */
export const PUT_RECORDS_LIMITS: BatchLimits = {
  maxRecords: KINESIS_MAX_RECORDS_PER_PUT,
  maxBytes: KINESIS_MAX_BYTES_PER_PUT,
  maxRecordBytes: KINESIS_MAX_RECORD_BYTES,
};

/** Size Kinesis counts for an entry: data plus the UTF-8 partition key. */
export const toEntryBytes = (e: PutRecordsEntry): number => e.data.byteLength + Buffer.byteLength(e.partitionKey, 'utf8');

/**
 * Splits entries, in order, into PutRecords calls that respect the record count and byte limits.
 * An entry larger than the per-record limit can never be sent: it is returned in `oversized`.
 */
export function packBatches<T extends PutRecordsEntry>(entries: readonly T[], limits: BatchLimits = PUT_RECORDS_LIMITS): { batches: T[][]; oversized: T[] } {
  const batches: T[][] = [];
  const oversized: T[] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = toEntryBytes(entry);
    if (size > limits.maxRecordBytes) {
      oversized.push(entry);
      continue;
    }
    if (current.length > 0 && (current.length >= limits.maxRecords || bytes + size > limits.maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return { batches, oversized };
}

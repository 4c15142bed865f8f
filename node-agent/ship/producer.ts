import { toSnippet } from '../../core/errors';
import { toBackoffMs, type BackoffOptions } from './backoff';
import type { PutRecordsEntry, PutRecordsPort } from './kinesis-port';
import { packBatches, PUT_RECORDS_LIMITS, type BatchLimits } from './pack-batches';

/** What the producer needs. */
export interface ProducerOptions {
  port: PutRecordsPort;
  /**
   * Records kept while Kinesis is unreachable; beyond it the oldest are dropped and counted.
   * Must hold at least 15 intervals of records (one record per interval).
   * @default 60 (one hour at the default 60 s interval)
   */
  capacityRecords?: number;
  /** PutRecords calls per flush before the rest waits for the next flush. @default 4 */
  maxAttempts?: number;
  /** @default { baseDelayMs: 200, maxDelayMs: 5000 } */
  backoff?: BackoffOptions;
  /** @default PUT_RECORDS_LIMITS */
  limits?: BatchLimits;
  /** Uniform [0, 1) source for jitter (Math.random in production). */
  random: () => number;
  /** Waits between attempts (a timer in production, instant in tests). */
  sleep: (ms: number) => Promise<void>;
  /** Monotonic milliseconds, to honour a flush deadline. */
  now: () => number;
}

/** Cumulative figures since the producer was made. */
export interface ProducerStats {
  sent: number;
  /** Entries sent again after a failed entry or a failed call. */
  retries: number;
  /** Entries dropped: buffer overflow (oldest first) or larger than a Kinesis record can be. */
  dropped: number;
  buffered: number;
}

/** The outcome of one flush. */
export interface FlushResult {
  sent: number;
  /** Entries still buffered because they failed every attempt (or the deadline came). */
  remaining: number;
  /** The last error of a failed call, for the log. */
  lastError?: string;
}

/** Buffers encoded records and sends them with PutRecords. */
export interface Producer {
  /** Adds an entry; drops the oldest when the buffer is full. */
  enqueue(entry: PutRecordsEntry): void;
  /** Sends what is buffered, retrying only failed entries with capped jittered backoff. Never throws for Kinesis failures. */
  flush(options?: { deadlineMs?: number }): Promise<FlushResult>;
  stats(): ProducerStats;
}

/** The smallest buffer the design allows: 15 intervals of one record. */
export const MIN_BUFFER_RECORDS = 15;

/**
 * Creates a Kinesis producer with a bounded in-memory buffer. Order is kept: entries leave the
 * buffer only once Kinesis stored them, and failed entries stay ahead of newer ones.
 */
export function createProducer(options: ProducerOptions): Producer {
  const capacity = options.capacityRecords ?? 60;
  if (!Number.isInteger(capacity) || capacity < MIN_BUFFER_RECORDS) {
    throw new RangeError(`producer capacityRecords ${capacity} is too small; expected an integer >= ${MIN_BUFFER_RECORDS} (15 intervals of records)`);
  }
  const maxAttempts = options.maxAttempts ?? 4;
  const backoff = options.backoff ?? { baseDelayMs: 200, maxDelayMs: 5000 };
  const limits = options.limits ?? PUT_RECORDS_LIMITS;
  let buffer: PutRecordsEntry[] = [];
  const totals = { sent: 0, retries: 0, dropped: 0 };

  const enqueue = (entry: PutRecordsEntry): void => {
    buffer.push(entry);
    const excess = buffer.length - capacity;
    if (excess > 0) {
      buffer = buffer.slice(excess);
      totals.dropped += excess;
    }
  };

  const flush = async (flushOptions?: { deadlineMs?: number }): Promise<FlushResult> => {
    let sent = 0;
    let lastError: string | undefined;
    for (let attempt = 1; buffer.length > 0; attempt += 1) {
      const { batches, oversized } = packBatches(buffer, limits);
      const done = new Set<PutRecordsEntry>(oversized);
      totals.dropped += oversized.length;
      let failed = 0;
      for (const batch of batches) {
        try {
          const results = await options.port.putRecords(batch);
          results.forEach((r, i) => {
            if (r.errorCode === undefined) done.add(batch[i]);
            else {
              failed += 1;
              lastError = `${r.errorCode}: ${toSnippet(r.errorMessage ?? '')}`;
            }
          });
        } catch (error) {
          // The whole call failed (endpoint down, credentials): keep every entry, later batches wait too.
          const e = error as { name?: unknown; message?: unknown };
          lastError = typeof e?.message === 'string' ? `${String(e.name)}: ${toSnippet(e.message, 200)}` : toSnippet(error);
          failed += buffer.length - done.size;
          break;
        }
      }
      const before = buffer.length;
      buffer = buffer.filter((e) => !done.has(e));
      const stored = before - buffer.length - oversized.length;
      sent += stored;
      totals.sent += stored;
      if (failed === 0 || buffer.length === 0) break;
      const delay = toBackoffMs(attempt, options.random, backoff);
      if (attempt >= maxAttempts || (flushOptions?.deadlineMs !== undefined && options.now() + delay >= flushOptions.deadlineMs)) break;
      totals.retries += buffer.length;
      await options.sleep(delay);
    }
    return { sent, remaining: buffer.length, ...(lastError !== undefined && buffer.length > 0 ? { lastError } : {}) };
  };

  return { enqueue, flush, stats: () => ({ ...totals, buffered: buffer.length }) };
}

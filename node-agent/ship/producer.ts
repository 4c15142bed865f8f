import { toSnippet } from '../../core/errors';
import type { Result } from '../../core/result';
import { toBackoffMs, type BackoffOptions } from '../../core/backoff';
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
  /**
   * Waits between attempts (a timer in production, instant in tests), cut short when `signal`
   * (the flush's) aborts. Stopping the agent does not cut it: a shutdown flush keeps its backoff.
   */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Monotonic milliseconds, to honour a flush deadline. */
  now: () => number;
  /**
   * Turns buffered data into the data sent, when it is sent (the agent signs it with the key
   * current then). An error keeps every entry buffered for a later flush, with the error as the
   * flush's `lastError` (no signing key yet).
   * @default the data as buffered
   */
  seal?: (data: Uint8Array) => Result<Uint8Array>;
  /** Told of every drop when it happens, with its cause. @default nothing */
  onDrop?: (event: DropEvent) => void;
}

/** Records the producer dropped at once, and why. */
export interface DropEvent {
  /** `buffer-full`: the oldest, to make room; `too-large`: over the Kinesis record limit, never sendable. */
  readonly reason: 'buffer-full' | 'too-large';
  readonly records: number;
  /** Records still buffered after the drop. */
  readonly buffered: number;
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

/** Bounds of one flush. */
export interface FlushOptions {
  /** Monotonic ms after which no new attempt starts. @default none */
  readonly deadlineMs?: number;
  /** Aborts the flush and the request in flight (the shutdown deadline). @default none */
  readonly signal?: AbortSignal;
}

/** Buffers encoded records and sends them with PutRecords. */
export interface Producer {
  /** Adds an entry; drops the oldest when the buffer is full. */
  enqueue(entry: PutRecordsEntry): void;
  /**
   * Sends what is buffered, retrying only failed entries with capped jittered backoff, and starts no
   * wait that would end past `deadlineMs`. `signal` ends the flush where it is: a request in flight
   * is aborted (its entries stay buffered), and no attempt or wait follows. Never throws for
   * Kinesis failures.
   */
  flush(options?: FlushOptions): Promise<FlushResult>;
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

  const drop = (reason: DropEvent['reason'], records: number): void => {
    totals.dropped += records;
    options.onDrop?.({ reason, records, buffered: buffer.length });
  };

  const enqueue = (entry: PutRecordsEntry): void => {
    buffer.push(entry);
    const excess = buffer.length - capacity;
    if (excess > 0) {
      buffer = buffer.slice(excess);
      drop('buffer-full', excess);
    }
  };

  /** What each buffered entry is sent as, this attempt: sealed with what is current now. */
  const toOutgoing = (): Result<Map<PutRecordsEntry, PutRecordsEntry>> => {
    const out = new Map<PutRecordsEntry, PutRecordsEntry>();
    for (const entry of buffer) {
      if (!options.seal) {
        out.set(entry, entry);
        continue;
      }
      const sealed = options.seal(entry.data);
      if (!sealed.ok) return sealed;
      out.set(entry, { data: sealed.value, partitionKey: entry.partitionKey });
    }
    return { ok: true, value: out };
  };

  const flush = async (flushOptions: FlushOptions = {}): Promise<FlushResult> => {
    const { signal, deadlineMs } = flushOptions;
    let sent = 0;
    let lastError: string | undefined;
    for (let attempt = 1; buffer.length > 0 && !signal?.aborted; attempt += 1) {
      const outgoing = toOutgoing();
      if (!outgoing.ok) {
        lastError = outgoing.error;
        break;
      }
      // Batches are packed from what is sent (a signed entry is larger), entries are kept as buffered.
      const original = new Map([...outgoing.value].map(([kept, out]) => [out, kept]));
      const { batches, oversized } = packBatches([...outgoing.value.values()], limits);
      const done = new Set<PutRecordsEntry>(oversized.map((e) => original.get(e) as PutRecordsEntry));
      let failed = 0;
      for (const batch of batches) {
        try {
          const results = await options.port.putRecords(batch, signal);
          results.forEach((r, i) => {
            if (r.errorCode === undefined) done.add(original.get(batch[i]) as PutRecordsEntry);
            else {
              failed += 1;
              lastError = `${r.errorCode}: ${toSnippet(r.errorMessage ?? '')}`;
            }
          });
        } catch (error) {
          // The whole call failed (endpoint down, credentials, the deadline): keep every entry, later batches wait too.
          const e = error as { name?: unknown; message?: unknown };
          lastError = typeof e?.message === 'string' ? `${String(e.name)}: ${toSnippet(e.message, 200)}` : toSnippet(error);
          failed += buffer.length - done.size;
          break;
        }
      }
      const before = buffer.length;
      buffer = buffer.filter((e) => !done.has(e));
      if (oversized.length > 0) drop('too-large', oversized.length);
      const stored = before - buffer.length - oversized.length;
      sent += stored;
      totals.sent += stored;
      if (failed === 0 || buffer.length === 0 || signal?.aborted) break;
      const delay = toBackoffMs(attempt, options.random, backoff);
      if (attempt >= maxAttempts || (deadlineMs !== undefined && options.now() + delay >= deadlineMs)) break;
      totals.retries += buffer.length;
      await options.sleep(delay, signal);
    }
    return { sent, remaining: buffer.length, ...(lastError !== undefined && buffer.length > 0 ? { lastError } : {}) };
  };

  return { enqueue, flush, stats: () => ({ ...totals, buffered: buffer.length }) };
}

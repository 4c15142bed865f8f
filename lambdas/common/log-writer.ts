import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  type CloudWatchLogsClient,
  type InputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { TransientError } from '../../core/errors';
import {
  LOGS_EVENT_OVERHEAD_BYTES,
  LOGS_MAX_BATCH_SPAN_MS,
  LOGS_MAX_BYTES_PER_PUT,
  LOGS_MAX_EVENT_AGE_MS,
  LOGS_MAX_EVENT_BYTES,
  LOGS_MAX_EVENT_FUTURE_MS,
  LOGS_MAX_EVENTS_PER_PUT,
} from '../../core/limits';

/**
 * PutLogEvents adapter shared by the enricher and the poller. It takes any number of events for a
 * log stream and writes them the way the API accepts them: sorted by timestamp, split into calls of
 * at most 10,000 events, 1,048,576 bytes (message UTF-8 bytes plus 26 per event) and a 24 h span.
 * Events outside the acceptance window (older than 14 days, more than 2 h ahead) or larger than one
 * event may be are dropped before sending and counted. A missing log group or stream is created and
 * the call repeated; throttling and service-unavailable errors are retried with capped exponential
 * backoff and full jitter; after the retries a {@link TransientError} is thrown, so the caller can
 * report its input as failed.
 *
 * Give the client `maxAttempts: 1` so that this adapter alone decides the retries (the SDK's own
 * retries would multiply them).
 *
 * @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html
 */

/** A log event to write. */
export interface LogEventInput {
  timestamp: number;
  message: string;
}

/** What one `write` did. */
export interface LogWriteResult {
  /** Events accepted by CloudWatch Logs. */
  written: number;
  /** Dropped before sending: older than 14 days. */
  droppedTooOld: number;
  /** Dropped before sending: more than 2 h in the future. */
  droppedTooNew: number;
  /** Dropped before sending: larger than one PutLogEvents call can carry. */
  droppedTooLarge: number;
  /** Reported back by the service in `rejectedLogEventsInfo` (clock skew between here and there). */
  rejected: number;
  /** PutLogEvents calls that succeeded. */
  calls: number;
  /** Throttled or unavailable calls that were retried. */
  retries: number;
  /** Log groups or streams created on the way. */
  created: number;
}

/** One stream's worth of events for {@link LogWriter.writeMany}. */
export interface LogStreamBatch {
  logGroup: string;
  logStream: string;
  events: readonly LogEventInput[];
}

/** The outcome of one stream in {@link LogWriter.writeMany}. */
export type LogStreamOutcome = { ok: true; result: LogWriteResult } | { ok: false; error: Error };

/** Writes log events to CloudWatch Logs. */
export interface LogWriter {
  /** Writes every event to one stream; throws a TransientError when a call fails after its retries. */
  write(logGroup: string, logStream: string, events: readonly LogEventInput[]): Promise<LogWriteResult>;
  /** Writes several streams with at most `concurrency` in flight; one failed stream does not stop the others. */
  writeMany(batches: readonly LogStreamBatch[]): Promise<LogStreamOutcome[]>;
}

/** Options of {@link createLogWriter}. */
export interface LogWriterOptions {
  client: Pick<CloudWatchLogsClient, 'send'>;
  /**
   * Retries of a throttled or unavailable call.
   * @default 5
   */
  maxRetries?: number;
  /**
   * First backoff delay; doubles per retry up to `maxDelayMs`, full jitter.
   * @default 100
   */
  baseDelayMs?: number;
  /** @default 5000 */
  maxDelayMs?: number;
  /**
   * Streams written in parallel by `writeMany`.
   * @default 8
   */
  concurrency?: number;
  /**
   * Send the `x-amzn-logs-format: json/emf` header (what awsemf sends).
   * @default true
   */
  emfHeader?: boolean;
  /**
   * Clock for the acceptance window, sleep for backoff, random for jitter: injectable for tests.
   * @default Date.now, setTimeout, Math.random
   */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const RETRYABLE = new Set(['ThrottlingException', 'ServiceUnavailableException', 'TooManyRequestsException']);
const errorName = (error: unknown): string => (error as { name?: string })?.name ?? '';

/**
 * Splits sorted events into PutLogEvents-sized batches (count, bytes with overhead, 24 h span).
 * `bytes[i]` is the UTF-8 size of `events[i].message`, computed once by the caller. The events
 * themselves go into the batches (no copies): only `timestamp` and `message` are serialised.
 */
export function toPutBatches(events: readonly LogEventInput[], bytes: readonly number[]): InputLogEvent[][] {
  const batches: InputLogEvent[][] = [];
  let current: InputLogEvent[] = [];
  let total = 0;
  let first = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const size = bytes[i] + LOGS_EVENT_OVERHEAD_BYTES;
    if (current.length > 0 && (current.length >= LOGS_MAX_EVENTS_PER_PUT || total + size > LOGS_MAX_BYTES_PER_PUT || e.timestamp - first > LOGS_MAX_BATCH_SPAN_MS)) {
      batches.push(current);
      current = [];
      total = 0;
    }
    if (current.length === 0) first = e.timestamp;
    current.push(e);
    total += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Creates a writer over a CloudWatch Logs client. */
export function createLogWriter(options: LogWriterOptions): LogWriter {
  const { client } = options;
  const maxRetries = options.maxRetries ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 5000;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;

  /** Creates the stream, and the group first only when the stream's creation says the group is missing (the group may be owned by IaC and not creatable here). */
  async function ensure(logGroup: string, logStream: string): Promise<number> {
    const createStream = () => client.send(new CreateLogStreamCommand({ logGroupName: logGroup, logStreamName: logStream }));
    try {
      await createStream();
      return 1;
    } catch (error) {
      if (errorName(error) === 'ResourceAlreadyExistsException') return 0;
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
    }
    let created = 0;
    try {
      await client.send(new CreateLogGroupCommand({ logGroupName: logGroup }));
      created += 1;
    } catch (error) {
      if (errorName(error) !== 'ResourceAlreadyExistsException') throw error;
    }
    try {
      await createStream();
      created += 1;
    } catch (error) {
      if (errorName(error) !== 'ResourceAlreadyExistsException') throw error;
    }
    return created;
  }

  async function put(logGroup: string, logStream: string, logEvents: InputLogEvent[], result: LogWriteResult): Promise<void> {
    let createdOnce = false;
    for (let attempt = 0; ; attempt++) {
      const command = new PutLogEventsCommand({ logGroupName: logGroup, logStreamName: logStream, logEvents });
      if (options.emfHeader !== false) {
        command.middlewareStack.add(
          (next) => async (args) => {
            const request = args.request as { headers?: Record<string, string> };
            if (request.headers) request.headers['x-amzn-logs-format'] = 'json/emf';
            return next(args);
          },
          { step: 'build', name: 'kinsightEmfHeader' },
        );
      }
      try {
        const out = await client.send(command);
        const info = out.rejectedLogEventsInfo;
        if (info) {
          const oldEnd = info.tooOldLogEventEndIndex ?? info.expiredLogEventEndIndex ?? 0;
          const newStart = info.tooNewLogEventStartIndex ?? logEvents.length;
          result.rejected += oldEnd + (logEvents.length - newStart);
          result.written += Math.max(0, newStart - oldEnd);
        } else {
          result.written += logEvents.length;
        }
        result.calls += 1;
        return;
      } catch (error) {
        const name = errorName(error);
        if (name === 'ResourceNotFoundException' && !createdOnce) {
          createdOnce = true;
          result.created += await ensure(logGroup, logStream);
          continue;
        }
        if (RETRYABLE.has(name) && attempt < maxRetries) {
          result.retries += 1;
          await sleep(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt));
          continue;
        }
        throw new TransientError(
          `PutLogEvents to ${logGroup} / ${logStream} failed after ${attempt + 1} attempt(s): ${name || 'Error'}: ${(error as Error).message}; the records stay unacknowledged and will be retried`,
          { cause: error },
        );
      }
    }
  }

  async function write(logGroup: string, logStream: string, events: readonly LogEventInput[]): Promise<LogWriteResult> {
    const result: LogWriteResult = { written: 0, droppedTooOld: 0, droppedTooNew: 0, droppedTooLarge: 0, rejected: 0, calls: 0, retries: 0, created: 0 };
    const t = now();
    // Sizes are computed once (Buffer.byteLength walks the whole message) and kept beside the events:
    // the caller's event objects are sent as they are, no per-event copies.
    let sendable: LogEventInput[] = [];
    let sizes: number[] = [];
    let sorted = true;
    for (const e of events) {
      if (e.timestamp < t - LOGS_MAX_EVENT_AGE_MS) result.droppedTooOld += 1;
      else if (e.timestamp > t + LOGS_MAX_EVENT_FUTURE_MS) result.droppedTooNew += 1;
      else {
        const bytes = Buffer.byteLength(e.message, 'utf8');
        if (bytes > LOGS_MAX_EVENT_BYTES) result.droppedTooLarge += 1;
        else {
          if (sendable.length > 0 && e.timestamp < sendable[sendable.length - 1].timestamp) sorted = false;
          sendable.push(e);
          sizes.push(bytes);
        }
      }
    }
    if (!sorted) {
      // Stable sort of the indices: events of the same millisecond keep their order.
      const order = sendable.map((_, i) => i).sort((a, b) => sendable[a].timestamp - sendable[b].timestamp);
      sendable = order.map((i) => sendable[i]);
      sizes = order.map((i) => sizes[i]);
    }
    for (const batch of toPutBatches(sendable, sizes)) await put(logGroup, logStream, batch, result);
    return result;
  }

  return {
    write,
    async writeMany(batches) {
      const outcomes: LogStreamOutcome[] = new Array(batches.length);
      let next = 0;
      const worker = async () => {
        while (next < batches.length) {
          const i = next++;
          const b = batches[i];
          try {
            outcomes[i] = { ok: true, result: await write(b.logGroup, b.logStream, b.events) };
          } catch (error) {
            outcomes[i] = { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
      return outcomes;
    },
  };
}

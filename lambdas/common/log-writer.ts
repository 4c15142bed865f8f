import { toBackoffMs } from '../../core/backoff';
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  type CloudWatchLogsClient,
  type InputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { PermanentError, TransientError } from '../../core/errors';
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
 * log stream and writes them the way the API accepts them: in the order given, split into calls of
 * at most 10,000 events, 1,048,576 bytes (message UTF-8 bytes plus 26 per event) and a 24 h span,
 * each call's events sorted by timestamp. Events outside the acceptance window (older than 14 days,
 * more than 2 h ahead) or larger than one event may be are dropped before sending and counted. The
 * calls of a stream go one after the other, so when one fails, the events before it are written and
 * none after it: the error says how many of the given events were handled (`handled`), which lets
 * the enricher know exactly which records are in CloudWatch.
 *
 * Errors are classified here, once (toLogsErrorKind):
 * - transient (throttling, 5xx, a network error, an error it does not know): retried with capped
 *   exponential backoff and full jitter, CreateLogStream included; after the retries (or past the
 *   deadline) a {@link TransientError};
 * - a missing log stream (ResourceNotFoundException): the stream is created (the group first only
 *   when the stream's creation says the group is missing) and the call repeated, once;
 * - permanent (AccessDenied, InvalidParameter, a log group still missing after that): a
 *   {@link PermanentError} at once; trying again would give the same answer.
 *
 * Give the client `maxAttempts: 1` so that this adapter alone decides the retries (the SDK's own
 * retries would multiply them).
 *
 * @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html
 * @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/CommonErrors.html
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

/**
 * The outcome of one stream in {@link LogWriter.writeMany}. On failure, `handled` events of the
 * batch, from the first, were written or dropped (none after them), and `permanent` says whether
 * trying again can help.
 */
export type LogStreamOutcome = { ok: true; result: LogWriteResult } | { ok: false; error: Error; permanent: boolean; handled: number; result: LogWriteResult };

/** The error of a failed write: a TransientError or a PermanentError, with how far the write got. */
export interface LogWriteFailure {
  /** Events of the input, from the first, that were written or dropped before the failure. */
  readonly handled: number;
  /** What was done before the failure. */
  readonly result: LogWriteResult;
}

/** Options of one write. */
export interface LogWriteOptions {
  /**
   * Epoch ms after which no retry starts (an invocation's deadline, less a margin).
   * @default none: the retries are bounded by `maxRetries` only
   */
  deadlineMs?: number;
}

/** Writes log events to CloudWatch Logs. */
export interface LogWriter {
  /** Writes every event to one stream; throws a TransientError or a PermanentError (both with {@link LogWriteFailure} members) when a call fails for good. */
  write(logGroup: string, logStream: string, events: readonly LogEventInput[], options?: LogWriteOptions): Promise<LogWriteResult>;
  /** Writes several streams with at most `concurrency` in flight; one failed stream does not stop the others. */
  writeMany(batches: readonly LogStreamBatch[], options?: LogWriteOptions): Promise<LogStreamOutcome[]>;
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

/** What an error of a CloudWatch Logs call means for the caller. */
export type LogsErrorKind = 'transient' | 'permanent' | 'missing' | 'exists';

const PERMANENT = new Set([
  'AccessDeniedException',
  'InvalidParameterException',
  'ValidationException',
  'LimitExceededException',
  'DataAlreadyAcceptedException',
  'MalformedQueryException',
  'SerializationException',
]);
const errorName = (error: unknown): string => (error as { name?: string })?.name ?? '';

/**
 * The kind of a CloudWatch Logs error: `missing` (ResourceNotFoundException), `exists`
 * (ResourceAlreadyExistsException), `permanent` (the request itself is refused: access, parameters,
 * a quota), `transient` for everything else: throttling, 5xx, timeouts, network errors, our own
 * credentials or clock (they concern every record, not this one) and errors not known here
 * (retrying an unknown error is cheaper than losing data to it).
 */
export function toLogsErrorKind(error: unknown): LogsErrorKind {
  const name = errorName(error);
  if (name === 'ResourceNotFoundException') return 'missing';
  if (name === 'ResourceAlreadyExistsException') return 'exists';
  return PERMANENT.has(name) ? 'permanent' : 'transient';
}

/** A TransientError or PermanentError that says how far the write got. */
function toFailure(kind: 'transient' | 'permanent', message: string, cause: unknown, handled: number, result: LogWriteResult): Error {
  const error = kind === 'permanent' ? new PermanentError(message, { cause }) : new TransientError(message, { cause });
  return Object.assign(error, { handled, result } satisfies LogWriteFailure);
}

/**
 * Splits events into PutLogEvents-sized batches (count, bytes with overhead, 24 h span), keeping
 * their order: each batch is a run of consecutive events. `bytes[i]` is the UTF-8 size of
 * `events[i].message`, computed once by the caller. The events themselves go into the batches (no
 * copies): only `timestamp` and `message` are serialised.
 */
export function toPutBatches(events: readonly LogEventInput[], bytes: readonly number[]): InputLogEvent[][] {
  const batches: InputLogEvent[][] = [];
  let current: InputLogEvent[] = [];
  let total = 0;
  let min = 0;
  let max = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const size = bytes[i] + LOGS_EVENT_OVERHEAD_BYTES;
    const span = Math.max(max, e.timestamp) - Math.min(min, e.timestamp);
    if (current.length > 0 && (current.length >= LOGS_MAX_EVENTS_PER_PUT || total + size > LOGS_MAX_BYTES_PER_PUT || span > LOGS_MAX_BATCH_SPAN_MS)) {
      batches.push(current);
      current = [];
      total = 0;
    }
    if (current.length === 0) min = max = e.timestamp as number;
    else {
      min = Math.min(min, e.timestamp);
      max = Math.max(max, e.timestamp);
    }
    current.push(e);
    total += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** A batch in chronological order, as PutLogEvents requires: itself when it is, else a stably sorted copy. */
function toChronological(batch: InputLogEvent[]): InputLogEvent[] {
  for (let i = 1; i < batch.length; i++) {
    if ((batch[i].timestamp as number) < (batch[i - 1].timestamp as number)) {
      return batch.map((e, k) => ({ e, k })).sort((a, b) => (a.e.timestamp as number) - (b.e.timestamp as number) || a.k - b.k).map((x) => x.e);
    }
  }
  return batch;
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

  /**
   * Runs `call`, retrying transient errors with backoff while retries and the deadline allow; any
   * other error, or the last transient one, is thrown as it came.
   */
  async function withRetries<T>(call: () => Promise<T>, result: LogWriteResult, write: LogWriteOptions): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const delay = toBackoffMs(attempt + 1, random, { baseDelayMs, maxDelayMs });
        const inTime = write.deadlineMs === undefined || now() + delay < write.deadlineMs;
        if (toLogsErrorKind(error) !== 'transient' || attempt >= maxRetries || !inTime) throw error;
        result.retries += 1;
        await sleep(delay);
      }
    }
  }

  /**
   * Creates the stream, and the group first only when the stream's creation says the group is
   * missing (the group may be owned by IaC and not creatable here); each call retried when throttled.
   */
  async function ensure(logGroup: string, logStream: string, result: LogWriteResult, write: LogWriteOptions): Promise<void> {
    const createStream = () => withRetries(() => client.send(new CreateLogStreamCommand({ logGroupName: logGroup, logStreamName: logStream })), result, write);
    try {
      await createStream();
      result.created += 1;
      return;
    } catch (error) {
      const kind = toLogsErrorKind(error);
      if (kind === 'exists') return;
      if (kind !== 'missing') throw error;
    }
    try {
      await withRetries(() => client.send(new CreateLogGroupCommand({ logGroupName: logGroup })), result, write);
      result.created += 1;
    } catch (error) {
      if (toLogsErrorKind(error) !== 'exists') throw error;
    }
    try {
      await createStream();
      result.created += 1;
    } catch (error) {
      if (toLogsErrorKind(error) !== 'exists') throw error;
    }
  }

  function toCommand(logGroup: string, logStream: string, logEvents: InputLogEvent[]): PutLogEventsCommand {
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
    return command;
  }

  /** One PutLogEvents call (with its retries, and the stream created once when missing). */
  async function put(logGroup: string, logStream: string, batch: InputLogEvent[], result: LogWriteResult, write: LogWriteOptions, handled: number): Promise<void> {
    const logEvents = toChronological(batch);
    let createdOnce = false;
    for (;;) {
      try {
        const out = await withRetries(() => client.send(toCommand(logGroup, logStream, logEvents)), result, write);
        const info = out.rejectedLogEventsInfo;
        if (info) {
          // Events before either end index were refused: too old for the service, or past the group's retention (expired).
          // Indices held within the call's events, so that an answer out of range never counts below 0 or twice.
          const n = logEvents.length;
          const oldEnd = Math.min(n, Math.max(0, info.tooOldLogEventEndIndex ?? 0, info.expiredLogEventEndIndex ?? 0));
          const newStart = Math.min(n, Math.max(oldEnd, info.tooNewLogEventStartIndex ?? n));
          result.rejected += oldEnd + (n - newStart);
          result.written += newStart - oldEnd;
        } else {
          result.written += logEvents.length;
        }
        result.calls += 1;
        return;
      } catch (error) {
        const kind = toLogsErrorKind(error);
        const name = errorName(error) || 'Error';
        if (kind === 'missing' && !createdOnce) {
          createdOnce = true;
          try {
            await ensure(logGroup, logStream, result, write);
          } catch (ensureError) {
            const ensureKind = toLogsErrorKind(ensureError) === 'transient' ? 'transient' : 'permanent';
            throw toFailure(ensureKind, `creating log stream ${logGroup} / ${logStream} failed: ${errorName(ensureError) || 'Error'}: ${(ensureError as Error).message}`, ensureError, handled, result);
          }
          continue;
        }
        if (kind === 'transient') {
          throw toFailure('transient', `PutLogEvents to ${logGroup} / ${logStream} failed after its retries: ${name}: ${(error as Error).message}; the records stay unacknowledged and will be retried`, error, handled, result);
        }
        const why = kind === 'missing' ? 'the log group or stream is still missing after creating it' : 'the request is refused';
        throw toFailure('permanent', `PutLogEvents to ${logGroup} / ${logStream} failed for good (${why}): ${name}: ${(error as Error).message}; trying again would give the same answer`, error, handled, result);
      }
    }
  }

  async function write(logGroup: string, logStream: string, events: readonly LogEventInput[], writeOptions: LogWriteOptions = {}): Promise<LogWriteResult> {
    const result: LogWriteResult = { written: 0, droppedTooOld: 0, droppedTooNew: 0, droppedTooLarge: 0, rejected: 0, calls: 0, retries: 0, created: 0 };
    const t = now();
    // Sizes are computed once (Buffer.byteLength walks the whole message) and kept beside the events:
    // the caller's event objects are sent as they are, no per-event copies. `upTo[i]` is how many
    // input events are handled once sendable event i is written (dropped ones before it included).
    const sendable: LogEventInput[] = [];
    const sizes: number[] = [];
    const upTo: number[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (e.timestamp < t - LOGS_MAX_EVENT_AGE_MS) result.droppedTooOld += 1;
      else if (e.timestamp > t + LOGS_MAX_EVENT_FUTURE_MS) result.droppedTooNew += 1;
      else {
        const bytes = Buffer.byteLength(e.message, 'utf8');
        if (bytes > LOGS_MAX_EVENT_BYTES) result.droppedTooLarge += 1;
        else {
          sendable.push(e);
          sizes.push(bytes);
          upTo.push(i + 1);
        }
      }
    }
    let sent = 0;
    for (const batch of toPutBatches(sendable, sizes)) {
      // Handled before this call: every input event before its first one.
      const handled = sent === 0 ? (upTo.length > 0 ? upTo[0] - 1 : 0) : upTo[sent - 1];
      await put(logGroup, logStream, batch, result, writeOptions, handled);
      sent += batch.length;
    }
    return result;
  }

  return {
    write,
    async writeMany(batches, writeOptions = {}) {
      const outcomes: LogStreamOutcome[] = new Array(batches.length);
      let next = 0;
      const worker = async () => {
        while (next < batches.length) {
          const i = next++;
          const b = batches[i];
          try {
            outcomes[i] = { ok: true, result: await write(b.logGroup, b.logStream, b.events, writeOptions) };
          } catch (error) {
            const failure = error as Partial<LogWriteFailure>;
            const empty: LogWriteResult = { written: 0, droppedTooOld: 0, droppedTooNew: 0, droppedTooLarge: 0, rejected: 0, calls: 0, retries: 0, created: 0 };
            outcomes[i] = {
              ok: false,
              error: error instanceof Error ? error : new Error(String(error)),
              permanent: error instanceof PermanentError,
              handled: failure.handled ?? 0,
              result: failure.result ?? empty,
            };
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
      return outcomes;
    },
  };
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  LOGS_EVENT_OVERHEAD_BYTES,
  LOGS_MAX_BATCH_SPAN_MS,
  LOGS_MAX_BYTES_PER_PUT,
  LOGS_MAX_EVENT_AGE_MS,
  LOGS_MAX_EVENT_FUTURE_MS,
  LOGS_MAX_EVENTS_PER_PUT,
} from '../../core/limits';

/**
 * A local CloudWatch Logs endpoint that the real `CloudWatchLogsClient` talks to: the JSON protocol
 * (`X-Amz-Target: Logs_20140328.<Op>`, `application/x-amz-json-1.1`, errors as `{"__type","message"}`
 * with HTTP 400). Operations: CreateLogGroup, CreateLogStream, PutLogEvents, DescribeLogStreams,
 * GetLogEvents. PutLogEvents enforces the real limits: chronological order, a 24 h span, 10,000 events
 * and 1,048,576 bytes counting 26 bytes per event; events older than 14 days or more than 2 h ahead
 * of the server clock are rejected through `rejectedLogEventsInfo`, the rest accepted.
 *
 * With `persistDir`, accepted messages are also appended, one per line, to
 * `<persistDir>/<log group path>/<log stream>.jsonl` (for EMF events: a JSON-lines file of EMF).
 *
 * @example
 * const logs = await startCloudWatchLogsServer();
 * const client = new CloudWatchLogsClient(toLocalClientConfig(logs.endpoint));
 * ...
 * logs.events('/aws/containerinsights/prod/performance', 'node-1');
 * await logs.close();
 */

/** An event as stored. */
export interface StoredLogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

/** One request the server received (for assertions on call counts and headers). */
export interface LogsRequest {
  operation: string;
  /** The `x-amzn-logs-format` header, when sent. */
  logsFormat?: string;
  /**
   * PutLogEvents that succeeded: the events it stored (rejected ones excluded). Absent on a failed
   * call, so that summing it over `requests` counts every stored event once, also when a call is
   * repeated after ResourceNotFoundException or throttling.
   */
  eventCount?: number;
  /** The error type a failed call returned (e.g. `ResourceNotFoundException`). */
  error?: string;
}

/** Options of {@link startCloudWatchLogsServer}. */
export interface CloudWatchLogsServerOptions {
  /**
   * Port on 127.0.0.1.
   * @default 0 (a free port)
   */
  port?: number;
  /**
   * Also append accepted messages to `<persistDir>/<log group path>/<log stream>.jsonl`.
   * @default undefined (memory only)
   */
  persistDir?: string;
  /**
   * Keep accepted events in memory for `events()` and GetLogEvents.
   * @default true
   */
  retainEvents?: boolean;
  /**
   * The server clock, for the 14 days / 2 h acceptance window.
   * @default Date.now
   */
  now?: () => number;
}

/** A running local CloudWatch Logs endpoint. */
export interface CloudWatchLogsServer {
  readonly endpoint: string;
  /** Accepted events of one stream, in arrival order ([] when unknown). */
  events(logGroup: string, logStream: string): StoredLogEvent[];
  /** Log group names, sorted. */
  logGroups(): string[];
  /** Log stream names of a group, sorted. */
  logStreams(logGroup: string): string[];
  /** Every request received, in order. */
  readonly requests: readonly LogsRequest[];
  /**
   * Makes the next `count` calls of `operation` fail with the given error type (default
   * ThrottlingException); with `where`, only the calls about that log group (and stream). `count`
   * may be Infinity (a permission the caller lacks).
   */
  failNext(operation: string, count: number, errorType?: string, where?: { logGroup?: string; logStream?: string }): void;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

interface Stream {
  creationTime: number;
  events: StoredLogEvent[];
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  storedBytes: number;
  /** Events accepted so far (also when they are not retained). */
  acceptedCount: number;
}

const TARGET_PREFIX = 'Logs_20140328.';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function requireString(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || v === '') throw new ApiError('InvalidParameterException', `1 validation error detected: Value at '${key}' failed to satisfy constraint: Member must not be null`);
  return v;
}

/** Safe relative path of a log group or stream name under the persist directory. */
function toFileSegments(name: string): string[] {
  return name.split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
}

/** Starts the endpoint on loopback. */
export async function startCloudWatchLogsServer(options: CloudWatchLogsServerOptions = {}): Promise<CloudWatchLogsServer> {
  const now = options.now ?? Date.now;
  const retain = options.retainEvents ?? true;
  const groups = new Map<string, { creationTime: number; streams: Map<string, Stream> }>();
  const requests: LogsRequest[] = [];
  const failures = new Map<string, { count: number; type: string; where?: { logGroup?: string; logStream?: string } }[]>();

  function group(name: string) {
    const g = groups.get(name);
    if (!g) throw new ApiError('ResourceNotFoundException', 'The specified log group does not exist.');
    return g;
  }
  function stream(groupName: string, streamName: string): Stream {
    const s = group(groupName).streams.get(streamName);
    if (!s) throw new ApiError('ResourceNotFoundException', 'The specified log stream does not exist.');
    return s;
  }

  /** Append-only files of the persisted streams, opened once and kept open until close(). */
  const files = new Map<string, Promise<WriteStream>>();
  function fileOf(groupName: string, streamName: string, persistDir: string): Promise<WriteStream> {
    const streamPath = toFileSegments(streamName);
    const path = `${join(persistDir, ...toFileSegments(groupName), ...(streamPath.length > 0 ? streamPath : ['_']))}.jsonl`;
    let file = files.get(path);
    if (!file) {
      file = mkdir(dirname(path), { recursive: true }).then(() => {
        const stream = createWriteStream(path, { flags: 'a' });
        // Without a listener an open or write error would crash the process; each write reports its own error.
        stream.on('error', () => undefined);
        return stream;
      });
      files.set(path, file);
    }
    return file;
  }
  async function append(groupName: string, streamName: string, text: string): Promise<void> {
    if (!options.persistDir) return;
    const file = await fileOf(groupName, streamName, options.persistDir);
    await new Promise<void>((resolve, reject) => file.write(text, (error) => (error ? reject(error) : resolve())));
  }

  async function putLogEvents(body: Record<string, unknown>, record: LogsRequest): Promise<unknown> {
    const groupName = requireString(body, 'logGroupName');
    const streamName = requireString(body, 'logStreamName');
    const events = body.logEvents;
    if (!Array.isArray(events) || events.length === 0) throw new ApiError('InvalidParameterException', "1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1");
    if (events.length > LOGS_MAX_EVENTS_PER_PUT) throw new ApiError('InvalidParameterException', `1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to ${LOGS_MAX_EVENTS_PER_PUT}`);
    // One pass over the parsed events (no copies): shape, sizes (computed once), order.
    const sizes: number[] = new Array(events.length);
    let bytes = 0;
    let previous = -Infinity;
    for (let i = 0; i < events.length; i++) {
      const e: unknown = events[i];
      if (!isRecord(e) || typeof e.timestamp !== 'number' || typeof e.message !== 'string' || e.message === '') {
        throw new ApiError('InvalidParameterException', 'Each log event needs a numeric timestamp and a non-empty message.');
      }
      if (e.timestamp < previous) throw new ApiError('InvalidParameterException', 'Log events in a single PutLogEvents request must be in chronological order.');
      previous = e.timestamp;
      sizes[i] = Buffer.byteLength(e.message, 'utf8');
      bytes += sizes[i] + LOGS_EVENT_OVERHEAD_BYTES;
    }
    const parsed = events as { timestamp: number; message: string }[];
    if (bytes > LOGS_MAX_BYTES_PER_PUT) throw new ApiError('InvalidParameterException', `Upload too large: ${bytes} bytes exceeds limit of ${LOGS_MAX_BYTES_PER_PUT}`);
    if (parsed[parsed.length - 1].timestamp - parsed[0].timestamp > LOGS_MAX_BATCH_SPAN_MS) {
      throw new ApiError('InvalidParameterException', 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
    }
    const s = stream(groupName, streamName);
    const t = now();
    let tooOldEnd = -1;
    let tooNewStart = -1;
    for (let i = 0; i < parsed.length; i++) {
      const ts = parsed[i].timestamp;
      if (ts < t - LOGS_MAX_EVENT_AGE_MS) tooOldEnd = i + 1;
      if (ts > t + LOGS_MAX_EVENT_FUTURE_MS && tooNewStart < 0) tooNewStart = i;
    }
    const from = Math.max(0, tooOldEnd);
    const to = tooNewStart < 0 ? parsed.length : tooNewStart;
    let text = '';
    for (let i = from; i < to; i++) {
      const e = parsed[i];
      if (retain) s.events.push({ timestamp: e.timestamp, message: e.message, ingestionTime: t });
      s.storedBytes += sizes[i];
      s.firstEventTimestamp = Math.min(s.firstEventTimestamp ?? e.timestamp, e.timestamp);
      s.lastEventTimestamp = Math.max(s.lastEventTimestamp ?? e.timestamp, e.timestamp);
      if (options.persistDir) text += `${e.message.includes('\n') ? e.message.replace(/\n/g, ' ') : e.message}\n`;
    }
    s.acceptedCount += Math.max(0, to - from);
    record.eventCount = Math.max(0, to - from);
    if (text !== '') await append(groupName, streamName, text);
    const rejected: Record<string, number> = {};
    if (tooOldEnd >= 0) rejected.tooOldLogEventEndIndex = tooOldEnd;
    if (tooNewStart >= 0) rejected.tooNewLogEventStartIndex = tooNewStart;
    return { nextSequenceToken: String(s.acceptedCount), ...(Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {}) };
  }

  const operations: Record<string, (body: Record<string, unknown>, record: LogsRequest) => unknown> = {
    CreateLogGroup(body) {
      const name = requireString(body, 'logGroupName');
      if (groups.has(name)) throw new ApiError('ResourceAlreadyExistsException', 'The specified log group already exists');
      groups.set(name, { creationTime: now(), streams: new Map() });
      return {};
    },
    CreateLogStream(body) {
      const g = group(requireString(body, 'logGroupName'));
      const name = requireString(body, 'logStreamName');
      if (g.streams.has(name)) throw new ApiError('ResourceAlreadyExistsException', 'The specified log stream already exists');
      g.streams.set(name, { creationTime: now(), events: [], storedBytes: 0, acceptedCount: 0 });
      return {};
    },
    PutLogEvents: putLogEvents,
    DescribeLogStreams(body) {
      const groupName = requireString(body, 'logGroupName');
      const prefix = typeof body.logStreamNamePrefix === 'string' ? body.logStreamNamePrefix : '';
      const logStreams = [...group(groupName).streams.entries()]
        .filter(([name]) => name.startsWith(prefix))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([logStreamName, s]) => ({
          logStreamName,
          creationTime: s.creationTime,
          firstEventTimestamp: s.firstEventTimestamp,
          lastEventTimestamp: s.lastEventTimestamp,
          storedBytes: s.storedBytes,
          arn: `arn:aws:logs:us-east-1:000000000000:log-group:${groupName}:log-stream:${logStreamName}`,
        }));
      return { logStreams };
    },
    GetLogEvents(body) {
      const s = stream(requireString(body, 'logGroupName'), requireString(body, 'logStreamName'));
      const limit = typeof body.limit === 'number' ? Math.min(body.limit, 10_000) : 10_000;
      const start = typeof body.nextToken === 'string' ? Number(body.nextToken.replace(/^f\//, '')) : 0;
      const events = s.events.slice(start, start + limit);
      return { events, nextForwardToken: `f/${start + events.length}`, nextBackwardToken: `b/${start}` };
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    const reply = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': `local-${requests.length}` });
      res.end(text);
    };
    let record: LogsRequest | undefined;
    try {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch (error) {
        throw new ApiError('SerializationException', `request body is not JSON: ${(error as Error).message}`);
      }
      record = { operation };
      if (typeof req.headers['x-amzn-logs-format'] === 'string') record.logsFormat = req.headers['x-amzn-logs-format'];
      requests.push(record);
      const op = operations[operation];
      if (!op || !isRecord(body)) throw new ApiError('UnknownOperationException', `operation ${target} is not supported by the local CloudWatch Logs endpoint`);
      const queued = failures.get(operation);
      const at = queued?.findIndex((f) => (f.where?.logGroup === undefined || f.where.logGroup === body.logGroupName) && (f.where?.logStream === undefined || f.where.logStream === body.logStreamName)) ?? -1;
      if (queued && at >= 0) {
        const next = queued[at];
        next.count -= 1;
        if (next.count <= 0) queued.splice(at, 1);
        throw new ApiError(next.type, next.type === 'ThrottlingException' ? 'Rate exceeded' : `injected ${next.type}`);
      }
      reply(200, await op(body, record));
    } catch (error) {
      if (record !== undefined) record.error = error instanceof ApiError ? error.type : 'ServiceUnavailableException';
      if (error instanceof ApiError) reply(400, { __type: error.type, message: error.message });
      else reply(500, { __type: 'ServiceUnavailableException', message: (error as Error).message });
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    events: (g, s) => [...(groups.get(g)?.streams.get(s)?.events ?? [])],
    logGroups: () => [...groups.keys()].sort(),
    logStreams: (g) => [...(groups.get(g)?.streams.keys() ?? [])].sort(),
    failNext(operation, count, errorType = 'ThrottlingException', where) {
      const list = failures.get(operation) ?? [];
      list.push({ count, type: errorType, where });
      failures.set(operation, list);
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      const open = await Promise.allSettled([...files.values()]);
      files.clear();
      await Promise.all(open.map((f) => (f.status === 'fulfilled' ? new Promise<void>((resolve) => f.value.end(() => resolve())) : undefined)));
    },
  };
}

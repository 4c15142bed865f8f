import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { TransientError, toSnippet } from '../../core/errors';
import { toAwsEndpoint } from './aws-endpoint';
import { sendHttpRequest } from './http-request';
import { signRequest, type SigV4Credentials } from './sigv4';

/** One record to put: its bytes and partition key. */
export interface PutRecordsEntry {
  data: Uint8Array;
  partitionKey: string;
}

/** The outcome of one entry, in request order: no errorCode means stored. */
export interface PutRecordsResultEntry {
  errorCode?: string;
  errorMessage?: string;
}

/** The one Kinesis call the producer makes. Throws when the call as a whole fails (network, auth, throttling); the producer retries it. */
export interface PutRecordsPort {
  putRecords(entries: PutRecordsEntry[]): Promise<PutRecordsResultEntry[]>;
}

/** A PutRecords port over its own keep-alive connection. */
export interface KinesisPort extends PutRecordsPort {
  /** Closes the idle connections. */
  close(): void;
}

/** Where and as whom to put records. */
export interface KinesisPortOptions {
  /** The stream, by name: kinesalite rejects StreamARN, and in AWS a name in the caller's account and region is equivalent. */
  readonly streamName: string;
  /** Signing region (and the endpoint's, when none is given). */
  readonly region: string;
  /** http(s) URL of the service (kinesalite). @default https://kinesis.<region>.amazonaws.com */
  readonly endpoint?: string;
  /** Valid credentials for each call (the credential provider's `get`). */
  readonly credentials: () => Promise<SigV4Credentials>;
  /** @default 3000 */
  readonly connectTimeoutMs?: number;
  /** @default 10000 */
  readonly requestTimeoutMs?: number;
  /** The signing time. @default () => new Date() */
  readonly now?: () => Date;
}

/** JSON 1.1 protocol target of PutRecords. @see https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html */
const TARGET = 'Kinesis_20131202.PutRecords';

interface PutRecordsOutput {
  Records?: { ErrorCode?: string; ErrorMessage?: string }[];
}

/** `com.amazonaws.kinesis.v20131202#ResourceNotFoundException` -> `ResourceNotFoundException`; the message key is `message` or `Message`. */
function toServiceError(status: number, body: string, streamName: string): TransientError {
  let parsed: { __type?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // A proxy or load balancer page, not a Kinesis error: the body itself goes into the message.
    parsed = { message: toSnippet(body) };
  }
  const type = typeof parsed.__type === 'string' ? parsed.__type.replace(/^.*#/, '') : 'UnknownError';
  const message = String(parsed.message ?? parsed.Message ?? '');
  return new TransientError(`PutRecords to stream ${streamName} failed: HTTP ${status} ${type}: ${toSnippet(message, 200)}`);
}

/**
 * Puts records into one Kinesis stream with a signed JSON 1.1 request on node:http(s): the agent's
 * only AWS call, made without the AWS SDK, whose modules cost the agent 7-8 MiB of RSS.
 * Non-200 answers throw with the error type and message; per-entry errors come back in order.
 */
export function createKinesisPort(options: KinesisPortOptions): KinesisPort {
  const url = new URL('/', options.endpoint ?? toAwsEndpoint('kinesis', options.region));
  const agent = url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, maxSockets: 1 }) : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const now = options.now ?? (() => new Date());
  return {
    async putRecords(entries) {
      const body = JSON.stringify({
        StreamName: options.streamName,
        Records: entries.map((e) => ({ Data: Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).toString('base64'), PartitionKey: e.partitionKey })),
      });
      const headers = signRequest(
        { method: 'POST', host: url.host, path: '/', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': TARGET }, body },
        { credentials: await options.credentials(), region: options.region, service: 'kinesis', date: now() },
      );
      const res = await sendHttpRequest({
        method: 'POST',
        url,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        body,
        agent,
        connectTimeoutMs: options.connectTimeoutMs,
        timeoutMs: options.requestTimeoutMs,
      });
      if (res.status !== 200) throw toServiceError(res.status, res.body, options.streamName);
      let out: PutRecordsOutput;
      try {
        out = JSON.parse(res.body) as PutRecordsOutput;
      } catch (error) {
        throw new TransientError(`PutRecords to stream ${options.streamName} returned a body that is not JSON: ${toSnippet(res.body)}`, { cause: error });
      }
      const records = Array.isArray(out.Records) ? out.Records : [];
      return entries.map((_e, i) => {
        const r = records[i];
        if (r === undefined) return { errorCode: 'MissingResult', errorMessage: `PutRecords returned ${records.length} results for ${entries.length} entries` };
        return r.ErrorCode ? { errorCode: r.ErrorCode, errorMessage: r.ErrorMessage } : {};
      });
    },
    close() {
      agent.destroy();
    },
  };
}

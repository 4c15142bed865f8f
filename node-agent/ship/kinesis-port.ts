import { TransientError, toSnippet } from '../../core/errors';
import { createAwsJsonClient, type AwsJsonClientOptions } from './aws-json-client';
import { toAwsEndpoint } from './aws-endpoint';
import { createSigningClock, type SigningClock } from './signing-clock';
import type { SigV4Credentials } from './sigv4';

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
  /** `signal` aborts the call in flight (the shutdown deadline). */
  putRecords(entries: PutRecordsEntry[], signal?: AbortSignal): Promise<PutRecordsResultEntry[]>;
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
  /** Fresh credentials when Kinesis says the session token expired (the provider's `refresh`). @default credentials */
  readonly refreshCredentials?: () => Promise<SigV4Credentials>;
  /** @default 3000 */
  readonly connectTimeoutMs?: number;
  /** @default 10000 */
  readonly requestTimeoutMs?: number;
  /** The signing clock the agent's clients share. @default a clock of its own over `now` */
  readonly clock?: SigningClock;
  /** The local time, when no clock is given. @default () => new Date() */
  readonly now?: () => Date;
  /** @see AwsJsonClientOptions.onRetry */
  readonly onRetry?: AwsJsonClientOptions['onRetry'];
}

/** JSON 1.1 protocol target of PutRecords. @see https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html */
const TARGET = 'Kinesis_20131202.PutRecords';

interface PutRecordsOutput {
  Records?: { ErrorCode?: string; ErrorMessage?: string }[];
}

/**
 * Puts records into one Kinesis stream with a signed JSON 1.1 request on node:http(s)
 * (aws-json-client.ts), made without the AWS SDK, whose modules cost the agent 7-8 MiB of RSS.
 * Non-200 answers throw with the error type and message (after the client's one retry for a
 * corrected clock or an expired token); per-entry errors come back in order.
 */
export function createKinesisPort(options: KinesisPortOptions): KinesisPort {
  const now = options.now ?? (() => new Date());
  const client = createAwsJsonClient({
    service: 'kinesis',
    region: options.region,
    endpoint: options.endpoint ?? toAwsEndpoint('kinesis', options.region),
    credentials: options.credentials,
    ...(options.refreshCredentials ? { refreshCredentials: options.refreshCredentials } : {}),
    clock: options.clock ?? createSigningClock(() => now().getTime()),
    connectTimeoutMs: options.connectTimeoutMs,
    timeoutMs: options.requestTimeoutMs,
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  });
  const what = `PutRecords to stream ${options.streamName}`;
  return {
    async putRecords(entries, signal) {
      const body = JSON.stringify({
        StreamName: options.streamName,
        Records: entries.map((e) => ({ Data: Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).toString('base64'), PartitionKey: e.partitionKey })),
      });
      const text = await client.call(TARGET, body, what, signal);
      let out: PutRecordsOutput;
      try {
        out = JSON.parse(text) as PutRecordsOutput;
      } catch (error) {
        throw new TransientError(`${what} returned a body that is not JSON: ${toSnippet(text)}`, { cause: error });
      }
      const records = Array.isArray(out.Records) ? out.Records : [];
      return entries.map((_e, i) => {
        const r = records[i];
        if (r === undefined) return { errorCode: 'MissingResult', errorMessage: `PutRecords returned ${records.length} results for ${entries.length} entries` };
        return r.ErrorCode ? { errorCode: r.ErrorCode, errorMessage: r.ErrorMessage } : {};
      });
    },
    close() {
      client.close();
    },
  };
}

import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { TransientError, toSnippet } from '../../core/errors';
import { sendHttpRequest, type HttpResponse } from './http-request';
import type { SigningClock } from './signing-clock';
import { signRequest, type SigV4Credentials } from './sigv4';

/** Where and as whom the calls go. */
export interface AwsJsonClientOptions {
  /** Signing name of the service: `kinesis`, `secretsmanager`. */
  readonly service: string;
  readonly region: string;
  /** http(s) URL of the service (https://<service>.<region>.amazonaws.com, or a local server). */
  readonly endpoint: string;
  /** Valid credentials for each call (the credential provider's `get`). */
  readonly credentials: () => Promise<SigV4Credentials>;
  /**
   * Fresh credentials, asked once when the service answers that the session token expired.
   * @default credentials
   */
  readonly refreshCredentials?: () => Promise<SigV4Credentials>;
  /** The signing time, corrected from the services' `Date` headers; shared by the agent's clients. */
  readonly clock: SigningClock;
  /**
   * Keep the connection open between calls (Kinesis, called every interval). A client called once an
   * hour (Secrets Manager) closes it after each call: an idle TLS connection holds memory for nothing.
   * @default true
   */
  readonly keepAlive?: boolean;
  /** @default 3000 */
  readonly connectTimeoutMs?: number;
  /** @default 10000 */
  readonly timeoutMs?: number;
  /** Told when a call is signed again: the clock was corrected, or the credentials were refreshed. @default nothing */
  readonly onRetry?: (event: { readonly reason: 'clock-skew' | 'expired-token'; readonly service: string; readonly offsetMs: number }) => void;
}

/** Signed JSON 1.1 calls of one service over one connection (kept alive unless told otherwise). */
export interface AwsJsonClient {
  /**
   * POSTs `body` to operation `target` (`Kinesis_20131202.PutRecords`) and resolves to the body of
   * the 200 answer. Rejects with an {@link AwsServiceError} for an error answer (its message starts
   * with `what`) and with an Error for a network failure, a timeout or `signal`.
   */
  call(target: string, body: string, what: string, signal?: AbortSignal): Promise<string>;
  /** Closes the idle connection. */
  close(): void;
}

/** An error answer of an AWS service: its status, error type (without namespace) and message. */
export class AwsServiceError extends TransientError {
  constructor(
    message: string,
    readonly status: number,
    readonly type: string,
  ) {
    super(message);
  }
}

/** Error types with which services refuse a request for its date; the SDKs' list. */
const CLOCK_SKEW_ERRORS = new Set(['AuthFailure', 'InvalidSignatureException', 'RequestExpired', 'RequestInTheFuture', 'RequestTimeTooSkewed', 'SignatureDoesNotMatch']);
/** Error types of a session token that expired before the credentials said. */
const EXPIRED_TOKEN_ERRORS = new Set(['ExpiredTokenException', 'ExpiredToken']);

const headerOf = (res: HttpResponse, name: string): string | undefined => {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * The error of a non-200 answer: `{"__type": "...#Type", "message": "..."}` (or `Message`). A body
 * that is not such JSON (a proxy's page) is described by its size and type, never quoted.
 */
function toServiceError(res: HttpResponse, what: string): AwsServiceError {
  let parsed: { __type?: unknown; message?: unknown; Message?: unknown } | undefined;
  try {
    const value: unknown = JSON.parse(res.body);
    if (value !== null && typeof value === 'object') parsed = value as typeof parsed;
  } catch {
    parsed = undefined;
  }
  const type = typeof parsed?.__type === 'string' ? parsed.__type.replace(/^.*#/, '') : 'UnknownError';
  const message = parsed
    ? String(parsed.message ?? parsed.Message ?? '')
    : `an answer that is not an AWS error (${Buffer.byteLength(res.body)} bytes, content-type ${headerOf(res, 'content-type') ?? 'none'})`;
  return new AwsServiceError(`${what} failed: HTTP ${res.status} ${type}: ${toSnippet(message, 200)}`, res.status, type);
}

/**
 * A client of one AWS service speaking the JSON 1.1 protocol (`X-Amz-Target`), each call signed
 * with Signature Version 4 at the time of the shared {@link SigningClock}. Like the AWS SDKs, it
 * reads every answer's `Date`: a service that refuses a request for its date ("Signature expired",
 * RequestExpired...) while its clock is 5 minutes or more from ours has corrected the clock, and
 * the call is signed again at once; a session token the service calls expired makes it ask the
 * credentials again, once. Everything else is the caller's to retry.
 */
export function createAwsJsonClient(options: AwsJsonClientOptions): AwsJsonClient {
  const url = new URL('/', options.endpoint);
  const keepAlive = options.keepAlive ?? true;
  const agent = url.protocol === 'https:' ? new HttpsAgent({ keepAlive, maxSockets: 1 }) : new HttpAgent({ keepAlive, maxSockets: 1 });
  const contentType = 'application/x-amz-json-1.1';
  return {
    async call(target, body, what, signal) {
      let skewRetried = false;
      let tokenRetried = false;
      let fresh = false;
      for (;;) {
        const credentials = await (fresh ? (options.refreshCredentials ?? options.credentials)() : options.credentials());
        const headers = signRequest(
          { method: 'POST', host: url.host, path: '/', headers: { 'content-type': contentType, 'x-amz-target': target }, body },
          { credentials, region: options.region, service: options.service, date: options.clock.date() },
        );
        const res = await sendHttpRequest({
          method: 'POST',
          url,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          body,
          agent,
          connectTimeoutMs: options.connectTimeoutMs,
          timeoutMs: options.timeoutMs,
          signal,
        });
        const corrected = options.clock.update(headerOf(res, 'date'));
        if (res.status === 200) return res.body;
        const error = toServiceError(res, what);
        if (!skewRetried && corrected && CLOCK_SKEW_ERRORS.has(error.type)) {
          skewRetried = true;
          options.onRetry?.({ reason: 'clock-skew', service: options.service, offsetMs: options.clock.offsetMs() });
          continue;
        }
        if (!tokenRetried && EXPIRED_TOKEN_ERRORS.has(error.type)) {
          tokenRetried = true;
          fresh = true;
          options.onRetry?.({ reason: 'expired-token', service: options.service, offsetMs: options.clock.offsetMs() });
          continue;
        }
        throw error;
      }
    },
    close() {
      agent.destroy();
    },
  };
}

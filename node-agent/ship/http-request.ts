import { request as httpRequest, type Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';

/** One HTTP request: http: or https: by the URL. */
export interface HttpRequestOptions {
  readonly method: string;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** A keep-alive agent of the URL's protocol. @default Node's global agent */
  readonly agent?: HttpAgent | HttpsAgent;
  /** Time to open the TCP (and TLS) connection. @default 3000 */
  readonly connectTimeoutMs?: number;
  /** Time for the whole exchange, connection included. @default 10000 */
  readonly timeoutMs?: number;
  /** Aborts the exchange, wherever it is (the shutdown deadline). @default none */
  readonly signal?: AbortSignal;
}

/** A response read to its end. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const toReason = (signal: AbortSignal | undefined): string => {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason.message : String(reason ?? 'aborted');
};

/**
 * Sends a request with node:http or node:https (not fetch: undici's memory is a fifth of the
 * agent's budget) and reads the response body as UTF-8. Rejects on a network error, a timeout or
 * when `signal` aborts (the socket is destroyed at once); any HTTP status resolves.
 */
export function sendHttpRequest(options: HttpRequestOptions): Promise<HttpResponse> {
  const { url, connectTimeoutMs = 3000, timeoutMs = 10_000 } = options;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<HttpResponse>((resolve, reject) => {
    const target = `${options.method} ${url.origin}${url.pathname}`;
    const { signal } = options;
    if (signal?.aborted) {
      reject(new Error(`${target} aborted before it was sent (${toReason(signal)})`));
      return;
    }
    const req = send(url, { method: options.method, headers: options.headers, agent: options.agent });
    const fail = (message: string) => req.destroy(new Error(`${target} ${message}`));
    const overall = setTimeout(() => fail(`timed out after ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => fail(`aborted (${toReason(signal)})`);
    signal?.addEventListener('abort', onAbort, { once: true });
    let connecting: NodeJS.Timeout | undefined;
    req.on('socket', (socket) => {
      // A socket reused by the keep-alive agent is already connected.
      if (!socket.connecting) return;
      connecting = setTimeout(() => fail(`could not connect within ${connectTimeoutMs} ms`), connectTimeoutMs);
      socket.once('connect', () => clearTimeout(connecting));
    });
    const done = () => {
      clearTimeout(overall);
      clearTimeout(connecting);
      signal?.removeEventListener('abort', onAbort);
    };
    const onError = (error: Error) => {
      done();
      reject(error.message.startsWith(target) ? error : new Error(`${target} failed: ${error.message}`, { cause: error }));
    };
    req.on('error', onError);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', onError);
      res.on('end', () => {
        done();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(options.body);
  });
}

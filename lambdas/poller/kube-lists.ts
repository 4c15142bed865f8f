import { Agent, request, type RequestOptions as HttpsOptions } from 'node:https';
import {
  type KubeConfig,
  type V1DaemonSet,
  type V1Deployment,
  type V1EndpointSlice,
  type V1Job,
  type V1Node,
  type V1Pod,
  type V1ReplicaSet,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { ConfigError, KinsightError, TransientError } from '../../core/errors';

/**
 * Paginated list reads of the Kubernetes API, with a per-request timeout (a hanging API server
 * cannot eat the minute) and a restart of the whole list on 410 Gone (expired continue token).
 */

/** One page of a list. */
export interface ListPage<T> {
  readonly items: T[];
  readonly metadata?: { readonly _continue?: string; readonly resourceVersion?: string };
}

/** Reads one page: `limit` items from `_continue` (undefined for the first page); `signal` aborts the request. */
export type PageReader<T> = (page: { limit: number; _continue?: string; signal?: AbortSignal }) => Promise<ListPage<T>>;

/** The lists the poller reads. */
export interface KubeLists {
  readonly nodes: PageReader<V1Node>;
  readonly pods: PageReader<V1Pod>;
  readonly endpointSlices: PageReader<V1EndpointSlice>;
  readonly replicaSets: PageReader<V1ReplicaSet>;
  readonly jobs: PageReader<V1Job>;
  readonly deployments: PageReader<V1Deployment>;
  readonly daemonSets: PageReader<V1DaemonSet>;
  readonly statefulSets: PageReader<V1StatefulSet>;
  /** Releases the connections of these lists (called once the poll is done). @default nothing to release */
  readonly close?: () => void;
}

/** Page size of every list: large enough for few round trips, small enough for bounded responses. */
export const LIST_PAGE_SIZE = 500;

/** How many times a list restarts after 410 Gone before the poll fails. */
export const MAX_LIST_RESTARTS = 3;

/** The HTTP status of an error from the Kubernetes client, when it has one. */
export const toStatusCode = (error: unknown): number | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
};

/** Options of {@link listAll}. */
export interface ListAllOptions {
  /** The list's name, for error messages (`pods`). */
  readonly what: string;
  /**
   * Items per page.
   * @default LIST_PAGE_SIZE
   */
  readonly limit?: number;
  /** Called after each page (for request counting). @default none */
  readonly onPage?: () => void;
  /**
   * Aborts the list (another list of the same poll failed: its pages are no use any more).
   * @default never aborted
   */
  readonly signal?: AbortSignal;
  /**
   * Cuts the list short (the poll's time is up): the request in flight is aborted and the items
   * read so far are returned with `complete: false`, not an error.
   * @default never cut short
   */
  readonly deadline?: AbortSignal;
}

/** What {@link listAll} read. */
export interface ListResult<U> {
  readonly items: U[];
  /** False when the deadline cut the list short: `items` are the pages read before it. */
  readonly complete: boolean;
}

/**
 * Reads every page of a list, reducing each item with `reduce` as its page arrives (the full API
 * objects of one page at a time are alive, never the whole list). A 410 Gone restarts the list from
 * the first page, at most {@link MAX_LIST_RESTARTS} times. The deadline ends it early with what it has.
 */
export async function listAll<T, U>(read: PageReader<T>, reduce: (item: T) => U, options: ListAllOptions): Promise<ListResult<U>> {
  const limit = options.limit ?? LIST_PAGE_SIZE;
  const { deadline } = options;
  const signals = [options.signal, deadline].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  for (let attempt = 0; ; attempt += 1) {
    const out: U[] = [];
    let cont: string | undefined;
    try {
      do {
        if (deadline?.aborted) return { items: out, complete: false };
        options.signal?.throwIfAborted();
        const page = await read({ limit, ...(cont ? { _continue: cont } : {}), ...(signal ? { signal } : {}) });
        options.onPage?.();
        for (const item of page.items) out.push(reduce(item));
        cont = page.metadata?._continue || undefined;
      } while (cont);
      return { items: out, complete: true };
    } catch (error) {
      // The deadline aborted the request in flight: what was read stands (unless the poll failed meanwhile).
      if (deadline?.aborted && !options.signal?.aborted) return { items: out, complete: false };
      if (toStatusCode(error) === 410 && attempt < MAX_LIST_RESTARTS) continue;
      if (toStatusCode(error) === 410) {
        throw new TransientError(`list of ${options.what} got 410 Gone ${attempt + 1} times (continue token expired each time); expected a list to finish within the token lifetime; the next poll retries`, { cause: error });
      }
      throw error;
    }
  }
}

/**
 * An error answer of the API server: `code` is the HTTP status (what {@link toStatusCode} reads),
 * the message names the request, the status and the server's own message. Whether trying again may
 * help depends on the status (a 5xx may pass, a 401 or 403 will not until someone acts), so it is
 * neither a ConfigError nor a TransientError; the handler's describePollError says what to do.
 */
export class KubeApiError extends KinsightError {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** List paths, relative to the server URL. */
const LIST_PATHS: Record<Exclude<keyof KubeLists, 'close'>, string> = {
  nodes: '/api/v1/nodes',
  pods: '/api/v1/pods',
  endpointSlices: '/apis/discovery.k8s.io/v1/endpointslices',
  replicaSets: '/apis/apps/v1/replicasets',
  jobs: '/apis/batch/v1/jobs',
  deployments: '/apis/apps/v1/deployments',
  daemonSets: '/apis/apps/v1/daemonsets',
  statefulSets: '/apis/apps/v1/statefulsets',
};

/**
 * The lists of one API server. @kubernetes/client-node's KubeConfig supplies the server, the TLS
 * material and the Authorization header (static tokens, exec plugins and client certificates
 * alike); pages are read over one keep-alive HTTPS agent and parsed with JSON.parse into the
 * client's types. The generated API classes are not used for lists on purpose: their
 * ObjectSerializer costs about 170 µs per pod and a second copy of every object, 25 s of a
 * 150,000-pod poll. Wire JSON differs from the deserialized classes only in dates, kept as
 * strings (the poller reads none). Every request is aborted after `timeoutMs`.
 */
export function createKubeLists(kc: KubeConfig, timeoutMs: number): KubeLists {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ConfigError('kubeconfig has no current cluster; set current-context');
  const server = cluster.server.replace(/\/+$/, '');
  let agent: Agent | undefined;

  const read = async <T>(path: string, page: { limit: number; _continue?: string; signal?: AbortSignal }): Promise<ListPage<T>> => {
    const opts: HttpsOptions & { headers?: Record<string, string> } = {};
    await kc.applyToHTTPSOptions(opts);
    agent ??= new Agent({ ca: opts.ca, cert: opts.cert, key: opts.key, keepAlive: true, ...(opts.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}) });
    const query = new URLSearchParams({ limit: String(page.limit), ...(page._continue ? { continue: page._continue } : {}) });
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = page.signal ? AbortSignal.any([timeout, page.signal]) : timeout;
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${server}${path}?${query}`, { agent, headers: { ...opts.headers, accept: 'application/json' }, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', (error) => reject(timeout.aborted ? Object.assign(new Error(`request to ${path} timed out after ${timeoutMs} ms`), { name: 'TimeoutError', cause: error }) : error));
      req.end();
    });
    if (status < 200 || status > 299) {
      let message = body.slice(0, 200);
      try {
        message = String((JSON.parse(body) as { message?: string }).message ?? message);
      } catch {
        // Not a Kubernetes Status object (a proxy or a load balancer answered): keep the raw text.
      }
      throw new KubeApiError(status, `GET ${path} answered ${status}: ${message}`);
    }
    const list = JSON.parse(body) as { items?: T[]; metadata?: { continue?: string; resourceVersion?: string } };
    return { items: list.items ?? [], metadata: { _continue: list.metadata?.continue, resourceVersion: list.metadata?.resourceVersion } };
  };

  const lists = {} as Record<keyof typeof LIST_PATHS, PageReader<unknown>>;
  for (const [name, path] of Object.entries(LIST_PATHS) as Array<[keyof typeof LIST_PATHS, string]>) lists[name] = (page) => read(path, page);
  // Keep-alive sockets would otherwise stay open to every API server a warm instance ever polled.
  return { ...(lists as unknown as Omit<KubeLists, 'close'>), close: () => agent?.destroy() };
}

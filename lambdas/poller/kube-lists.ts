import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  Observable,
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
import { TransientError } from '../../core/errors';

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
}

/**
 * Reads every page of a list, reducing each item with `reduce` as its page arrives (the full API
 * objects of one page at a time are alive, never the whole list). A 410 Gone restarts the list from
 * the first page, at most {@link MAX_LIST_RESTARTS} times.
 */
export async function listAll<T, U>(read: PageReader<T>, reduce: (item: T) => U, options: ListAllOptions): Promise<U[]> {
  const limit = options.limit ?? LIST_PAGE_SIZE;
  for (let attempt = 0; ; attempt += 1) {
    const out: U[] = [];
    let cont: string | undefined;
    try {
      do {
        options.signal?.throwIfAborted();
        const page = await read({ limit, ...(cont ? { _continue: cont } : {}), ...(options.signal ? { signal: options.signal } : {}) });
        options.onPage?.();
        for (const item of page.items) out.push(reduce(item));
        cont = page.metadata?._continue || undefined;
      } while (cont);
      return out;
    } catch (error) {
      if (toStatusCode(error) === 410 && attempt < MAX_LIST_RESTARTS) continue;
      if (toStatusCode(error) === 410) {
        throw new TransientError(`list of ${options.what} got 410 Gone ${attempt + 1} times (continue token expired each time); expected a list to finish within the token lifetime; the next poll retries`, { cause: error });
      }
      throw error;
    }
  }
}

/**
 * The lists of one API server, through @kubernetes/client-node. Every request is aborted after
 * `timeoutMs` (AbortError).
 */
export function createKubeLists(kc: KubeConfig, timeoutMs: number): KubeLists {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  // A fresh signal per request; the client's middleware hooks are Observable-based.
  const withTimeout = (signal: AbortSignal | undefined) => ({
    middleware: [
      {
        pre: (context: { setSignal(signal: AbortSignal): void }) => {
          const timeout = AbortSignal.timeout(timeoutMs);
          context.setSignal(signal ? AbortSignal.any([timeout, signal]) : timeout);
          return new Observable(Promise.resolve(context));
        },
        post: <R>(response: R) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append' as const,
  });
  // The generated option types are stricter than what the client accepts at run time.
  const opts = (signal: AbortSignal | undefined) => withTimeout(signal) as never;
  return {
    nodes: ({ signal, ...p }) => core.listNode(p, opts(signal)),
    pods: ({ signal, ...p }) => core.listPodForAllNamespaces(p, opts(signal)),
    endpointSlices: ({ signal, ...p }) => discovery.listEndpointSliceForAllNamespaces(p, opts(signal)),
    replicaSets: ({ signal, ...p }) => apps.listReplicaSetForAllNamespaces(p, opts(signal)),
    jobs: ({ signal, ...p }) => batch.listJobForAllNamespaces(p, opts(signal)),
    deployments: ({ signal, ...p }) => apps.listDeploymentForAllNamespaces(p, opts(signal)),
    daemonSets: ({ signal, ...p }) => apps.listDaemonSetForAllNamespaces(p, opts(signal)),
    statefulSets: ({ signal, ...p }) => apps.listStatefulSetForAllNamespaces(p, opts(signal)),
  };
}

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadLocalCertificates } from '../local-tls';
import type { KubeObject } from '../../core/agent-manifest';
import type { LazyList } from '../cluster/cluster-model';

/**
 * A local Kubernetes API server for tests, local mode and benchmarks: HTTPS with a test CA,
 * bearer-token auth, list endpoints with real pagination (`limit` + `continue`,
 * `metadata.continue`, `metadata.resourceVersion`), 410 Gone for an expired continue token,
 * GET of single objects, equality label and field selectors, injectable 500s and hanging
 * requests, and an `extraHandler` hook for anything else (server-side apply, DELETE).
 *
 * Objects come from a mutable in-memory {@link KubeStore}; change it while the server runs.
 */

/** Every resource the server serves, by plural name. */
export const KUBE_RESOURCES = [
  'namespaces',
  'nodes',
  'pods',
  'services',
  'endpointslices',
  'deployments',
  'replicasets',
  'daemonsets',
  'statefulsets',
  'jobs',
  'cronjobs',
] as const;

/** A resource the server serves. */
export type KubeResource = (typeof KUBE_RESOURCES)[number];

/** Objects per resource: lists made on demand, or arrays. */
export type KubeObjectSource = Partial<Record<KubeResource, LazyList<KubeObject> | readonly KubeObject[]>>;

/** How a resource appears in API paths and list responses. */
interface ResourceInfo {
  /** `''` for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

const RESOURCES: Record<KubeResource, ResourceInfo> = {
  namespaces: { group: '', version: 'v1', kind: 'Namespace', namespaced: false },
  nodes: { group: '', version: 'v1', kind: 'Node', namespaced: false },
  pods: { group: '', version: 'v1', kind: 'Pod', namespaced: true },
  services: { group: '', version: 'v1', kind: 'Service', namespaced: true },
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', namespaced: true },
  deployments: { group: 'apps', version: 'v1', kind: 'Deployment', namespaced: true },
  replicasets: { group: 'apps', version: 'v1', kind: 'ReplicaSet', namespaced: true },
  daemonsets: { group: 'apps', version: 'v1', kind: 'DaemonSet', namespaced: true },
  statefulsets: { group: 'apps', version: 'v1', kind: 'StatefulSet', namespaced: true },
  jobs: { group: 'batch', version: 'v1', kind: 'Job', namespaced: true },
  cronjobs: { group: 'batch', version: 'v1', kind: 'CronJob', namespaced: true },
};

const keyOf = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

/**
 * The objects the server serves, per resource. A resource starts either from a {@link LazyList}
 * (objects made on demand: a 150,000-pod cluster costs nothing until served) or from an array; the
 * first change to a lazy resource materializes it. Every change bumps the store's resourceVersion.
 */
export class KubeStore {
  private readonly lazy = new Map<KubeResource, LazyList<KubeObject>>();
  private readonly objects = new Map<KubeResource, Map<string, KubeObject>>();
  private version = 1;

  /** @param initial objects per resource (sim/kube/kube-objects.ts makes them from a cluster model); resources left out are empty. */
  constructor(initial: KubeObjectSource = {}) {
    for (const resource of KUBE_RESOURCES) {
      const source = initial[resource];
      if (source === undefined) this.objects.set(resource, new Map());
      else if (isLazy(source)) this.lazy.set(resource, source);
      else this.objects.set(resource, new Map(source.map((o) => [keyOf(o.metadata.namespace, o.metadata.name), o])));
    }
  }

  /** The store's current resourceVersion (a decimal string, as Kubernetes sends it). */
  get resourceVersion(): string {
    return String(this.version);
  }

  /** Number of objects of a resource. */
  count(resource: KubeResource): number {
    return this.lazy.get(resource)?.count ?? this.materialized(resource).size;
  }

  /** The objects of a resource from `start`, in a stable order. */
  *iterate(resource: KubeResource, start = 0): Generator<[index: number, object: KubeObject]> {
    const lazy = this.lazy.get(resource);
    if (lazy) {
      for (let i = start; i < lazy.count; i += 1) yield [i, lazy.make(i)];
      return;
    }
    let i = 0;
    for (const object of this.materialized(resource).values()) {
      if (i >= start) yield [i, object];
      i += 1;
    }
  }

  /** Every object of a resource (materializes a lazy one: meant for small clusters and tests). */
  list(resource: KubeResource): KubeObject[] {
    return [...this.iterate(resource)].map(([, o]) => o);
  }

  /** One object, or undefined. */
  get(resource: KubeResource, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.materialized(resource).get(keyOf(namespace, name));
  }

  /** Creates or replaces an object (matched by namespace and name); sets its resourceVersion. Returns the stored object. */
  upsert(resource: KubeResource, object: KubeObject): KubeObject {
    this.version += 1;
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: this.resourceVersion } };
    this.materialized(resource).set(keyOf(object.metadata.namespace, object.metadata.name), stored);
    return stored;
  }

  /** Deletes an object; false when it did not exist. */
  remove(resource: KubeResource, namespace: string | undefined, name: string): boolean {
    const removed = this.materialized(resource).delete(keyOf(namespace, name));
    if (removed) this.version += 1;
    return removed;
  }

  private materialized(resource: KubeResource): Map<string, KubeObject> {
    const lazy = this.lazy.get(resource);
    if (lazy) {
      const map = new Map<string, KubeObject>();
      for (let i = 0; i < lazy.count; i += 1) {
        const o = lazy.make(i);
        map.set(keyOf(o.metadata.namespace, o.metadata.name), o);
      }
      this.lazy.delete(resource);
      this.objects.set(resource, map);
    }
    return this.objects.get(resource) as Map<string, KubeObject>;
  }
}

const isLazy = (source: LazyList<KubeObject> | readonly KubeObject[]): source is LazyList<KubeObject> => !Array.isArray(source);

/** A request the server received (path includes the query string). */
export interface KubeRequestLogEntry {
  readonly method: string;
  readonly path: string;
}

/** Options of {@link startKubeApiServer}. */
export interface KubeApiServerOptions {
  /** The objects served. */
  readonly store: KubeStore;
  /**
   * The bearer token the server accepts; any other (or none) gets 401.
   * @default 'kinsight-sim-token'
   */
  readonly token?: string;
  /**
   * Called first for every authenticated request; return true when it wrote the response
   * (server-side apply PATCH, DELETE, anything the built-in routes do not serve).
   * @default no extra routes
   */
  readonly extraHandler?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
  /**
   * The largest page served whatever `limit` asks, like the API server's own cap.
   * @default 500
   */
  readonly maxPageSize?: number;
  /**
   * Keep every list page served (or prepared) until the store changes, instead of only the next
   * page of each resource: the simulator's JSON generation is then paid once, as a real API server
   * serves lists from its watch cache. For benchmarks; costs the memory of the serialized lists.
   * @default false
   */
  readonly cachePages?: boolean;
}

/** Which requests an injected fault applies to. */
export type RequestMatcher = (path: string) => boolean;

/** A running local API server. */
export interface KubeApiServer {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  /** The PEM of the CA that signed the server certificate (what a client trusts). */
  readonly caPem: string;
  /** The accepted bearer token. */
  readonly token: string;
  /** The store the server reads; change it at will. */
  readonly store: KubeStore;
  /** Every request received, in order. */
  readonly requests: readonly KubeRequestLogEntry[];
  /** The next `times` matching requests get `status` (default 500) with a Kubernetes Status body. */
  failNext(times: number, options?: { status?: number; match?: RequestMatcher }): void;
  /** The next `times` matching requests are never answered (until the server closes). */
  hangNext(times: number, match?: RequestMatcher): void;
  /** Every continue token issued so far becomes expired: using one gets 410 Gone, as after an etcd compaction. */
  expireContinueTokens(): void;
  /** A kubeconfig (JSON, which is valid YAML) for this server: CA data, server URL and token. */
  toKubeconfig(contextName?: string): string;
  /** Stops the server, dropping hanging requests. */
  close(): Promise<void>;
}

interface Fault {
  remaining: number;
  readonly kind: 'fail' | 'hang';
  readonly status: number;
  readonly match: RequestMatcher;
}

interface ContinueToken {
  readonly rv: string;
  readonly start: number;
  readonly gen: number;
}

const status = (code: number, reason: string, message: string) =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

const REASONS: Record<number, string> = { 401: 'Unauthorized', 404: 'NotFound', 410: 'Expired', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable' };

function send(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

interface Route {
  readonly resource: KubeResource;
  readonly namespace?: string;
  readonly name?: string;
}

/** Parses `/api/v1/...` and `/apis/<group>/<version>/...` paths. */
function toRoute(pathname: string): Route | undefined {
  const parts = pathname.split('/').filter(Boolean);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') [group, version, rest] = ['', parts[1], parts.slice(2)];
  else if (parts[0] === 'apis') [group, version, rest] = [parts[1], parts[2], parts.slice(3)];
  else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = decodeURIComponent(rest[1]);
    rest = rest.slice(2);
  }
  const [plural, name, ...extra] = rest;
  const info = RESOURCES[plural as KubeResource];
  if (!info || info.group !== group || info.version !== version || extra.length > 0) return undefined;
  if (namespace !== undefined && !info.namespaced) return undefined;
  return { resource: plural as KubeResource, namespace, name: name === undefined ? undefined : decodeURIComponent(name) };
}

/** Equality-only selectors (`a=b,c==d,e!=f`), which is what the poller and kubectl's common cases send. */
function toSelector(text: string | null, read: (o: KubeObject, key: string) => string | undefined): ((o: KubeObject) => boolean) | undefined {
  if (!text) return undefined;
  const terms = text.split(',').map((term) => {
    const m = /^([^=!]+)(!=|==|=)(.*)$/.exec(term.trim());
    if (!m) return (_o: KubeObject) => read(_o, term.trim()) !== undefined;
    const [, key, op, value] = m;
    return op === '!=' ? (o: KubeObject) => read(o, key) !== value : (o: KubeObject) => read(o, key) === value;
  });
  return (o) => terms.every((t) => t(o));
}

const readLabel = (o: KubeObject, key: string) => (o.metadata.labels as Record<string, string> | undefined)?.[key];
const readField = (o: KubeObject, key: string): string | undefined => {
  let value: unknown = o;
  for (const part of key.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
  return value === undefined ? undefined : String(value);
};

/** Starts the server on 127.0.0.1 with a free port. */
export async function startKubeApiServer(options: KubeApiServerOptions): Promise<KubeApiServer> {
  const { caPem, certPem, keyPem } = await loadLocalCertificates();
  const { store, extraHandler } = options;
  const token = options.token ?? 'kinsight-sim-token';
  const maxPageSize = options.maxPageSize ?? 500;
  const requests: KubeRequestLogEntry[] = [];
  const faults: Fault[] = [];
  let generation = 0;

  const takeFault = (path: string): Fault | undefined => {
    const fault = faults.find((f) => f.remaining > 0 && f.match(path));
    if (fault) fault.remaining -= 1;
    return fault;
  };

  // One prepared page per resource (lists of different resources run in parallel).
  const prefetched = new Map<KubeResource, { key: string; body: string; next: number }>();
  // With cachePages: every page by key; the key holds the store's resourceVersion, so a change retires all.
  const pageCache = options.cachePages ? new Map<string, { key: string; body: string; next: number }>() : undefined;
  let cachedVersion = store.resourceVersion;

  const serveList = (res: ServerResponse, route: Route, query: URLSearchParams): void => {
    const limit = Math.min(Number(query.get('limit')) || maxPageSize, maxPageSize);
    let start = 0;
    let rv = store.resourceVersion;
    const cont = query.get('continue');
    if (cont) {
      let token: ContinueToken;
      try {
        token = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as ContinueToken;
      } catch {
        send(res, 400, status(400, 'BadRequest', `continue key is not valid: ${cont.slice(0, 40)}`));
        return;
      }
      if (token.gen !== generation) {
        send(res, 410, status(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'));
        return;
      }
      [start, rv] = [token.start, token.rv];
    }
    const byLabel = toSelector(query.get('labelSelector'), readLabel);
    const byField = toSelector(query.get('fieldSelector'), readField);
    const plain = route.namespace === undefined && !byLabel && !byField;
    if (pageCache && cachedVersion !== store.resourceVersion) {
      pageCache.clear();
      cachedVersion = store.resourceVersion;
    }
    const key = `${route.resource}|${start}|${limit}|${rv}|${generation}|${store.resourceVersion}`;
    const hit = pageCache?.get(key) ?? prefetched.get(route.resource);
    const cached = plain && hit?.key === key ? hit : undefined;
    const page = cached ?? toPage(route, start, limit, rv, byLabel, byField);
    if (plain && pageCache && !cached) pageCache.set(key, { key, ...page });
    send(res, 200, page.body);
    // Like the API server's watch cache, have the next page ready before the client asks for it:
    // the client parses this page meanwhile, so a paginated list is not server time + client time.
    if (plain && page.next >= 0) {
      const nextKey = `${route.resource}|${page.next}|${limit}|${rv}|${generation}|${store.resourceVersion}`;
      setImmediate(() => {
        if (pageCache?.has(nextKey) || prefetched.get(route.resource)?.key === nextKey) return;
        const prepared = { key: nextKey, ...toPage(route, page.next, limit, rv, undefined, undefined) };
        prefetched.set(route.resource, prepared);
        pageCache?.set(nextKey, prepared);
      });
    }
  };

  const toPage = (
    route: Route,
    start: number,
    limit: number,
    rv: string,
    byLabel: ((o: KubeObject) => boolean) | undefined,
    byField: ((o: KubeObject) => boolean) | undefined,
  ): { body: string; next: number } => {
    const info = RESOURCES[route.resource];
    const items: string[] = [];
    let next = -1;
    for (const [index, object] of store.iterate(route.resource, start)) {
      if (items.length === limit) {
        next = index;
        break;
      }
      if (route.namespace !== undefined && object.metadata.namespace !== route.namespace) continue;
      if (byLabel && !byLabel(object)) continue;
      if (byField && !byField(object)) continue;
      items.push(JSON.stringify(object));
    }
    const metadata: Record<string, unknown> = { resourceVersion: rv };
    if (next >= 0) {
      metadata.continue = Buffer.from(JSON.stringify({ rv, start: next, gen: generation } satisfies ContinueToken)).toString('base64url');
      metadata.remainingItemCount = Math.max(0, store.count(route.resource) - next);
    }
    const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
    return { body: `{"kind":"${info.kind}List","apiVersion":"${apiVersion}","metadata":${JSON.stringify(metadata)},"items":[${items.join(',')}]}`, next };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = req.url ?? '/';
    requests.push({ method: req.method ?? 'GET', path });
    if (req.headers.authorization !== `Bearer ${token}`) {
      send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const fault = takeFault(path);
    if (fault?.kind === 'hang') return;
    if (fault) {
      send(res, fault.status, status(fault.status, REASONS[fault.status] ?? 'InternalError', `injected failure ${fault.status} for ${path}`));
      return;
    }
    if (extraHandler && (await extraHandler(req, res))) return;
    const url = new URL(path, 'https://localhost');
    const route = toRoute(url.pathname);
    if (!route || req.method !== 'GET') {
      send(res, 404, status(404, 'NotFound', `the server could not find the requested resource (${req.method} ${url.pathname})`));
      return;
    }
    if (route.name === undefined) {
      serveList(res, route, url.searchParams);
      return;
    }
    const object = store.get(route.resource, route.namespace, route.name);
    if (!object) send(res, 404, status(404, 'NotFound', `${route.resource} "${route.name}" not found`));
    else send(res, 200, JSON.stringify(object));
  };

  const server: Server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, status(500, 'InternalError', `simulator error: ${(error as Error).message}`));
      else res.destroy(error as Error);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    caPem,
    token,
    store,
    requests,
    failNext: (times, opts = {}) => faults.push({ remaining: times, kind: 'fail', status: opts.status ?? 500, match: opts.match ?? (() => true) }),
    hangNext: (times, match = () => true) => faults.push({ remaining: times, kind: 'hang', status: 0, match }),
    expireContinueTokens: () => {
      generation += 1;
    },
    toKubeconfig: (contextName = 'kinsight-sim') =>
      JSON.stringify(
        {
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: contextName, cluster: { server: url, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
          users: [{ name: contextName, user: { token } }],
          contexts: [{ name: contextName, context: { cluster: contextName, user: contextName } }],
          'current-context': contextName,
        },
        null,
        2,
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { request, type RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { AGENT_NAME, AGENT_NAMESPACE } from '../../core/agent-manifest';
import type { AgentRead, DaemonSetJson, PodJson } from './pipeline-checks';
import type { ClusterDetails } from './run-doctor';

/** A kubeconfig context as the choice of a cluster's context sees it. */
export interface ContextEntry {
  readonly name: string;
  /** The name of its cluster entry. */
  readonly cluster: string;
  /** That cluster entry's server URL. */
  readonly server?: string;
}

const trimUrl = (url: string): string => url.replace(/\/+$/, '').toLowerCase();

/**
 * The kubeconfig context of an EKS cluster: the one the user named (`--context CLUSTER=CONTEXT`), else
 * the one whose server is the cluster's endpoint, else whose cluster entry is named by the cluster's
 * ARN (as `aws eks update-kubeconfig` writes it), else the context named like the cluster.
 */
export function chooseContext(
  contexts: readonly ContextEntry[],
  cluster: string,
  details: Pick<ClusterDetails, 'arn' | 'endpoint'> | undefined,
  overrides: ReadonlyMap<string, string>,
): { readonly context?: string; readonly error?: string } {
  const named = overrides.get(cluster);
  if (named !== undefined) {
    return contexts.some((c) => c.name === named) ? { context: named } : { error: `the kubeconfig has no context "${named}" (given by --context ${cluster}=${named})` };
  }
  const match =
    (details?.endpoint && contexts.find((c) => c.server && trimUrl(c.server) === trimUrl(details.endpoint!))) ||
    (details?.arn && contexts.find((c) => c.cluster === details.arn || c.name === details.arn)) ||
    contexts.find((c) => c.name === cluster);
  return match ? { context: match.name } : { error: `no kubeconfig context for cluster ${cluster}` };
}

/** Per-request timeout of the doctor's Kubernetes reads. */
const REQUEST_TIMEOUT_MS = 15_000;

/** An error answer of the API server (`code`: the HTTP status). */
class KubeAnswerError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * GET of one API path through a KubeConfig (its server, TLS material and Authorization: tokens, exec
 * plugins, client certificates), parsed with JSON.parse. The generated API classes of
 * @kubernetes/client-node are not used: they would add megabytes to the CLI bundle for two reads.
 */
async function getJson<T>(kc: KubeConfig, path: string): Promise<T> {
  const server = kc.getCurrentCluster()?.server.replace(/\/+$/, '') ?? '';
  const opts: RequestOptions & { headers?: Record<string, string> } = {};
  await kc.applyToHTTPSOptions(opts);
  const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${server}${path}`, { ...opts, headers: { ...opts.headers, accept: 'application/json' }, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (error) => reject(signal.aborted ? Object.assign(new Error(`GET ${path} took more than ${REQUEST_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT', cause: error }) : error));
    req.end();
  });
  if (status < 200 || status > 299) {
    let message = body.slice(0, 200);
    try {
      message = String((JSON.parse(body) as { message?: string }).message ?? message);
    } catch {
      // Not a Kubernetes Status object (a proxy answered): keep the raw text.
    }
    throw new KubeAnswerError(status, `GET ${path} answered ${status}: ${message}`);
  }
  return JSON.parse(body) as T;
}

/** A failed read in the words of the agent-daemonset line. */
function toUnreadable(cluster: string, context: string, error: unknown): AgentRead {
  const code = error instanceof KubeAnswerError ? error.code : undefined;
  if (code === 401 || code === 403) {
    return {
      kind: 'unreadable',
      message: `the API server of context ${context} refused your credentials (${code})`,
      fix: `refresh them (aws eks update-kubeconfig --name ${cluster}) and check that your IAM principal has an access entry or aws-auth mapping that may read the ${AGENT_NAMESPACE} namespace`,
    };
  }
  const e = error as { code?: string; cause?: { code?: string }; message?: string };
  const network = e?.code ?? e?.cause?.code;
  return {
    kind: 'unreadable',
    message: `cannot read the API server of context ${context}: ${network ? `${network}: ` : ''}${(e?.message ?? String(error)).slice(0, 200)}`,
    fix: 'run the doctor from a network that reaches the endpoint (a private endpoint needs the VPC), or pick another context with --context CLUSTER=CONTEXT',
  };
}

/**
 * The agent's DaemonSet and pods in each cluster, through the user's kubeconfig (its credentials,
 * exec plugins included), read-only: GET of the DaemonSet, LIST of its pods.
 */
export function createKubeReads(kc: KubeConfig, overrides: ReadonlyMap<string, string>): (cluster: string, details: ClusterDetails | undefined) => Promise<AgentRead> {
  const contexts: ContextEntry[] = kc.getContexts().map((c) => ({ name: c.name, cluster: c.cluster, server: kc.getCluster(c.cluster)?.server }));
  return async (cluster, details) => {
    const chosen = chooseContext(contexts, cluster, details, overrides);
    if (!chosen.context) {
      return { kind: 'unreadable', message: chosen.error ?? `no kubeconfig context for cluster ${cluster}`, fix: `aws eks update-kubeconfig --name ${cluster}, or name its context with --context ${cluster}=CONTEXT` };
    }
    const context = chosen.context;
    const one = new KubeConfig();
    one.loadFromOptions({ clusters: kc.getClusters(), users: kc.getUsers(), contexts: kc.getContexts(), currentContext: context });
    try {
      let daemonSet: DaemonSetJson;
      try {
        daemonSet = await getJson<DaemonSetJson>(one, `/apis/apps/v1/namespaces/${AGENT_NAMESPACE}/daemonsets/${AGENT_NAME}`);
      } catch (error) {
        if (error instanceof KubeAnswerError && error.code === 404) return { kind: 'missing' };
        throw error;
      }
      const pods: PodJson[] = [];
      let next: string | undefined;
      do {
        const query = new URLSearchParams({ labelSelector: `app.kubernetes.io/name=${AGENT_NAME}`, limit: '500', ...(next ? { continue: next } : {}) });
        const page = await getJson<{ items?: PodJson[]; metadata?: { continue?: string } }>(one, `/api/v1/namespaces/${AGENT_NAMESPACE}/pods?${query}`);
        pods.push(...(page.items ?? []));
        next = page.metadata?.continue || undefined;
      } while (next);
      return { kind: 'found', daemonSet, pods };
    } catch (error) {
      return toUnreadable(cluster, context, error);
    }
  };
}

import { ApiException, AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { AGENT_NAME, AGENT_NAMESPACE } from '../../core/agent-manifest';
import type { AgentRead, PodJson } from './pipeline-checks';
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

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} took more than ${REQUEST_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })), REQUEST_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A failed read in the words of the agent-daemonset line. */
function toUnreadable(cluster: string, context: string, error: unknown): AgentRead {
  const code = error instanceof ApiException ? error.code : undefined;
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
      let daemonSet;
      try {
        daemonSet = await withTimeout(one.makeApiClient(AppsV1Api).readNamespacedDaemonSet({ name: AGENT_NAME, namespace: AGENT_NAMESPACE }), 'reading the DaemonSet');
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return { kind: 'missing' };
        throw error;
      }
      const core = one.makeApiClient(CoreV1Api);
      const pods: PodJson[] = [];
      let next: string | undefined;
      do {
        const page = await withTimeout(
          core.listNamespacedPod({ namespace: AGENT_NAMESPACE, labelSelector: `app.kubernetes.io/name=${AGENT_NAME}`, limit: 500, ...(next ? { _continue: next } : {}) }),
          'listing the agent pods',
        );
        pods.push(...(page.items as PodJson[]));
        next = page.metadata?._continue;
      } while (next);
      return { kind: 'found', daemonSet, pods };
    } catch (error) {
      return toUnreadable(cluster, context, error);
    }
  };
}

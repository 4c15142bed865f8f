import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../../core/errors';

/** Where a Kubernetes API server is and how to authenticate to it (what EKS DescribeCluster + a token give). */
export interface KubeEndpoint {
  /** `https://...` */
  readonly server: string;
  /** The cluster CA: PEM text or its base64 (EKS `certificateAuthority.data` is base64 of the PEM). */
  readonly caData: string;
  /** The bearer token. */
  readonly token: string;
  /**
   * Name used for the cluster, user and context entries.
   * @default 'kinsight'
   */
  readonly name?: string;
}

const toBase64Pem = (caData: string): string => (caData.includes('-----BEGIN') ? Buffer.from(caData).toString('base64') : caData);

/** A KubeConfig for one endpoint + CA + bearer token; TLS verification is always on. */
export function toKubeConfig(endpoint: KubeEndpoint): KubeConfig {
  if (!endpoint.server.startsWith('https://')) {
    throw new ConfigError(`Kubernetes API server URL "${endpoint.server}" is not https; expected https://<host>; the CA check needs TLS`);
  }
  const name = endpoint.name ?? 'kinsight';
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name, server: endpoint.server, caData: toBase64Pem(endpoint.caData), skipTLSVerify: false }],
    users: [{ name, token: endpoint.token }],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  });
  return kc;
}

/** A KubeConfig from a kubeconfig file (the CLI and the local mode), optionally switching context. */
export function loadKubeConfigFile(path: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (error) {
    throw new ConfigError(`cannot read kubeconfig "${path}": ${(error as Error).message}; expected a readable kubeconfig file (YAML or JSON)`, { cause: error });
  }
  if (context !== undefined) {
    if (!kc.getContextObject(context)) {
      throw new ConfigError(`kubeconfig "${path}" has no context "${context}"; expected one of ${kc.getContexts().map((c) => c.name).join(', ') || '(none)'}`);
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) throw new ConfigError(`kubeconfig "${path}" has no current cluster; set current-context or pass a context`);
  return kc;
}

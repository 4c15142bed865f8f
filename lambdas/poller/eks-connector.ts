import { DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import { ConfigError, TransientError } from '../../core/errors';
import type { EksTokenSource } from '../common/eks-token';
import { toKubeConfig } from '../common/kube-client';
import { createLruMap } from '../common/lru-map';
import { createKubeLists, type KubeLists } from './kube-lists';

/**
 * Connects the poller to an EKS cluster: endpoint and CA from DescribeCluster (cached), a bearer
 * token from the token source (renewed before it expires), and the paginated lists.
 */

/** Gives the lists of a cluster, authenticated. */
export type KubeConnector = (cluster: string, nowMs: number) => Promise<KubeLists>;

/** Options of {@link createEksConnector}. */
export interface EksConnectorOptions {
  readonly eks: Pick<EKSClient, 'send'>;
  readonly tokens: EksTokenSource;
  /** Per-request timeout of the Kubernetes API calls. */
  readonly requestTimeoutMs: number;
  /**
   * How long DescribeCluster answers are reused (endpoint and CA change only when the cluster is replaced).
   * @default 3_600_000
   */
  readonly describeTtlMs?: number;
  /**
   * Clusters whose DescribeCluster answer is kept; the least recently polled is forgotten beyond that.
   * @default 256
   */
  readonly maxClusters?: number;
}

/** The EKS implementation. */
export function createEksConnector(options: EksConnectorOptions): KubeConnector {
  const described = createLruMap<string, { server: string; caData: string; expiresAtMs: number }>({ maxEntries: options.maxClusters ?? 256 });
  const ttlMs = options.describeTtlMs ?? 3_600_000;
  return async (cluster, nowMs) => {
    let hit = described.get(cluster);
    if (!hit || hit.expiresAtMs <= nowMs) {
      let out;
      try {
        out = await options.eks.send(new DescribeClusterCommand({ name: cluster }));
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'ResourceNotFoundException') {
          throw new ConfigError(`EKS cluster "${cluster}" does not exist in this account and region; expected the name of an EKS cluster (check the fleet configuration)`, { cause: error });
        }
        throw new TransientError(`EKS DescribeCluster of "${cluster}" failed (${name}: ${(error as Error).message}); check eks:DescribeCluster on the poller role and the network path to the EKS API`, { cause: error });
      }
      const server = out.cluster?.endpoint;
      const caData = out.cluster?.certificateAuthority?.data;
      if (!server || !caData) {
        throw new ConfigError(`EKS cluster "${cluster}" has no endpoint or certificate authority (status ${out.cluster?.status ?? 'unknown'}); expected an ACTIVE cluster`);
      }
      hit = { server, caData, expiresAtMs: nowMs + ttlMs };
      described.set(cluster, hit);
    }
    const token = await options.tokens.getToken(cluster, nowMs);
    return createKubeLists(toKubeConfig({ server: hit.server, caData: hit.caData, token, name: cluster }), options.requestTimeoutMs);
  };
}

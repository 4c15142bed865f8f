import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/core/transport';
import { Sha256 } from '@smithy/core/checksum';
import { createLruMap } from './lru-map';

/**
 * EKS bearer tokens, built the way `aws eks get-token` builds them: `k8s-aws-v1.` + base64url
 * (no padding) of a presigned STS GetCallerIdentity URL whose signed headers include
 * `x-k8s-aws-id: <cluster>`. EKS accepts a token for 15 minutes from its X-Amz-Date.
 *
 * @see https://github.com/kubernetes-sigs/aws-iam-authenticator (pkg/token)
 */

/** The token prefix EKS expects. */
export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';

/** The header that binds the token to one cluster. */
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';

/**
 * How long a token is reused. EKS accepts it 15 minutes; the reference client treats it as expired
 * after 14; we renew one minute earlier still, so a token is never near expiry during a one-minute poll.
 */
export const EKS_TOKEN_REUSE_MS = 13 * 60 * 1000;

/** AWS credentials as the SDK's providers resolve them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Options of {@link createEksToken}. */
export interface EksTokenOptions {
  /** The region of the cluster (the regional STS endpoint). */
  readonly region: string;
  /** Credentials of the caller (the poller's role): a value or the SDK's provider chain. */
  readonly credentials: AwsCredentials | (() => Promise<AwsCredentials>);
  /** The signing time, epoch ms. */
  readonly nowMs: number;
}

const encode = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Builds one bearer token for a cluster. */
export async function createEksToken(cluster: string, options: EksTokenOptions): Promise<string> {
  const hostname = `sts.${options.region}.amazonaws.com`;
  const signer = new SignatureV4({ service: 'sts', region: options.region, credentials: options.credentials, sha256: Sha256 });
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: hostname, [CLUSTER_ID_HEADER]: cluster },
  });
  const signed = await signer.presign(request, { expiresIn: 60, signingDate: new Date(options.nowMs) });
  const query = Object.entries(signed.query ?? {})
    .flatMap(([key, value]) => (Array.isArray(value) ? value.map((v) => [key, v]) : [[key, value ?? '']]))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${encode(key)}=${encode(String(value))}`)
    .join('&');
  const url = `https://${hostname}/?${query}`;
  return EKS_TOKEN_PREFIX + Buffer.from(url).toString('base64url');
}

/** A per-cluster token cache: a token is reused for {@link EKS_TOKEN_REUSE_MS}, then rebuilt. */
export interface EksTokenSource {
  getToken(cluster: string, nowMs: number): Promise<string>;
}

/** Clusters whose tokens a token source keeps by default: a warm poller serves a few dozen at most. */
export const EKS_TOKEN_CACHE_CLUSTERS = 256;

/** Options of {@link createEksTokenSource}. */
export interface EksTokenSourceOptions extends Omit<EksTokenOptions, 'nowMs'> {
  /**
   * Clusters whose tokens are kept; the least recently used is forgotten beyond that.
   * @default EKS_TOKEN_CACHE_CLUSTERS
   */
  readonly maxClusters?: number;
}

/** Creates a token source that signs with the given region and credentials. */
export function createEksTokenSource(sourceOptions: EksTokenSourceOptions): EksTokenSource {
  const { maxClusters, ...options } = sourceOptions;
  const cache = createLruMap<string, { token: string; createdAtMs: number }>({ maxEntries: maxClusters ?? EKS_TOKEN_CACHE_CLUSTERS });
  return {
    async getToken(cluster, nowMs) {
      const cached = cache.get(cluster);
      if (cached && nowMs - cached.createdAtMs < EKS_TOKEN_REUSE_MS && nowMs >= cached.createdAtMs) return cached.token;
      const token = await createEksToken(cluster, { ...options, nowMs });
      cache.set(cluster, { token, createdAtMs: nowMs });
      return token;
    },
  };
}

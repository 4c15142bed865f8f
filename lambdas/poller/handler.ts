import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { ConfigError } from '../../core/errors';
import { createEmfEncoder, type EmfEncoder } from '../../core/emf';
import { DEFAULT_PROFILE_NAME, parseProfileName } from '../../core/metrics/profiles';
import { createEksTokenSource } from '../common/eks-token';
import { createLogWriter } from '../common/log-writer';
import { createAsgResolver } from './asg-resolver';
import { createHandler, toPollFailureLine, toPollSuccessLine } from './create-handler';
import { createPoller } from './create-poller';
import { createEksConnector } from './eks-connector';
import { createEmfEventWriter } from './emf-event-writer';
import { createMetadataStore } from './metadata-store';

/**
 * Composition root of the poller Lambda: reads the environment once, builds the clients at module
 * scope (a warm instance reuses them, its token cache, its DescribeCluster cache and its memory
 * of the previous observation) and exports `handler`.
 *
 * Environment:
 * - `KINSIGHT_TABLE_NAME` (required): the node metadata table.
 * - `KINSIGHT_PROFILE`: `classic` (default), `lean` or `enhanced`; `enhanced` adds workload records and node status metrics.
 * - `KINSIGHT_CLUSTER_PROFILES`: JSON object of cluster name -> profile name, for clusters that differ.
 * - `KINSIGHT_REQUEST_TIMEOUT_MS`: per-request timeout of Kubernetes API calls (default 10000).
 * - `KINSIGHT_METADATA_TTL_SECONDS`: lifetime of a node document (default 3600; refreshed at 3/4).
 * - `AWS_REGION` (set by Lambda): region of the clusters and of STS.
 */

function toPositiveInt(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${name} is "${text}"; expected a positive integer`);
  return n;
}

function toEncoder(name: string, where: string): EmfEncoder {
  const parsed = parseProfileName(name);
  if (!parsed.ok) throw new ConfigError(`${where}: ${parsed.error}`);
  return createEmfEncoder(parsed.value);
}

function toClusterEncoders(text: string | undefined): Map<string, EmfEncoder> {
  if (!text) return new Map();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`KINSIGHT_CLUSTER_PROFILES is not JSON (${(error as Error).message}); expected {"<cluster>":"enhanced",...}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError('KINSIGHT_CLUSTER_PROFILES must be a JSON object of cluster name -> profile name');
  return new Map(Object.entries(value).map(([cluster, name]) => [cluster, toEncoder(String(name), `KINSIGHT_CLUSTER_PROFILES.${cluster}`)]));
}

const tableName = process.env.KINSIGHT_TABLE_NAME;
if (!tableName) throw new ConfigError('KINSIGHT_TABLE_NAME is not set; the poller needs the node metadata table name');
const region = process.env.AWS_REGION;
if (!region) throw new ConfigError('AWS_REGION is not set; the poller signs EKS tokens for the regional STS endpoint');

const defaultEncoder = toEncoder(process.env.KINSIGHT_PROFILE || DEFAULT_PROFILE_NAME, 'KINSIGHT_PROFILE');
const clusterEncoders = toClusterEncoders(process.env.KINSIGHT_CLUSTER_PROFILES);
const encoderOf = (cluster: string) => clusterEncoders.get(cluster) ?? defaultEncoder;

const logger = new Logger({ serviceName: 'kinsight-poller' });
const eks = new EKSClient({});
// The default provider chain: the function's role.
const credentials = eks.config.credentials;

const poll = createPoller({
  connect: createEksConnector({
    eks,
    tokens: createEksTokenSource({ region, credentials }),
    requestTimeoutMs: toPositiveInt(process.env.KINSIGHT_REQUEST_TIMEOUT_MS, 'KINSIGHT_REQUEST_TIMEOUT_MS', 10_000),
  }),
  autoScalingGroups: createAsgResolver({ ec2: new EC2Client({}) }),
  store: createMetadataStore({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName }),
  writeEvents: createEmfEventWriter({ writer: createLogWriter({ client: new CloudWatchLogsClient({ maxAttempts: 1 }) }), encoderOf }),
  isEnhanced: (cluster) => encoderOf(cluster).profile.enhancedMetrics,
  ttlSeconds: toPositiveInt(process.env.KINSIGHT_METADATA_TTL_SECONDS, 'KINSIGHT_METADATA_TTL_SECONDS', 3600),
});

/** The Lambda entry point. */
export const handler = createHandler({
  poll,
  logger: { info: (message, extra) => logger.info(message, extra ?? {}), error: (message, extra) => logger.error(message, extra ?? {}) },
  now: () => Date.now(),
  // One EMF line on stdout: Lambda turns it into the metric kinsight/PollFailures by cluster.
  countFailure: (cluster, reason) => process.stdout.write(`${toPollFailureLine(cluster, reason, Date.now())}\n`),
  // kinsight/PollSuccesses by cluster: `kinsight doctor` reads each cluster's last successful poll from it.
  countSuccess: (cluster) => process.stdout.write(`${toPollSuccessLine(cluster, Date.now())}\n`),
});

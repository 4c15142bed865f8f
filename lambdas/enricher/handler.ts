import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { ConfigError } from '../../core/errors';
import { DEFAULT_PROFILE_NAME, parseDeclarations, parseLogOnlyEvery, parseProfileName, withLogOnlyEvery, type DeclarationProfile } from '../../core/metrics/profiles';
import { createLogWriter } from '../common/log-writer';
import { createHandler, toEnricherMetricsLine } from './create-handler';
import { createMetadataReader } from './metadata-reader';

/**
 * Composition root of the enricher Lambda: reads the environment once, builds the clients at module
 * scope (reused across invocations) and exports `handler`.
 *
 * Environment:
 * - `KINSIGHT_TABLE_NAME` (required): the node metadata table.
 * - `KINSIGHT_PROFILE`: declaration profile, `classic` (default), `lean` or `enhanced`.
 * - `KINSIGHT_CLUSTER_PROFILES`: JSON object of cluster name -> profile name, for clusters that differ.
 * - `KINSIGHT_DECLARATIONS`: JSON array of metric declarations replacing those of the fleet profile (validated).
 * - `KINSIGHT_LOG_ONLY_EVERY`: lean profiles write their log-only records once per this duration (`10m`); default never.
 * - `KINSIGHT_LOGS_CONCURRENCY`: log streams written in parallel (default 8).
 * - `KINSIGHT_METADATA_CACHE_MS`: metadata cache TTL (default 30000).
 */

function toProfile(name: string, where: string): DeclarationProfile {
  const parsed = parseProfileName(name);
  if (!parsed.ok) throw new ConfigError(`${where}: ${parsed.error}`);
  return parsed.value;
}

/** The fleet profile, with user declarations when `KINSIGHT_DECLARATIONS` is set. */
function toFleetProfile(name: string, declarations: string | undefined): DeclarationProfile {
  const profile = toProfile(name, 'KINSIGHT_PROFILE');
  if (!declarations) return profile;
  let value: unknown;
  try {
    value = JSON.parse(declarations);
  } catch (error) {
    throw new ConfigError(`KINSIGHT_DECLARATIONS is not JSON (${(error as Error).message}); expected [{"dimensions":[[...]],"metricNameSelectors":[...]}]`);
  }
  const parsed = parseDeclarations(value);
  if (!parsed.ok) throw new ConfigError(`KINSIGHT_DECLARATIONS: ${parsed.error}`);
  return { ...profile, name: 'custom', declarations: parsed.value };
}

function toClusterProfiles(text: string | undefined): Record<string, DeclarationProfile> {
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`KINSIGHT_CLUSTER_PROFILES is not JSON (${(error as Error).message}); expected {"<cluster>":"lean",...}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError('KINSIGHT_CLUSTER_PROFILES must be a JSON object of cluster name -> profile name');
  return Object.fromEntries(Object.entries(value).map(([cluster, name]) => [cluster, toProfile(String(name), `KINSIGHT_CLUSTER_PROFILES.${cluster}`)]));
}

function toLogOnlyEveryMs(text: string | undefined): number {
  const parsed = parseLogOnlyEvery(text || 'never');
  if (!parsed.ok) throw new ConfigError(`KINSIGHT_LOG_ONLY_EVERY: ${parsed.error}`);
  return parsed.value;
}

function toPositiveInt(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${name} must be a positive integer, got "${text}"`);
  return n;
}

const tableName = process.env.KINSIGHT_TABLE_NAME;
if (!tableName) throw new ConfigError('KINSIGHT_TABLE_NAME is not set; the enricher needs the node metadata table name');

const logger = new Logger({ serviceName: 'kinsight-enricher' });
// This adapter owns the retries of PutLogEvents (backoff, then partial batch failure).
const logsClient = new CloudWatchLogsClient({ maxAttempts: 1 });
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}));

const logOnlyEveryMs = toLogOnlyEveryMs(process.env.KINSIGHT_LOG_ONLY_EVERY);

/** The Lambda entry point. */
export const handler = createHandler({
  profile: withLogOnlyEvery(toFleetProfile(process.env.KINSIGHT_PROFILE || DEFAULT_PROFILE_NAME, process.env.KINSIGHT_DECLARATIONS), logOnlyEveryMs),
  clusterProfiles: Object.fromEntries(Object.entries(toClusterProfiles(process.env.KINSIGHT_CLUSTER_PROFILES)).map(([c, p]) => [c, withLogOnlyEvery(p, logOnlyEveryMs)])),
  writer: createLogWriter({ client: logsClient, concurrency: toPositiveInt(process.env.KINSIGHT_LOGS_CONCURRENCY, 'KINSIGHT_LOGS_CONCURRENCY', 8) }),
  metadata: createMetadataReader({
    client: documentClient,
    tableName,
    cacheTtlMs: toPositiveInt(process.env.KINSIGHT_METADATA_CACHE_MS, 'KINSIGHT_METADATA_CACHE_MS', 30_000),
    onBadItem: (key, reason) => logger.warn('unusable metadata item treated as missing', { key, reason }),
  }),
  // Lambda turns EMF lines on stdout into metrics: kinsight/EnricherPoison, EnricherFailedRecords, ...
  onSummary: (summary) => process.stdout.write(`${toEnricherMetricsLine(summary, Date.now())}\n`),
  logger: {
    info: (message, extra) => logger.info(message, { ...(extra as object) }),
    warn: (message, extra) => logger.warn(message, { ...(extra as object) }),
    error: (message, extra) => logger.error(message, { ...(extra as object) }),
  },
});

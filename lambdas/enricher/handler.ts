import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import { createLogWriter } from '../common/log-writer';
import { createAgentKeyStore } from './agent-keys';
import { createHandler, toEnricherMetricsLine } from './create-handler';
import { parseEnricherConfig } from './enricher-config';
import { createMetadataReader } from './metadata-reader';

/**
 * Composition root of the enricher Lambda: reads the environment once (parseEnricherConfig in
 * enricher-config.ts, which lists the variables), builds the clients at module scope (reused across
 * invocations) and exports `handler`.
 */

const config = parseEnricherConfig(process.env);

const logger = new Logger({ serviceName: 'kinsight-enricher' });
// This adapter owns the retries of PutLogEvents (backoff, then partial batch failure).
const logsClient = new CloudWatchLogsClient({ maxAttempts: 1 });
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}));
// The key store owns the retries of GetSecretValue, as the writer does for PutLogEvents.
const secretsClient = new SecretsManagerClient({ maxAttempts: 1 });

/** The Lambda entry point. */
export const handler = createHandler({
  profile: config.profile,
  clusterProfiles: config.clusterProfiles,
  writer: createLogWriter({ client: logsClient, concurrency: config.logsConcurrency }),
  metadata: createMetadataReader({
    client: documentClient,
    tableName: config.tableName,
    cacheTtlMs: config.metadataCacheMs,
    onBadItem: (key, reason) => logger.warn('unusable metadata item treated as missing', { key, reason }),
    onRejectedKey: (key, reason) => logger.error('DynamoDB refused a node key; its records are poison', { key: key.slice(0, 200), reason }),
  }),
  requireSignature: config.requireSignature,
  keys: createAgentKeyStore({
    client: secretsClient,
    secretPrefix: config.keySecretPrefix,
    onError: (cluster, reason) => logger.warn('agent key of a cluster not available', { cluster: cluster.slice(0, 100), reason }),
  }),
  // Lambda turns EMF lines on stdout into metrics: kinsight/EnricherPoison, EnricherFailedRecords, ...
  onSummary: (summary) => process.stdout.write(`${toEnricherMetricsLine(summary, Date.now())}\n`),
  logger: {
    info: (message, extra) => logger.info(message, { ...(extra as object) }),
    warn: (message, extra) => logger.warn(message, { ...(extra as object) }),
    error: (message, extra) => logger.error(message, { ...(extra as object) }),
  },
});

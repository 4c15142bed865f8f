import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { createEmfEncoder, type EmfEncoder } from '../../core/emf';
import { createEksTokenSource } from '../common/eks-token';
import { createLogWriter } from '../common/log-writer';
import { createAsgResolver } from './asg-resolver';
import { createHandler, toPollDocumentsLine, toPollFailureLine, toPollPartialLine, toPollSuccessLine, toPollUndersizedLine } from './create-handler';
import { createPoller } from './create-poller';
import { createEbsVolumeResolver } from './ebs-volume-resolver';
import { createEksConnector } from './eks-connector';
import { createEmfEventWriter } from './emf-event-writer';
import { createMetadataStore } from './metadata-store';
import { parsePollerConfig } from './poller-config';

/**
 * Composition root of the poller Lambda: reads the environment once (lambdas/poller/poller-config.ts
 * lists the variables), builds the clients at module scope (a warm instance reuses them, its token
 * cache, its DescribeCluster cache, its Auto Scaling group and EBS volume caches and its bounded
 * memory of the previous observations) and exports
 * `handler`.
 */

const config = parsePollerConfig(process.env);

const encoders = new Map<string, EmfEncoder>([...config.clusterProfiles].map(([cluster, profile]) => [cluster, createEmfEncoder(profile)]));
const defaultEncoder = createEmfEncoder(config.profile);
const encoderOf = (cluster: string) => encoders.get(cluster) ?? defaultEncoder;

const logger = new Logger({ serviceName: 'kinsight-poller' });
const eks = new EKSClient({});
const ec2 = new EC2Client({});
// The default provider chain: the function's role.
const credentials = eks.config.credentials;
// One EMF line on stdout each: Lambda turns them into the metrics kinsight/PollFailures, PollPartial, PollUndersized,
// PollDocumentsCut and PollDocumentsRejected by cluster.
const publish = (line: string) => process.stdout.write(`${line}\n`);

const poll = createPoller({
  connect: createEksConnector({
    eks,
    tokens: createEksTokenSource({ region: config.region, credentials }),
    requestTimeoutMs: config.requestTimeoutMs,
  }),
  autoScalingGroups: createAsgResolver({ ec2 }),
  ebsVolumes: createEbsVolumeResolver({ ec2 }),
  store: createMetadataStore({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName: config.tableName }),
  writeEvents: createEmfEventWriter({ writer: createLogWriter({ client: new CloudWatchLogsClient({ maxAttempts: 1 }) }), encoderOf }),
  isEnhanced: (cluster) => encoderOf(cluster).profile.enhancedMetrics,
  ttlSeconds: config.ttlSeconds,
  maxRememberedEntries: config.maxRememberedEntries,
});

/** The Lambda entry point: `handler(event, context)`; the context's remaining time bounds each poll. */
export const handler = createHandler({
  poll,
  logger: {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  },
  now: () => Date.now(),
  countFailure: (cluster, reason) => publish(toPollFailureLine(cluster, reason, Date.now())),
  // kinsight/PollSuccesses by cluster: `kinsight doctor` reads each cluster's last successful poll from it.
  countSuccess: (cluster) => publish(toPollSuccessLine(cluster, Date.now())),
  countPartial: (cluster, cutShort) => publish(toPollPartialLine(cluster, cutShort, Date.now())),
  countUndersized: (cluster, nodes, neededMb) => publish(toPollUndersizedLine(cluster, nodes, neededMb, Date.now())),
  countDocuments: (cluster, cut, rejected) => publish(toPollDocumentsLine(cluster, cut, rejected, Date.now())),
  deadlineMarginMs: config.deadlineMarginMs,
  ...(config.memoryMb === undefined ? {} : { memoryMb: config.memoryMb }),
});

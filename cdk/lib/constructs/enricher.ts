import {
  Duration,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_sqs as sqs,
  type aws_dynamodb as dynamodb,
  type aws_kinesis as kinesis,
  type aws_kms as kms,
} from 'aws-cdk-lib';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { AGENT_KEY_SECRET_PREFIX } from '../../../core/agent-key';
import type { MetricDeclaration } from '../../../core/metrics/profiles';
import { toAgentKeySecretsArn } from '../agent-key-arns';
import { KinsightFunction } from '../kinsight-function';
import type { Profile } from '../fleet-config';
import { toEnricherLogGroupArns } from '../performance-log-groups';

/** Props of {@link Enricher}. */
export interface EnricherProps {
  /** The stream the agents write to. */
  readonly stream: kinesis.IStream;
  /** The node metadata table (read only). */
  readonly table: dynamodb.ITableV2;
  /** Key of the stream and the failure queue. */
  readonly encryptionKey: kms.IKey;
  /** The fleet's clusters: the enricher writes their performance log groups only (cdk/lib/performance-log-groups.ts). */
  readonly clusterNames: readonly string[];
  /** Fleet default declaration profile. */
  readonly profile: Profile;
  /**
   * Metric declarations replacing those of the fleet profile.
   * @default none
   */
  readonly declarations?: readonly MetricDeclaration[];
  /**
   * Clusters whose profile differs from the fleet default.
   * @default none
   */
  readonly clusterProfiles?: Readonly<Record<string, Profile>>;
  /**
   * Refuse records without a valid signature of their cluster's key (KINSIGHT_REQUIRE_SIGNATURE).
   * @default true
   */
  readonly requireSignedRecords?: boolean;
  /**
   * Lean profiles write their log-only records once per this duration (`KINSIGHT_LOG_ONLY_EVERY`).
   * @default never
   */
  readonly logOnlyEvery?: string;
  /**
   * Handler file, relative to the project root.
   * @default 'lambdas/enricher/handler.ts'
   */
  readonly entry?: string;
  /**
   * Records per invocation; Lambda also caps a batch at the 6 MB invocation payload.
   * @default 200
   */
  readonly batchSize?: number;
  /**
   * How long the event source waits to fill a batch.
   * @default Duration.seconds(5)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Retries of a failing batch (after bisecting) before it goes to the failure queue.
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * Records older than this go to the failure queue instead of being processed late.
   * @default Duration.hours(1)
   */
  readonly maxRecordAge?: Duration;
  /**
   * Concurrent batches per shard.
   * @default 2
   */
  readonly parallelizationFactor?: number;
}

/**
 * The enricher Lambda and its Kinesis event source: partial batch responses, bisect on error, bounded
 * retries and record age, and an encrypted SQS queue as the on-failure destination. It reads every
 * cluster's signing key to verify records, and writes only the fleet's performance log groups.
 */
export class Enricher extends Construct {
  /** The function. */
  readonly function: lambda.Function;
  /** Where batches that exhausted their retries are described (metadata only, not the records). */
  readonly failureQueue: sqs.Queue;
  /** The event source mapping. */
  readonly eventSource: KinesisEventSource;

  constructor(scope: Construct, id: string, props: EnricherProps) {
    super(scope, id);
    this.function = new KinsightFunction(this, 'Function', {
      entry: props.entry ?? 'lambdas/enricher/handler.ts',
      memorySize: 1024,
      timeout: Duration.minutes(2),
      environment: {
        KINSIGHT_TABLE_NAME: props.table.tableName,
        KINSIGHT_PROFILE: props.profile,
        KINSIGHT_CLUSTER_PROFILES: JSON.stringify(props.clusterProfiles ?? {}),
        ...(props.declarations ? { KINSIGHT_DECLARATIONS: JSON.stringify(props.declarations) } : {}),
        // Fleet membership is "has a key secret": no cluster list here (Lambda's 4 KB at 400 clusters).
        KINSIGHT_REQUIRE_SIGNATURE: String(props.requireSignedRecords ?? true),
        KINSIGHT_KEY_SECRET_PREFIX: AGENT_KEY_SECRET_PREFIX,
        ...(props.logOnlyEvery ? { KINSIGHT_LOG_ONLY_EVERY: props.logOnlyEvery } : {}),
      },
    });
    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.eventSource = new KinesisEventSource(props.stream, {
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: props.batchSize ?? 200,
      maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(5),
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: props.retryAttempts ?? 3,
      maxRecordAge: props.maxRecordAge ?? Duration.hours(1),
      parallelizationFactor: props.parallelizationFactor ?? 2,
      onFailure: new SqsDlq(this.failureQueue),
    });
    this.function.addEventSource(this.eventSource);
    // Reads only: the enricher joins metadata by key, in batches.
    props.table.grant(this.function, 'dynamodb:BatchGetItem', 'dynamodb:GetItem');
    // Every agent key secret: it verifies each record with the key of the cluster the record names,
    // current or previous version (AWS managed key aws/secretsmanager: no KMS grant needed).
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [toAgentKeySecretsArn(this)] }));
    // The fleet's performance log groups, the only log groups it writes.
    const logGroups = toEnricherLogGroupArns(this, props.clusterNames);
    if (logGroups.length > 0) this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: logGroups }));
  }
}

import { join } from 'node:path';
import { App, Duration, Stack, aws_dynamodb as dynamodb, aws_iam as iam, aws_kinesis as kinesis, aws_kms as kms, aws_logs as logs } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Enricher } from '../../../cdk/lib/constructs/enricher';
import { PipelineStream } from '../../../cdk/lib/constructs/pipeline-stream';
import { ClusterAccess } from '../../../cdk/lib/constructs/cluster-access';
import { PipelineMonitoring } from '../../../cdk/lib/constructs/pipeline-monitoring';

const stub = join(__dirname, 'fixtures', 'handler.ts');

/** A bare stack with bundling skipped: each construct is checked alone, with non-default props. */
function bareStack(): Stack {
  return new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bare');
}

describe('constructs on their own', () => {
  it('PipelineStream: provisioned with one shard unless told, KMS-encrypted, 24 h retention', () => {
    const stack = bareStack();
    new PipelineStream(stack, 'S', { encryptionKey: new kms.Key(stack, 'K'), mode: 'provisioned' });
    Template.fromStack(stack).hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 1, RetentionPeriodHours: 24, StreamEncryption: { EncryptionType: 'KMS' } });
  });

  it('Enricher: takes its batch size, window, retries, record age and parallelization from props', () => {
    const stack = bareStack();
    const key = new kms.Key(stack, 'K');
    const stream = new kinesis.Stream(stack, 'S', { encryptionKey: key, encryption: kinesis.StreamEncryption.KMS });
    const table = new dynamodb.TableV2(stack, 'T', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    new Enricher(stack, 'E', {
      stream,
      table,
      encryptionKey: key,
      logGroups: [new logs.LogGroup(stack, 'L')],
      profile: 'lean',
      entry: stub,
      batchSize: 50,
      maxBatchingWindow: Duration.seconds(1),
      retryAttempts: 1,
      maxRecordAge: Duration.minutes(10),
      parallelizationFactor: 1,
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 1,
      MaximumRetryAttempts: 1,
      MaximumRecordAgeInSeconds: 600,
      ParallelizationFactor: 1,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ KINSIGHT_PROFILE: 'lean', KINSIGHT_CLUSTER_PROFILES: '{}' }) } });
  });

  it('ClusterAccess: one poller entry in the poller group and one applier entry per cluster', () => {
    const stack = bareStack();
    const role = (id: string) => new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new ClusterAccess(stack, 'A', { clusterName: 'c1', pollerRole: role('P'), applierRole: role('R') });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EKS::AccessEntry', 2);
    template.hasResourceProperties('AWS::EKS::AccessEntry', { ClusterName: 'c1', Type: 'STANDARD', KubernetesGroups: ['kinsight-pollers'] });
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      ClusterName: 'c1',
      KubernetesGroups: ['kinsight-appliers'],
      AccessPolicies: [Match.objectLike({ AccessScope: { Type: 'namespace', Namespaces: ['kinsight'] } })],
    });
  });

  it('PipelineMonitoring: takes the iterator age and poll failure thresholds from props', () => {
    const stack = bareStack();
    const key = new kms.Key(stack, 'K');
    const stream = new kinesis.Stream(stack, 'S', { encryptionKey: key, encryption: kinesis.StreamEncryption.KMS });
    const table = new dynamodb.TableV2(stack, 'T', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    const enricher = new Enricher(stack, 'E', { stream, table, encryptionKey: key, logGroups: [], profile: 'classic', entry: stub });
    new PipelineMonitoring(stack, 'M', {
      stream,
      enricher: enricher.function,
      failureQueue: enricher.failureQueue,
      pollers: [{ function: enricher.function, clusterNames: ['c1'] }],
      maxIteratorAge: Duration.minutes(2),
      pollerFailuresThreshold: 5,
      dashboardName: 'custom',
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IteratorAge', Threshold: 120_000, EvaluationPeriods: 3 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'PollFailures', Threshold: 5, Dimensions: [{ Name: 'Cluster', Value: 'c1' }] });
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'custom' });
  });
});

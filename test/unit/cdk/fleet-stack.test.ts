import { join } from 'node:path';
import { App, Duration, Stack, aws_dynamodb as dynamodb, aws_iam as iam, aws_kinesis as kinesis, aws_kms as kms, aws_logs as logs } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ClusterAccess } from '../../../cdk/lib/constructs/cluster-access';
import { Enricher } from '../../../cdk/lib/constructs/enricher';
import { PipelineMonitoring } from '../../../cdk/lib/constructs/pipeline-monitoring';
import { PipelineStream } from '../../../cdk/lib/constructs/pipeline-stream';
import { LAMBDA_RUNTIME_NAME } from '../../../core/node-runtime';
import fleetExample from '../../../fleet.example.json';
import { synthFleet } from './fixtures/synth-fleet';

type Resources = Record<string, { Type: string; Properties: any; DependsOn?: string[] }>;

const ofType = (template: Template, type: string): any[] => Object.values(template.findResources(type) as Resources).map((r) => r.Properties);
const statementsOf = (template: Template): any[] => ofType(template, 'AWS::IAM::Policy').flatMap((p) => p.PolicyDocument.Statement);
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const refersTo = (value: unknown, text: string): boolean => JSON.stringify(value).includes(text);

describe('FleetStack with the example fleet (two public clusters, one private; Pod Identity)', () => {
  let template: Template;
  let cleanup: () => void;
  beforeAll(() => {
    ({ template, cleanup } = synthFleet(fleetExample));
  });
  afterAll(() => cleanup());

  describe('key, stream and table', () => {
    it('creates one KMS key with rotation', () => {
      template.resourceCountIs('AWS::KMS::Key', 1);
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });

    it('creates an on-demand Kinesis stream encrypted with the key', () => {
      template.hasResourceProperties('AWS::Kinesis::Stream', {
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
        StreamEncryption: { EncryptionType: 'KMS', KeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
      });
    });

    it('creates the metadata table on demand with TTL, point-in-time recovery and encryption at rest', () => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
      });
    });
  });

  describe('enricher', () => {
    it('runs on the deployed Node.js runtime, arm64, with the table and profile in its environment', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: LAMBDA_RUNTIME_NAME,
        Architectures: ['arm64'],
        Environment: { Variables: Match.objectLike({ KINSIGHT_TABLE_NAME: Match.anyValue(), KINSIGHT_PROFILE: 'classic', KINSIGHT_CLUSTER_PROFILES: '{"staging-eu":"lean"}' }) },
      });
    });

    it('reads the stream with bisect, partial batch responses, bounded retries and record age, and a failure destination', () => {
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Stream'), 'Arn'] },
        StartingPosition: 'LATEST',
        BatchSize: 200,
        MaximumBatchingWindowInSeconds: 5,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        MaximumRetryAttempts: 3,
        MaximumRecordAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('FailureQueue'), 'Arn'] } } },
      });
    });

    it('sends failed batches to an SQS queue encrypted with the key that refuses plain HTTP', () => {
      template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    });
  });

  describe('pollers and schedules', () => {
    it('creates one rule per cluster, every minute, naming the cluster in its input', () => {
      const rules = ofType(template, 'AWS::Events::Rule');
      expect(rules).toHaveLength(3);
      expect(rules.map((r) => r.ScheduleExpression)).toEqual(['rate(1 minute)', 'rate(1 minute)', 'rate(1 minute)']);
      expect(rules.map((r) => JSON.parse(r.Targets[0].Input).cluster).sort()).toEqual(['payments', 'prod-eu', 'staging-eu']);
      for (const rule of rules) expect(rule.Targets[0].RetryPolicy).toEqual({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
    });

    it('runs the private cluster\'s poller and applier in its VPC subnets with its security groups', () => {
      const inVpc = ofType(template, 'AWS::Lambda::Function').filter((f) => f.VpcConfig);
      expect(inVpc).toHaveLength(2);
      for (const fn of inVpc) {
        expect(fn.VpcConfig).toEqual({ SubnetIds: ['subnet-0a1b2c3d4e5f60781', 'subnet-0a1b2c3d4e5f60782'], SecurityGroupIds: ['sg-0a1b2c3d4e5f60783'] });
      }
    });
  });

  describe('log groups', () => {
    it('creates each cluster\'s performance log group with the configured retention', () => {
      for (const name of ['prod-eu', 'staging-eu', 'payments']) {
        template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/aws/containerinsights/${name}/performance`, RetentionInDays: 30 });
      }
    });

    it('gives every function log group a retention', () => {
      for (const group of ofType(template, 'AWS::Logs::LogGroup')) expect(group.RetentionInDays).toBeGreaterThan(0);
    });
  });

  describe('least-privilege IAM', () => {
    it('uses a "*" resource only for ec2:DescribeTags, which supports no resource-level permissions', () => {
      const starred = statementsOf(template).filter((s) => asList(s.Resource).includes('*'));
      expect(starred.length).toBeGreaterThan(0);
      for (const statement of starred) expect(statement.Action).toBe('ec2:DescribeTags');
    });

    it('lets the enricher only read the table and write only the clusters\' performance log groups', () => {
      const statements = statementsOf(template);
      const logWrites = statements.filter((s) => asList(s.Action).includes('logs:PutLogEvents'));
      for (const s of logWrites) expect(refersTo(s.Resource, 'Performance')).toBe(true);
      const tableStatements = statements.filter((s) => refersTo(s.Resource, 'MetadataTable'));
      expect(tableStatements.map((s) => asList(s.Action).sort())).toContainEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem']);
      for (const s of tableStatements) expect(asList(s.Action).some((a: string) => a === 'dynamodb:*' || a.includes('Table'))).toBe(false);
    });

    it('lets the pollers read and write node documents without scans or table administration', () => {
      const pollerTable = statementsOf(template).filter((s) => refersTo(s.Resource, 'MetadataTable') && asList(s.Action).includes('dynamodb:PutItem'));
      expect(pollerTable).toHaveLength(2);
      for (const s of pollerTable) expect(asList(s.Action).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:PutItem']);
    });

    it('lets each poller and applier describe only the clusters it serves', () => {
      const describes = statementsOf(template).filter((s) => s.Action === 'eks:DescribeCluster');
      expect(describes).toHaveLength(4);
      const served = describes.map((s) => asList(s.Resource).map((r: any) => JSON.stringify(r).match(/cluster\/([\w-]+)/)?.[1]).sort());
      expect(served).toEqual(expect.arrayContaining([['prod-eu', 'staging-eu'], ['payments']]));
    });

    it('lets each applier describe only the Pod Identity Agent add-on of its clusters (its prerequisite check), and create or delete none', () => {
      const describes = statementsOf(template).filter((s) => s.Action === 'eks:DescribeAddon');
      expect(describes).toHaveLength(2);
      const served = describes.map((s) => asList(s.Resource).map((r: any) => JSON.stringify(r).match(/addon\/([\w-]+)\/eks-pod-identity-agent\/\*/)?.[1]).sort());
      expect(served).toEqual(expect.arrayContaining([['prod-eu', 'staging-eu'], ['payments']]));
      const writes = statementsOf(template).filter((s) => asList(s.Action).some((a: string) => a === 'eks:CreateAddon' || a === 'eks:DeleteAddon'));
      expect(writes).toEqual([]);
      template.resourceCountIs('Custom::KinsightPodIdentityAgent', 0);
    });

    it('grants the agent role only kinesis:PutRecords on the stream and kms:GenerateDataKey on the key', () => {
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Action: ['sts:AssumeRole', 'sts:TagSession'], Principal: { Service: 'pods.eks.amazonaws.com' } })] },
        Policies: [
          {
            PolicyName: 'PutRecords',
            PolicyDocument: {
              Statement: [
                { Action: 'kinesis:PutRecords', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Stream'), 'Arn'] } },
                { Action: 'kms:GenerateDataKey', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
              ],
            },
          },
        ],
      });
    });
  });

  describe('EKS access and agent installation', () => {
    it('puts each cluster\'s poller role in the poller group with no access policy', () => {
      const entries = ofType(template, 'AWS::EKS::AccessEntry').filter((e) => refersTo(e.PrincipalArn, 'Poller'));
      expect(entries.map((e) => e.ClusterName).sort()).toEqual(['payments', 'prod-eu', 'staging-eu']);
      for (const entry of entries) {
        expect(entry.KubernetesGroups).toEqual(['kinsight-pollers']);
        expect(entry.AccessPolicies).toBeUndefined();
      }
    });

    it('gives each cluster\'s applier role admin in the kinsight namespace only, plus the applier group', () => {
      const entries = ofType(template, 'AWS::EKS::AccessEntry').filter((e) => refersTo(e.PrincipalArn, 'Installer'));
      expect(entries).toHaveLength(3);
      for (const entry of entries) {
        expect(entry.KubernetesGroups).toEqual(['kinsight-appliers']);
        expect(entry.AccessPolicies).toHaveLength(1);
        expect(entry.AccessPolicies[0].AccessScope).toEqual({ Type: 'namespace', Namespaces: ['kinsight'] });
        expect(refersTo(entry.AccessPolicies[0].PolicyArn, 'cluster-access-policy/AmazonEKSAdminPolicy')).toBe(true);
      }
    });

    it('associates the agent service account with its role through Pod Identity in each cluster', () => {
      const associations = ofType(template, 'AWS::EKS::PodIdentityAssociation');
      expect(associations.map((a) => a.ClusterName).sort()).toEqual(['payments', 'prod-eu', 'staging-eu']);
      for (const a of associations) expect(a).toMatchObject({ Namespace: 'kinsight', ServiceAccount: 'kinsight-agent' });
    });

    it('installs the agent in each cluster through a custom resource that waits for the applier access entry and the Pod Identity association', () => {
      const installs = template.findResources('Custom::KinsightAgent') as Resources;
      expect(Object.values(installs).map((r) => r.Properties.ClusterName).sort()).toEqual(['payments', 'prod-eu', 'staging-eu']);
      const entries = template.findResources('AWS::EKS::AccessEntry') as Resources;
      const associations = template.findResources('AWS::EKS::PodIdentityAssociation') as Resources;
      for (const install of Object.values(installs)) {
        const cluster = install.Properties.ClusterName;
        expect(install.Properties).toMatchObject({ Image: 'public.ecr.aws/docker/library/node:22-alpine@sha256:8094c002d08262dba12645a3b4a15cd6cd627d30bc782f53229a2ec13ee22a00', Interval: '60s', BundleSha256: 'a'.repeat(64), AgentIdentity: 'pod-identity' });
        expect(install.Properties.OidcProviderArn).toBeUndefined();
        expect(install.Properties.StreamName).toEqual({ Ref: expect.stringMatching(/^Stream/) });
        const dependsOn = install.DependsOn ?? [];
        expect(dependsOn.some((id) => entries[id]?.Properties.ClusterName === cluster && refersTo(entries[id].Properties.PrincipalArn, 'Installer'))).toBe(true);
        expect(dependsOn.some((id) => associations[id]?.Properties.ClusterName === cluster)).toBe(true);
      }
    });
  });

  describe('monitoring', () => {
    it('alarms on iterator age, enricher errors and throttles, and failure-queue depth', () => {
      const metrics = ofType(template, 'AWS::CloudWatch::Alarm').map((a) => a.MetricName);
      expect(metrics).toEqual(expect.arrayContaining(['IteratorAge', 'Errors', 'Throttles', 'ApproximateNumberOfMessagesVisible']));
    });

    it('alarms on failed polls of each cluster, from the poller\'s own PollFailures metric', () => {
      const alarms = ofType(template, 'AWS::CloudWatch::Alarm').filter((a) => a.MetricName === 'PollFailures');
      expect(alarms.map((a) => a.Dimensions).sort((a, b) => a[0].Value.localeCompare(b[0].Value))).toEqual([
        [{ Name: 'Cluster', Value: 'payments' }],
        [{ Name: 'Cluster', Value: 'prod-eu' }],
        [{ Name: 'Cluster', Value: 'staging-eu' }],
      ]);
      for (const alarm of alarms) expect(alarm).toMatchObject({ Namespace: 'kinsight', Statistic: 'Sum', Threshold: 3, TreatMissingData: 'notBreaching' });
    });

    it('draws the pipeline on one dashboard: stream, enricher and its counters, failure queue, polls, alarms', () => {
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      const body = JSON.stringify(ofType(template, 'AWS::CloudWatch::Dashboard')[0].DashboardBody);
      for (const metric of ['IncomingRecords', 'IteratorAge', 'EnricherPoison', 'ApproximateNumberOfMessagesVisible', 'PollFailures']) expect(body).toContain(metric);
      expect(body).toContain('\\"type\\":\\"alarm\\"');
    });
  });
});

describe('FleetStack with a provisioned stream, IRSA and cluster-admin applier access', () => {
  let template: Template;
  let cleanup: () => void;
  const oidc = 'arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC123';
  beforeAll(() => {
    ({ template, cleanup } = synthFleet({
      clusters: [{ name: 'solo', oidcProviderArn: oidc }],
      streamMode: 'provisioned',
      shards: 4,
      agentIdentity: 'irsa',
      applierAccess: 'cluster-admin',
      logRetentionDays: 14,
    }));
  });
  afterAll(() => cleanup());

  it('creates a provisioned stream with the configured shards, still encrypted', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 4, StreamEncryption: { EncryptionType: 'KMS' } });
  });

  it('trusts the cluster\'s OIDC issuer for the agent service account only, with no Pod Identity association', () => {
    template.resourceCountIs('AWS::EKS::PodIdentityAssociation', 0);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'sts:AssumeRoleWithWebIdentity',
            Principal: { Federated: oidc },
            Condition: {
              StringEquals: {
                'oidc.eks.eu-west-1.amazonaws.com/id/ABC123:sub': 'system:serviceaccount:kinsight:kinsight-agent',
                'oidc.eks.eu-west-1.amazonaws.com/id/ABC123:aud': 'sts.amazonaws.com',
              },
            },
          }),
        ],
      },
    });
  });

  it('annotates the agent service account with the IRSA role through the custom resource', () => {
    template.hasResourceProperties('Custom::KinsightAgent', {
      ServiceAccountAnnotations: { 'eks.amazonaws.com/role-arn': { 'Fn::GetAtt': [Match.stringLikeRegexp('IrsaRole'), 'Arn'] } },
    });
  });

  it('tells the applier to check the cluster\'s OIDC issuer, and lets it describe no add-on', () => {
    template.hasResourceProperties('Custom::KinsightAgent', { AgentIdentity: 'irsa', OidcProviderArn: oidc });
    expect(statementsOf(template).filter((s) => asList(s.Action).includes('eks:DescribeAddon'))).toEqual([]);
  });

  it('gives the applier the cluster admin policy only when asked, with no group', () => {
    const applier = ofType(template, 'AWS::EKS::AccessEntry').find((e) => refersTo(e.PrincipalArn, 'Installer'));
    expect(applier.KubernetesGroups).toBeUndefined();
    expect(applier.AccessPolicies[0].AccessScope).toEqual({ Type: 'cluster' });
    expect(refersTo(applier.AccessPolicies[0].PolicyArn, 'AmazonEKSClusterAdminPolicy')).toBe(true);
  });

  it('runs every function outside any VPC when no cluster is private', () => {
    for (const fn of ofType(template, 'AWS::Lambda::Function')) expect(fn.VpcConfig).toBeUndefined();
  });

  it('keeps performance logs for the configured retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/containerinsights/solo/performance', RetentionInDays: 14 });
  });
});

describe('FleetStack that installs the Pod Identity Agent add-on', () => {
  let template: Template;
  let cleanup: () => void;
  beforeAll(() => {
    ({ template, cleanup } = synthFleet({ ...fleetExample, installPodIdentityAgent: true }));
  });
  afterAll(() => cleanup());

  it('ensures the add-on in each cluster through the applier, before the agent is installed there', () => {
    const addons = template.findResources('Custom::KinsightPodIdentityAgent') as Resources;
    expect(Object.values(addons).map((r) => r.Properties.ClusterName).sort()).toEqual(['payments', 'prod-eu', 'staging-eu']);
    const installs = Object.values(template.findResources('Custom::KinsightAgent') as Resources);
    for (const [id, addon] of Object.entries(addons)) {
      const install = installs.find((i) => i.Properties.ClusterName === addon.Properties.ClusterName);
      expect(install?.DependsOn).toContain(id);
      expect(addon.Properties.ServiceToken).toEqual(install?.Properties.ServiceToken);
    }
  });

  it('lets each applier create and delete only its clusters\' Pod Identity Agent add-on', () => {
    const deletes = statementsOf(template).filter((s) => s.Action === 'eks:DeleteAddon');
    expect(deletes.map((s) => asList(s.Resource).map((r: any) => JSON.stringify(r).match(/addon\/([\w-]+)\/eks-pod-identity-agent\/\*/)?.[1]).sort())).toEqual(
      expect.arrayContaining([['prod-eu', 'staging-eu'], ['payments']]),
    );
    const creates = statementsOf(template).filter((s) => s.Action === 'eks:CreateAddon');
    expect(creates).toHaveLength(2);
    for (const s of creates) for (const r of asList(s.Resource)) expect(JSON.stringify(r)).toMatch(/:(cluster\/[\w-]+|addon\/[\w-]+\/eks-pod-identity-agent\/\*)"/);
  });
});

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

import { join } from 'node:path';
import { App, Duration, Stack, aws_dynamodb as dynamodb, aws_iam as iam, aws_kinesis as kinesis, aws_kms as kms } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ClusterAccess } from '../../../../cdk/lib/constructs/cluster-access';
import { Enricher } from '../../../../cdk/lib/constructs/enricher';
import { PipelineMonitoring } from '../../../../cdk/lib/constructs/pipeline-monitoring';
import { PipelineStream } from '../../../../cdk/lib/constructs/pipeline-stream';
import { LAMBDA_RUNTIME_NAME } from '../../../../core/node-runtime';
import { toApplierSettings } from '../../../../cdk/lib/applier-settings';
import { toClusterGroup, toClusterGroupId } from '../../../../cdk/lib/cluster-groups';
import { parseFleetConfig } from '../../../../cdk/lib/fleet-config';
import fleetExample from '../../../../fleet.example.json';
import { synthFleet, type SynthesizedFleet } from './fixtures/synth-fleet';

type Resources = Record<string, { Type: string; Properties: any; DependsOn?: string[] }>;

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const refersTo = (value: unknown, text: string): boolean => JSON.stringify(value).includes(text);

describe('FleetStack with the example fleet (two public clusters, one private; Pod Identity)', () => {
  let fleet: SynthesizedFleet;
  let template: Template;
  beforeAll(() => {
    fleet = synthFleet(fleetExample);
    template = fleet.template;
  });
  afterAll(() => fleet.cleanup());
  const statements = (): any[] => fleet.ofType('AWS::IAM::Policy').flatMap((p) => p.PolicyDocument.Statement);

  describe('layout', () => {
    it('puts each cluster in the nested stack of its group, and nothing per cluster but its agent identity in the root', () => {
      const groups = ['prod-eu', 'staging-eu', 'payments'].map((name) => toClusterGroupId(toClusterGroup(name)));
      expect([...fleet.nested.keys()].sort()).toEqual([...new Set(groups)].sort());
      template.resourceCountIs('AWS::CloudFormation::Stack', fleet.nested.size);
      for (const type of ['AWS::EKS::AccessEntry', 'AWS::Scheduler::Schedule', 'Custom::KinsightAgent', 'Custom::LogRetention', 'AWS::Events::Rule']) template.resourceCountIs(type, 0);
      template.resourceCountIs('AWS::EKS::PodIdentityAssociation', 3);
    });

    it('creates each group\'s nested stack after the Pod Identity associations of its clusters', () => {
      const associations = template.findResources('AWS::EKS::PodIdentityAssociation') as Resources;
      const stacks = Object.values(template.findResources('AWS::CloudFormation::Stack') as Resources);
      const clusterOf = (id: string) => associations[id]?.Properties.ClusterName;
      expect(stacks.flatMap((s) => (s.DependsOn ?? []).map(clusterOf)).filter(Boolean).sort()).toEqual(['payments', 'prod-eu', 'staging-eu']);
    });
  });

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

    it('carries no declarations unless the fleet file sets them', () => {
      for (const fn of fleet.ofType('AWS::Lambda::Function')) expect(fn.Environment?.Variables?.KINSIGHT_DECLARATIONS).toBeUndefined();
    });
  });

  describe('pollers and schedules', () => {
    it('schedules each cluster once a minute on EventBridge Scheduler, naming the cluster in the input, without retries', () => {
      const schedules = fleet.ofType('AWS::Scheduler::Schedule');
      expect(schedules.map((s) => JSON.parse(s.Target.Input).cluster).sort()).toEqual(['payments', 'prod-eu', 'staging-eu']);
      for (const s of schedules) {
        expect(s).toMatchObject({ ScheduleExpression: 'rate(1 minute)', FlexibleTimeWindow: { Mode: 'OFF' } });
        expect(s.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
        expect(refersTo(s.Target.Arn, 'Poller')).toBe(true);
      }
    });

    it('lets the scheduler invoke only its poller, in this account', () => {
      const roles = fleet.ofType('AWS::IAM::Role').filter((r) => refersTo(r.AssumeRolePolicyDocument, 'scheduler.amazonaws.com'));
      expect(roles).toHaveLength(3);
      for (const role of roles) {
        expect(role.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({ StringEquals: { 'aws:SourceAccount': '111111111111' } });
        expect(role.Policies[0].PolicyDocument.Statement).toEqual([{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Poller\w+Function/), 'Arn'] } }]);
      }
    });

    it('gives the pollers of clusters without a size 1,024 MB and a 60 s timeout', () => {
      const pollers = fleet.ofType('AWS::Lambda::Function').filter((f) => f.Environment?.Variables?.KINSIGHT_CLUSTER_PROFILES !== undefined && f.Timeout === 60);
      expect(pollers.map((p) => p.MemorySize)).toEqual([1024, 1024, 1024]);
    });

    it('runs the private cluster\'s poller and applier in its VPC subnets with its security groups', () => {
      const inVpc = fleet.ofType('AWS::Lambda::Function').filter((f) => f.VpcConfig);
      expect(inVpc).toHaveLength(2);
      for (const fn of inVpc) {
        expect(fn.VpcConfig).toEqual({ SubnetIds: ['subnet-0a1b2c3d4e5f60781', 'subnet-0a1b2c3d4e5f60782'], SecurityGroupIds: ['sg-0a1b2c3d4e5f60783'] });
      }
    });
  });

  describe('log groups', () => {
    it('creates or adopts each cluster\'s performance log group with the configured retention, never deleting it', () => {
      const retentions = fleet.ofType('Custom::LogRetention');
      expect(retentions.map((r) => [r.LogGroupName, r.RetentionInDays, r.RemovalPolicy]).sort()).toEqual(
        ['payments', 'prod-eu', 'staging-eu'].map((name) => [`/aws/containerinsights/${name}/performance`, 30, 'retain']),
      );
    });

    it('gives every function log group a retention', () => {
      const groups = fleet.ofType('AWS::Logs::LogGroup');
      expect(groups.length).toBeGreaterThan(0);
      for (const group of groups) expect(group.RetentionInDays).toBeGreaterThan(0);
    });
  });

  describe('least-privilege IAM', () => {
    it('uses a "*" resource only for the pollers\' ec2:DescribeTags and ec2:DescribeInstances and for CDK\'s log retention provider', () => {
      const starred = statements().filter((s) => asList(s.Resource).includes('*'));
      expect(starred.map((s) => asList(s.Action).join(',')).sort()).toEqual([
        ...Array(3).fill('ec2:DescribeTags,ec2:DescribeInstances'),
        ...Array(3).fill('logs:PutRetentionPolicy,logs:DeleteRetentionPolicy'),
      ]);
    });

    it('lets the enricher write only the fleet\'s performance log groups, one ARN each', () => {
      const [enricherWrites] = Object.values(template.findResources('AWS::IAM::Policy') as Resources)
        .flatMap((p) => p.Properties.PolicyDocument.Statement)
        .filter((s: any) => asList(s.Action).includes('logs:PutLogEvents'));
      expect(enricherWrites.Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      expect(asList(enricherWrites.Resource).map((r: any) => JSON.stringify(r).match(/log-group:([^:"]+):\*/)?.[1])).toEqual(
        ['prod-eu', 'staging-eu', 'payments'].map((name) => `/aws/containerinsights/${name}/performance`),
      );
    });

    it('lets the pollers write the Container Insights performance log groups, and describe only their clusters', () => {
      const logWrites = [...fleet.nested.values()].flatMap((t) => Object.values(t.findResources('AWS::IAM::Policy') as Resources)).flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s: any) => asList(s.Action).includes('logs:PutLogEvents'));
      expect(logWrites).toHaveLength(3);
      for (const s of logWrites) expect(JSON.stringify(s.Resource)).toContain(':log-group:/aws/containerinsights/*/performance:*');
    });

    it('lets the enricher only read the table', () => {
      const tableStatements = statements().filter((s) => refersTo(s.Resource, 'MetadataTable'));
      expect(tableStatements.map((s) => asList(s.Action).sort())).toContainEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem']);
      for (const s of tableStatements) expect(asList(s.Action).some((a: string) => a === 'dynamodb:*' || a.includes('Table'))).toBe(false);
    });

    it('lets the pollers read and write node documents without scans or table administration', () => {
      const pollerTable = statements().filter((s) => refersTo(s.Resource, 'referencetoKinsightMetadataTable') && asList(s.Action).includes('dynamodb:PutItem'));
      expect(pollerTable).toHaveLength(3);
      for (const s of pollerTable) expect(asList(s.Action).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:PutItem']);
    });

    it('lets each poller and applier describe only the clusters it serves', () => {
      const describes = statements().filter((s) => s.Action === 'eks:DescribeCluster');
      expect(describes).toHaveLength(6);
      const served = describes.map((s) => asList(s.Resource).map((r: any) => JSON.stringify(r).match(/cluster\/([\w-]+)/)?.[1]).sort());
      expect(served.sort()).toEqual([['payments'], ['payments'], ['prod-eu'], ['prod-eu'], ['staging-eu'], ['staging-eu']]);
    });

    it('lets each applier describe only the Pod Identity Agent add-on of its clusters (its prerequisite check), and create or delete none', () => {
      const describes = statements().filter((s) => s.Action === 'eks:DescribeAddon');
      expect(describes).toHaveLength(3);
      const served = describes.map((s) => asList(s.Resource).map((r: any) => JSON.stringify(r).match(/addon\/([\w-]+)\/eks-pod-identity-agent\/\*/)?.[1]).sort());
      expect(served.sort()).toEqual([['payments'], ['prod-eu'], ['staging-eu']]);
      const writes = statements().filter((s) => asList(s.Action).some((a: string) => a === 'eks:CreateAddon' || a === 'eks:DeleteAddon'));
      expect(writes).toEqual([]);
      expect(fleet.ofType('Custom::KinsightPodIdentityAgent')).toEqual([]);
    });

    it('trusts the Pod Identity service for the agent role only for this account, this region\'s clusters and the agent\'s namespace and service account', () => {
      const roles = fleet.ofType('AWS::IAM::Role').filter((r) => refersTo(r.AssumeRolePolicyDocument, 'pods.eks.amazonaws.com'));
      expect(roles).toHaveLength(1);
      expect(roles[0].AssumeRolePolicyDocument.Statement).toEqual([
        {
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Effect: 'Allow',
          Principal: { Service: 'pods.eks.amazonaws.com' },
          Condition: {
            StringEquals: {
              'aws:SourceAccount': '111111111111',
              'aws:RequestTag/kubernetes-namespace': 'kinsight',
              'aws:RequestTag/kubernetes-service-account': 'kinsight-agent',
            },
            StringLike: { 'aws:RequestTag/eks-cluster-arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':eks:eu-west-1:111111111111:cluster/*']] } },
          },
        },
      ]);
    });

    it('grants the agent role PutRecords on the stream, GenerateDataKey on its key, and the key secret named by its session\'s cluster tag, nothing else', () => {
      const [role] = fleet.ofType('AWS::IAM::Role').filter((r) => refersTo(r.AssumeRolePolicyDocument, 'pods.eks.amazonaws.com'));
      expect(role.Policies).toEqual([
        {
          PolicyName: 'PutRecords',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Action: 'kinesis:PutRecords', Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Stream/), 'Arn'] } },
              { Action: 'kms:GenerateDataKey', Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] } },
              {
                Action: 'secretsmanager:GetSecretValue',
                Effect: 'Allow',
                Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:eu-west-1:111111111111:secret:kinsight/agent-key/${aws:PrincipalTag/eks-cluster-name}-??????']] },
              },
            ],
          },
        },
      ]);
      // No managed policy, no other policy attached to it.
      expect(role.ManagedPolicyArns).toBeUndefined();
      const attached = fleet.ofType('AWS::IAM::Policy').filter((p) => refersTo(p.Roles, 'AgentIdentityPodIdentityRole'));
      expect(attached).toEqual([]);
    });

    it('lets the enricher read every agent key secret, and only read', () => {
      const reads = statements().filter((s) => asList(s.Action).some((a: string) => a.startsWith('secretsmanager:')) && !refersTo(s.Resource, '${aws:PrincipalTag'));
      const enricher = reads.filter((s) => !asList(s.Action).includes('secretsmanager:PutSecretValue'));
      expect(enricher).toEqual([
        {
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:eu-west-1:111111111111:secret:kinsight/agent-key/*']] },
        },
      ]);
    });
  });

  describe('EKS access and agent installation', () => {
    it('puts each cluster\'s poller role in the poller group with no access policy', () => {
      const entries = fleet.ofType('AWS::EKS::AccessEntry').filter((e) => refersTo(e.PrincipalArn, 'Poller'));
      expect(entries.map((e) => e.ClusterName).sort()).toEqual(['payments', 'prod-eu', 'staging-eu']);
      for (const entry of entries) {
        expect(entry.KubernetesGroups).toEqual(['kinsight-pollers']);
        expect(entry.AccessPolicies).toBeUndefined();
      }
    });

    it('gives each cluster\'s applier role admin in the kinsight namespace only, plus the applier group', () => {
      const entries = fleet.ofType('AWS::EKS::AccessEntry').filter((e) => refersTo(e.PrincipalArn, 'Installer'));
      expect(entries).toHaveLength(3);
      for (const entry of entries) {
        expect(entry.KubernetesGroups).toEqual(['kinsight-appliers']);
        expect(entry.AccessPolicies).toHaveLength(1);
        expect(entry.AccessPolicies[0].AccessScope).toEqual({ Type: 'namespace', Namespaces: ['kinsight'] });
        expect(refersTo(entry.AccessPolicies[0].PolicyArn, 'cluster-access-policy/AmazonEKSAdminPolicy')).toBe(true);
      }
    });

    it('associates the agent service account with its role through Pod Identity in each cluster', () => {
      const associations = fleet.ofType('AWS::EKS::PodIdentityAssociation');
      expect(associations.map((a) => a.ClusterName).sort()).toEqual(['payments', 'prod-eu', 'staging-eu']);
      for (const a of associations) expect(a).toMatchObject({ Namespace: 'kinsight', ServiceAccount: 'kinsight-agent' });
    });

    it('installs the agent in each cluster through a custom resource that names the cluster and nothing the applier would read, after its access entry, log group and key', () => {
      const installs: Array<{ cluster: string; group: Template; resource: Resources[string] }> = [];
      for (const group of fleet.nested.values()) {
        for (const resource of Object.values(group.findResources('Custom::KinsightAgent') as Resources)) installs.push({ cluster: resource.Properties.ClusterName, group, resource });
      }
      expect(installs.map((i) => i.cluster).sort()).toEqual(['payments', 'prod-eu', 'staging-eu']);
      for (const { cluster, group, resource } of installs) {
        // Revision only triggers updates: a hash of what the applier installs there, and the stream resolved at deploy.
        expect(resource.Properties).toEqual({
          ServiceToken: expect.anything(),
          ClusterName: cluster,
          Revision: { 'Fn::Join': ['/', [expect.stringMatching(/^[0-9a-f]{64}$/), { Ref: expect.stringMatching(/^referencetoKinsightStream/) }]] },
        });
        const entries = group.findResources('AWS::EKS::AccessEntry') as Resources;
        const retentions = group.findResources('Custom::LogRetention') as Resources;
        const secrets = group.findResources('AWS::SecretsManager::Secret') as Resources;
        const dependsOn = resource.DependsOn ?? [];
        expect(dependsOn.some((id) => secrets[id]?.Properties.Name === `kinsight/agent-key/${cluster}`)).toBe(true);
        expect(dependsOn.some((id) => entries[id]?.Properties.ClusterName === cluster && refersTo(entries[id].Properties.PrincipalArn, 'Installer'))).toBe(true);
        expect(dependsOn.some((id) => retentions[id]?.Properties.LogGroupName === `/aws/containerinsights/${cluster}/performance`)).toBe(true);
      }
    });
  });

  describe('monitoring', () => {
    it('alarms on iterator age, enricher errors and throttles, and failure-queue depth', () => {
      const metrics = fleet.ofType('AWS::CloudWatch::Alarm').map((a) => a.MetricName);
      expect(metrics).toEqual(expect.arrayContaining(['IteratorAge', 'Errors', 'Throttles', 'ApproximateNumberOfMessagesVisible']));
    });

    it('alarms on failed and cut-short polls with one alarm each, every cluster a contributor named by its Cluster dimension', () => {
      const queries = fleet.ofType('AWS::CloudWatch::Alarm').filter((a) => a.Metrics?.[0].Expression.includes('SCHEMA')).map((a) => [a.Metrics[0].Expression, a.Metrics[0].Period, a.Threshold, a.TreatMissingData]);
      expect(queries).toEqual([
        ['SELECT SUM(PollFailures) FROM SCHEMA("kinsight", Cluster) GROUP BY Cluster ORDER BY SUM() DESC', 300, 3, 'notBreaching'],
        ['SELECT SUM(PollPartial) FROM SCHEMA("kinsight", Cluster) GROUP BY Cluster ORDER BY SUM() DESC', 300, 3, 'notBreaching'],
      ]);
      template.resourceCountIs('AWS::CloudWatch::Alarm', 8);
    });

    it('alarms on records the agents dropped and on records refused for their signature, whatever dimensions the enricher gives them', () => {
      const queries = fleet.ofType('AWS::CloudWatch::Alarm').filter((a) => a.Metrics && !a.Metrics[0].Expression.includes('SCHEMA'));
      expect(queries.map((a) => [a.Metrics[0].Expression, a.Metrics[0].Period, a.Threshold, a.ComparisonOperator, a.TreatMissingData])).toEqual([
        ['SELECT SUM(AgentRecordsDropped) FROM "kinsight"', 300, 1, 'GreaterThanOrEqualToThreshold', 'notBreaching'],
        ['SELECT SUM(EnricherUnverified) FROM "kinsight"', 300, 1, 'GreaterThanOrEqualToThreshold', 'notBreaching'],
      ]);
    });

    it('charts the agents\' own figures: drops, retries, buffered records, collection time and memory', () => {
      // The body is a Fn::Join of escaped JSON: without its backslashes the queries read as written.
      const body = JSON.stringify(fleet.ofType('AWS::CloudWatch::Dashboard')[0].DashboardBody).replaceAll('\\', '');
      for (const query of [
        'SUM(AgentRecordsDropped)',
        'SUM(AgentRetries)',
        'MAX(AgentBufferedRecords)',
        'AVG(AgentBufferedRecords)',
        'MAX(AgentCollectionMs)',
        'AVG(AgentCollectionMs)',
        'MAX(AgentRssBytes)',
        'AVG(AgentRssBytes)',
        'SUM(EnricherUnverified)',
      ]) {
        expect([query, body.includes(`"SELECT ${query} FROM "kinsight""`)]).toEqual([query, true]);
      }
      expect(body).toContain(`{"value":${128 * 1024 * 1024},"label":"the DaemonSet's memory limit (128Mi)","yAxis":"left"}`);
    });

    it('draws the pipeline on one dashboard: stream, enricher and its counters, failure queue, polls of the fleet and the worst clusters, pollers, alarms', () => {
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      const body = JSON.stringify(fleet.ofType('AWS::CloudWatch::Dashboard')[0].DashboardBody);
      for (const metric of ['IncomingRecords', 'IteratorAge', 'EnricherPoison', 'ApproximateNumberOfMessagesVisible', 'PollFailures', 'PollPartial', 'PollUndersized', 'MAX(METRICS())']) expect(body).toContain(metric);
      expect(body).toContain('GROUP BY Cluster ORDER BY SUM() DESC LIMIT 10');
      expect(body).toContain('\\"type\\":\\"alarm\\"');
    });
  });
});

describe('FleetStack with a provisioned stream, IRSA and cluster-admin applier access', () => {
  let fleet: SynthesizedFleet;
  let template: Template;
  const oidc = 'arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC123';
  const irsaFleet = {
    clusters: [{ name: 'solo', oidcProviderArn: oidc }],
    streamMode: 'provisioned',
    shards: 4,
    agentIdentity: 'irsa',
    applierAccess: 'cluster-admin',
    logRetentionDays: 14,
  };
  beforeAll(() => {
    fleet = synthFleet(irsaFleet);
    template = fleet.template;
  });
  afterAll(() => fleet.cleanup());

  it('creates a provisioned stream with the configured shards, still encrypted', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 4, StreamEncryption: { EncryptionType: 'KMS' } });
  });

  it('trusts the cluster\'s OIDC issuer for the agent service account only, with no Pod Identity association', () => {
    expect(fleet.ofType('AWS::EKS::PodIdentityAssociation')).toEqual([]);
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

  it('lets the cluster\'s IRSA role read its own cluster\'s key secret, no other', () => {
    const [role] = fleet.ofType('AWS::IAM::Role').filter((r) => refersTo(r.AssumeRolePolicyDocument, 'sts:AssumeRoleWithWebIdentity'));
    expect(role.Policies[0].PolicyDocument.Statement[2]).toEqual({
      Action: 'secretsmanager:GetSecretValue',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:eu-west-1:111111111111:secret:kinsight/agent-key/solo-??????']] },
    });
    expect(role.Policies[0].PolicyDocument.Statement).toHaveLength(3);
  });

  it('gives the applier the names of its clusters\' IRSA roles in its environment, from the root stack\'s roles, never through the custom resource', () => {
    const [applier] = fleet.ofType('AWS::Lambda::Function').filter((f) => f.Environment?.Variables?.KINSIGHT_APPLIER_ID);
    const variables = applier.Environment.Variables;
    expect(variables.KINSIGHT_APPLIER_ID).toMatch(/^Clusters\d\d\/Public$/);
    expect(variables.KINSIGHT_ROLE_ARN_PREFIX).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/']] });
    const parameter = variables.KINSIGHT_IRSA_ROLE_NAMES.Ref as string;
    const [group] = Object.values(template.findResources('AWS::CloudFormation::Stack') as Resources);
    expect(group.Properties.Parameters[parameter]).toEqual({ Ref: expect.stringMatching(/^AgentIdentityIrsaRole/) });
    const [install] = fleet.ofType('Custom::KinsightAgent');
    expect(Object.keys(install).sort()).toEqual(['ClusterName', 'Revision', 'ServiceToken']);
    expect(install.Revision['Fn::Join'][1]).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/), { Ref: expect.stringMatching(/Stream/) }, { Ref: parameter }]);
  });

  it('tells the applier, through its settings, to check the cluster\'s OIDC issuer, and lets it describe no add-on', () => {
    const settings = toApplierSettings(parseFleetConfig(irsaFleet), 'a'.repeat(64));
    expect(settings.oidcProviders).toEqual({ solo: oidc });
    expect(settings.agentIdentity).toBe('irsa');
    expect(settings.applierAccess).toBe('cluster-admin');
    const statements = fleet.ofType('AWS::IAM::Policy').flatMap((p) => p.PolicyDocument.Statement);
    expect(statements.filter((s) => asList(s.Action).includes('eks:DescribeAddon'))).toEqual([]);
  });

  it('gives the applier the cluster admin policy only when asked, with no group', () => {
    const applier = fleet.ofType('AWS::EKS::AccessEntry').find((e) => refersTo(e.PrincipalArn, 'Installer'));
    expect(applier.KubernetesGroups).toBeUndefined();
    expect(applier.AccessPolicies[0].AccessScope).toEqual({ Type: 'cluster' });
    expect(refersTo(applier.AccessPolicies[0].PolicyArn, 'AmazonEKSClusterAdminPolicy')).toBe(true);
  });

  it('runs every function outside any VPC when no cluster is private', () => {
    for (const fn of fleet.ofType('AWS::Lambda::Function')) expect(fn.VpcConfig).toBeUndefined();
  });

  it('keeps performance logs for the configured retention', () => {
    expect(fleet.ofType('Custom::LogRetention')).toEqual([expect.objectContaining({ LogGroupName: '/aws/containerinsights/solo/performance', RetentionInDays: 14 })]);
  });
});

describe('FleetStack that installs the Pod Identity Agent add-on', () => {
  let fleet: SynthesizedFleet;
  beforeAll(() => {
    fleet = synthFleet({ ...fleetExample, installPodIdentityAgent: true });
  });
  afterAll(() => fleet.cleanup());

  it('ensures the add-on in each cluster through the applier, before the agent is installed there', () => {
    const clusters: string[] = [];
    for (const group of fleet.nested.values()) {
      const addons = group.findResources('Custom::KinsightPodIdentityAgent') as Resources;
      const installs = Object.values(group.findResources('Custom::KinsightAgent') as Resources);
      for (const [id, addon] of Object.entries(addons)) {
        clusters.push(addon.Properties.ClusterName);
        const install = installs.find((i) => i.Properties.ClusterName === addon.Properties.ClusterName);
        expect(install?.DependsOn).toContain(id);
        expect(addon.Properties.ServiceToken).toEqual(install?.Properties.ServiceToken);
      }
    }
    expect(clusters.sort()).toEqual(['payments', 'prod-eu', 'staging-eu']);
  });

  it('lets each applier create and delete only its clusters\' Pod Identity Agent add-on', () => {
    const statements = fleet.ofType('AWS::IAM::Policy').flatMap((p) => p.PolicyDocument.Statement);
    const deletes = statements.filter((s) => s.Action === 'eks:DeleteAddon');
    expect(deletes.map((s) => asList(s.Resource).map((r: any) => JSON.stringify(r).match(/addon\/([\w-]+)\/eks-pod-identity-agent\/\*/)?.[1]).sort())).toEqual(
      expect.arrayContaining([['prod-eu'], ['staging-eu'], ['payments']]),
    );
    const creates = statements.filter((s) => s.Action === 'eks:CreateAddon');
    expect(creates).toHaveLength(3);
    for (const s of creates) for (const r of asList(s.Resource)) expect(JSON.stringify(r)).toMatch(/:(cluster\/[\w-]+|addon\/[\w-]+\/eks-pod-identity-agent\/\*)"/);
  });
});

describe('FleetStack with cluster sizes and declarations', () => {
  let fleet: SynthesizedFleet;
  const declarations = [{ dimensions: [['ClusterName']], metricNameSelectors: ['^cluster_', '^node_cpu_'] }];
  beforeAll(() => {
    fleet = synthFleet({
      // Names picked to share one cluster group, so that one nested stack holds several memory sizes.
      clusters: [
        { name: 'size-small', nodes: 300 },
        { name: 'size-default' },
        { name: 'size-large', nodes: 5000, profile: 'enhanced' },
        { name: 'size-huge', nodes: 9000 },
      ].map((c) => ({ ...c, name: sameGroupName(c.name) })),
      declarations,
    });
  });
  afterAll(() => fleet.cleanup());

  it('gives each memory size its poller, with the memory the sizes say', () => {
    const pollers = fleet.ofType('AWS::Lambda::Function').filter((f) => f.Environment?.Variables?.KINSIGHT_CLUSTER_PROFILES !== undefined && f.Timeout === 60);
    expect(fleet.nested.size).toBe(1);
    expect(pollers.map((p) => p.MemorySize).sort((a, b) => a - b)).toEqual([512, 1024, 1769, 3008]);
    const schedules = fleet.ofType('AWS::Scheduler::Schedule');
    const memoryOf = (cluster: string) => {
      const target = schedules.find((s) => JSON.parse(s.Target.Input).cluster === cluster)?.Target.Arn['Fn::GetAtt'][0];
      const [fn] = [...fleet.nested.values()].map((t) => t.toJSON().Resources[target]).filter(Boolean);
      return fn.Properties.MemorySize;
    };
    expect(['size-small', 'size-default', 'size-large', 'size-huge'].map((c) => memoryOf(sameGroupName(c)))).toEqual([512, 1024, 1769, 3008]);
  });

  it('passes the declarations to the enricher and every poller, and each poller only its clusters\' profiles', () => {
    const functions = fleet.ofType('AWS::Lambda::Function').filter((f) => f.Environment?.Variables?.KINSIGHT_PROFILE);
    expect(functions).toHaveLength(5);
    for (const fn of functions) expect(JSON.parse(fn.Environment.Variables.KINSIGHT_DECLARATIONS)).toEqual(declarations);
    const profiles = functions.map((f) => f.Environment.Variables.KINSIGHT_CLUSTER_PROFILES).sort();
    const large = `{"${sameGroupName('size-large')}":"enhanced"}`;
    expect(profiles).toEqual([large, large, '{}', '{}', '{}']);
  });
});

/** `prefix-N` with the first N that lands in the cluster group of `size-small-0`. */
function sameGroupName(prefix: string): string {
  const target = toClusterGroup('size-small-0');
  for (let i = 0; ; i += 1) if (toClusterGroup(`${prefix}-${i}`) === target) return `${prefix}-${i}`;
}

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
      clusterNames: ['c1'],
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
    const enricher = new Enricher(stack, 'E', { stream, table, encryptionKey: key, clusterNames: [], profile: 'classic', entry: stub });
    new PipelineMonitoring(stack, 'M', {
      stream,
      enricher: enricher.function,
      failureQueue: enricher.failureQueue,
      pollers: [enricher.function],
      maxIteratorAge: Duration.minutes(2),
      pollerFailuresThreshold: 5,
      pollerPartialThreshold: 2,
      worstClusters: 5,
      dashboardName: 'custom',
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IteratorAge', Threshold: 120_000, EvaluationPeriods: 3 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 5, Metrics: [Match.objectLike({ Expression: Match.stringLikeRegexp('SUM\\(PollFailures\\)') })] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 2, Metrics: [Match.objectLike({ Expression: Match.stringLikeRegexp('SUM\\(PollPartial\\)') })] });
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'custom' });
    expect(JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'))).toContain('ORDER BY SUM() DESC LIMIT 5');
  });
});

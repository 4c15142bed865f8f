import {
  Annotations,
  Duration,
  Stack,
  aws_ec2 as ec2,
  aws_iam as iam,
  aws_scheduler as scheduler,
  type aws_dynamodb as dynamodb,
  type aws_lambda as lambda,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { MetricDeclaration } from '../../../core/metrics/profiles';
import { DEFAULT_POLLER_MEMORY_MB } from '../../../core/poller-sizing';
import { KinsightFunction } from '../kinsight-function';
import { toClusterProfiles, type ClusterConfig, type PrivateEndpoint, type Profile } from '../fleet-config';
import { toPerformanceLogGroupsArn } from '../performance-log-groups';
import { toConstructId } from '../to-construct-id';

/** Props of {@link Poller}. */
export interface PollerProps {
  /** The clusters this poller serves; all reachable from the same network. */
  readonly clusters: readonly ClusterConfig[];
  /** The node metadata table (read and write). */
  readonly table: dynamodb.ITableV2;
  /** Fleet default declaration profile. */
  readonly profile: Profile;
  /**
   * Metric declarations replacing those of the fleet profile.
   * @default none
   */
  readonly declarations?: readonly MetricDeclaration[];
  /**
   * Memory of the function, MB: the size of its largest cluster (core/poller-sizing.ts).
   * @default DEFAULT_POLLER_MEMORY_MB
   */
  readonly memorySize?: number;
  /**
   * The VPC placement when the clusters' endpoints are private.
   * @default none: the poller runs outside any VPC and reaches public endpoints
   */
  readonly network?: PrivateEndpoint;
  /**
   * Handler file, relative to the project root.
   * @default 'lambdas/poller/handler.ts'
   */
  readonly entry?: string;
}

/**
 * The poller Lambda and one EventBridge Scheduler schedule per cluster firing every minute with
 * `{ "cluster": "<name>" }`: the leader by construction, no election. One Poller per network and
 * memory size of a cluster group: private clusters get one in their VPC.
 */
export class Poller extends Construct {
  /** The function. */
  readonly function: lambda.Function;
  /** Its execution role, put in the poller group by each cluster's access entry. */
  readonly role: iam.IRole;
  /** The schedule of each cluster, by cluster name. */
  readonly schedules = new Map<string, scheduler.CfnSchedule>();

  constructor(scope: Construct, id: string, props: PollerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.function = new KinsightFunction(this, 'Function', {
      entry: props.entry ?? 'lambdas/poller/handler.ts',
      memorySize: props.memorySize ?? DEFAULT_POLLER_MEMORY_MB,
      timeout: Duration.seconds(60),
      environment: {
        KINSIGHT_TABLE_NAME: props.table.tableName,
        KINSIGHT_PROFILE: props.profile,
        KINSIGHT_CLUSTER_PROFILES: JSON.stringify(toClusterProfiles(props.clusters, props.profile)),
        ...(props.declarations ? { KINSIGHT_DECLARATIONS: JSON.stringify(props.declarations) } : {}),
      },
      extra: props.network ? toVpcPlacement(this, props.network) : {},
    });
    this.role = this.function.role as iam.IRole;

    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['eks:DescribeCluster'],
        resources: props.clusters.map((c) => stack.formatArn({ service: 'eks', resource: 'cluster', resourceName: c.name })),
      }),
    );
    // ec2:DescribeTags (the Auto Scaling group tag of each node's instance) and ec2:DescribeInstances
    // (the EBS volumes of its block device mappings) support no resource-level permissions: AWS
    // requires Resource "*" for them. Both only read.
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeTags', 'ec2:DescribeInstances'], resources: ['*'] }));
    // Node documents are written and deleted in batches (BatchWriteItem carries the deletes).
    props.table.grant(this.function, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem');
    // Every performance log group: what the poller writes is bounded by the DescribeCluster above.
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [toPerformanceLogGroupsArn(this)] }));

    // EventBridge Scheduler invokes through this role: no resource policy statement per cluster on the
    // function (a function policy holds 20 KB), and no rule per cluster on the default bus (300 per bus).
    const invoker = new iam.Role(this, 'ScheduleRole', {
      description: 'kinsight: EventBridge Scheduler invokes the poller',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      inlinePolicies: {
        Invoke: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] })] }),
      },
    });
    for (const cluster of props.clusters) {
      const schedule = new scheduler.CfnSchedule(this, `Schedule${toConstructId(cluster.name)}`, {
        description: `kinsight: poll EKS cluster ${cluster.name} every minute`,
        scheduleExpression: 'rate(1 minute)',
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: this.function.functionArn,
          roleArn: invoker.roleArn,
          input: JSON.stringify({ cluster: cluster.name }),
          // No retry: the next minute's invocation polls afresh, a late one would only duplicate it.
          retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
        },
      });
      this.schedules.set(cluster.name, schedule);
    }
  }
}

/** VPC, subnets and security groups of a private endpoint, as NodejsFunction props. */
export function toVpcPlacement(scope: Construct, network: PrivateEndpoint): { vpc: ec2.IVpc; vpcSubnets: ec2.SubnetSelection; securityGroups: ec2.ISecurityGroup[] } {
  // Only the subnet ids reach the template (Lambda VpcConfig); the zone names are placeholders CDK needs
  // to model the imported subnets, so that no context lookup (and no AWS call at synth) is required.
  const vpc = ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
    vpcId: network.vpcId,
    availabilityZones: network.subnetIds.map((_, i) => `zone-${i}`),
    privateSubnetIds: [...network.subnetIds],
  });
  for (const subnet of vpc.privateSubnets) {
    Annotations.of(subnet).acknowledgeWarning('@aws-cdk/aws-ec2:noSubnetRouteTableId', 'Lambda placement needs only the subnet ids; nothing reads their route tables.');
  }
  return {
    vpc,
    vpcSubnets: { subnets: vpc.privateSubnets },
    securityGroups: network.securityGroupIds.map((id, i) => ec2.SecurityGroup.fromSecurityGroupId(scope, `SecurityGroup${i}`, id, { mutable: false })),
  };
}

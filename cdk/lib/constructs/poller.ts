import {
  Annotations,
  Duration,
  Stack,
  aws_ec2 as ec2,
  aws_events as events,
  aws_events_targets as targets,
  aws_iam as iam,
  type aws_dynamodb as dynamodb,
  type aws_lambda as lambda,
  type aws_logs as logs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { KinsightFunction } from '../kinsight-function';
import type { ClusterConfig, PrivateEndpoint, Profile } from '../fleet-config';
import { toConstructId } from '../to-construct-id';

/** Props of {@link Poller}. */
export interface PollerProps {
  /** The clusters this poller serves; all reachable from the same network. */
  readonly clusters: readonly ClusterConfig[];
  /** The node metadata table (read and write). */
  readonly table: dynamodb.ITableV2;
  /** Performance log group of each served cluster, by cluster name. */
  readonly logGroups: ReadonlyMap<string, logs.ILogGroup>;
  /** Fleet default declaration profile. */
  readonly profile: Profile;
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
 * The poller Lambda and one EventBridge rule per cluster firing every minute with `{ "cluster": "<name>" }`:
 * the leader by construction, no election. One Poller per network: private clusters get one in their VPC.
 */
export class Poller extends Construct {
  /** The function. */
  readonly function: lambda.Function;
  /** Its execution role, put in the poller group by each cluster's access entry. */
  readonly role: iam.IRole;
  /** The schedule of each cluster, by cluster name. */
  readonly rules = new Map<string, events.Rule>();

  constructor(scope: Construct, id: string, props: PollerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const profiles = Object.fromEntries(props.clusters.filter((c) => c.profile && c.profile !== props.profile).map((c) => [c.name, c.profile]));
    this.function = new KinsightFunction(this, 'Function', {
      entry: props.entry ?? 'lambdas/poller/handler.ts',
      memorySize: 1024,
      timeout: Duration.seconds(60),
      environment: {
        KINSIGHT_TABLE_NAME: props.table.tableName,
        KINSIGHT_PROFILE: props.profile,
        KINSIGHT_CLUSTER_PROFILES: JSON.stringify(profiles),
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
    // ec2:DescribeTags (the Auto Scaling group tag of each node's instance) supports no resource-level
    // permissions: AWS requires Resource "*" for it.
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeTags'], resources: ['*'] }));
    // Node documents are written and deleted in batches (BatchWriteItem carries the deletes).
    props.table.grant(this.function, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem');

    for (const cluster of props.clusters) {
      props.logGroups.get(cluster.name)?.grantWrite(this.function);
      const rule = new events.Rule(this, `Schedule${toConstructId(cluster.name)}`, {
        description: `kinsight: poll EKS cluster ${cluster.name} every minute`,
        schedule: events.Schedule.rate(Duration.minutes(1)),
      });
      // No retry: the next minute's invocation polls afresh, a late one would only duplicate it.
      rule.addTarget(
        new targets.LambdaFunction(this.function, {
          event: events.RuleTargetInput.fromObject({ cluster: cluster.name }),
          retryAttempts: 0,
          maxEventAge: Duration.minutes(1),
        }),
      );
      this.rules.set(cluster.name, rule);
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

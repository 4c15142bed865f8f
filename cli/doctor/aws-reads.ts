import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcEndpointsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeAddonCommand, DescribeClusterCommand, ResourceNotFoundException as EksNotFound, type EKSClient } from '@aws-sdk/client-eks';
import { GetOpenIDConnectProviderCommand, NoSuchEntityException, type IAMClient } from '@aws-sdk/client-iam';
import { ENRICHER_METRICS, PIPELINE_NAMESPACE, POLLER_CLUSTER_DIMENSION, POLLER_METRICS } from '../../core/pipeline-metrics';
import { POD_IDENTITY_AGENT_ADDON } from '../../core/prerequisites';
import type { DeploymentFacts, StreamFacts } from './pipeline-checks';
import type { MetricReads, PrerequisiteReads } from './run-doctor';

/**
 * The doctor's AWS reads: SDK v3 calls turned into the plain facts the checks take. Read-only: every
 * call here is a Describe, Get or List.
 */

/** The clients of {@link createPrerequisiteReads}. */
export interface PrerequisiteClients {
  readonly eks: EKSClient;
  readonly iam: IAMClient;
  readonly ec2: EC2Client;
  readonly cloudFormation: CloudFormationClient;
}

/** EKS DescribeCluster and DescribeAddon, IAM GetOpenIDConnectProvider, EC2 Describe*, CloudFormation DescribeStacks. */
export function createPrerequisiteReads(clients: PrerequisiteClients): PrerequisiteReads {
  const { eks, iam, ec2, cloudFormation } = clients;
  return {
    async describeCluster(name) {
      try {
        const { cluster } = await eks.send(new DescribeClusterCommand({ name }));
        const vpc = cluster?.resourcesVpcConfig;
        return {
          name,
          status: cluster?.status,
          version: cluster?.version,
          authenticationMode: cluster?.accessConfig?.authenticationMode,
          oidcIssuer: cluster?.identity?.oidc?.issuer,
          arn: cluster?.arn,
          endpoint: cluster?.endpoint,
          vpcId: vpc?.vpcId,
          endpointPrivateAccess: vpc?.endpointPrivateAccess,
          securityGroupIds: [...new Set([...(vpc?.clusterSecurityGroupId ? [vpc.clusterSecurityGroupId] : []), ...(vpc?.securityGroupIds ?? [])])],
        };
      } catch (error) {
        if (error instanceof EksNotFound) return undefined;
        throw error;
      }
    },
    async podIdentityAgent(cluster) {
      try {
        const { addon } = await eks.send(new DescribeAddonCommand({ clusterName: cluster, addonName: POD_IDENTITY_AGENT_ADDON }));
        return { status: addon?.status, version: addon?.addonVersion, issues: (addon?.health?.issues ?? []).map((i) => `${i.code ?? 'issue'}: ${i.message ?? ''}`.trim()) };
      } catch (error) {
        if (error instanceof EksNotFound) return undefined;
        throw error;
      }
    },
    async oidcProvider(arn) {
      try {
        const provider = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
        return { url: provider.Url, clientIds: provider.ClientIDList ?? [] };
      } catch (error) {
        if (error instanceof NoSuchEntityException) return undefined;
        throw error;
      }
    },
    async network(placement, cluster) {
      const vpcFilter = [{ Name: 'vpc-id', Values: [placement.vpcId] }];
      const [subnets, tables, nats, endpoints, groups] = await Promise.all([
        // A filter, not SubnetIds: a missing id then reads as absent instead of failing the whole call.
        ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: [...placement.subnetIds] }] })),
        ec2.send(new DescribeRouteTablesCommand({ Filters: vpcFilter })),
        ec2.send(new DescribeNatGatewaysCommand({ Filter: vpcFilter })),
        ec2.send(new DescribeVpcEndpointsCommand({ Filters: vpcFilter })),
        cluster.securityGroupIds.length > 0 ? ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [...cluster.securityGroupIds] })) : Promise.resolve({ SecurityGroups: [] }),
      ]);
      return {
        cluster: { vpcId: cluster.vpcId, endpointPrivateAccess: cluster.endpointPrivateAccess, securityGroupIds: cluster.securityGroupIds },
        subnets: (subnets.Subnets ?? []).map((s) => ({ id: s.SubnetId ?? '', vpcId: s.VpcId ?? '', ...(s.CidrBlock ? { cidr: s.CidrBlock } : {}) })),
        routeTables: (tables.RouteTables ?? []).map((t) => ({
          id: t.RouteTableId ?? '',
          main: (t.Associations ?? []).some((a) => a.Main),
          subnetIds: (t.Associations ?? []).flatMap((a) => (a.SubnetId ? [a.SubnetId] : [])),
          routes: (t.Routes ?? []).map((r) => ({
            destination: r.DestinationCidrBlock ?? r.DestinationPrefixListId ?? r.DestinationIpv6CidrBlock ?? '',
            target: r.NatGatewayId ?? r.TransitGatewayId ?? r.VpcPeeringConnectionId ?? r.GatewayId ?? r.NetworkInterfaceId ?? r.InstanceId ?? '',
            active: r.State !== 'blackhole',
          })),
        })),
        natGateways: new Map((nats.NatGateways ?? []).map((n) => [n.NatGatewayId ?? '', n.State ?? ''])),
        endpoints: (endpoints.VpcEndpoints ?? []).map((e) => ({
          id: e.VpcEndpointId ?? '',
          serviceName: e.ServiceName ?? '',
          type: e.VpcEndpointType ?? '',
          state: e.State ?? '',
          privateDns: e.PrivateDnsEnabled ?? false,
          routeTableIds: e.RouteTableIds ?? [],
        })),
        ingress: new Map(
          (groups.SecurityGroups ?? []).map((g) => [
            g.GroupId ?? '',
            (g.IpPermissions ?? []).map((p) => ({
              protocol: p.IpProtocol ?? '',
              ...(p.FromPort !== undefined ? { fromPort: p.FromPort } : {}),
              ...(p.ToPort !== undefined ? { toPort: p.ToPort } : {}),
              sourceGroupIds: (p.UserIdGroupPairs ?? []).flatMap((pair) => (pair.GroupId ? [pair.GroupId] : [])),
              cidrs: (p.IpRanges ?? []).flatMap((range) => (range.CidrIp ? [range.CidrIp] : [])),
            })),
          ]),
        ),
      };
    },
    stackStatus: (name) => readStackStatus(cloudFormation, name),
  };
}

/** A stack's status; undefined when it does not exist. */
async function readStackStatus(cloudFormation: CloudFormationClient, name: string): Promise<string | undefined> {
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: name }));
    return Stacks?.[0]?.StackStatus;
  } catch (error) {
    // CloudFormation answers a missing stack with a ValidationError, not a NotFound type.
    if ((error as { name?: string }).name === 'ValidationError' && /does not exist/.test((error as Error).message)) return undefined;
    throw error;
  }
}

/** Nested stacks are followed this deep (a fleet split into nested stacks keeps its stream in one of them). */
const MAX_STACK_DEPTH = 2;

/** The physical id of the first resource of a type in a stack or its nested stacks. */
async function findResource(cloudFormation: CloudFormationClient, stack: string, type: string, depth = 0): Promise<string | undefined> {
  const nested: string[] = [];
  let next: string | undefined;
  do {
    const page = await cloudFormation.send(new ListStackResourcesCommand({ StackName: stack, ...(next ? { NextToken: next } : {}) }));
    for (const r of page.StackResourceSummaries ?? []) {
      if (r.ResourceType === type && r.PhysicalResourceId) return r.PhysicalResourceId;
      if (r.ResourceType === 'AWS::CloudFormation::Stack' && r.PhysicalResourceId) nested.push(r.PhysicalResourceId);
    }
    next = page.NextToken;
  } while (next);
  if (depth >= MAX_STACK_DEPTH) return undefined;
  for (const child of nested) {
    const found = await findResource(cloudFormation, child, type, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** The kinsight stack's status and its stream (CloudFormation DescribeStacks, ListStackResources; Kinesis through `readStream`). */
export function createDeploymentReader(
  cloudFormation: CloudFormationClient,
  stackName: string,
  readStream: (streamName: string) => Promise<StreamFacts | undefined>,
): () => Promise<DeploymentFacts> {
  return async () => {
    const status = await readStackStatus(cloudFormation, stackName);
    const stack = { name: stackName, ...(status ? { status } : {}) };
    if (!status) return { stack };
    const streamName = await findResource(cloudFormation, stackName, 'AWS::Kinesis::Stream');
    const stream = streamName ? await readStream(streamName) : undefined;
    return { stack, ...(stream ? { stream } : {}) };
  };
}

/** GetMetricData allows 500 queries per call. */
const MAX_QUERIES = 500;

async function getMetricData(cloudWatch: CloudWatchClient, queries: MetricDataQuery[], startMs: number, endMs: number): Promise<Map<string, { timestamps: Date[]; values: number[] }>> {
  const series = new Map<string, { timestamps: Date[]; values: number[] }>();
  for (let i = 0; i < queries.length; i += MAX_QUERIES) {
    let nextToken: string | undefined;
    do {
      const out = await cloudWatch.send(
        new GetMetricDataCommand({ MetricDataQueries: queries.slice(i, i + MAX_QUERIES), StartTime: new Date(startMs), EndTime: new Date(endMs), ScanBy: 'TimestampDescending', ...(nextToken ? { NextToken: nextToken } : {}) }),
      );
      for (const r of out.MetricDataResults ?? []) {
        const s = series.get(r.Id ?? '') ?? { timestamps: [], values: [] };
        s.timestamps.push(...(r.Timestamps ?? []));
        s.values.push(...(r.Values ?? []));
        series.set(r.Id ?? '', s);
      }
      nextToken = out.NextToken;
    } while (nextToken);
  }
  return series;
}

/** The pipeline's own metrics (namespace `kinsight`, names from core/pipeline-metrics.ts) through GetMetricData. */
export function createMetricReads(cloudWatch: CloudWatchClient): MetricReads {
  return {
    async enricherCounts(windowMs, nowMs) {
      const periodSeconds = Math.max(60, Math.round(windowMs / 60_000) * 60);
      const names = { records: ENRICHER_METRICS.records, poison: ENRICHER_METRICS.poison, failedRecords: ENRICHER_METRICS.failedRecords };
      const queries: MetricDataQuery[] = Object.entries(names).map(([id, MetricName]) => ({
        Id: id.toLowerCase(),
        MetricStat: { Metric: { Namespace: PIPELINE_NAMESPACE, MetricName }, Period: periodSeconds, Stat: 'Sum' },
      }));
      const series = await getMetricData(cloudWatch, queries, nowMs - windowMs, nowMs);
      const sum = (id: string) => (series.get(id)?.values ?? []).reduce((a, b) => a + b, 0);
      return { records: sum('records'), poison: sum('poison'), failedRecords: sum('failedrecords') };
    },
    async lastPollSuccess(clusters, searchMs, nowMs) {
      const queries: MetricDataQuery[] = clusters.map((cluster, i) => ({
        Id: `p${i}`,
        MetricStat: {
          Metric: { Namespace: PIPELINE_NAMESPACE, MetricName: POLLER_METRICS.successes, Dimensions: [{ Name: POLLER_CLUSTER_DIMENSION, Value: cluster }] },
          Period: 60,
          Stat: 'Sum',
        },
      }));
      const series = await getMetricData(cloudWatch, queries, nowMs - searchMs, nowMs);
      const last = new Map<string, number>();
      clusters.forEach((cluster, i) => {
        const s = series.get(`p${i}`);
        if (!s) return;
        const times = s.timestamps.filter((_t, j) => s.values[j] > 0).map((t) => t.getTime());
        if (times.length > 0) last.set(cluster, Math.max(...times));
      });
      return last;
    },
  };
}

import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { toPerformanceLogGroup } from '../../core/limits';

/**
 * The IAM resource of every Container Insights performance log group of the account and region,
 * `/aws/containerinsights/<cluster>/performance`. A role's inline policies hold 10,240 characters,
 * not 400 log group ARNs: the pollers are granted this pattern (what a poller writes is bounded by
 * its `eks:DescribeCluster`, granted per cluster: a cluster outside the fleet fails before any write),
 * and so is the enricher of a fleet whose log group ARNs do not fit its policy.
 */
export function toPerformanceLogGroupsArn(scope: IConstruct): string {
  return Stack.of(scope).formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/containerinsights/*/performance:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/**
 * Characters of the enricher's inline policy its performance log group ARNs may take: the policy's
 * 10,240 less its other statements (stream, key, table, queue; about 1,500 at the longest partition,
 * region and names).
 */
export const EXACT_LOG_GROUP_ARNS_CHARS = 8000;

/** Characters one log group ARN takes in a policy at the longest partition and region: about 110 plus the cluster name. */
const arnChars = (cluster: string) => 110 + cluster.length;

/**
 * The log groups the enricher may write: each cluster's own, when their ARNs fit within
 * {@link EXACT_LOG_GROUP_ARNS_CHARS} (about 60 clusters of 20-character names); else the pattern of
 * {@link toPerformanceLogGroupsArn}, and the fleet boundary is the enricher's.
 */
export function toEnricherLogGroupArns(scope: IConstruct, clusterNames: readonly string[]): string[] {
  const chars = clusterNames.reduce((n, name) => n + arnChars(name), 0);
  if (chars > EXACT_LOG_GROUP_ARNS_CHARS) return [toPerformanceLogGroupsArn(scope)];
  const stack = Stack.of(scope);
  return clusterNames.map((name) => stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `${toPerformanceLogGroup(name)}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
}

import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The IAM resource of every Container Insights performance log group of the account and region,
 * `/aws/containerinsights/<cluster>/performance`: what the enricher and the pollers write. One ARN
 * pattern, because a role's inline policies may hold 10,240 characters, not 400 log group ARNs;
 * which cluster's group a function writes is bounded elsewhere (the enricher writes only the fleet's
 * clusters, a poller only clusters whose access entry it has).
 */
export function toPerformanceLogGroupsArn(scope: IConstruct): string {
  return Stack.of(scope).formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/containerinsights/*/performance:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

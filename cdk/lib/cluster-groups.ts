import { createHash } from 'node:crypto';
import { ConfigError } from '../../core/errors';
import type { ClusterConfig } from './fleet-config';

/**
 * Which nested stack holds a cluster's resources. A cluster's group is a pure function of its name
 * (a hash, modulo a fixed number of groups), so adding or removing a cluster never moves another one
 * to a different nested stack: moving would delete its resources from one stack and create them in
 * another (its agent installation among them). The number of groups is fixed for the same reason:
 * changing it would move most clusters.
 */

/** Nested stacks the clusters are spread over; an empty group gets no stack. */
export const CLUSTER_GROUP_COUNT = 16;

/**
 * Clusters one group may hold. Each costs about 5 resources in its group's template (its log
 * group's retention, two access entries, the schedule, the agent installation) and its name twice
 * in IAM policies of the group's functions (eks:DescribeCluster of the poller and of the applier,
 * on roles limited to 10,240 characters of inline policy): 50 clusters with 100-character names
 * stay within both limits. With 16 groups the fullest group of a 400-cluster fleet holds about 37.
 */
export const MAX_CLUSTERS_PER_GROUP = 50;

/**
 * Clusters one fleet stack may hold: the root template keeps one resource per cluster (its Pod
 * Identity association or IRSA role, which must not move, see cdk/README.md) next to about 40 shared
 * ones and the nested stacks, within CloudFormation's 500. Beyond it, split the fleet into two stacks.
 */
export const MAX_FLEET_CLUSTERS = 400;

/** The group (0 to {@link CLUSTER_GROUP_COUNT} - 1) of a cluster: the first 4 bytes of the SHA-256 of its name. */
export function toClusterGroup(clusterName: string): number {
  return createHash('sha256').update(clusterName).digest().readUInt32BE(0) % CLUSTER_GROUP_COUNT;
}

/** The construct id of a group's nested stack: `Clusters07`. */
export const toClusterGroupId = (group: number): string => `Clusters${String(group).padStart(2, '0')}`;

/**
 * The clusters of each non-empty group, by group number, in fleet-file order.
 * @throws ConfigError when a group would hold more than {@link MAX_CLUSTERS_PER_GROUP} clusters.
 */
export function toClusterGroups(clusters: readonly ClusterConfig[]): Map<number, ClusterConfig[]> {
  const groups = new Map<number, ClusterConfig[]>();
  for (const cluster of clusters) {
    const group = toClusterGroup(cluster.name);
    const members = groups.get(group) ?? [];
    members.push(cluster);
    groups.set(group, members);
  }
  for (const [group, members] of groups) {
    if (members.length > MAX_CLUSTERS_PER_GROUP) {
      throw new ConfigError(
        `cluster group ${group} would hold ${members.length} clusters (${members.slice(0, 3).map((c) => c.name).join(', ')}, ...); expected at most ${MAX_CLUSTERS_PER_GROUP} per group; split the fleet into two stacks (-c kinsightStackName=...)`,
      );
    }
  }
  return new Map([...groups].sort(([a], [b]) => a - b));
}

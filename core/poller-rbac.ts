/** One Kubernetes RBAC rule, as a ClusterRole holds it. */
export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/**
 * The Kubernetes group the poller's EKS access entry puts its IAM role in; the agent manifest binds
 * it to {@link POLLER_CLUSTER_ROLE}. Group names may not start with `system:`, `eks:`, `aws:`, `amazon:` or `iam:`.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html
 */
export const POLLER_GROUP = 'kinsight-pollers';

/** Name of the ClusterRole that holds {@link POLLER_RULES}. */
export const POLLER_CLUSTER_ROLE = 'kinsight-poller';

const READ = ['get', 'list'] as const;

/**
 * What the poller reads, and nothing more: get/list (no watch, no write, no Secrets) on nodes, pods,
 * EndpointSlices and the workload objects it resolves pod owners through.
 */
export const POLLER_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['nodes', 'pods'], verbs: READ },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
  { apiGroups: ['apps'], resources: ['replicasets', 'deployments', 'daemonsets', 'statefulsets'], verbs: READ },
  // Jobs only: a Job's owner reference already names its CronJob.
  { apiGroups: ['batch'], resources: ['jobs'], verbs: READ },
];

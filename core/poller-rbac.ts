import type { KubeObject } from './agent-manifest';

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

/**
 * The poller's ClusterRole ({@link POLLER_RULES}) and its ClusterRoleBinding to {@link POLLER_GROUP}:
 * the same two objects the agent manifest holds. With applierAccess `rbac-group` a cluster
 * administrator applies them once, in the applier's bootstrap (core/applier-rbac.ts), so that the
 * applier needs no right to create, change or bind RBAC objects.
 */
export function toPollerRbac(): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': POLLER_CLUSTER_ROLE, 'app.kubernetes.io/part-of': 'kinsight', 'app.kubernetes.io/managed-by': 'kinsight' };
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: POLLER_CLUSTER_ROLE, labels },
      rules: POLLER_RULES.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: POLLER_CLUSTER_ROLE, labels: { ...labels } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: POLLER_CLUSTER_ROLE },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: POLLER_GROUP }],
    },
  ];
}

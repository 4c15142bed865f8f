import { AGENT_NAMESPACE, type KubeObject } from './agent-manifest';
import { POLLER_CLUSTER_ROLE } from './poller-rbac';

/**
 * The Kubernetes group the applier's EKS access entry puts its IAM role in (access mode `rbac-group`).
 * @see https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html
 */
export const APPLIER_GROUP = 'kinsight-appliers';

/** Name of the applier's own ClusterRole and ClusterRoleBinding. */
export const APPLIER_CLUSTER_ROLE = 'kinsight-applier';

/**
 * The one-time bootstrap of the applier's cluster-scoped rights, applied by a cluster administrator
 * (`kinsight manifest --applier-rbac | kubectl apply -f -`). No EKS access policy short of
 * AmazonEKSClusterAdminPolicy lets a principal create a Namespace, a ClusterRole or a
 * ClusterRoleBinding, so the applier's access entry gets AmazonEKSAdminPolicy scoped to the kinsight
 * namespace (ServiceAccount, ConfigMap, DaemonSet) plus this group, whose ClusterRole can touch
 * exactly kinsight's three cluster-scoped objects by name. `create` cannot be limited by name in RBAC.
 */
export function toApplierRbac(namespace: string = AGENT_NAMESPACE): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': APPLIER_CLUSTER_ROLE, 'app.kubernetes.io/part-of': 'kinsight' };
  const named = ['get', 'patch', 'update', 'delete'];
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: APPLIER_CLUSTER_ROLE, labels },
      rules: [
        { apiGroups: [''], resources: ['namespaces'], verbs: ['create'] },
        { apiGroups: [''], resources: ['namespaces'], resourceNames: [namespace], verbs: named },
        { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles', 'clusterrolebindings'], verbs: ['create'] },
        // escalate/bind: the poller's role grants reads the applier itself does not hold.
        {
          apiGroups: ['rbac.authorization.k8s.io'],
          resources: ['clusterroles', 'clusterrolebindings'],
          resourceNames: [POLLER_CLUSTER_ROLE],
          verbs: [...named, 'escalate', 'bind'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: APPLIER_CLUSTER_ROLE, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: APPLIER_CLUSTER_ROLE },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: APPLIER_GROUP }],
    },
  ];
}

import { AGENT_NAMESPACE, type KubeObject } from './agent-manifest';
import { POLLER_CLUSTER_ROLE, toPollerRbac } from './poller-rbac';

/**
 * The Kubernetes group the applier's EKS access entry puts its IAM role in (access mode `rbac-group`).
 * @see https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html
 */
export const APPLIER_GROUP = 'kinsight-appliers';

/** Name of the applier's own ClusterRole and ClusterRoleBinding. */
export const APPLIER_CLUSTER_ROLE = 'kinsight-applier';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * The one-time bootstrap of a cluster for applierAccess `rbac-group`, applied by a cluster
 * administrator (`kinsight manifest --applier-rbac | kubectl apply --server-side -f -`):
 *
 * - the applier's ClusterRole, bound to {@link APPLIER_GROUP}: create a namespace (RBAC cannot limit
 *   `create` by name), get, patch and delete the kinsight namespace by name, and read (get, by name)
 *   this bootstrap's own four objects, so that the applier can tell a missing or outdated bootstrap
 *   before it applies anything;
 * - the poller's ClusterRole and its binding to the poller group (core/poller-rbac.ts).
 *
 * The administrator creates the poller's RBAC here so that the applier needs no `escalate`, no
 * `bind` and no write on any RBAC object: it could otherwise grant itself (or a group it names)
 * what the poller's role holds. Its namespaced objects (ServiceAccount, ConfigMap, DaemonSet) come
 * from its EKS access policy, AmazonEKSAdminPolicy scoped to the kinsight namespace.
 */
export function toApplierRbac(namespace: string = AGENT_NAMESPACE): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': APPLIER_CLUSTER_ROLE, 'app.kubernetes.io/part-of': 'kinsight' };
  const own = [APPLIER_CLUSTER_ROLE, POLLER_CLUSTER_ROLE];
  return [
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRole',
      metadata: { name: APPLIER_CLUSTER_ROLE, labels },
      rules: [
        { apiGroups: [''], resources: ['namespaces'], verbs: ['create'] },
        { apiGroups: [''], resources: ['namespaces'], resourceNames: [namespace], verbs: ['get', 'patch', 'update', 'delete'] },
        // Read only: the applier checks that this bootstrap is in place and current before it applies.
        { apiGroups: [RBAC_GROUP], resources: ['clusterroles', 'clusterrolebindings'], resourceNames: own, verbs: ['get'] },
      ],
    },
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: APPLIER_CLUSTER_ROLE, labels },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: APPLIER_CLUSTER_ROLE },
      subjects: [{ apiGroup: RBAC_GROUP, kind: 'Group', name: APPLIER_GROUP }],
    },
    ...toPollerRbac(),
  ];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const sortedStrings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String).sort() : []);

/** What a ClusterRole grants, in a canonical form: the order of rules and of their lists does not count. */
function toRuleSet(rules: unknown): string[] {
  if (!Array.isArray(rules)) return [];
  return rules
    .map((r: Record<string, unknown>) =>
      JSON.stringify([sortedStrings(r.apiGroups), sortedStrings(r.resources), sortedStrings(r.resourceNames), sortedStrings(r.nonResourceURLs), sortedStrings(r.verbs)]),
    )
    .sort();
}

/** Who a ClusterRoleBinding binds to what, in a canonical form. */
function toBindingForm(object: Record<string, unknown>): string {
  const subjects = Array.isArray(object.subjects)
    ? object.subjects.map((s: Record<string, unknown>) => JSON.stringify([s.kind, s.name, s.namespace ?? '', s.apiGroup ?? (s.kind === 'ServiceAccount' ? '' : RBAC_GROUP)])).sort()
    : [];
  const ref = (object.roleRef ?? {}) as Record<string, Json>;
  return JSON.stringify([ref.apiGroup, ref.kind, ref.name, subjects]);
}

/**
 * How an object of the bootstrap found in a cluster differs from what {@link toApplierRbac} renders:
 * undefined when it grants exactly the same (rules of a ClusterRole, role and subjects of a binding;
 * labels and other metadata do not count), otherwise what is wrong, in a few words.
 */
export function toBootstrapDifference(expected: KubeObject, found: KubeObject | undefined): string | undefined {
  const what = `${expected.kind} ${expected.metadata.name}`;
  if (!found) return `${what} does not exist`;
  if (expected.kind === 'ClusterRole') {
    return JSON.stringify(toRuleSet(found.rules)) === JSON.stringify(toRuleSet(expected.rules)) ? undefined : `${what} grants other rules than this kinsight's bootstrap`;
  }
  return toBindingForm(found as Record<string, unknown>) === toBindingForm(expected as Record<string, unknown>) ? undefined : `${what} binds other subjects or another role than this kinsight's bootstrap`;
}

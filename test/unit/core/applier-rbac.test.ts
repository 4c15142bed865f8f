import { toAgentManifest } from '../../../core/agent-manifest';
import { APPLIER_GROUP, toApplierRbac, toBootstrapDifference } from '../../../core/applier-rbac';
import { POLLER_GROUP, toPollerRbac } from '../../../core/poller-rbac';

const asJson = (o: unknown): any => JSON.parse(JSON.stringify(o));

describe('toApplierRbac: the bootstrap a cluster administrator applies once', () => {
  const objects = toApplierRbac().map(asJson);

  it('holds the applier\'s ClusterRole and binding, then the poller\'s', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ClusterRole/kinsight-applier',
      'ClusterRoleBinding/kinsight-applier',
      'ClusterRole/kinsight-poller',
      'ClusterRoleBinding/kinsight-poller',
    ]);
  });

  it('lets the applier create a namespace, change only the kinsight one, and only read the bootstrap\'s own RBAC objects', () => {
    expect(objects[0].rules).toEqual([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['create'] },
      { apiGroups: [''], resources: ['namespaces'], resourceNames: ['kinsight'], verbs: ['get', 'patch', 'update', 'delete'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles', 'clusterrolebindings'], resourceNames: ['kinsight-applier', 'kinsight-poller'], verbs: ['get'] },
    ]);
    expect(objects[1].roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kinsight-applier' });
    expect(objects[1].subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: APPLIER_GROUP }]);
  });

  it('grants the applier no escalate, no bind, no impersonate and no write of any RBAC object', () => {
    const rbacRules = objects[0].rules.filter((r: any) => r.apiGroups.includes('rbac.authorization.k8s.io') || r.apiGroups.includes('*'));
    expect(rbacRules.flatMap((r: any) => r.verbs)).toEqual(['get']);
    for (const rule of objects[0].rules) {
      for (const verb of ['escalate', 'bind', 'impersonate', '*']) expect(rule.verbs).not.toContain(verb);
      expect(rule.resources).not.toContain('*');
    }
  });

  it('names the namespace it is given', () => {
    expect(asJson(toApplierRbac('observability')[0]).rules[1].resourceNames).toEqual(['observability']);
  });

  it('binds the poller group to the very ClusterRole and binding the agent manifest holds (cluster-admin access applies those)', () => {
    const manifest = toAgentManifest({ clusterName: 'c', streamName: 's', region: 'eu-west-1', agentBundle: 'x' }).filter((o) => o.kind.startsWith('ClusterRole'));
    expect(objects.slice(2)).toEqual(manifest.map(asJson));
    expect(objects[3].subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: POLLER_GROUP }]);
  });
});

describe('toBootstrapDifference', () => {
  const [applierRole, applierBinding] = toApplierRbac();
  const [pollerRole] = toPollerRbac();

  it('finds nothing wrong with the objects as rendered, or with their rules, verbs and subjects in another order', () => {
    for (const object of toApplierRbac()) expect(toBootstrapDifference(object, asJson(object))).toBeUndefined();
    const reordered = { ...asJson(pollerRole), rules: asJson(pollerRole).rules.reverse().map((r: any) => ({ ...r, verbs: [...r.verbs].reverse() })) };
    expect(toBootstrapDifference(pollerRole, reordered)).toBeUndefined();
  });

  it('says when an object does not exist', () => {
    expect(toBootstrapDifference(applierBinding, undefined)).toBe('ClusterRoleBinding kinsight-applier does not exist');
  });

  it('says when a role grants other rules: the older bootstrap, with escalate and bind on the poller\'s role', () => {
    const older = asJson(applierRole);
    older.rules[2] = { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles', 'clusterrolebindings'], resourceNames: ['kinsight-poller'], verbs: ['get', 'patch', 'update', 'delete', 'escalate', 'bind'] };
    expect(toBootstrapDifference(applierRole, older)).toBe('ClusterRole kinsight-applier grants other rules than this kinsight\'s bootstrap');
  });

  it('says when a binding names another subject or role', () => {
    expect(toBootstrapDifference(applierBinding, { ...asJson(applierBinding), subjects: [{ kind: 'Group', name: 'system:masters', apiGroup: 'rbac.authorization.k8s.io' }] })).toBe(
      'ClusterRoleBinding kinsight-applier binds other subjects or another role than this kinsight\'s bootstrap',
    );
    expect(toBootstrapDifference(applierBinding, { ...asJson(applierBinding), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' } })).toBe(
      'ClusterRoleBinding kinsight-applier binds other subjects or another role than this kinsight\'s bootstrap',
    );
  });
});

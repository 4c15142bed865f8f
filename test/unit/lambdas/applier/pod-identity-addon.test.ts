import { createPodIdentityAddonHandler } from '../../../../lambdas/applier/pod-identity-addon';
import { POD_IDENTITY_ADDON_RESOURCE_TYPE, type AddonFacts } from '../../../../core/prerequisites';
import type { AgentResourceEvent } from '../../../../lambdas/applier/apply-agent';

describe('the Pod Identity Agent add-on resource (installPodIdentityAgent)', () => {
  let addons: Map<string, AddonFacts>;
  let calls: string[];
  const handler = () =>
    createPodIdentityAddonHandler({
      describe: async (cluster) => addons.get(cluster),
      create: async (cluster) => {
        calls.push(`create ${cluster}`);
        addons.set(cluster, { status: 'ACTIVE', issues: [] });
      },
      remove: async (cluster) => {
        calls.push(`remove ${cluster}`);
        addons.delete(cluster);
      },
      log: () => undefined,
      clusters: new Set(['prod', 'blue', 'green']),
    });
  const event = (RequestType: AgentResourceEvent['RequestType'], cluster: string, PhysicalResourceId?: string, old?: string): AgentResourceEvent => ({
    RequestType,
    ResourceType: POD_IDENTITY_ADDON_RESOURCE_TYPE,
    ResourceProperties: { ClusterName: cluster },
    ...(PhysicalResourceId ? { PhysicalResourceId } : {}),
    ...(old ? { OldResourceProperties: { ClusterName: old } } : {}),
  });
  beforeEach(() => {
    addons = new Map();
    calls = [];
  });

  it('installs the add-on in a cluster that has none, and removes it with the stack', async () => {
    const created = await handler()(event('Create', 'prod'));
    expect(created).toEqual({ PhysicalResourceId: 'kinsight-pod-identity-agent/prod/created' });
    await handler()(event('Delete', 'prod', created.PhysicalResourceId));
    expect(calls).toEqual(['create prod', 'remove prod']);
    expect(addons.has('prod')).toBe(false);
  });

  it('never touches the add-on of a cluster that had one: not on Create, Update or Delete', async () => {
    addons.set('prod', { status: 'ACTIVE', version: 'v1.2.0', issues: [] });
    const kept = await handler()(event('Create', 'prod'));
    expect(kept).toEqual({ PhysicalResourceId: 'kinsight-pod-identity-agent/prod/cluster-owned' });
    await expect(handler()(event('Update', 'prod', kept.PhysicalResourceId, 'prod'))).resolves.toEqual(kept);
    await handler()(event('Delete', 'prod', kept.PhysicalResourceId));
    expect(calls).toEqual([]);
    expect(addons.get('prod')).toEqual({ status: 'ACTIVE', version: 'v1.2.0', issues: [] });
  });

  it('deletes nothing on the rollback Delete of a Create that failed', async () => {
    addons.set('prod', { status: 'CREATING', issues: [] });
    await expect(handler()(event('Delete', 'prod', 'request-id-of-failed-create'))).resolves.toEqual({ PhysicalResourceId: 'request-id-of-failed-create' });
    expect(calls).toEqual([]);
  });

  it('treats an Update to another cluster as an install there (CloudFormation then deletes the old resource)', async () => {
    await expect(handler()(event('Update', 'blue', 'kinsight-pod-identity-agent/green/created', 'green'))).resolves.toEqual({ PhysicalResourceId: 'kinsight-pod-identity-agent/blue/created' });
    expect(calls).toEqual(['create blue']);
  });

  it('rejects a cluster the stack did not bake into the applier, touching no add-on', async () => {
    await expect(handler()(event('Create', 'someone-elses'))).rejects.toThrow(/cluster someone-elses is not one of this applier's clusters/);
    await expect(handler()(event('Update', 'someone-elses', 'kinsight-pod-identity-agent/prod/created', 'prod'))).rejects.toThrow(/not one of this applier's clusters/);
    expect(calls).toEqual([]);
  });

  it('deletes nothing in a cluster it does not serve, even with a physical id that says it created the add-on', async () => {
    addons.set('someone-elses', { status: 'ACTIVE', issues: [] });
    await expect(handler()(event('Delete', 'someone-elses', 'kinsight-pod-identity-agent/someone-elses/created'))).resolves.toEqual({
      PhysicalResourceId: 'kinsight-pod-identity-agent/someone-elses/created',
    });
    expect(calls).toEqual([]);
  });

  it('rejects an event without a cluster name', async () => {
    await expect(handler()({ RequestType: 'Create', ResourceProperties: {} })).rejects.toThrow(/ClusterName is .*expected a cluster name/);
  });
});

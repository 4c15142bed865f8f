import { CLUSTER_GROUP_COUNT, MAX_CLUSTERS_PER_GROUP, toClusterGroup, toClusterGroupId, toClusterGroups } from '../../../../cdk/lib/cluster-groups';
import { toNetworkId } from '../../../../cdk/lib/constructs/cluster-group';

describe('toClusterGroup', () => {
  it('puts a cluster in the group its name alone decides, whatever else the fleet holds', () => {
    expect(toClusterGroup('prod-eu')).toBe(toClusterGroup('prod-eu'));
    const alone = toClusterGroups([{ name: 'prod-eu' }]);
    const among = toClusterGroups([{ name: 'a' }, { name: 'prod-eu' }, { name: 'z' }]);
    const groupOf = (groups: Map<number, Array<{ name: string }>>) => [...groups].find(([, members]) => members.some((c) => c.name === 'prod-eu'))?.[0];
    expect(groupOf(among)).toBe(groupOf(alone));
  });

  it('spreads names over every group', () => {
    const groups = new Set(Array.from({ length: 400 }, (_, i) => toClusterGroup(`cluster-${i}`)));
    expect(groups.size).toBe(CLUSTER_GROUP_COUNT);
    expect(toClusterGroupId(7)).toBe('Clusters07');
  });

  it('lists the groups in number order, each with its clusters in fleet-file order', () => {
    const clusters = Array.from({ length: 40 }, (_, i) => ({ name: `c${i}` }));
    const groups = toClusterGroups(clusters);
    expect([...groups.keys()]).toEqual([...groups.keys()].sort((a, b) => a - b));
    for (const [group, members] of groups) {
      expect(members.map((c) => c.name)).toEqual(clusters.filter((c) => toClusterGroup(c.name) === group).map((c) => c.name));
    }
  });

  it(`rejects a group of more than ${MAX_CLUSTERS_PER_GROUP} clusters`, () => {
    const crowded: Array<{ name: string }> = [];
    for (let i = 0; crowded.length <= MAX_CLUSTERS_PER_GROUP; i += 1) if (toClusterGroup(`n${i}`) === 3) crowded.push({ name: `n${i}` });
    expect(() => toClusterGroups(crowded)).toThrow(/cluster group 3 would hold 51 clusters \(n\d+, n\d+, n\d+, \.\.\.\); expected at most 50 per group; split the fleet/);
  });
});

describe('toNetworkId', () => {
  const endpoint = { vpcId: 'vpc-0a1b2c3d4e5f60789', subnetIds: ['subnet-0a1b2c3d4e5f60781'], securityGroupIds: ['sg-0a1b2c3d4e5f60783'] };
  it('names a network after what it is, not where it appears', () => {
    expect(toNetworkId(undefined)).toBe('Public');
    expect(toNetworkId(endpoint)).toBe(toNetworkId({ ...endpoint }));
    expect(toNetworkId(endpoint)).toMatch(/^VpcVpc0a1b2c3d4e5f60789\w{4}[0-9a-f]{6}$/);
    expect(toNetworkId({ ...endpoint, securityGroupIds: ['sg-0a1b2c3d4e5f60784'] })).not.toBe(toNetworkId(endpoint));
  });
});

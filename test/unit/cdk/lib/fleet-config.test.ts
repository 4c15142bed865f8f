import { FLEET_ENVIRONMENT_BYTES, parseFleetConfig } from '../../../../cdk/lib/fleet-config';
import fleetExample from '../../../../fleet.example.json';

const base = { clusters: [{ name: 'prod-eu' }] };
const privateEndpoint = { vpcId: 'vpc-0a1b2c3d4e5f60789', subnetIds: ['subnet-0a1b2c3d4e5f60781'], securityGroupIds: ['sg-0a1b2c3d4e5f60783'] };
const withCluster = (cluster: Record<string, unknown>, rest: Record<string, unknown> = {}) => ({ clusters: [{ name: 'prod-eu', ...cluster }], ...rest });

describe('parseFleetConfig', () => {
  it('accepts the example fleet', () => {
    const fleet = parseFleetConfig(fleetExample);
    expect(fleet.clusters.map((c) => c.name)).toEqual(['prod-eu', 'staging-eu', 'payments']);
    expect(fleet.clusters[2].private?.subnetIds).toHaveLength(2);
    expect(fleet.clusters[1].profile).toBe('lean');
  });

  it('fills in the defaults: 60s, 7 days, on-demand, classic, node 22 pinned by digest, Pod Identity, rbac-group, signed records required', () => {
    expect(parseFleetConfig(base)).toEqual({
      clusters: [{ name: 'prod-eu' }],
      interval: '60s',
      logRetentionDays: 7,
      streamMode: 'on-demand',
      profile: 'classic',
      agentImage: 'public.ecr.aws/docker/library/node:22-alpine@sha256:8094c002d08262dba12645a3b4a15cd6cd627d30bc782f53229a2ec13ee22a00',
      agentIdentity: 'pod-identity',
      applierAccess: 'rbac-group',
      installPodIdentityAgent: false,
      requireSignedRecords: true,
    });
  });

  it('accepts requireSignedRecords false, for the upgrade window of a fleet whose agents do not sign yet', () => {
    expect(parseFleetConfig({ ...base, requireSignedRecords: false }).requireSignedRecords).toBe(false);
  });

  it('accepts the agents\' uid and gid and the kubelets\' pod log directory', () => {
    const fleet = parseFleetConfig({ ...base, agentUser: 61000, agentGroup: 61001, podLogsDir: '/data/pods' });
    expect([fleet.agentUser, fleet.agentGroup, fleet.podLogsDir]).toEqual([61000, 61001, '/data/pods']);
    expect(Object.keys(parseFleetConfig(base))).not.toEqual(expect.arrayContaining(['agentUser']));
  });

  it('rejects uid 0, a gid that is not an integer and a relative or climbing pod log directory', () => {
    expect(() => parseFleetConfig({ ...base, agentUser: 0 })).toThrow(/agentUser is 0; expected an integer from 1 to 2147483647 \(not 0: the agent does not run as root\)/);
    expect(() => parseFleetConfig({ ...base, agentGroup: 1.5 })).toThrow(/agentGroup is 1\.5; expected an integer from 1/);
    expect(() => parseFleetConfig({ ...base, podLogsDir: 'var/log/pods' })).toThrow(/podLogsDir is var\/log\/pods; expected an absolute host path/);
    expect(() => parseFleetConfig({ ...base, podLogsDir: '/var/../etc' })).toThrow(/podLogsDir is \/var\/..\/etc; expected an absolute host path/);
  });

  it('rejects requireSignedRecords that is not a boolean', () => {
    expect(() => parseFleetConfig({ ...base, requireSignedRecords: 'no' })).toThrow(/requireSignedRecords is no; expected true or false \(false only while the agents of an upgraded fleet roll\)/);
  });

  it('accepts installPodIdentityAgent with Pod Identity', () => {
    expect(parseFleetConfig({ ...base, installPodIdentityAgent: true }).installPodIdentityAgent).toBe(true);
  });

  it('rejects installPodIdentityAgent that is not a boolean', () => {
    expect(() => parseFleetConfig({ ...base, installPodIdentityAgent: 'yes' })).toThrow(/installPodIdentityAgent is yes; expected true or false/);
  });

  it('rejects installPodIdentityAgent with IRSA', () => {
    const irsa = withCluster({ oidcProviderArn: 'arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC' }, { agentIdentity: 'irsa', installPodIdentityAgent: true });
    expect(() => parseFleetConfig(irsa)).toThrow(/installPodIdentityAgent is true; expected false with agentIdentity irsa/);
  });

  it('names where the configuration came from in its errors', () => {
    expect(() => parseFleetConfig({}, 'fleet.json')).toThrow(/^fleet\.json: clusters is missing/);
  });

  it('rejects a configuration that is not an object', () => {
    expect(() => parseFleetConfig([base])).toThrow(/\(root\) is .*expected an object with a clusters list/);
  });

  it('rejects an unknown field, naming it', () => {
    expect(() => parseFleetConfig({ ...base, intervall: '60s' })).toThrow(/intervall is 60s; expected no such field .*check its spelling/);
  });

  it('rejects an empty cluster list', () => {
    expect(() => parseFleetConfig({ clusters: [] })).toThrow(/clusters is \[\]; expected a non-empty list/);
  });

  it('rejects a cluster that is not an object', () => {
    expect(() => parseFleetConfig({ clusters: ['prod-eu'] })).toThrow(/clusters\[0\] is prod-eu; expected an object/);
  });

  it('rejects a cluster name EKS would not accept', () => {
    expect(() => parseFleetConfig(withCluster({ name: 'prod eu' }))).toThrow(/clusters\[0\]\.name is prod eu; expected an EKS cluster name/);
  });

  it('rejects an unknown cluster field, naming it', () => {
    expect(() => parseFleetConfig(withCluster({ vpc: 'x' }))).toThrow(/clusters\[0\]\.vpc is x; expected no such field/);
  });

  it('rejects the same cluster twice', () => {
    expect(() => parseFleetConfig({ clusters: [{ name: 'a' }, { name: 'a' }] })).toThrow(/clusters\[1\]\.name is a; expected each cluster name once/);
  });

  it('rejects a private endpoint without a VPC id', () => {
    expect(() => parseFleetConfig(withCluster({ private: { ...privateEndpoint, vpcId: 'vpc1' } }))).toThrow(/clusters\[0\]\.private\.vpcId is vpc1; expected an id like vpc-/);
  });

  it('rejects a private endpoint without subnets', () => {
    expect(() => parseFleetConfig(withCluster({ private: { ...privateEndpoint, subnetIds: [] } }))).toThrow(/clusters\[0\]\.private\.subnetIds is \[\]; expected a non-empty list of subnet-/);
  });

  it('rejects a malformed security group id, naming its position', () => {
    expect(() => parseFleetConfig(withCluster({ private: { ...privateEndpoint, securityGroupIds: ['sg-0a1b2c3d4e5f60783', 'default'] } }))).toThrow(
      /clusters\[0\]\.private\.securityGroupIds\[1\] is default; expected an id like sg-/,
    );
  });

  it('rejects an unknown cluster profile', () => {
    expect(() => parseFleetConfig(withCluster({ profile: 'full' }))).toThrow(/clusters\[0\]\.profile is full; expected one of classic, lean, enhanced/);
  });

  it('rejects an unknown fleet profile', () => {
    expect(() => parseFleetConfig({ ...base, profile: 'verbose' })).toThrow(/profile is verbose; expected one of classic, lean, enhanced/);
  });

  it('rejects an interval that is not a duration', () => {
    expect(() => parseFleetConfig({ ...base, interval: 60 })).toThrow(/interval is 60; expected a duration from 10s to 5m/);
  });

  it('rejects an interval outside 10s to 5m', () => {
    expect(() => parseFleetConfig({ ...base, interval: '5s' })).toThrow(/interval is 5s; expected a duration from 10s to 5m/);
  });

  it('rejects a log retention CloudWatch Logs does not offer', () => {
    expect(() => parseFleetConfig({ ...base, logRetentionDays: 10 })).toThrow(/logRetentionDays is 10; expected one of 1, 3, 5, 7, 14/);
  });

  it('rejects an unknown stream mode', () => {
    expect(() => parseFleetConfig({ ...base, streamMode: 'ondemand' })).toThrow(/streamMode is ondemand; expected one of on-demand, provisioned/);
  });

  it('rejects a provisioned stream without a shard count', () => {
    expect(() => parseFleetConfig({ ...base, streamMode: 'provisioned' })).toThrow(/shards is missing; expected an integer from 1 to 10000, required when streamMode is provisioned/);
  });

  it('rejects a shard count with an on-demand stream', () => {
    expect(() => parseFleetConfig({ ...base, shards: 2 })).toThrow(/shards is 2; expected no shards with streamMode on-demand/);
  });

  it('rejects an agent image reference with spaces', () => {
    expect(() => parseFleetConfig({ ...base, agentImage: 'node 22' })).toThrow(/agentImage is node 22; expected an image reference/);
  });

  it('rejects an unknown agent identity', () => {
    expect(() => parseFleetConfig({ ...base, agentIdentity: 'node-role' })).toThrow(/agentIdentity is node-role; expected one of pod-identity, irsa/);
  });

  it('rejects IRSA for a cluster without an OIDC provider', () => {
    expect(() => parseFleetConfig({ ...base, agentIdentity: 'irsa' })).toThrow(/clusters\[0\]\.oidcProviderArn is missing; expected the cluster's IAM OIDC provider ARN, because agentIdentity is irsa/);
  });

  it('rejects an OIDC provider that is not an IAM OIDC provider ARN', () => {
    expect(() => parseFleetConfig(withCluster({ oidcProviderArn: 'oidc.eks.eu-west-1.amazonaws.com/id/ABC' }))).toThrow(/clusters\[0\]\.oidcProviderArn is .*expected an IAM OIDC provider ARN/);
  });

  it('rejects an unknown applier access mode', () => {
    expect(() => parseFleetConfig({ ...base, applierAccess: 'admin' })).toThrow(/applierAccess is admin; expected one of rbac-group, cluster-admin/);
  });

  it('reads each cluster\'s node count and the fleet\'s declarations, in camelCase whichever case they came in', () => {
    const fleet = parseFleetConfig({ clusters: [{ name: 'big', nodes: 5000 }], declarations: [{ dimensions: [['ClusterName']], metric_name_selectors: ['^cluster_'] }] });
    expect(fleet.clusters).toEqual([{ name: 'big', nodes: 5000 }]);
    expect(fleet.declarations).toEqual([{ dimensions: [['ClusterName']], metricNameSelectors: ['^cluster_'] }]);
  });

  it.each([[0], [10_001], [2.5], ['100']])('rejects a node count of %j', (nodes) => {
    expect(() => parseFleetConfig(withCluster({ nodes }))).toThrow(/clusters\[0\]\.nodes is .*; expected the cluster's largest node count, an integer from 1 to 10,000/);
  });

  it('rejects declarations that are not valid metric declarations, with the reason', () => {
    expect(() => parseFleetConfig({ ...base, declarations: [{ dimensions: [], metricNameSelectors: ['x'] }] })).toThrow(/declarations is .*; expected metric declarations like .*metric declaration \[0\] dimensions must be a non-empty array/);
    expect(() => parseFleetConfig({ ...base, declarations: 'declarations.json' })).toThrow(/declarations is declarations\.json; expected metric declarations .*must be a JSON array/);
  });

  it('rejects more clusters than one stack holds', () => {
    const clusters = Array.from({ length: 401 }, (_, i) => ({ name: `c${i}` }));
    expect(() => parseFleetConfig({ clusters })).toThrow(/clusters is a list of 401; expected at most 400 clusters per stack; split the fleet into several fleet files/);
  });

  it('rejects per-cluster profiles and declarations that would not fit in the enricher\'s environment', () => {
    const clusters = Array.from({ length: 150 }, (_, i) => ({ name: `lean-cluster-${String(i).padStart(3, '0')}`, profile: 'lean' }));
    expect(() => parseFleetConfig({ clusters })).toThrow(new RegExp(`clusters\\[\\]\\.profile and declarations is 3\\d{3} bytes of environment \\(150 clusters with a profile of their own\\); expected at most ${FLEET_ENVIRONMENT_BYTES} bytes`));
    // The same clusters fit when their profile is the fleet's.
    expect(parseFleetConfig({ clusters, profile: 'lean' }).clusters).toHaveLength(150);
  });
});


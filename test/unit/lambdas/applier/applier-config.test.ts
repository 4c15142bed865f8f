import { parseApplierConfig } from '../../../../lambdas/applier/applier-config';

const SHA = 'a'.repeat(64);
const PROVIDER = 'arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC';

const file = (overrides: Record<string, unknown> = {}) => ({
  image: 'node:22-alpine',
  interval: '60s',
  agentIdentity: 'pod-identity',
  applierAccess: 'rbac-group',
  bundleSha256: SHA,
  appliers: { 'Clusters03/Public': ['prod', 'staging'], 'Clusters07/Public': ['payments'] },
  oidcProviders: {},
  ...overrides,
});
const env = { AWS_REGION: 'eu-west-1', KINSIGHT_APPLIER_ID: 'Clusters03/Public', KINSIGHT_STREAM_NAME: 'Kinsight-Stream-1' };

describe('parseApplierConfig', () => {
  it('serves exactly the clusters of its own applier entry, with the fleet settings of the file and the stream of the environment', () => {
    const config = parseApplierConfig(file(), env);
    expect(config).toEqual({
      streamName: 'Kinsight-Stream-1',
      region: 'eu-west-1',
      image: 'node:22-alpine',
      interval: '60s',
      agentIdentity: 'pod-identity',
      applierAccess: 'rbac-group',
      bundleSha256: SHA,
      clusters: new Map([['prod', {}], ['staging', {}]]),
    });
  });

  it('pairs each IRSA cluster with its OIDC provider and the role named at its place in the environment', () => {
    const config = parseApplierConfig(file({ agentIdentity: 'irsa', oidcProviders: { prod: PROVIDER, staging: PROVIDER.replace('ABC', 'DEF'), payments: PROVIDER } }), {
      ...env,
      KINSIGHT_ROLE_ARN_PREFIX: 'arn:aws:iam::111111111111:role/',
      KINSIGHT_IRSA_ROLE_NAMES: 'Kinsight-IrsaProd-1A,Kinsight-IrsaStaging-2B',
    });
    expect(config.clusters).toEqual(
      new Map([
        ['prod', { oidcProviderArn: PROVIDER, irsaRoleArn: 'arn:aws:iam::111111111111:role/Kinsight-IrsaProd-1A' }],
        ['staging', { oidcProviderArn: PROVIDER.replace('ABC', 'DEF'), irsaRoleArn: 'arn:aws:iam::111111111111:role/Kinsight-IrsaStaging-2B' }],
      ]),
    );
  });

  it('takes the agents\' uid, gid and the kubelets\' pod log directory from the file when the fleet sets them', () => {
    const config = parseApplierConfig(file({ runAsUser: 61000, runAsGroup: 61001, podLogsDir: '/data/pods' }), env);
    expect([config.runAsUser, config.runAsGroup, config.podLogsDir]).toEqual([61000, 61001, '/data/pods']);
  });

  it('rejects a uid of 0 or one that is not an integer', () => {
    expect(() => parseApplierConfig(file({ runAsUser: 0 }), env)).toThrow(/applier-settings\.json runAsUser is 0; expected a positive integer/);
    expect(() => parseApplierConfig(file({ runAsGroup: '65529' }), env)).toThrow(/applier-settings\.json runAsGroup is 65529; expected a positive integer/);
  });

  it('rejects an applier id the file does not list', () => {
    expect(() => parseApplierConfig(file(), { ...env, KINSIGHT_APPLIER_ID: 'Clusters09/Public' })).toThrow(
      /^applier settings: the clusters of applier KINSIGHT_APPLIER_ID=Clusters09\/Public is missing; expected a non-empty list of cluster names \(known appliers: Clusters03\/Public, Clusters07\/Public\)/,
    );
  });

  it('rejects a missing stream name', () => {
    expect(() => parseApplierConfig(file(), { ...env, KINSIGHT_STREAM_NAME: '' })).toThrow(/KINSIGHT_STREAM_NAME is .*; expected the Kinesis stream name/);
  });

  it('rejects an IRSA role list that does not name one role per cluster', () => {
    const irsa = file({ agentIdentity: 'irsa', oidcProviders: { prod: PROVIDER, staging: PROVIDER } });
    expect(() => parseApplierConfig(irsa, { ...env, KINSIGHT_ROLE_ARN_PREFIX: 'arn:aws:iam::111111111111:role/', KINSIGHT_IRSA_ROLE_NAMES: 'OnlyOne' })).toThrow(
      /KINSIGHT_IRSA_ROLE_NAMES is OnlyOne; expected 2 IAM role names separated by commas/,
    );
  });

  it('rejects an IRSA cluster without its OIDC provider', () => {
    const irsa = file({ agentIdentity: 'irsa', oidcProviders: { prod: PROVIDER } });
    expect(() => parseApplierConfig(irsa, { ...env, KINSIGHT_ROLE_ARN_PREFIX: 'arn:aws:iam::111111111111:role/', KINSIGHT_IRSA_ROLE_NAMES: 'a,b' })).toThrow(
      /oidcProviders\.staging is missing; expected the cluster's IAM OIDC provider ARN/,
    );
  });

  it('rejects an unknown access mode or identity', () => {
    expect(() => parseApplierConfig(file({ applierAccess: 'root' }), env)).toThrow(/applierAccess is root; expected one of rbac-group, cluster-admin/);
    expect(() => parseApplierConfig(file({ agentIdentity: 'keys' }), env)).toThrow(/agentIdentity is keys; expected one of pod-identity, irsa/);
  });

  it('rejects a bundle hash that is not a SHA-256', () => {
    expect(() => parseApplierConfig(file({ bundleSha256: 'abc' }), env)).toThrow(/bundleSha256 is abc; expected a SHA-256 in hex/);
  });

  it('rejects a file that is not an object', () => {
    expect(() => parseApplierConfig([], env)).toThrow(/applier-settings\.json is .*; expected a JSON object/);
  });
});

import { PROFILES } from '../../../../core/metrics/profiles';
import { parseEnricherConfig } from '../../../../lambdas/enricher/enricher-config';

describe('parseEnricherConfig', () => {
  it('gives the defaults for an environment with only the table name', () => {
    expect(parseEnricherConfig({ KINSIGHT_TABLE_NAME: 'kinsight-metadata' })).toEqual({
      tableName: 'kinsight-metadata',
      profile: PROFILES.classic,
      clusterProfiles: {},
      logsConcurrency: 8,
      metadataCacheMs: 30_000,
      requireSignature: true,
      keySecretPrefix: 'kinsight/agent-key/',
    });
  });

  it('reads every variable: profile, per-cluster profiles, user declarations over the fleet profile, concurrency, cache TTL, signatures, key prefix', () => {
    const config = parseEnricherConfig({
      KINSIGHT_TABLE_NAME: 't',
      KINSIGHT_PROFILE: 'enhanced',
      KINSIGHT_CLUSTER_PROFILES: '{"big":"lean","old":"classic"}',
      KINSIGHT_DECLARATIONS: '[{"dimensions":[["ClusterName"]],"metricNameSelectors":["^node_cpu_"]}]',
      KINSIGHT_LOGS_CONCURRENCY: '3',
      KINSIGHT_METADATA_CACHE_MS: '5000',
      KINSIGHT_REQUIRE_SIGNATURE: 'false',
      KINSIGHT_KEY_SECRET_PREFIX: 'other/keys/',
    });
    expect(config).toEqual({
      tableName: 't',
      // The declarations replace the fleet profile's; its switches (enhanced metrics, FullPodName, ContainerName) stay.
      profile: { ...PROFILES.enhanced, name: 'custom', declarations: [{ dimensions: [['ClusterName']], metricNameSelectors: ['^node_cpu_'] }] },
      clusterProfiles: { big: PROFILES.lean, old: PROFILES.classic },
      logsConcurrency: 3,
      metadataCacheMs: 5000,
      requireSignature: false,
      keySecretPrefix: 'other/keys/',
    });
  });

  it('gives lean profiles, the fleet\'s and per-cluster ones, the period of KINSIGHT_LOG_ONLY_EVERY and leaves classic as it is', () => {
    const config = parseEnricherConfig({ KINSIGHT_TABLE_NAME: 't', KINSIGHT_PROFILE: 'lean', KINSIGHT_CLUSTER_PROFILES: '{"big":"classic","small":"lean"}', KINSIGHT_LOG_ONLY_EVERY: '10m' });
    const lean = { ...PROFILES.lean, leanEvents: { ...PROFILES.lean.leanEvents!, logOnlyEveryMs: 600_000 } };
    expect(config.profile).toEqual(lean);
    expect(config.clusterProfiles).toEqual({ big: PROFILES.classic, small: lean });
  });

  it('takes empty variables as unset', () => {
    const config = parseEnricherConfig({ KINSIGHT_TABLE_NAME: 't', KINSIGHT_PROFILE: '', KINSIGHT_CLUSTER_PROFILES: '', KINSIGHT_DECLARATIONS: '', KINSIGHT_LOGS_CONCURRENCY: '', KINSIGHT_REQUIRE_SIGNATURE: '', KINSIGHT_KEY_SECRET_PREFIX: '' });
    expect(config).toEqual(parseEnricherConfig({ KINSIGHT_TABLE_NAME: 't' }));
  });

  it('rejects a missing table name', () => {
    expect(() => parseEnricherConfig({})).toThrow('KINSIGHT_TABLE_NAME is not set; the enricher needs the node metadata table name');
  });

  it('rejects an unknown profile, bad cluster profiles, invalid declarations, bad numbers and booleans, naming the variable', () => {
    const base = { KINSIGHT_TABLE_NAME: 't' };
    expect(() => parseEnricherConfig({ ...base, KINSIGHT_PROFILE: 'huge' })).toThrow('KINSIGHT_PROFILE: unknown profile "huge"; expected one of classic, lean, enhanced');
    expect(() => parseEnricherConfig({ ...base, KINSIGHT_CLUSTER_PROFILES: '{"a":"nope"}' })).toThrow(/^KINSIGHT_CLUSTER_PROFILES\.a: unknown profile "nope"/);
    expect(() => parseEnricherConfig({ ...base, KINSIGHT_CLUSTER_PROFILES: '["lean"]' })).toThrow('KINSIGHT_CLUSTER_PROFILES must be a JSON object of cluster name -> profile name');
    expect(() => parseEnricherConfig({ ...base, KINSIGHT_CLUSTER_PROFILES: '{' })).toThrow(/^KINSIGHT_CLUSTER_PROFILES is not JSON/);
    expect(() => parseEnricherConfig({ ...base, KINSIGHT_DECLARATIONS: '[{"dimensions":[],"metricNameSelectors":["x"]}]' })).toThrow(/^KINSIGHT_DECLARATIONS: metric declaration \[0\] dimensions/);
    expect(() => parseEnricherConfig({ ...base, KINSIGHT_DECLARATIONS: 'nope' })).toThrow(/^KINSIGHT_DECLARATIONS is not JSON/);
    expect(() => parseEnricherConfig({ ...base, KINSIGHT_LOGS_CONCURRENCY: '0' })).toThrow('KINSIGHT_LOGS_CONCURRENCY must be a positive integer, got "0"');
    expect(() => parseEnricherConfig({ ...base, KINSIGHT_METADATA_CACHE_MS: '1.5' })).toThrow('KINSIGHT_METADATA_CACHE_MS must be a positive integer, got "1.5"');
    expect(() => parseEnricherConfig({ ...base, KINSIGHT_LOG_ONLY_EVERY: '10' })).toThrow(/^KINSIGHT_LOG_ONLY_EVERY: "10" is not a duration/);
    expect(() => parseEnricherConfig({ ...base, KINSIGHT_REQUIRE_SIGNATURE: 'yes' })).toThrow('KINSIGHT_REQUIRE_SIGNATURE must be "true" or "false", got "yes"');
  });
});

describe('enricher composition root', () => {
  // handler.ts reads process.env when loaded: loaded afresh with a bad value, it stops the cold start.
  it('fails the cold start with the ConfigError of parseEnricherConfig', () => {
    const saved = process.env;
    process.env = { ...saved, KINSIGHT_TABLE_NAME: 't', KINSIGHT_PROFILE: 'huge' };
    try {
      expect(() => jest.isolateModules(() => require('../../../../lambdas/enricher/handler'))).toThrow('KINSIGHT_PROFILE: unknown profile "huge"; expected one of classic, lean, enhanced');
    } finally {
      process.env = saved;
    }
  });
});

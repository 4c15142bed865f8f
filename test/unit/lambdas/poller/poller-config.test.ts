import { parsePollerConfig, toMaxRememberedEntries } from '../../../../lambdas/poller/poller-config';

const base = { KINSIGHT_TABLE_NAME: 'kinsight-metadata', AWS_REGION: 'eu-west-1' };

describe('parsePollerConfig', () => {
  test('fills in the defaults outside Lambda', () => {
    const config = parsePollerConfig(base);
    expect(config).toMatchObject({ tableName: 'kinsight-metadata', region: 'eu-west-1', requestTimeoutMs: 10_000, ttlSeconds: 3600, deadlineMarginMs: 3000, maxRememberedEntries: 500_000 });
    expect(config.memoryMb).toBeUndefined();
    expect(config.profile.name).toBe('classic');
    expect(config.clusterProfiles.size).toBe(0);
  });

  test('reads every variable', () => {
    const config = parsePollerConfig({
      ...base,
      KINSIGHT_PROFILE: 'lean',
      KINSIGHT_CLUSTER_PROFILES: '{"big":"enhanced"}',
      KINSIGHT_REQUEST_TIMEOUT_MS: '5000',
      KINSIGHT_METADATA_TTL_SECONDS: '900',
      KINSIGHT_DEADLINE_MARGIN_MS: '4000',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1769',
    });
    expect(config).toMatchObject({ requestTimeoutMs: 5000, ttlSeconds: 900, deadlineMarginMs: 4000, memoryMb: 1769, maxRememberedEntries: toMaxRememberedEntries(1769) });
    expect(config.profile.name).toBe('lean');
    expect(config.clusterProfiles.get('big')?.enhancedMetrics).toBe(true);
  });

  test('sizes the memory of previous observations to a quarter of the function at 600 bytes an entry', () => {
    expect(toMaxRememberedEntries(1024)).toBe(447_392);
    expect(toMaxRememberedEntries(512)).toBe(223_696);
  });

  test('replaces the fleet profile\'s declarations with KINSIGHT_DECLARATIONS, keeping its switches, and leaves cluster profiles alone', () => {
    const config = parsePollerConfig({
      ...base,
      KINSIGHT_PROFILE: 'enhanced',
      KINSIGHT_CLUSTER_PROFILES: '{"small":"lean"}',
      KINSIGHT_DECLARATIONS: '[{"dimensions":[["ClusterName"]],"metric_name_selectors":["^cluster_"]}]',
    });
    expect(config.profile).toMatchObject({ name: 'custom', enhancedMetrics: true, declarations: [{ dimensions: [['ClusterName']], metricNameSelectors: ['^cluster_'] }] });
    expect(config.clusterProfiles.get('small')?.name).toBe('lean');
  });

  test('rejects a missing table name or region', () => {
    expect(() => parsePollerConfig({ AWS_REGION: 'eu-west-1' })).toThrow(/KINSIGHT_TABLE_NAME is not set/);
    expect(() => parsePollerConfig({ KINSIGHT_TABLE_NAME: 't' })).toThrow(/AWS_REGION is not set/);
  });

  test('rejects an unknown profile, fleet-wide or per cluster', () => {
    expect(() => parsePollerConfig({ ...base, KINSIGHT_PROFILE: 'huge' })).toThrow(/KINSIGHT_PROFILE: unknown profile "huge"/);
    expect(() => parsePollerConfig({ ...base, KINSIGHT_CLUSTER_PROFILES: '{"a":"nope"}' })).toThrow(/KINSIGHT_CLUSTER_PROFILES\.a: unknown profile "nope"/);
  });

  test('rejects cluster profiles that are not a JSON object', () => {
    expect(() => parsePollerConfig({ ...base, KINSIGHT_CLUSTER_PROFILES: '{oops' })).toThrow(/KINSIGHT_CLUSTER_PROFILES is not JSON/);
    expect(() => parsePollerConfig({ ...base, KINSIGHT_CLUSTER_PROFILES: '["lean"]' })).toThrow(/KINSIGHT_CLUSTER_PROFILES is \["lean"\]; expected a JSON object/);
  });

  test('rejects declarations that are not JSON or not valid declarations', () => {
    expect(() => parsePollerConfig({ ...base, KINSIGHT_DECLARATIONS: '[{' })).toThrow(/KINSIGHT_DECLARATIONS is not JSON/);
    expect(() => parsePollerConfig({ ...base, KINSIGHT_DECLARATIONS: '[{"dimensions":[],"metricNameSelectors":["x"]}]' })).toThrow(/KINSIGHT_DECLARATIONS: metric declaration \[0\] dimensions/);
  });

  test('rejects a number that is not a positive integer', () => {
    expect(() => parsePollerConfig({ ...base, KINSIGHT_REQUEST_TIMEOUT_MS: '0' })).toThrow(/KINSIGHT_REQUEST_TIMEOUT_MS is "0"; expected a positive integer/);
    expect(() => parsePollerConfig({ ...base, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: 'lots' })).toThrow(/AWS_LAMBDA_FUNCTION_MEMORY_SIZE is "lots"/);
  });
});

describe('the poller\'s composition root', () => {
  test('fails fast with the variable named when the environment is wrong', () => {
    const saved = { ...process.env };
    try {
      delete process.env.KINSIGHT_TABLE_NAME;
      expect(() => jest.isolateModules(() => require('../../../../lambdas/poller/handler'))).toThrow(/KINSIGHT_TABLE_NAME is not set/);
    } finally {
      process.env = saved;
    }
  });
});

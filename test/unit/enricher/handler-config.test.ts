
// handler.ts is the composition root: it reads the environment when loaded. Each case loads it afresh.
function loadWith(env: Record<string, string | undefined>): unknown {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  try {
    let loaded: unknown;
    jest.isolateModules(() => {
      loaded = require('../../../lambdas/enricher/handler');
    });
    return loaded;
  } finally {
    process.env = saved;
  }
}

describe('enricher composition root', () => {
  it('exports a handler when the table name is set, with per-cluster profiles and user declarations', () => {
    const mod = loadWith({
      KINSIGHT_TABLE_NAME: 't',
      KINSIGHT_PROFILE: 'lean',
      KINSIGHT_CLUSTER_PROFILES: '{"big":"classic"}',
      KINSIGHT_DECLARATIONS: '[{"dimensions":[["ClusterName"]],"metricNameSelectors":["^node_cpu_"]}]',
      KINSIGHT_LOG_ONLY_EVERY: '10m',
    }) as { handler: unknown };
    expect(typeof mod.handler).toBe('function');
  });

  it('fails fast without a table name', () => {
    expect(() => loadWith({ KINSIGHT_TABLE_NAME: undefined })).toThrow(/KINSIGHT_TABLE_NAME is not set/);
  });

  it('fails fast on an unknown profile, bad cluster profiles and invalid declarations', () => {
    expect(() => loadWith({ KINSIGHT_TABLE_NAME: 't', KINSIGHT_PROFILE: 'huge' })).toThrow(/KINSIGHT_PROFILE: unknown profile "huge"; expected one of classic, lean, enhanced/);
    expect(() => loadWith({ KINSIGHT_TABLE_NAME: 't', KINSIGHT_CLUSTER_PROFILES: '{"a":"nope"}' })).toThrow(/KINSIGHT_CLUSTER_PROFILES\.a: unknown profile "nope"/);
    expect(() => loadWith({ KINSIGHT_TABLE_NAME: 't', KINSIGHT_DECLARATIONS: '[{"dimensions":[],"metricNameSelectors":["x"]}]' })).toThrow(/KINSIGHT_DECLARATIONS: metric declaration \[0\] dimensions/);
    expect(() => loadWith({ KINSIGHT_TABLE_NAME: 't', KINSIGHT_LOGS_CONCURRENCY: '0' })).toThrow(/KINSIGHT_LOGS_CONCURRENCY must be a positive integer, got "0"/);
    expect(() => loadWith({ KINSIGHT_TABLE_NAME: 't', KINSIGHT_LOG_ONLY_EVERY: '10' })).toThrow(/KINSIGHT_LOG_ONLY_EVERY: "10" is not a duration/);
  });
});

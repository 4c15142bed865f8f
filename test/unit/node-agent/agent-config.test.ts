import { parseAgentConfig } from '../../../node-agent/agent-config';

describe('parseAgentConfig', () => {
  const env = { KINSIGHT_CLUSTER_NAME: 'prod', KINSIGHT_NODE_NAME: 'ip-10-0-1-2', KINSIGHT_STREAM_NAME: 'records', AWS_REGION: 'eu-west-1' };

  it('reads the DaemonSet environment with defaults', () => {
    expect(parseAgentConfig([], env)).toEqual({
      hostRoot: '/', cluster: 'prod', node: 'ip-10-0-1-2', dryRun: false, once: false, intervalMs: 60_000,
      streamName: 'records', region: 'eu-west-1', bufferRecords: 60, shutdownMs: 5000, keyRefreshMs: 3_600_000, podLogsDir: '/var/log/pods',
    });
  });

  it('reads the signing key secret, its refresh and the shutdown budget, the secret ARN naming its own region', () => {
    expect(parseAgentConfig([], { ...env, KINSIGHT_KEY_SECRET: 'kinsight/prod/record-key', KINSIGHT_KEY_REFRESH: '15m', KINSIGHT_SHUTDOWN_TIMEOUT: '25s' })).toMatchObject({
      keySecret: 'kinsight/prod/record-key',
      keyRegion: 'eu-west-1',
      keyRefreshMs: 900_000,
      shutdownMs: 25_000,
    });
    const arn = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:kinsight/prod/record-key-a1B2c3';
    expect(parseAgentConfig(['--key-secret', arn], env)).toMatchObject({ keySecret: arn, keyRegion: 'us-west-2' });
    expect(parseAgentConfig(['--dry-run', '--cluster', 'c', '--node', 'n'], {})).not.toHaveProperty('keySecret');
    expect(parseAgentConfig(['--pod-logs-dir', '/data/kubelet/pods'], env).podLogsDir).toBe('/data/kubelet/pods');
  });

  it('takes the region from --region, AWS_REGION, AWS_DEFAULT_REGION, or us-east-1 for a local endpoint', () => {
    const { AWS_REGION: _region, ...noRegion } = env;
    expect(parseAgentConfig(['--region', 'ap-south-1'], env).region).toBe('ap-south-1');
    expect(parseAgentConfig([], { ...noRegion, AWS_DEFAULT_REGION: 'us-west-2' }).region).toBe('us-west-2');
    expect(parseAgentConfig(['--endpoint', 'http://127.0.0.1:4567'], noRegion).region).toBe('us-east-1');
    expect(() => parseAgentConfig([], noRegion)).toThrow(/no AWS region; set --region, AWS_REGION or AWS_DEFAULT_REGION/);
    expect(parseAgentConfig(['--dry-run'], noRegion).region).toBeUndefined();
  });

  it('lets flags override the environment, in both --flag value and --flag=value forms', () => {
    const config = parseAgentConfig(['--host-root', '/host', '--cluster=dev', '--node', 'n1', '--interval', '10s', '--stream', 'arn:aws:kinesis:us-east-1:123456789012:stream/s2', '--endpoint', 'http://127.0.0.1:4567', '--region', 'eu-west-1', '--health-port', '8471', '--once'], env);
    expect(config).toMatchObject({ hostRoot: '/host', cluster: 'dev', node: 'n1', intervalMs: 10_000, streamName: 's2', endpoint: 'http://127.0.0.1:4567', region: 'eu-west-1', healthPort: 8471, once: true, dryRun: false });
  });

  it('needs no stream in dry-run', () => {
    expect(parseAgentConfig(['--dry-run', '--cluster', 'c', '--node', 'n'], {})).toMatchObject({ dryRun: true, cluster: 'c', node: 'n' });
  });

  it.each([
    [[], {}, /no cluster name; set --cluster or KINSIGHT_CLUSTER_NAME/],
    [['--cluster', 'c'], {}, /no node name; set --node or KINSIGHT_NODE_NAME/],
    [['--cluster', 'c', '--node', 'n'], {}, /no Kinesis stream; set --stream or KINSIGHT_STREAM_NAME/],
    [['--interval', 'often'], env, /interval "often" is not a duration/],
    [[], { ...env, KINSIGHT_INTERVAL: '60' }, /interval "60" is not a duration/],
    [['--interval', '100ms'], env, /at least 1s/],
    [['--health-port', '70000'], env, /health port.*"70000".*1 to 65535/],
    [['--buffer-records', '5'], env, /buffer size.*"5".*15/],
    [['--endpoint', 'localhost:4567'], env, /endpoint "localhost:4567" is not an http\(s\) URL/],
    [['--bogus'], env, /unknown option --bogus/],
    [['--stream'], env, /--stream needs a value/],
    [['stray'], env, /unexpected argument "stray"/],
    [['--once=yes'], env, /--once takes no value/],
    [['--key-secret', 'my secret'], env, /key secret "my secret" is neither a Secrets Manager secret name .* nor a secret ARN/],
    [['--key-secret', 'arn:aws:kms:us-east-1:123456789012:key/k'], env, /key secret .* is neither/],
    [['--key-refresh', '10s'], env, /signing key refresh .*"10s" is not a duration of at least 60s/],
    [['--shutdown-timeout', '25'], env, /shutdown timeout .*"25" is not a duration/],
    [['--pod-logs-dir', 'var/log/pods'], env, /pod logs directory "var\/log\/pods" is not an absolute host path/],
    [[], { ...env, KINSIGHT_POD_LOGS_DIR: '/var/log/../../etc' }, /pod logs directory .* without \.\./],
  ])('rejects bad configuration %j with one clear line', (argv, environment, message) => {
    expect(() => parseAgentConfig(argv as string[], environment as NodeJS.ProcessEnv)).toThrow(message);
  });
});

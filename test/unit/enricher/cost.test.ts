import { costCommand, toFleetInterval } from '../../../cli/cost';
import { ConfigError } from '../../../core/errors';
import type { CliIo } from '../../../cli/io';
import { toCustomMetricsUsd, toMonthlyCost, LOGS_INGESTION_USD_PER_GB, SECONDS_PER_MONTH } from '../../../core/cost-model';
import { PROFILES } from '../../../core/metrics/profiles';

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { env: {}, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stopSignal: new AbortController().signal };
  // As cli/run-cli.ts does: a ConfigError is one line on stderr and exit code 1.
  const code = await costCommand.run(argv.slice(1), io).catch((error: unknown) => {
    if (!(error instanceof ConfigError)) throw error;
    stderr += `${error.message}\n`;
    return 1;
  });
  return { code, stdout, stderr };
}

describe('cost model', () => {
  it('prices custom metrics by tier', () => {
    expect(toCustomMetricsUsd(100)).toBeCloseTo(30);
    expect(toCustomMetricsUsd(10_000)).toBeCloseTo(3000);
    expect(toCustomMetricsUsd(20_000)).toBeCloseTo(3000 + 1000);
  });

  it('turns one interval of bytes into GB per month and its Logs price', () => {
    const interval = { nodes: 10, intervalSeconds: 60, customMetrics: 0, logsBytes: 1024 ** 3 / (SECONDS_PER_MONTH / 60), recordBytes: 0, averageRecordBytes: 3000, enrichMsPerRecord: 1, metadataItemBytes: 2000 };
    const cost = toMonthlyCost(interval);
    expect(cost.logsGb).toBeCloseTo(1);
    expect(cost.logsUsd).toBeCloseTo(LOGS_INGESTION_USD_PER_GB);
    expect(cost.kinesisUsd).toBeGreaterThan(0.04 * 730);
    expect(cost.totalUsd).toBeCloseTo(cost.pipelineUsd + cost.logsUsd + cost.customMetricsUsd);
  });
});

describe('kinsight cost', () => {
  it('measures fewer or equal custom metrics with lean than classic, with the same Logs bytes order', () => {
    const classic = toFleetInterval(3, 10, PROFILES.classic);
    const lean = toFleetInterval(3, 10, PROFILES.lean);
    expect(classic.nodes).toBe(3);
    expect(lean.customMetrics).toBeLessThan(classic.customMetrics);
    expect(classic.customMetrics).toBeGreaterThan(3 * 7);
    expect(classic.logsBytes).toBeGreaterThan(lean.logsBytes);
  });

  it('prints custom metrics, Logs GB and the pipeline cost', async () => {
    const { code, stdout } = await run(['cost', '--nodes', '2', '--pods-per-node', '5', '--profile', 'lean']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/2 nodes x 5 pods, profile lean/);
    expect(stdout).toMatch(/custom metrics/);
    expect(stdout).toMatch(/CloudWatch Logs ingested\s+[\d.]+ GB/);
    expect(stdout).toMatch(/pipeline \(Kinesis \+ Lambda \+ DynamoDB\)/);
  });

  it('prints JSON with --json', async () => {
    const { stdout } = await run(['cost', '--nodes', '1', '--pods-per-node', '3', '--json']);
    expect(JSON.parse(stdout)).toMatchObject({ profile: 'classic', podsPerNode: 3, interval: { nodes: 1 }, cost: { customMetrics: expect.any(Number) } });
  });

  it('rejects missing or out-of-range counts and unknown profiles', async () => {
    expect((await run(['cost', '--pods-per-node', '3'])).stderr).toMatch(/--nodes is required/);
    expect((await run(['cost', '--nodes', '0', '--pods-per-node', '3'])).stderr).toMatch(/--nodes must be an integer 1\.\.20000, got "0"/);
    expect((await run(['cost', '--nodes', '1', '--pods-per-node', '3', '--profile', 'x'])).code).toBe(1);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { costCommand, type CostComparison } from '../../../cli/cost';
import { toFleetEstimate } from '../../../cli/fleet-estimate';
import type { CliIo } from '../../../cli/io';
import { toStreamRecommendation } from '../../../core/cost-model';
import { ConfigError } from '../../../core/errors';
import { PROFILES, withLogOnlyEvery } from '../../../core/metrics/profiles';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kinsight-cost-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { env: {}, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stopSignal: new AbortController().signal };
  // As cli/run-cli.ts does: a ConfigError is one line on stderr and exit code 1.
  const code = await costCommand.run(argv, io).catch((error: unknown) => {
    if (!(error instanceof ConfigError)) throw error;
    stderr += `${error.message}\n`;
    return 1;
  });
  return { code, stdout, stderr };
}

async function file(name: string, value: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(value));
  return path;
}

describe('fleet estimate', () => {
  it('measures the same custom metrics for lean as for classic in a fraction of the bytes', () => {
    const [classic, lean] = toFleetEstimate({ nodes: 3, podsPerNode: 30 }, [PROFILES.classic, PROFILES.lean]).intervals;
    expect(lean.customMetrics).toBe(classic.customMetrics);
    expect(classic.customMetrics).toBeGreaterThan(3 * 7);
    expect(lean.logsBytes / classic.logsBytes).toBeLessThanOrEqual(0.15);
    expect(lean.recordBytes).toBe(classic.recordBytes);
  });

  it('counts fewer workloads and custom metrics when Deployments are larger', () => {
    const small = toFleetEstimate({ nodes: 4, podsPerNode: 30, podsPerDeployment: 2 }, [PROFILES.classic]);
    const large = toFleetEstimate({ nodes: 4, podsPerNode: 30, podsPerDeployment: 20 }, [PROFILES.classic]);
    expect(large.workloads).toBeLessThan(small.workloads);
    expect(large.intervals[0].customMetrics).toBeLessThan(small.intervals[0].customMetrics);
    expect(large.shape).toEqual({ nodes: 4, podsPerNode: 30, podsPerDeployment: 20, intervalSeconds: 60 });
  });

  it('counts a lean profile\'s log-only records in the share of intervals that write them', () => {
    const profiles = [PROFILES.lean, withLogOnlyEvery(PROFILES.lean, 60_000), withLogOnlyEvery(PROFILES.lean, 600_000)];
    const [never, always, tenth] = toFleetEstimate({ nodes: 2, podsPerNode: 12 }, profiles).intervals;
    expect(always.logsBytes).toBeGreaterThan(never.logsBytes);
    expect(tenth.logsBytes).toBeCloseTo(never.logsBytes + (always.logsBytes - never.logsBytes) / 10, 6);
    expect(tenth.customMetrics).toBe(never.customMetrics);
  });
});

describe('kinsight cost', () => {
  it('compares classic, lean and enhanced side by side with each part, the saving against classic and a warning for enhanced', async () => {
    const { code, stdout } = await run(['--nodes', '2', '--pods-per-node', '12']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^kinsight cost: 2 nodes x 12 pods, interval 60 s/);
    expect(stdout).toMatch(/\n\s+classic\s+lean\s+enhanced\n/);
    for (const part of ['custom metrics', 'CloudWatch Logs GB', 'CloudWatch Logs ingestion', 'Kinesis on-demand', 'Lambda, [\\d,]+ invocations', 'DynamoDB on-demand', 'total per node-month', 'saving against classic, per node-month']) {
      expect(stdout).toMatch(new RegExp(`\\n  ${part}\\s+\\S+\\s+\\S+\\s+\\S+\\n`));
    }
    expect(stdout).toMatch(/Deployments of 10 pods \(--pods-per-deployment\)/);
    expect(stdout).toMatch(/\n  warning: profile enhanced publishes [\d,]+ custom metrics per node \(warning above 100\): [\d,]+ for 2 nodes cost \$[\d,.]+ a month/);
    expect(stdout).not.toMatch(/warning: profile (classic|lean)/);
  });

  it('recommends one provisioned shard for a small fleet and prices the totals with the stream mode asked for', async () => {
    const { stdout } = await run(['--nodes', '5', '--pods-per-node', '10', '--profile', 'lean', '--json']);
    const json = JSON.parse(stdout) as CostComparison;
    expect(json.profiles.map((p) => p.profile)).toEqual(['classic', 'lean']);
    expect(json.stream.recommended).toBe('provisioned');
    expect(json.stream.provisioned.shards).toBe(1);
    expect(json.stream).toEqual(toStreamRecommendation(json.profiles[0].interval));
    expect(json.profiles[0].cost.kinesis.mode).toBe('on-demand');
    const provisioned = JSON.parse((await run(['--nodes', '5', '--pods-per-node', '10', '--profile', 'lean', '--stream-mode', 'provisioned', '--json'])).stdout) as CostComparison;
    expect(provisioned.profiles[0].cost.kinesis).toMatchObject({ mode: 'provisioned', shards: 1 });
    expect(provisioned.profiles[1].cost.kinesisUsd).toBeCloseTo(json.stream.provisioned.usd, 9);
    expect(provisioned.profiles[1].cost.logsUsd).toBeCloseTo(json.profiles[1].cost.logsUsd, 9);
    const text = (await run(['--nodes', '5', '--pods-per-node', '10', '--profile', 'lean'])).stdout;
    expect(text).toMatch(/recommended: "streamMode": "provisioned", "shards": 1 in the fleet file/);
  });

  it('prices a declarations file beside the profiles and warns above the threshold given', async () => {
    const declarations = await file('per-pod.json', [{ dimensions: [['PodName', 'Namespace', 'ClusterName'], ['ClusterName']], metricNameSelectors: ['^pod_'] }]);
    const { stdout } = await run(['--nodes', '2', '--pods-per-node', '10', '--profile', 'lean', '--declarations', declarations, '--warn-metrics-per-node', '20', '--json']);
    const json = JSON.parse(stdout) as CostComparison;
    expect(json.profiles.map((p) => p.profile)).toEqual(['classic', 'lean', 'per-pod']);
    expect(json.warnings.map((w) => w.slice(0, w.indexOf(' publishes')))).toEqual(['profile classic', 'profile lean', 'profile per-pod']);
  });

  it('takes the interval, stream, profiles, declarations and nodes of a fleet file', async () => {
    const fleet = await file('fleet.json', { clusters: [{ name: 'a', nodes: 2 }, { name: 'b', nodes: 1, profile: 'enhanced' }], interval: '30s', streamMode: 'provisioned', shards: 2, profile: 'lean' });
    const json = JSON.parse((await run(['--fleet', fleet, '--pods-per-node', '8', '--json'])).stdout) as CostComparison;
    expect(json.estimate.shape).toMatchObject({ nodes: 3, intervalSeconds: 30 });
    expect(json.profiles.map((p) => p.profile)).toEqual(['classic', 'lean', 'enhanced']);
    expect(json.profiles[0].cost.kinesis).toMatchObject({ mode: 'provisioned', shards: 2 });
  });

  it('rejects missing or out-of-range counts, unknown profiles and shards without a provisioned stream', async () => {
    expect((await run(['--pods-per-node', '3'])).stderr).toBe('--nodes is required (see kinsight cost --help)\n');
    expect((await run(['--nodes', '0', '--pods-per-node', '3'])).stderr).toBe('--nodes must be an integer 1..20000, got "0"\n');
    expect((await run(['--nodes', '1', '--pods-per-node', '3', '--profile', 'lean,huge'])).stderr).toBe('--profile: unknown profile "huge"; expected one of classic, lean, enhanced\n');
    expect((await run(['--nodes', '1', '--pods-per-node', '3', '--shards', '2'])).stderr).toBe('--shards prices a provisioned stream; add --stream-mode provisioned\n');
    expect((await run(['--nodes', '1', '--pods-per-node', '3', '--stream-mode', 'fast'])).stderr).toBe('--stream-mode must be on-demand or provisioned, got "fast"\n');
    expect((await run(['--nodes', '1', '--pods-per-node', '3', '--log-only-every', '5'])).stderr).toMatch(/^--log-only-every: "5" is not a duration/);
  });
});

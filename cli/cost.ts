import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { FleetConfig } from '../cdk/lib/fleet-config';
import { loadFleetConfig } from '../cdk/lib/load-fleet-config';
import {
  DEFAULT_METRICS_PER_NODE_WARNING,
  ENRICHER_EVENT_SOURCE,
  PROVISIONED_TARGET_UTILIZATION,
  toCustomMetricsWarning,
  toMonthlyCost,
  toStreamRecommendation,
  type MonthlyCost,
  type PipelineSettings,
  type StreamMode,
  type StreamRecommendation,
} from '../core/cost-model';
import { parseDuration } from '../core/duration';
import { ConfigError, toSnippet } from '../core/errors';
import { KINESIS_SHARD_WRITE_BYTES_PER_SECOND } from '../core/limits';
import { PROFILES, parseDeclarations, parseLogOnlyEvery, parseProfileName, withLogOnlyEvery, type DeclarationProfile } from '../core/metrics/profiles';
import { toFleetEstimate, type FleetEstimate, type ProfileInterval } from './fleet-estimate';
import { parseFlags } from './parse-flags';
import type { Command } from './io';

const USAGE = `Usage: kinsight cost --nodes N --pods-per-node P [options]

Compares the monthly cost of a fleet under declaration profiles, side by side, from one interval
of a simulated fleet run through the real enricher and EMF encoder, then priced (us-east-1 list
prices, core/cost-model.ts):
  custom metrics   distinct (metric name, dimension names and values) the profile publishes
  Logs             EMF bytes ingested into /aws/containerinsights/<cluster>/performance
  Kinesis          the stream, on-demand or provisioned (both priced, the cheaper recommended)
  Lambda           the enricher (arm64, 1024 MB), invoked as the event source batches records
  DynamoDB         the node metadata documents, on-demand

The fleet is the simulated cluster of sim/cluster: per node 2 DaemonSet pods, then in every 20 pods
14 of Deployments, 2 of StatefulSets, 2 of CronJobs, a Job's and a bare pod. Custom metrics grow
with the distinct workloads (PodName values): a Deployment's pods share one, every StatefulSet,
Job or bare pod has its own. Set the Deployments' size to your cluster's with --pods-per-deployment.

Options:
  --nodes N                  nodes in the fleet (required unless --fleet gives every cluster's nodes)
  --pods-per-node P          pods per node, its 2 DaemonSet pods included (required)
  --pods-per-deployment R    replicas of each Deployment (default 10)
  --profile LIST             profiles to compare, comma-separated (default classic,lean,enhanced);
                             classic is always measured: the savings are against it
  --declarations FILE        also price a declarations file (as kinsight replay --declarations takes)
  --log-only-every TIME      lean profiles write their log-only records once per TIME, e.g. 10m (default never)
  --fleet FILE               take the interval, stream mode, shards, profiles, declarations, logOnlyEvery
                             and nodes (when every cluster gives them) from a fleet file
  --stream-mode MODE         on-demand (default) or provisioned: the stream the totals include
  --shards N                 shards of a provisioned stream (default: the recommended count)
  --interval SECONDS         agent interval (default 60)
  --warn-metrics-per-node N  warn about a profile above N custom metrics per node (default ${DEFAULT_METRICS_PER_NODE_WARNING})
  --json                     print the figures as JSON
`;

/** One column of the comparison. */
export interface ProfileCost {
  readonly profile: string;
  readonly interval: ProfileInterval;
  readonly cost: MonthlyCost;
  /** Total per month of classic minus this profile's (negative: it costs more). */
  readonly savingUsd: number;
  readonly savingPerNodeUsd: number;
}

/** What `kinsight cost` computes. */
export interface CostComparison {
  readonly estimate: FleetEstimate;
  readonly settings: PipelineSettings;
  readonly profiles: readonly ProfileCost[];
  readonly stream: StreamRecommendation;
  readonly warnings: readonly string[];
}

/** Measures the profiles on the fleet and prices them; classic must be among them (the savings' reference). */
export function toCostComparison(estimate: FleetEstimate, settings: PipelineSettings, warnAbove = DEFAULT_METRICS_PER_NODE_WARNING): CostComparison {
  const costs = estimate.intervals.map((interval) => ({ interval, cost: toMonthlyCost(interval, settings) }));
  const classic = costs.find((c) => c.interval.profile === 'classic') ?? costs[0];
  const nodes = Math.max(1, estimate.shape.nodes);
  return {
    estimate,
    settings,
    profiles: costs.map(({ interval, cost }) => ({
      profile: interval.profile,
      interval,
      cost,
      savingUsd: classic.cost.totalUsd - cost.totalUsd,
      savingPerNodeUsd: (classic.cost.totalUsd - cost.totalUsd) / nodes,
    })),
    stream: toStreamRecommendation(classic.interval),
    warnings: costs.flatMap(({ interval }) => toCustomMetricsWarning(interval.profile, interval, warnAbove) ?? []),
  };
}

const usd = (n: number) => `${n < 0 ? '-' : ''}$${Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** The text report of a comparison. */
export function toCostReport(c: CostComparison): string {
  const { estimate, profiles, stream } = c;
  const { shape } = estimate;
  const classic = profiles.find((p) => p.profile === 'classic') ?? profiles[0];
  const kinesis = classic.cost.kinesis;
  const rows: [string, ...string[]][] = [
    ['', ...profiles.map((p) => p.profile)],
    ['custom metrics', ...profiles.map((p) => int(p.cost.customMetrics))],
    ['  per node', ...profiles.map((p) => int(p.cost.customMetrics / Math.max(1, shape.nodes)))],
    ['CloudWatch Logs GB', ...profiles.map((p) => p.cost.logsGb.toFixed(2))],
    ['  of classic', ...profiles.map((p) => `${((100 * p.interval.logsBytes) / Math.max(1, classic.interval.logsBytes)).toFixed(1)} %`)],
    ['CloudWatch custom metrics', ...profiles.map((p) => usd(p.cost.customMetricsUsd))],
    ['CloudWatch Logs ingestion', ...profiles.map((p) => usd(p.cost.logsUsd))],
    [kinesis.mode === 'on-demand' ? 'Kinesis on-demand' : `Kinesis provisioned, ${kinesis.shards} shard${kinesis.shards === 1 ? '' : 's'}`, ...profiles.map((p) => usd(p.cost.kinesisUsd))],
    [`Lambda, ${int(classic.cost.lambdaInvocations)} invocations`, ...profiles.map((p) => usd(p.cost.lambdaUsd))],
    ['DynamoDB on-demand', ...profiles.map((p) => usd(p.cost.dynamodbUsd))],
    ['total per month', ...profiles.map((p) => usd(p.cost.totalUsd))],
    ['total per node-month', ...profiles.map((p) => usd(p.cost.perNodeUsd))],
    ['saving against classic, per node-month', ...profiles.map((p) => (p === classic ? '-' : usd(p.savingPerNodeUsd)))],
    ['saving against classic, per month', ...profiles.map((p) => (p === classic ? '-' : usd(p.savingUsd)))],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const widths = profiles.map((_, i) => Math.max(12, ...rows.map((r) => r[i + 1].length)));
  const bytesPerNodeSecond = classic.interval.averageRecordBytes / shape.intervalSeconds;
  const nodesPerShard = Math.floor((KINESIS_SHARD_WRITE_BYTES_PER_SECOND * PROVISIONED_TARGET_UTILIZATION) / bytesPerNodeSecond);
  const better = stream.recommended === 'provisioned' ? `provisioned saves ${usd(stream.savingUsd)} a month` : `on-demand costs ${usd(stream.savingUsd)} a month less`;
  const lines = [
    `kinsight cost: ${int(shape.nodes)} nodes x ${shape.podsPerNode} pods, interval ${shape.intervalSeconds} s; per month, us-east-1 list prices`,
    `  workloads: Deployments of ${shape.podsPerDeployment} pods (--pods-per-deployment), each StatefulSet, Job and bare pod its own:` +
      ` ${int(estimate.workloads)} distinct PodName values, ${estimate.workloadsPerNode.toFixed(1)} per node`,
    '',
    ...rows.map(([label, ...cells]) => `  ${label.padEnd(w0)}${cells.map((cell, i) => `  ${cell.padStart(widths[i])}`).join('')}`),
    '',
    `  Lambda: ${classic.cost.recordsPerInvocation.toFixed(2)} records per invocation (batches of up to ${c.settings.batchSize ?? ENRICHER_EVENT_SOURCE.batchSize}, ${c.settings.batchingWindowSeconds ?? ENRICHER_EVENT_SOURCE.batchingWindowSeconds} s window, ${kinesis.shards} shard${kinesis.shards === 1 ? '' : 's'} x ${c.settings.parallelizationFactor ?? ENRICHER_EVENT_SOURCE.parallelizationFactor} batches at once)`,
    `  Kinesis: on-demand ${usd(stream.onDemand.usd)} (${usd(stream.onDemand.hourlyUsd)} stream-hours), provisioned ${stream.provisioned.shards} shard${stream.provisioned.shards === 1 ? '' : 's'} ${usd(stream.provisioned.usd)} (${usd(stream.provisioned.hourlyUsd)} shard-hours): ${better}`,
    stream.recommended === 'provisioned'
      ? `    recommended: "streamMode": "provisioned", "shards": ${stream.provisioned.shards} in the fleet file; a shard takes about ${int(nodesPerShard)} such nodes at a quarter of its write capacity (headroom for agents sending in step and for catching up)`
      : '    recommended: "streamMode": "on-demand" (the default): it follows the fleet as it grows',
    `  measured: EMF per node-interval ${profiles.map((p) => `${p.profile} ${(p.interval.logsBytes / Math.max(1, shape.nodes) / 1024).toFixed(1)} KiB`).join(', ')};` +
      ` record ${(classic.interval.averageRecordBytes / 1024).toFixed(1)} KiB; enrich+encode ${profiles.map((p) => `${p.interval.enrichMsPerRecord.toFixed(2)}`).join('/')} ms per record`,
    ...c.warnings.map((w) => `  warning: ${w}`),
    '',
  ];
  return lines.join('\n');
}

function toCount(text: string | undefined, flag: string, min: number, max: number): number {
  if (text === undefined) throw new ConfigError(`${flag} is required (see kinsight cost --help)`);
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${flag} must be an integer ${min}..${max}, got "${toSnippet(text, 40)}"`);
  return n;
}

function readDeclarations(path: string): DeclarationProfile['declarations'] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`--declarations ${path}: cannot read it as JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = parseDeclarations(json);
  if (!parsed.ok) throw new ConfigError(`--declarations ${path}: ${parsed.error}`);
  return parsed.value;
}

function loadFleet(path: string): FleetConfig {
  return loadFleetConfig({ context: (key) => (key === 'kinsightConfig' ? path : undefined), readFile: (p) => readFileSync(p, 'utf8') });
}

/** The profiles to compare: classic first (the savings' reference), the named ones, then the declarations over `base`. */
function toProfiles(names: readonly string[], declarations: { name: string; value: DeclarationProfile['declarations'] } | undefined, base: DeclarationProfile, logOnlyEveryMs: number): DeclarationProfile[] {
  const out: DeclarationProfile[] = [PROFILES.classic];
  for (const name of names) {
    const parsed = parseProfileName(name);
    if (!parsed.ok) throw new ConfigError(`--profile: ${parsed.error}`);
    if (!out.includes(parsed.value)) out.push(parsed.value);
  }
  if (declarations) out.push({ ...base, name: declarations.name, declarations: declarations.value });
  return out.map((p) => withLogOnlyEvery(p, logOnlyEveryMs));
}

/** `kinsight cost`: the monthly cost of a fleet under several profiles, side by side. */
export const costCommand: Command = {
  summary: 'Compare custom metrics, Logs bytes and pipeline cost per month of a fleet under profiles',
  usage: USAGE,
  run: async (argv, io) => {
    const values = parseFlags('cost', argv, {
      nodes: { type: 'string' },
      'pods-per-node': { type: 'string' },
      'pods-per-deployment': { type: 'string' },
      profile: { type: 'string' },
      declarations: { type: 'string' },
      'log-only-every': { type: 'string' },
      fleet: { type: 'string' },
      'stream-mode': { type: 'string' },
      shards: { type: 'string' },
      interval: { type: 'string' },
      'warn-metrics-per-node': { type: 'string' },
      json: { type: 'boolean' },
    });
    const fleet = values.fleet === undefined ? undefined : loadFleet(values.fleet);
    const fleetNodes = fleet && fleet.clusters.every((c) => c.nodes !== undefined) ? fleet.clusters.reduce((sum, c) => sum + (c.nodes ?? 0), 0) : undefined;
    const nodes = values.nodes === undefined && fleetNodes !== undefined ? Math.min(fleetNodes, 20_000) : toCount(values.nodes, '--nodes', 1, 20_000);
    const podsPerNode = toCount(values['pods-per-node'], '--pods-per-node', 0, 250);
    const podsPerDeployment = values['pods-per-deployment'] === undefined ? 10 : toCount(values['pods-per-deployment'], '--pods-per-deployment', 1, 10_000);
    const fleetInterval = fleet ? parseDuration(fleet.interval) : undefined;
    const intervalSeconds = values.interval !== undefined ? toCount(values.interval, '--interval', 10, 3600) : fleetInterval?.ok ? fleetInterval.value / 1000 : 60;
    const warnAbove = values['warn-metrics-per-node'] === undefined ? DEFAULT_METRICS_PER_NODE_WARNING : toCount(values['warn-metrics-per-node'], '--warn-metrics-per-node', 0, 1_000_000);
    let logOnlyEveryMs = 0;
    const logOnlyEvery = values['log-only-every'] ?? fleet?.logOnlyEvery;
    if (logOnlyEvery !== undefined) {
      const parsed = parseLogOnlyEvery(logOnlyEvery);
      if (!parsed.ok) throw new ConfigError(`--log-only-every: ${parsed.error}`);
      logOnlyEveryMs = parsed.value;
    }
    const streamMode = values['stream-mode'] ?? fleet?.streamMode ?? 'on-demand';
    if (streamMode !== 'on-demand' && streamMode !== 'provisioned') throw new ConfigError(`--stream-mode must be on-demand or provisioned, got "${toSnippet(streamMode, 40)}"`);
    const shards = values.shards !== undefined ? toCount(values.shards, '--shards', 1, 10_000) : fleet?.shards;
    if (shards !== undefined && streamMode !== 'provisioned') throw new ConfigError('--shards prices a provisioned stream; add --stream-mode provisioned');

    const names = values.profile !== undefined ? values.profile.split(',').map((n) => n.trim()) : fleet ? [fleet.profile, ...fleet.clusters.flatMap((c) => c.profile ?? [])] : ['lean', 'enhanced'];
    // A declarations file replaces the declarations of the fleet's profile (classic without a fleet), as the fleet file's do.
    const declarations = values.declarations
      ? { name: basename(values.declarations).replace(/\.json$/, ''), value: readDeclarations(values.declarations) }
      : fleet?.declarations
        ? { name: `${fleet.profile}+declarations`, value: fleet.declarations }
        : undefined;
    const profiles = toProfiles(names, declarations, fleet ? PROFILES[fleet.profile] : PROFILES.classic, logOnlyEveryMs);

    const estimate = toFleetEstimate({ nodes, podsPerNode, podsPerDeployment, intervalSeconds }, profiles);
    const settings: PipelineSettings = { streamMode: streamMode as StreamMode, ...(shards === undefined ? {} : { shards }) };
    const comparison = toCostComparison(estimate, settings, warnAbove);
    io.stdout(values.json ? `${JSON.stringify(comparison, null, 2)}\n` : toCostReport(comparison));
    return 0;
  },
};

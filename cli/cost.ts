import { ConfigError } from '../core/errors';
import { createEmfEncoder } from '../core/emf';
import { toMonthlyCost, type FleetInterval, type MonthlyCost } from '../core/cost-model';
import { DEFAULT_PROFILE_NAME, parseProfileName, type DeclarationProfile } from '../core/metrics/profiles';
import { toMetadataItem } from '../core/node-metadata-item';
import { toRecordData } from '../core/record/record-data';
import { toCiRecords } from '../lambdas/enricher/enrich';
import { createEnrichCache } from '../lambdas/enricher/enrich-cache';
import { createClusterModel } from '../sim/cluster/cluster-model';
import { toSimNodeRecord } from '../sim/node/sim-node-record';
import { toSimNodeMetadata } from '../sim/node/sim-node-metadata';
import { parseFlags } from './parse-flags';
import type { Command } from './io';

const USAGE = `Usage: kinsight cost --nodes N --pods-per-node P [--profile classic|lean|enhanced] [--interval SECONDS] [--json]

Estimates the monthly cost of a fleet by running the real enricher and EMF encoder on one interval
of generated node records (the simulated cluster of sim/cluster: Deployments, StatefulSets,
Jobs and DaemonSets on 2 vCPU..8 vCPU nodes), then pricing:
  custom metrics   unique (metric name, dimension names and values) combinations the profile publishes
  Logs             EMF bytes ingested into /aws/containerinsights/<cluster>/performance
  pipeline         Kinesis on-demand, Lambda (arm64, 1024 MB), DynamoDB on-demand
Prices and their sources: core/cost-model.ts (us-east-1 list prices).

Options:
  --nodes N            nodes in the fleet (required)
  --pods-per-node P    pods per node (required)
  --profile NAME       declaration profile (default classic)
  --interval SECONDS   agent interval (default 60)
  --json               print the figures as JSON
`;

/** Measures one interval of a simulated fleet with the real enricher and encoder. */
export function toFleetInterval(nodes: number, podsPerNode: number, profile: DeclarationProfile, intervalSeconds = 60): FleetInterval {
  const nowMs = Date.UTC(2026, 0, 1);
  const model = createClusterModel({ name: 'cost', nodeCount: nodes, podsPerNode });
  const encoder = createEmfEncoder(profile);
  const cache = createEnrichCache();
  const metrics = new Set<string>();
  let logsBytes = 0;
  let recordBytes = 0;
  let metadataBytes = 0;
  let enrichNs = 0n;
  // One node at a time: a fleet of 20,000 nodes never holds every pod at once.
  for (let i = 0; i < model.nodes.count; i += 1) {
    const node = model.nodeState(i);
    const record = toSimNodeRecord(model.description.name, node, nowMs, intervalSeconds * 1000);
    const metadata = toSimNodeMetadata(model.description.name, node, nowMs);
    recordBytes += toRecordData(record).byteLength;
    metadataBytes += toMetadataItem(metadata, nowMs, 3600).doc.length;
    const started = process.hrtime.bigint();
    const messages = toCiRecords(record, metadata, { profile }, cache).records.map((r) => encoder.encode(r));
    enrichNs += process.hrtime.bigint() - started;
    for (const message of messages) {
      logsBytes += Buffer.byteLength(message, 'utf8');
      const doc = JSON.parse(message) as Record<string, unknown> & { _aws?: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] } };
      for (const directive of doc._aws?.CloudWatchMetrics ?? []) {
        for (const set of directive.Dimensions) {
          const dims = set.map((k) => `${k}=${String(doc[k])}`).join(',');
          for (const m of directive.Metrics) metrics.add(`${m.Name}|${dims}`);
        }
      }
    }
  }
  const count = Math.max(1, model.nodes.count);
  return {
    nodes: model.nodes.count,
    intervalSeconds,
    customMetrics: metrics.size,
    logsBytes,
    recordBytes,
    averageRecordBytes: recordBytes / count,
    enrichMsPerRecord: Number(enrichNs) / 1e6 / count,
    metadataItemBytes: metadataBytes / count,
  };
}

const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** The text report of an estimate. */
export function toCostReport(profile: string, podsPerNode: number, interval: FleetInterval, cost: MonthlyCost): string {
  const rows: [string, string, string][] = [
    ['custom metrics (name + dimensions)', int(cost.customMetrics), usd(cost.customMetricsUsd)],
    ['CloudWatch Logs ingested', `${cost.logsGb.toFixed(2)} GB`, usd(cost.logsUsd)],
    ['Kinesis on-demand', `${((interval.averageRecordBytes) / 1024).toFixed(1)} KiB/record`, usd(cost.kinesisUsd)],
    ['Lambda (arm64, 1024 MB)', `${int(cost.lambdaInvocations)} invocations`, usd(cost.lambdaUsd)],
    ['DynamoDB on-demand', `${(interval.metadataItemBytes / 1024).toFixed(1)} KiB/item`, usd(cost.dynamodbUsd)],
    ['pipeline (Kinesis + Lambda + DynamoDB)', '', usd(cost.pipelineUsd)],
    ['total', `${usd(cost.perNodeUsd)} per node`, usd(cost.totalUsd)],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  return [
    `kinsight cost: ${interval.nodes} nodes x ${podsPerNode} pods, profile ${profile}, interval ${interval.intervalSeconds} s (per month, us-east-1 list prices)`,
    ...rows.map(([a, b, c]) => `  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c.padStart(12)}`),
    `  measured: ${(interval.logsBytes / interval.nodes / 1024).toFixed(1)} KiB of EMF per node-interval, ${interval.enrichMsPerRecord.toFixed(3)} ms enrich+encode per node record`,
    '',
  ].join('\n');
}

function toCount(text: string | undefined, flag: string, min: number, max: number): number {
  if (text === undefined) throw new ConfigError(`${flag} is required (see kinsight cost --help)`);
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${flag} must be an integer ${min}..${max}, got "${text}"`);
  return n;
}

/** `kinsight cost`: the monthly cost of a fleet under a declaration profile. */
export const costCommand: Command = {
  summary: 'Estimate custom metrics, Logs bytes and pipeline cost per month for a fleet and profile',
  usage: USAGE,
  run: async (argv, io) => {
    const values = parseFlags('cost', argv, { nodes: { type: 'string' }, 'pods-per-node': { type: 'string' }, profile: { type: 'string' }, interval: { type: 'string' }, json: { type: 'boolean' } });
    const nodes = toCount(values.nodes, '--nodes', 1, 20_000);
    const pods = toCount(values['pods-per-node'], '--pods-per-node', 0, 250);
    const intervalSeconds = values.interval === undefined ? 60 : toCount(values.interval, '--interval', 10, 3600);
    const profile = parseProfileName(values.profile ?? DEFAULT_PROFILE_NAME);
    if (!profile.ok) throw new ConfigError(`--profile: ${profile.error}`);
    const interval = toFleetInterval(nodes, pods, profile.value, intervalSeconds);
    const cost = toMonthlyCost(interval);
    io.stdout(values.json ? `${JSON.stringify({ profile: profile.value.name, podsPerNode: pods, interval, cost }, null, 2)}\n` : toCostReport(profile.value.name, pods, interval, cost));
    return 0;
  },
};

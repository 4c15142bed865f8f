import { KINESIS_SHARD_WRITE_BYTES_PER_SECOND, KINESIS_SHARD_WRITE_RECORDS_PER_SECOND } from './limits';

/**
 * The monthly cost model of a fleet: CloudWatch (custom metrics, Logs ingestion) and the pipeline
 * itself (Kinesis on-demand or provisioned, Lambda under the event source's batching, DynamoDB
 * on-demand). Pure arithmetic on measured inputs (bytes and counts from the real encoder, see
 * `kinsight cost`) and the price constants below.
 *
 * Every price is us-east-1, USD, list price without free tier. Sources and dates are given per
 * constant; "recalled" means taken from the public pricing page as remembered by the author on
 * 2026-11-24 without a fresh check: verify before quoting a figure.
 */

/** Hours in the average month (730 = 8760 / 12), the convention of AWS pricing pages. */
export const HOURS_PER_MONTH = 730;
/** Seconds in the average month. */
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;

/**
 * CloudWatch custom metrics, per metric-month, by tier: first 10,000, next 240,000, next 750,000, over 1,000,000.
 * @see https://aws.amazon.com/cloudwatch/pricing/ (first tier $0.30 also in reference/anchors.md §3.5; lower tiers recalled, 2026-11-24)
 */
export const CUSTOM_METRIC_TIERS: readonly { upTo: number; usdPerMetric: number }[] = [
  { upTo: 10_000, usdPerMetric: 0.3 },
  { upTo: 250_000, usdPerMetric: 0.1 },
  { upTo: 1_000_000, usdPerMetric: 0.05 },
  { upTo: Number.POSITIVE_INFINITY, usdPerMetric: 0.02 },
];

/**
 * CloudWatch Logs ingestion, Standard class, per GB.
 * @see https://aws.amazon.com/cloudwatch/pricing/ (reference/anchors.md §3.5, third-party summaries, 2026)
 */
export const LOGS_INGESTION_USD_PER_GB = 0.5;

/**
 * Kinesis Data Streams on-demand: per stream-hour, per GB written (each record rounded up to 1 KiB), per GB read.
 * An on-demand stream starts with the write capacity of 4 shards (4 MiB/s), which is what the event
 * source reads in parallel.
 * @see https://aws.amazon.com/kinesis/data-streams/pricing/ (1 KiB rounding read on the page 2026-11-24; the three prices recalled)
 */
export const KINESIS_ON_DEMAND = { usdPerStreamHour: 0.04, usdPerGbIn: 0.08, usdPerGbOut: 0.04, recordRoundingBytes: 1024, shards: 4 } as const;

/**
 * Kinesis Data Streams provisioned: per shard-hour and per million PUT payload units (each record
 * counts one unit per started 25 KiB); reading by a standard consumer (the Lambda event source) is free.
 * @see https://aws.amazon.com/kinesis/data-streams/pricing/ (25 KB units read on the page 2026-12-03; the two prices recalled)
 */
export const KINESIS_PROVISIONED = { usdPerShardHour: 0.015, usdPerMillionPutUnits: 0.014, putUnitBytes: 25 * 1024 } as const;

/**
 * Share of a provisioned shard's write capacity (1 MiB/s, 1,000 records/s) the recommended shard
 * count fills on average: agents that start together (a DaemonSet rollout) send in step, and after a
 * Kinesis outage they send their backlog on top of the current records, so a shard needs headroom.
 */
export const PROVISIONED_TARGET_UTILIZATION = 0.25;

/**
 * The enricher's event source as the CDK app configures it (cdk/lib/constructs/enricher.ts; a test
 * holds the two equal): records per invocation at most, seconds it waits to fill a batch, batches
 * per shard at once.
 */
export const ENRICHER_EVENT_SOURCE = { batchSize: 200, batchingWindowSeconds: 5, parallelizationFactor: 2 } as const;

/** The enricher's memory in the CDK app, MB (a test holds it equal). */
export const ENRICHER_MEMORY_MB = 1024;

/**
 * Lambda, arm64: per million requests and per GB-second.
 * @see https://aws.amazon.com/lambda/pricing/ (recalled, 2026-11-24)
 */
export const LAMBDA_ARM64 = { usdPerMillionRequests: 0.2, usdPerGbSecond: 0.0000133334 } as const;

/**
 * DynamoDB on-demand after the November 2024 price reduction: per million read and write request units.
 * @see https://aws.amazon.com/dynamodb/pricing/on-demand/ (figures confirmed by a third-party summary, airbyte.com, July 2025)
 */
export const DYNAMODB_ON_DEMAND = { usdPerMillionRru: 0.125, usdPerMillionWru: 0.625 } as const;

const GB = 1024 ** 3;

/** What one collection interval of the fleet produces, measured by running the real code. */
export interface FleetInterval {
  nodes: number;
  /** Seconds between two records of a node. */
  intervalSeconds: number;
  /** Unique (metric name, dimension names and values) combinations published per interval. */
  customMetrics: number;
  /** EMF bytes written to CloudWatch Logs per interval (message bytes; PutLogEvents overhead is not billed). */
  logsBytes: number;
  /** Compressed agent record bytes per interval (what Kinesis ingests). */
  recordBytes: number;
  /** Average compressed record size, for the 1 KiB rounding. */
  averageRecordBytes: number;
  /** Measured enricher CPU time per node record, ms. */
  enrichMsPerRecord: number;
  /** Compressed metadata document size per node, bytes. */
  metadataItemBytes: number;
}

/** How the Kinesis stream is billed. */
export type StreamMode = 'on-demand' | 'provisioned';

/** Pipeline settings the cost depends on. */
export interface PipelineSettings {
  /**
   * Enricher memory.
   * @default ENRICHER_MEMORY_MB (1024)
   */
  lambdaMemoryMb?: number;
  /**
   * Records per enricher invocation at most (the event source batch size).
   * @default ENRICHER_EVENT_SOURCE.batchSize (200)
   */
  batchSize?: number;
  /**
   * Batching window of the event source, seconds (0: Lambda's polling, about once a second).
   * @default ENRICHER_EVENT_SOURCE.batchingWindowSeconds (5)
   */
  batchingWindowSeconds?: number;
  /**
   * Batches the event source runs at once per shard, each over its share of the partition keys.
   * @default ENRICHER_EVENT_SOURCE.parallelizationFactor (2)
   */
  parallelizationFactor?: number;
  /**
   * Capacity mode of the stream.
   * @default 'on-demand'
   */
  streamMode?: StreamMode;
  /**
   * Shards of a provisioned stream.
   * @default the recommended count, {@link toProvisionedShards}
   */
  shards?: number;
  /**
   * Fixed time per invocation besides the per-record work (PutLogEvents round trips, BatchGetItem), ms.
   * @default 60
   */
  invocationOverheadMs?: number;
  /**
   * Metadata cache TTL of the enricher, seconds: one read per node per TTL.
   * @default 30
   */
  metadataCacheSeconds?: number;
  /**
   * Fraction of intervals in which a node's metadata document changes and is written by the poller.
   * @default 1 (worst case: every minute)
   */
  metadataWriteFraction?: number;
}

/** The monthly Kinesis bill of one capacity mode. */
export interface KinesisCost {
  mode: StreamMode;
  /** Shards the stream runs on (on-demand: the 4 of its starting capacity). */
  shards: number;
  /** Stream-hours or shard-hours. */
  hourlyUsd: number;
  /** Data in and out (on-demand) or PUT payload units (provisioned). */
  dataUsd: number;
  usd: number;
}

/** Monthly figures, USD unless named otherwise. */
export interface MonthlyCost {
  customMetrics: number;
  customMetricsUsd: number;
  logsGb: number;
  logsUsd: number;
  kinesis: KinesisCost;
  kinesisUsd: number;
  lambdaInvocations: number;
  /** Average records per enricher invocation. */
  recordsPerInvocation: number;
  lambdaUsd: number;
  dynamodbUsd: number;
  /** Kinesis + Lambda + DynamoDB. */
  pipelineUsd: number;
  /** Everything. */
  totalUsd: number;
  perNodeUsd: number;
}

/** Monthly price of a number of custom metrics under the tiers. */
export function toCustomMetricsUsd(metrics: number, tiers = CUSTOM_METRIC_TIERS): number {
  let usd = 0;
  let from = 0;
  for (const tier of tiers) {
    const inTier = Math.max(0, Math.min(metrics, tier.upTo) - from);
    usd += inTier * tier.usdPerMetric;
    from = tier.upTo;
    if (metrics <= tier.upTo) break;
  }
  return usd;
}

const recordsPerSecond = (interval: FleetInterval): number => interval.nodes / interval.intervalSeconds;

/**
 * Shards a provisioned stream needs for the fleet: its average write rate (bytes and records) at
 * {@link PROVISIONED_TARGET_UTILIZATION} of a shard's capacity, at least one.
 * @see https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
 */
export function toProvisionedShards(interval: FleetInterval): number {
  const bytesPerSecond = recordsPerSecond(interval) * interval.averageRecordBytes;
  const byBytes = bytesPerSecond / (KINESIS_SHARD_WRITE_BYTES_PER_SECOND * PROVISIONED_TARGET_UTILIZATION);
  const byRecords = recordsPerSecond(interval) / (KINESIS_SHARD_WRITE_RECORDS_PER_SECOND * PROVISIONED_TARGET_UTILIZATION);
  return Math.max(1, Math.ceil(Math.max(byBytes, byRecords)));
}

/** The monthly Kinesis bill of the fleet in one capacity mode (provisioned: `shards`, default the recommended count). */
export function toKinesisCost(interval: FleetInterval, mode: StreamMode, shards?: number): KinesisCost {
  const recordsPerMonth = recordsPerSecond(interval) * SECONDS_PER_MONTH;
  if (mode === 'on-demand') {
    const billedRecordBytes = Math.ceil(interval.averageRecordBytes / KINESIS_ON_DEMAND.recordRoundingBytes) * KINESIS_ON_DEMAND.recordRoundingBytes;
    const hourlyUsd = KINESIS_ON_DEMAND.usdPerStreamHour * HOURS_PER_MONTH;
    const dataUsd = ((recordsPerMonth * billedRecordBytes) / GB) * KINESIS_ON_DEMAND.usdPerGbIn + ((recordsPerMonth * interval.averageRecordBytes) / GB) * KINESIS_ON_DEMAND.usdPerGbOut;
    return { mode, shards: KINESIS_ON_DEMAND.shards, hourlyUsd, dataUsd, usd: hourlyUsd + dataUsd };
  }
  const count = shards ?? toProvisionedShards(interval);
  const hourlyUsd = count * KINESIS_PROVISIONED.usdPerShardHour * HOURS_PER_MONTH;
  const unitsPerRecord = Math.max(1, Math.ceil(interval.averageRecordBytes / KINESIS_PROVISIONED.putUnitBytes));
  const dataUsd = ((recordsPerMonth * unitsPerRecord) / 1e6) * KINESIS_PROVISIONED.usdPerMillionPutUnits;
  return { mode, shards: count, hourlyUsd, dataUsd, usd: hourlyUsd + dataUsd };
}

/**
 * Enricher invocations per month under the event source's batching. The event source reads each
 * shard with `parallelizationFactor` batchers (a lane each, over its share of the partition keys,
 * one per node) and invokes a lane's function when its window ends with records gathered, or sooner
 * when a batch is full. Agents send at independent moments, so the records a lane gathers in a
 * window are a Poisson count of mean `λ = records/s x window / lanes`: a window brings an invocation
 * with probability `1 - e^-λ`, and a full lane `λ / batchSize` of them.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html (batching window, parallelization factor)
 */
export function toEnricherInvocations(interval: FleetInterval, shards: number, settings: PipelineSettings = {}): number {
  const batchSize = settings.batchSize ?? ENRICHER_EVENT_SOURCE.batchSize;
  const windowSeconds = Math.max(1, settings.batchingWindowSeconds ?? ENRICHER_EVENT_SOURCE.batchingWindowSeconds);
  const lanes = shards * (settings.parallelizationFactor ?? ENRICHER_EVENT_SOURCE.parallelizationFactor);
  const lambda = (recordsPerSecond(interval) * windowSeconds) / lanes;
  const perLaneAndWindow = Math.max(1 - Math.exp(-lambda), lambda / batchSize);
  return lanes * (SECONDS_PER_MONTH / windowSeconds) * perLaneAndWindow;
}

/** The monthly cost of a fleet from one measured interval. */
export function toMonthlyCost(interval: FleetInterval, settings: PipelineSettings = {}): MonthlyCost {
  const memoryGb = (settings.lambdaMemoryMb ?? ENRICHER_MEMORY_MB) / 1024;
  const overheadMs = settings.invocationOverheadMs ?? 60;
  const cacheSeconds = settings.metadataCacheSeconds ?? 30;
  const intervalsPerMonth = SECONDS_PER_MONTH / interval.intervalSeconds;
  const recordsPerMonth = interval.nodes * intervalsPerMonth;

  const logsGb = (interval.logsBytes * intervalsPerMonth) / GB;
  const logsUsd = logsGb * LOGS_INGESTION_USD_PER_GB;
  const customMetricsUsd = toCustomMetricsUsd(interval.customMetrics);

  const kinesis = toKinesisCost(interval, settings.streamMode ?? 'on-demand', settings.shards);
  const lambdaInvocations = recordsPerMonth > 0 ? toEnricherInvocations(interval, kinesis.shards, settings) : 0;
  const lambdaSeconds = (lambdaInvocations * overheadMs + recordsPerMonth * interval.enrichMsPerRecord) / 1000;
  const lambdaUsd = (lambdaInvocations / 1e6) * LAMBDA_ARM64.usdPerMillionRequests + lambdaSeconds * memoryGb * LAMBDA_ARM64.usdPerGbSecond;

  const readsPerMonth = interval.nodes * (SECONDS_PER_MONTH / Math.max(cacheSeconds, interval.intervalSeconds / 2));
  // BatchGetItem reads are eventually consistent: half a unit per 4 KB.
  const rruPerRead = Math.ceil(interval.metadataItemBytes / 4096) / 2;
  const writesPerMonth = interval.nodes * intervalsPerMonth * (settings.metadataWriteFraction ?? 1);
  const wruPerWrite = Math.ceil(interval.metadataItemBytes / 1024);
  const dynamodbUsd =
    ((readsPerMonth * rruPerRead) / 1e6) * DYNAMODB_ON_DEMAND.usdPerMillionRru + ((writesPerMonth * wruPerWrite) / 1e6) * DYNAMODB_ON_DEMAND.usdPerMillionWru;

  const pipelineUsd = kinesis.usd + lambdaUsd + dynamodbUsd;
  const totalUsd = pipelineUsd + logsUsd + customMetricsUsd;
  return {
    customMetrics: interval.customMetrics,
    customMetricsUsd,
    logsGb,
    logsUsd,
    kinesis,
    kinesisUsd: kinesis.usd,
    lambdaInvocations,
    recordsPerInvocation: lambdaInvocations > 0 ? recordsPerMonth / lambdaInvocations : 0,
    lambdaUsd,
    dynamodbUsd,
    pipelineUsd,
    totalUsd,
    perNodeUsd: interval.nodes > 0 ? totalUsd / interval.nodes : 0,
  };
}

/** Which capacity mode costs less for the fleet, with both bills. */
export interface StreamRecommendation {
  onDemand: KinesisCost;
  provisioned: KinesisCost;
  recommended: StreamMode;
  /** What the recommended mode saves a month against the other. */
  savingUsd: number;
}

/**
 * Prices the stream both ways (provisioned at the recommended shard count) and recommends the
 * cheaper. On-demand follows growth without a change to the fleet file; provisioned needs its shard
 * count raised as the fleet grows past what {@link toProvisionedShards} gave it.
 */
export function toStreamRecommendation(interval: FleetInterval): StreamRecommendation {
  const onDemand = toKinesisCost(interval, 'on-demand');
  const provisioned = toKinesisCost(interval, 'provisioned');
  const recommended: StreamMode = provisioned.usd < onDemand.usd ? 'provisioned' : 'on-demand';
  return { onDemand, provisioned, recommended, savingUsd: Math.abs(onDemand.usd - provisioned.usd) };
}

/**
 * Custom metrics per node above which `kinsight cost` and `cdk synth` warn: about $30 per node-month
 * at the first tier. Classic gives 64 per node on the simulated reference cluster (50 nodes x 30
 * pods, Deployments of 10), enhanced about 1,200.
 */
export const DEFAULT_METRICS_PER_NODE_WARNING = 100;

/**
 * The warning for a profile whose custom metrics per node pass `threshold`, with its monthly figure;
 * undefined below it.
 */
export function toCustomMetricsWarning(profile: string, interval: Pick<FleetInterval, 'nodes' | 'customMetrics'>, threshold = DEFAULT_METRICS_PER_NODE_WARNING): string | undefined {
  const perNode = interval.nodes > 0 ? interval.customMetrics / interval.nodes : 0;
  if (perNode <= threshold) return undefined;
  const usd = toCustomMetricsUsd(interval.customMetrics);
  const money = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return (
    `profile ${profile} publishes ${Math.round(perNode).toLocaleString('en-US')} custom metrics per node (warning above ${threshold}): ` +
    `${interval.customMetrics.toLocaleString('en-US')} for ${interval.nodes.toLocaleString('en-US')} nodes cost ${money(usd)} a month, ${money(usd / interval.nodes)} per node-month, in custom metrics alone`
  );
}

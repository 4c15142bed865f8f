/**
 * The monthly cost model of a fleet: CloudWatch (custom metrics, Logs ingestion) and the pipeline
 * itself (Kinesis on-demand, Lambda, DynamoDB on-demand). Pure arithmetic on measured inputs (bytes
 * and counts from the real encoder, see `kinsight cost`) and the price constants below.
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
 * @see https://aws.amazon.com/kinesis/data-streams/pricing/ (1 KiB rounding read on the page 2026-11-24; the three prices recalled)
 */
export const KINESIS_ON_DEMAND = { usdPerStreamHour: 0.04, usdPerGbIn: 0.08, usdPerGbOut: 0.04, recordRoundingBytes: 1024 } as const;

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

/** Pipeline settings the cost depends on. */
export interface PipelineSettings {
  /**
   * Enricher memory.
   * @default 1024
   */
  lambdaMemoryMb?: number;
  /**
   * Records per enricher invocation at most (the event source batch size).
   * @default 200
   */
  batchSize?: number;
  /**
   * Batching window of the event source, seconds.
   * @default 5
   */
  batchingWindowSeconds?: number;
  /**
   * Kinesis shards the on-demand stream runs on (on-demand starts at 4).
   * @default 4
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

/** Monthly figures, USD unless named otherwise. */
export interface MonthlyCost {
  customMetrics: number;
  customMetricsUsd: number;
  logsGb: number;
  logsUsd: number;
  kinesisUsd: number;
  lambdaInvocations: number;
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

/** The monthly cost of a fleet from one measured interval. */
export function toMonthlyCost(interval: FleetInterval, settings: PipelineSettings = {}): MonthlyCost {
  const memoryGb = (settings.lambdaMemoryMb ?? 1024) / 1024;
  const batchSize = settings.batchSize ?? 200;
  const window = settings.batchingWindowSeconds ?? 5;
  const shards = settings.shards ?? 4;
  const overheadMs = settings.invocationOverheadMs ?? 60;
  const cacheSeconds = settings.metadataCacheSeconds ?? 30;
  const intervalsPerMonth = SECONDS_PER_MONTH / interval.intervalSeconds;
  const recordsPerMonth = interval.nodes * intervalsPerMonth;

  const logsGb = (interval.logsBytes * intervalsPerMonth) / GB;
  const logsUsd = logsGb * LOGS_INGESTION_USD_PER_GB;
  const customMetricsUsd = toCustomMetricsUsd(interval.customMetrics);

  const billedRecordBytes = Math.ceil(interval.averageRecordBytes / KINESIS_ON_DEMAND.recordRoundingBytes) * KINESIS_ON_DEMAND.recordRoundingBytes;
  const kinesisUsd =
    KINESIS_ON_DEMAND.usdPerStreamHour * HOURS_PER_MONTH +
    ((recordsPerMonth * billedRecordBytes) / GB) * KINESIS_ON_DEMAND.usdPerGbIn +
    ((recordsPerMonth * interval.averageRecordBytes) / GB) * KINESIS_ON_DEMAND.usdPerGbOut;

  // One invocation per shard per batching window while records keep arriving, more when batches fill up.
  const recordsPerWindowPerShard = (interval.nodes / interval.intervalSeconds) * window / shards;
  const perInvocation = Math.max(1, Math.min(batchSize, recordsPerWindowPerShard));
  const lambdaInvocations = recordsPerMonth / perInvocation;
  const lambdaSeconds = (lambdaInvocations * overheadMs + recordsPerMonth * interval.enrichMsPerRecord) / 1000;
  const lambdaUsd = (lambdaInvocations / 1e6) * LAMBDA_ARM64.usdPerMillionRequests + lambdaSeconds * memoryGb * LAMBDA_ARM64.usdPerGbSecond;

  const readsPerMonth = interval.nodes * (SECONDS_PER_MONTH / Math.max(cacheSeconds, interval.intervalSeconds / 2));
  // BatchGetItem reads are eventually consistent: half a unit per 4 KB.
  const rruPerRead = Math.ceil(interval.metadataItemBytes / 4096) / 2;
  const writesPerMonth = interval.nodes * intervalsPerMonth * (settings.metadataWriteFraction ?? 1);
  const wruPerWrite = Math.ceil(interval.metadataItemBytes / 1024);
  const dynamodbUsd =
    ((readsPerMonth * rruPerRead) / 1e6) * DYNAMODB_ON_DEMAND.usdPerMillionRru + ((writesPerMonth * wruPerWrite) / 1e6) * DYNAMODB_ON_DEMAND.usdPerMillionWru;

  const pipelineUsd = kinesisUsd + lambdaUsd + dynamodbUsd;
  const totalUsd = pipelineUsd + logsUsd + customMetricsUsd;
  return {
    customMetrics: interval.customMetrics,
    customMetricsUsd,
    logsGb,
    logsUsd,
    kinesisUsd,
    lambdaInvocations,
    lambdaUsd,
    dynamodbUsd,
    pipelineUsd,
    totalUsd,
    perNodeUsd: interval.nodes > 0 ? totalUsd / interval.nodes : 0,
  };
}

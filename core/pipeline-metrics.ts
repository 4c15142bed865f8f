/**
 * The pipeline's own health metrics: the contract between the code that publishes them (the
 * enricher and the poller, as EMF lines on stdout that Lambda turns into metrics) and what reads
 * them (the CDK app's alarms and dashboard, `kinsight doctor`). Every name is defined here once.
 * These are not Container Insights metrics: they live in their own namespace.
 */

/** The CloudWatch namespace of the pipeline metrics. */
export const PIPELINE_NAMESPACE = 'kinsight';

/** The enricher's per-invocation counters: summary member -> metric name (no dimension). */
export const ENRICHER_METRICS = {
  records: 'EnricherRecords',
  poison: 'EnricherPoison',
  failedRecords: 'EnricherFailedRecords',
  eventsWritten: 'EnricherEventsWritten',
  eventsDroppedTooOld: 'EnricherEventsDroppedTooOld',
  eventsDroppedTooNew: 'EnricherEventsDroppedTooNew',
  eventsDroppedTooLarge: 'EnricherEventsDroppedTooLarge',
  eventsRejected: 'EnricherEventsRejected',
  streamsFailed: 'EnricherStreamsFailed',
  throttleRetries: 'EnricherThrottleRetries',
  nodesWithoutMetadata: 'EnricherNodesWithoutMetadata',
  podsWithoutMetadata: 'EnricherPodsWithoutMetadata',
  containersWithoutMetadata: 'EnricherContainersWithoutMetadata',
} as const;

/** The dimension of the poller's per-cluster metrics. */
export const POLLER_CLUSTER_DIMENSION = 'Cluster';

/** The poller's per-cluster metrics (dimension {@link POLLER_CLUSTER_DIMENSION}). */
export const POLLER_METRICS = {
  /** 1 for each poll of the cluster that failed. */
  failures: 'PollFailures',
  /** 1 for each poll of the cluster that succeeded (`kinsight doctor` reads the poller's last success). */
  successes: 'PollSuccesses',
  /** 1 for each poll of the cluster cut short by the invocation's deadline (it wrote what it had). */
  partial: 'PollPartial',
  /** 1 for each poll whose node count needs more memory than its poller function has (core/poller-sizing.ts). */
  undersized: 'PollUndersized',
} as const;

/**
 * The agents' own figures, which the enricher publishes from the `agent` member of each record whose
 * signature it verified (agent member -> metric name): each value is the record's own figure (a
 * count since the agent's previous record for drops and retries, a level for the rest), so a sum
 * over 5 minutes is what the fleet's agents dropped or retried in 5 minutes. The CDK app reads them
 * whatever their dimensions (Metrics Insights `FROM "kinsight"`): a per-cluster dimension would cost
 * one custom metric per cluster and name.
 */
export const AGENT_METRICS = {
  /** Records the agent dropped (buffer full, or rejected by Kinesis for good): data lost. Unit Count. */
  recordsDropped: 'AgentRecordsDropped',
  /** PutRecords entries the agent sent again. Unit Count. */
  retries: 'AgentRetries',
  /** Records waiting in the agent's buffer when it wrote this one. Unit Count. */
  bufferedRecords: 'AgentBufferedRecords',
  /** Time the agent took to collect this record. Unit Milliseconds. */
  collectionMs: 'AgentCollectionMs',
  /** Resident set size of the agent process. Unit Bytes. */
  rssBytes: 'AgentRssBytes',
} as const;

/**
 * Records the enricher refused because their signature did not verify, their cluster has no key
 * secret, or they came unsigned while signatures are required (docs/operations.md, threat model).
 * Published without a dimension: a forged cluster name must not mint a metric of its own.
 */
export const ENRICHER_UNVERIFIED_METRIC = 'EnricherUnverified';

/** Every metric name the pipeline publishes. */
export const PIPELINE_METRIC_NAMES: readonly string[] = [...Object.values(ENRICHER_METRICS), ...Object.values(POLLER_METRICS)];

/**
 * One EMF line that publishes `values` (all unit Count) in the pipeline namespace under one
 * dimension set made of `dimensions` (none: `[[]]`). `extra` members are logged with the line but
 * published as nothing (a reason, for example).
 */
export function toPipelineMetricsLine(values: Readonly<Record<string, number>>, dimensions: Readonly<Record<string, string>>, nowMs: number, extra: Readonly<Record<string, string>> = {}): string {
  const names = Object.keys(values);
  const doc: Record<string, unknown> = { ...extra, ...dimensions, ...values };
  doc._aws = {
    Timestamp: nowMs,
    CloudWatchMetrics: [{ Namespace: PIPELINE_NAMESPACE, Dimensions: [Object.keys(dimensions)], Metrics: names.map((Name) => ({ Name, Unit: 'Count' })) }],
  };
  return JSON.stringify(doc);
}

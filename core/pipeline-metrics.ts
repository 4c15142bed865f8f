/**
 * The pipeline's own health metrics: the contract between the code that publishes them (the
 * enricher and the poller, as EMF lines on stdout that Lambda turns into metrics) and what reads
 * them (the CDK app's alarms and dashboard, `kinsight doctor`). Every name is defined here once.
 * These are not Container Insights metrics: they live in their own namespace.
 */

/** The CloudWatch namespace of the pipeline metrics. */
export const PIPELINE_NAMESPACE = 'kinsight';

/**
 * Records the enricher refused because their signature did not verify, their cluster has no key
 * secret, or they came unsigned while signatures are required (docs/operations.md, threat model).
 * Published without a dimension: a forged cluster name must not mint a metric of its own.
 */
export const ENRICHER_UNVERIFIED_METRIC = 'EnricherUnverified';

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
  /** Records whose signature did not verify, that carried none, or whose cluster has no key in the fleet (also counted in poison). */
  unverified: ENRICHER_UNVERIFIED_METRIC,
  /** Log streams CloudWatch Logs refused for good (access denied, invalid, group missing): their records are acknowledged and counted in poison. */
  streamsRejected: 'EnricherStreamsRejected',
  /** Pods neither the node's document nor the agent names. */
  podsWithoutIdentity: 'EnricherPodsWithoutIdentity',
  /** Pods whose labels were cut to the per-event budget. */
  podsWithLabelsCut: 'EnricherPodsWithLabelsCut',
  /** Re-delivered records this instance had already written (skipped, not written twice). */
  recordsAlreadyWritten: 'EnricherRecordsAlreadyWritten',
} as const;

/**
 * The agents' own figures (each record's `agent` member), published by the enricher per invocation:
 * summary member -> metric name and unit (no dimension). Drops and retries are summed over the
 * invocation's records (each record carries its agent's increase over one cycle); the others are
 * the largest value among them, to be read with the Maximum statistic.
 */
export const AGENT_METRICS = {
  agentRecordsDropped: { name: 'AgentRecordsDropped', unit: 'Count' },
  agentRetries: { name: 'AgentRetries', unit: 'Count' },
  agentBufferedRecords: { name: 'AgentBufferedRecords', unit: 'Count' },
  agentCollectionMs: { name: 'AgentCollectionMs', unit: 'Milliseconds' },
  agentRssBytes: { name: 'AgentRssBytes', unit: 'Bytes' },
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
  /** Node documents of the poll cut down to fit a table item (labels, pod detail or pods left out; the warning names the pods). */
  documentsCut: 'PollDocumentsCut',
  /** Node documents of the poll DynamoDB refused on their own (the others were written). */
  documentsRejected: 'PollDocumentsRejected',
} as const;

/** Every metric name the pipeline publishes. */
export const PIPELINE_METRIC_NAMES: readonly string[] = [...Object.values(ENRICHER_METRICS), ...Object.values(AGENT_METRICS).map((m) => m.name), ...Object.values(POLLER_METRICS)];

/**
 * One EMF line that publishes `values` in the pipeline namespace under one dimension set made of
 * `dimensions` (none: `[[]]`), each in the unit `units` gives it (default Count). `extra` members are
 * logged with the line but published as nothing (a reason, for example).
 */
export function toPipelineMetricsLine(
  values: Readonly<Record<string, number>>,
  dimensions: Readonly<Record<string, string>>,
  nowMs: number,
  extra: Readonly<Record<string, string>> = {},
  units: Readonly<Record<string, string>> = {},
): string {
  const names = Object.keys(values);
  const doc: Record<string, unknown> = { ...extra, ...dimensions, ...values };
  doc._aws = {
    Timestamp: nowMs,
    CloudWatchMetrics: [{ Namespace: PIPELINE_NAMESPACE, Dimensions: [Object.keys(dimensions)], Metrics: names.map((Name) => ({ Name, Unit: units[Name] ?? 'Count' })) }],
  };
  return JSON.stringify(doc);
}

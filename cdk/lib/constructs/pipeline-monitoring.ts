import {
  Duration,
  aws_cloudwatch as cloudwatch,
  type aws_kinesis as kinesis,
  type aws_lambda as lambda,
  type aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DEFAULT_AGENT_RESOURCES } from '../../../core/agent-manifest';
import { parseBytes } from '../../../core/quantity';
import { AGENT_METRICS, ENRICHER_METRICS, ENRICHER_UNVERIFIED_METRIC, PIPELINE_NAMESPACE, POLLER_CLUSTER_DIMENSION, POLLER_METRICS } from '../../../core/pipeline-metrics';

/** Props of {@link PipelineMonitoring}. */
export interface PipelineMonitoringProps {
  /** The agents' stream. */
  readonly stream: kinesis.IStream;
  /** The enricher function. */
  readonly enricher: lambda.IFunction;
  /** The enricher's on-failure destination. */
  readonly failureQueue: sqs.IQueue;
  /** Every poller function (of every cluster group, network and memory size). */
  readonly pollers: readonly lambda.IFunction[];
  /**
   * Alarm when the enricher's oldest unread record is older than this.
   * @default Duration.minutes(5)
   */
  readonly maxIteratorAge?: Duration;
  /**
   * Alarm when a cluster has this many failed polls within 5 minutes.
   * @default 3
   */
  readonly pollerFailuresThreshold?: number;
  /**
   * Alarm when a cluster has this many polls cut short by the deadline within 5 minutes.
   * @default 3
   */
  readonly pollerPartialThreshold?: number;
  /**
   * Alarm when the fleet's agents dropped this many records within 5 minutes.
   * @default 1 (a dropped record is lost data)
   */
  readonly agentDropsThreshold?: number;
  /**
   * Alarm when the enricher refused this many records for their signature within 5 minutes.
   * @default 1 (no legitimate agent sends one: a misconfigured agent, or a forgery)
   */
  readonly unverifiedThreshold?: number;
  /**
   * Clusters listed in the dashboard's "worst clusters" graphs.
   * @default 10
   */
  readonly worstClusters?: number;
  /**
   * Name of the dashboard.
   * @default 'kinsight-pipeline'
   */
  readonly dashboardName?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

const memoryLimit = parseBytes(DEFAULT_AGENT_RESOURCES.limits.memory);
/** The agent container's default memory limit, drawn on the agents' memory graph. */
const AGENT_MEMORY_LIMIT_BYTES = memoryLimit.ok ? memoryLimit.value : 0;

/** The enricher's per-invocation counters (EMF, namespace `kinsight`, no dimension; lambdas/enricher/create-handler.ts). */
const ENRICHER_COUNTERS = {
  records: [ENRICHER_METRICS.poison, ENRICHER_METRICS.failedRecords],
  events: [ENRICHER_METRICS.eventsWritten, ENRICHER_METRICS.eventsDroppedTooOld, ENRICHER_METRICS.eventsDroppedTooNew, ENRICHER_METRICS.eventsRejected],
  metadata: [ENRICHER_METRICS.nodesWithoutMetadata, ENRICHER_METRICS.podsWithoutMetadata, ENRICHER_METRICS.containersWithoutMetadata],
} as const;

/**
 * A CloudWatch Metrics Insights query over a per-cluster poller metric: the fleet's sum, or with
 * `groupByCluster` one series per cluster, largest first (at most `limit` of them).
 */
export function toClusterQuery(metricName: string, options: { groupByCluster?: boolean; limit?: number } = {}): string {
  const from = `SELECT SUM(${metricName}) FROM SCHEMA("${PIPELINE_NAMESPACE}", ${POLLER_CLUSTER_DIMENSION})`;
  if (!options.groupByCluster) return from;
  return `${from} GROUP BY ${POLLER_CLUSTER_DIMENSION} ORDER BY SUM() DESC${options.limit ? ` LIMIT ${options.limit}` : ''}`;
}

/**
 * A CloudWatch Metrics Insights query over a pipeline metric, whatever its dimensions: one series,
 * the statistic over every metric of that name in the namespace.
 */
export function toFleetQuery(metricName: string, statistic: 'SUM' | 'MAX' | 'AVG' = 'SUM'): string {
  return `SELECT ${statistic}(${metricName}) FROM "${PIPELINE_NAMESPACE}"`;
}

/**
 * Alarms on the pipeline's own health (enricher iterator age, errors and throttles, failure-queue
 * depth, failed and cut-short polls of any cluster, records the agents dropped, records refused
 * for their signature) and a CloudWatch dashboard of it, the agents' own figures included. Their number
 * does not grow with the fleet: the per-cluster poller metrics are read by Metrics Insights queries,
 * the alarms on them evaluate each cluster as a contributor (the alarm names the clusters in ALARM),
 * and the dashboard sums them over the fleet and lists the worst clusters. Alarms carry no action:
 * subscribe them to a topic where the operator wants pages.
 */
export class PipelineMonitoring extends Construct {
  /** Every alarm, for wiring actions. */
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The dashboard. */
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string, evaluationPeriods = 1): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `kinsight: ${description}`,
      });
      this.alarms.push(created);
      return created;
    };
    const maxAge = props.maxIteratorAge ?? FIVE_MINUTES;
    const iteratorAge = props.enricher.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) });
    const errors = props.enricher.metricErrors({ period: FIVE_MINUTES });
    const throttles = props.enricher.metricThrottles({ period: FIVE_MINUTES });
    const depth = props.failureQueue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' });
    alarm('IteratorAge', iteratorAge, maxAge.toMilliseconds(), `enricher is more than ${maxAge.toHumanString()} behind the stream`, 3);
    alarm('EnricherErrors', errors, 1, 'enricher invocations failed (batches are retried, then sent to the failure queue)');
    alarm('EnricherThrottles', throttles, 1, 'enricher invocations were throttled (raise its concurrency)');
    alarm('FailureQueueDepth', depth, 1, 'batches exhausted their retries: their records were not written (see the failure queue)');

    // One alarm for every cluster: each cluster is a contributor evaluated on its own, and the alarm
    // lists those in ALARM (console, or aws cloudwatch describe-alarm-contributors --alarm-name ...).
    const byCluster = (metricName: string) => new cloudwatch.MathExpression({ expression: toClusterQuery(metricName, { groupByCluster: true }), period: FIVE_MINUTES, label: metricName });
    const failuresThreshold = props.pollerFailuresThreshold ?? 3;
    const partialThreshold = props.pollerPartialThreshold ?? 3;
    alarm(
      'PollerFailures',
      byCluster(POLLER_METRICS.failures),
      failuresThreshold,
      `polls of a cluster are failing (${failuresThreshold} or more within 5 minutes); the alarm's contributors name the clusters (dimension ${POLLER_CLUSTER_DIMENSION}), the poller's "poll failed" log line the reason`,
    );
    alarm(
      'PollerPartial',
      byCluster(POLLER_METRICS.partial),
      partialThreshold,
      `polls of a cluster are cut short by the invocation deadline (${partialThreshold} or more within 5 minutes): their node documents are not all written; the contributors name the clusters; give them more poller memory (fleet file: clusters[].nodes)`,
    );

    // The agents' figures and the refused records, read whatever dimensions the enricher gives them.
    const fleetWide = (metricName: string, label: string, statistic: 'SUM' | 'MAX' | 'AVG' = 'SUM') =>
      new cloudwatch.MathExpression({ expression: toFleetQuery(metricName, statistic), period: FIVE_MINUTES, label });
    const dropsThreshold = props.agentDropsThreshold ?? 1;
    const unverifiedThreshold = props.unverifiedThreshold ?? 1;
    alarm(
      'AgentRecordsDropped',
      fleetWide(AGENT_METRICS.agentRecordsDropped.name, 'records dropped by agents'),
      dropsThreshold,
      `agents dropped ${dropsThreshold} or more records within 5 minutes (buffer full during a long Kinesis outage or throttling, or entries Kinesis refused for good): that data is lost; the enricher's log and the dashboard's agent graphs say which nodes`,
    );
    alarm(
      'EnricherUnverified',
      fleetWide(ENRICHER_UNVERIFIED_METRIC, 'records refused for their signature'),
      unverifiedThreshold,
      `the enricher refused ${unverifiedThreshold} or more records within 5 minutes whose signature did not verify with the key of the cluster they name, or whose cluster has no key: an agent without its cluster's key (KINSIGHT_KEY_SECRET, GetSecretValue denied), or records forged for another cluster; the enricher's poison log lines give the claimed cluster, node and reason`,
    );

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? 'kinsight-pipeline',
      defaultInterval: Duration.hours(3),
    });
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}): cloudwatch.GraphWidget =>
      new cloudwatch.GraphWidget({ title, left, width: 8, ...extra });
    this.dashboard.addWidgets(
      graph('Stream: records in', [props.stream.metricIncomingRecords({ period: Duration.minutes(1) })]),
      graph('Stream: bytes in', [props.stream.metricIncomingBytes({ period: Duration.minutes(1) })]),
      graph('Stream: throttled writes', [props.stream.metricWriteProvisionedThroughputExceeded({ period: Duration.minutes(1) })]),
    );
    this.dashboard.addWidgets(
      graph('Enricher: iterator age (ms)', [iteratorAge]),
      graph('Enricher: invocations, errors, throttles', [props.enricher.metricInvocations({ period: FIVE_MINUTES }), errors, throttles]),
      graph('Enricher: duration (ms)', [props.enricher.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' })]),
    );
    const counters = (names: readonly string[]): cloudwatch.Metric[] =>
      names.map((metricName) => new cloudwatch.Metric({ namespace: PIPELINE_NAMESPACE, metricName, statistic: 'Sum', period: FIVE_MINUTES }));
    const limit = props.worstClusters ?? 10;
    const fleet = (metricName: string, label: string) => new cloudwatch.MathExpression({ expression: toClusterQuery(metricName), period: FIVE_MINUTES, label });
    // ${LABEL}: each series of a grouped query is named by its group, the cluster.
    const worst = (metricName: string) => new cloudwatch.MathExpression({ expression: toClusterQuery(metricName, { groupByCluster: true, limit }), period: FIVE_MINUTES, label: '${LABEL}' });
    // Ids are unique within a graph: each expression names its metrics with its own prefix.
    const ofEvery = (expression: string, label: string, prefix: string, metricOf: (fn: lambda.IFunction) => cloudwatch.IMetric) =>
      new cloudwatch.MathExpression({ expression, label, period: FIVE_MINUTES, usingMetrics: Object.fromEntries(props.pollers.map((fn, i) => [`${prefix}${i}`, metricOf(fn)])) });
    const widgets: cloudwatch.IWidget[] = [
      graph('Failure queue: batches', [depth]),
      graph('Enricher: poison and failed records', counters(ENRICHER_COUNTERS.records)),
      graph('Enricher: EMF events written and dropped', counters(ENRICHER_COUNTERS.events)),
      graph('Enricher: records without metadata yet', counters(ENRICHER_COUNTERS.metadata)),
      graph('Polls of all clusters: failed, cut short, undersized', [
        fleet(POLLER_METRICS.failures, 'failed'),
        fleet(POLLER_METRICS.partial, 'cut short by the deadline'),
        fleet(POLLER_METRICS.undersized, 'cluster larger than its poller memory'),
      ]),
      graph(`Failed polls: the ${limit} worst clusters`, [worst(POLLER_METRICS.failures)]),
      graph(`Polls cut short: the ${limit} worst clusters`, [worst(POLLER_METRICS.partial)]),
      graph(`Clusters larger than their poller memory (${limit} at most)`, [worst(POLLER_METRICS.undersized)]),
      graph('Agents: records dropped and entries retried', [fleetWide(AGENT_METRICS.agentRecordsDropped.name, 'dropped'), fleetWide(AGENT_METRICS.agentRetries.name, 'retried')]),
      graph('Agents: records waiting in their buffers', [fleetWide(AGENT_METRICS.agentBufferedRecords.name, 'most in one agent', 'MAX'), fleetWide(AGENT_METRICS.agentBufferedRecords.name, 'average', 'AVG')]),
      graph('Agents: collection time (ms)', [fleetWide(AGENT_METRICS.agentCollectionMs.name, 'slowest', 'MAX'), fleetWide(AGENT_METRICS.agentCollectionMs.name, 'average', 'AVG')]),
      graph('Agents: resident memory (bytes)', [fleetWide(AGENT_METRICS.agentRssBytes.name, 'largest', 'MAX'), fleetWide(AGENT_METRICS.agentRssBytes.name, 'average', 'AVG')], {
        leftAnnotations: [{ value: AGENT_MEMORY_LIMIT_BYTES, label: `the DaemonSet's memory limit (${DEFAULT_AGENT_RESOURCES.limits.memory})` }],
      }),
      graph('Enricher: records refused for their signature', [fleetWide(ENRICHER_UNVERIFIED_METRIC, 'refused')]),
    ];
    if (props.pollers.length > 0) {
      widgets.push(
        graph('Pollers: slowest invocation (ms)', [ofEvery('MAX(METRICS())', 'slowest of all pollers', 'duration', (fn) => fn.metricDuration({ period: FIVE_MINUTES, statistic: 'Maximum' }))], {
          leftAnnotations: [
            { value: 30_000, label: 'design budget: half the timeout' },
            { value: 60_000, label: 'timeout' },
          ],
        }),
        graph('Pollers: errors and throttles of all functions', [
          ofEvery('SUM(METRICS())', 'errors', 'errors', (fn) => fn.metricErrors({ period: FIVE_MINUTES })),
          ofEvery('SUM(METRICS())', 'throttles', 'throttles', (fn) => fn.metricThrottles({ period: FIVE_MINUTES })),
        ]),
      );
    }
    for (let i = 0; i < widgets.length; i += 3) this.dashboard.addWidgets(...widgets.slice(i, i + 3));
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'kinsight alarms', alarms: this.alarms, width: 24 }));
  }
}

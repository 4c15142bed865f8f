import {
  Duration,
  aws_cloudwatch as cloudwatch,
  type aws_kinesis as kinesis,
  type aws_lambda as lambda,
  type aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ENRICHER_METRICS, PIPELINE_NAMESPACE, POLLER_CLUSTER_DIMENSION, POLLER_METRICS } from '../../../core/pipeline-metrics';
import { toConstructId } from '../to-construct-id';


/** A poller function and the clusters it polls. */
export interface MonitoredPoller {
  /** The poller function. */
  readonly function: lambda.IFunction;
  /** The clusters it polls: one failed-poll alarm each. */
  readonly clusterNames: readonly string[];
}

/** Props of {@link PipelineMonitoring}. */
export interface PipelineMonitoringProps {
  /** The agents' stream. */
  readonly stream: kinesis.IStream;
  /** The enricher function. */
  readonly enricher: lambda.IFunction;
  /** The enricher's on-failure destination. */
  readonly failureQueue: sqs.IQueue;
  /** Every poller, with its clusters. */
  readonly pollers: readonly MonitoredPoller[];
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
   * Name of the dashboard.
   * @default 'kinsight-pipeline'
   */
  readonly dashboardName?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/** The enricher's per-invocation counters (EMF, namespace `kinsight`, no dimension; lambdas/enricher/create-handler.ts). */
const ENRICHER_COUNTERS = {
  records: [ENRICHER_METRICS.poison, ENRICHER_METRICS.failedRecords],
  events: [ENRICHER_METRICS.eventsWritten, ENRICHER_METRICS.eventsDroppedTooOld, ENRICHER_METRICS.eventsDroppedTooNew, ENRICHER_METRICS.eventsRejected],
  metadata: [ENRICHER_METRICS.nodesWithoutMetadata, ENRICHER_METRICS.podsWithoutMetadata, ENRICHER_METRICS.containersWithoutMetadata],
} as const;

/**
 * Alarms on the pipeline's own health (enricher iterator age, errors and throttles, failure-queue depth,
 * poller failures per cluster) and a CloudWatch dashboard of it. Alarms carry no action: subscribe
 * them to a topic where the operator wants pages.
 */
export class PipelineMonitoring extends Construct {
  /** Every alarm, for wiring actions. */
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The dashboard. */
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    const alarm = (name: string, metric: cloudwatch.Metric, threshold: number, description: string, evaluationPeriods = 1): cloudwatch.Alarm => {
      const created = metric.createAlarm(this, name, {
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

    const perCluster: cloudwatch.Metric[] = [];
    for (const poller of props.pollers) {
      for (const name of poller.clusterNames) {
        const failures = new cloudwatch.Metric({
          namespace: PIPELINE_NAMESPACE,
          metricName: POLLER_METRICS.failures,
          // The poller writes one EMF line per failed poll to stdout; Lambda turns it into this metric.
          dimensionsMap: { [POLLER_CLUSTER_DIMENSION]: name },
          statistic: 'Sum',
          period: FIVE_MINUTES,
        });
        perCluster.push(failures.with({ label: name }));
        alarm(`PollerFailures${toConstructId(name)}`, failures, props.pollerFailuresThreshold ?? 3, `polls of cluster ${name} are failing`);
      }
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? 'kinsight-pipeline',
      defaultInterval: Duration.hours(3),
    });
    const graph = (title: string, left: cloudwatch.IMetric[]): cloudwatch.GraphWidget => new cloudwatch.GraphWidget({ title, left, width: 8 });
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
    this.dashboard.addWidgets(
      graph('Failure queue: batches', [depth]),
      graph('Poller: failed polls per cluster', perCluster.length > 0 ? perCluster : [depth]),
      graph('Poller: duration (ms)', props.pollers.map((p) => p.function.metricDuration({ period: FIVE_MINUTES, statistic: 'Maximum' }))),
    );
    const counters = (names: readonly string[]): cloudwatch.Metric[] =>
      names.map((metricName) => new cloudwatch.Metric({ namespace: PIPELINE_NAMESPACE, metricName, statistic: 'Sum', period: FIVE_MINUTES }));
    this.dashboard.addWidgets(
      graph('Enricher: poison and failed records', counters(ENRICHER_COUNTERS.records)),
      graph('Enricher: EMF events written and dropped', counters(ENRICHER_COUNTERS.events)),
      graph('Enricher: records without metadata yet', counters(ENRICHER_COUNTERS.metadata)),
    );
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'kinsight alarms', alarms: this.alarms, width: 24 }));
  }
}

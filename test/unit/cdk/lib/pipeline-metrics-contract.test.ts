import { AGENT_METRICS, ENRICHER_UNVERIFIED_METRIC, PIPELINE_METRIC_NAMES, PIPELINE_NAMESPACE } from '../../../../core/pipeline-metrics';
import { toEnricherMetricsLine, type InvocationSummary } from '../../../../lambdas/enricher/create-handler';
import { toPollDocumentsLine, toPollFailureLine, toPollPartialLine, toPollSuccessLine, toPollUndersizedLine } from '../../../../lambdas/poller/create-handler';
import fleetExample from '../../../../fleet.example.json';
import { synthFleet } from './fixtures/synth-fleet';

/** The metric names an EMF line publishes, read from its `_aws` directives. */
function publishedBy(line: string): string[] {
  const doc = JSON.parse(line) as { _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] } };
  return doc._aws.CloudWatchMetrics.flatMap((d) => d.Metrics.map((m) => `${d.Namespace}/${m.Name}`));
}

/**
 * Every `namespace/metric` a Metrics Insights query of the pipeline namespace in `text` reads
 * (`SELECT SUM(PollFailures) FROM SCHEMA("kinsight", ...)`, `SELECT MAX(AgentRssBytes) FROM "kinsight"`).
 */
function queriedIn(text: string, into: Set<string>): void {
  for (const m of text.matchAll(/SELECT [A-Z]+\((\w+)\) FROM (?:SCHEMA\()?(?:\\)*"kinsight(?:\\)*"/g)) into.add(`${PIPELINE_NAMESPACE}/${m[1]}`);
}


/** Every `namespace/metric` pair a value of the template names (alarms and dashboard bodies alike). */
function readIn(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    // A dashboard widget metric: [namespace, metricName, dimension name, value, ..., options?]
    if (value[0] === PIPELINE_NAMESPACE && typeof value[1] === 'string') into.add(`${value[0]}/${value[1]}`);
    for (const v of value) readIn(v, into);
  } else if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    if (o.Namespace === PIPELINE_NAMESPACE && typeof o.MetricName === 'string') into.add(`${o.Namespace}/${o.MetricName}`);
    for (const v of Object.values(o)) readIn(v, into);
  }
}

describe('pipeline metrics: what the CDK app reads is what the code publishes', () => {
  const zero: InvocationSummary = {
    records: 0, poison: 0, enriched: 0, failedRecords: 0, events: 0, eventsWritten: 0, eventsDroppedTooOld: 0, eventsDroppedTooNew: 0,
    eventsDroppedTooLarge: 0, eventsRejected: 0, streamsFailed: 0, throttleRetries: 0, nodesWithoutMetadata: 0, podsWithoutMetadata: 0, containersWithoutMetadata: 0,
    unverified: 0, streamsRejected: 0, podsWithoutIdentity: 0, podsWithLabelsCut: 0, recordsAlreadyWritten: 0,
    agentRecordsDropped: 0, agentRetries: 0, agentBufferedRecords: 0, agentCollectionMs: 0, agentRssBytes: 0,
  };
  const published = new Set([
    ...publishedBy(toEnricherMetricsLine(zero, 0)),
    ...publishedBy(toPollFailureLine('prod', 'test', 0)),
    ...publishedBy(toPollSuccessLine('prod', 0)),
    ...publishedBy(toPollPartialLine('prod', ['pods'], 0)),
    ...publishedBy(toPollUndersizedLine('prod', 3000, 1769, 0)),
    ...publishedBy(toPollDocumentsLine('prod', 1, 1, 0)),
  ]);

  let alarms: Set<string>;
  let dashboard: Set<string>;
  let cleanup: () => void;
  beforeAll(() => {
    const synth = synthFleet(fleetExample);
    cleanup = synth.cleanup;
    alarms = new Set();
    const alarmResources = synth.template.findResources('AWS::CloudWatch::Alarm');
    readIn(alarmResources, alarms);
    queriedIn(JSON.stringify(alarmResources), alarms);
    dashboard = new Set();
    // The dashboard body is a Fn::Join of strings and tokens: its text holds the metric arrays and queries.
    const bodies = Object.values(synth.template.findResources('AWS::CloudWatch::Dashboard')).map((r) => JSON.stringify((r as { Properties: unknown }).Properties));
    for (const body of bodies) {
      for (const m of body.matchAll(/\\"kinsight\\",\\"([A-Za-z]+)\\"/g)) dashboard.add(`${PIPELINE_NAMESPACE}/${m[1]}`);
      queriedIn(body, dashboard);
    }
  });
  afterAll(() => cleanup());

  it('publishes the enricher counters and the poller failures, partial and undersized polls in the pipeline namespace', () => {
    expect(published).toContain('kinsight/EnricherPoison');
    for (const name of ['PollFailures', 'PollSuccesses', 'PollPartial', 'PollUndersized']) expect(published).toContain(`kinsight/${name}`);
  });

  it('publishes every name of core/pipeline-metrics.ts (what kinsight doctor reads too)', () => {
    for (const name of PIPELINE_METRIC_NAMES) expect(published).toContain(`${PIPELINE_NAMESPACE}/${name}`);
  });

  it('reads the per-cluster poller metrics through Metrics Insights queries, in alarms and on the dashboard', () => {
    expect([...alarms].sort()).toEqual(expect.arrayContaining(['kinsight/PollFailures', 'kinsight/PollPartial']));
    expect([...dashboard]).toEqual(expect.arrayContaining(['kinsight/PollFailures', 'kinsight/PollPartial', 'kinsight/PollUndersized']));
  });

  it('alarms only on pipeline metrics that the enricher or the poller publishes', () => {
    expect(alarms.size).toBeGreaterThan(0);
    for (const name of alarms) expect([name, published.has(name)]).toEqual([name, true]);
  });

  it('charts only pipeline metrics that the enricher or the poller publishes', () => {
    expect(dashboard.size).toBeGreaterThan(5);
    for (const name of dashboard) expect([name, published.has(name)]).toEqual([name, true]);
  });

  it('alarms on the agents\' drops and on refused records, and charts every agent figure and the refused records', () => {
    expect([...alarms]).toEqual(expect.arrayContaining([`kinsight/${AGENT_METRICS.agentRecordsDropped.name}`, `kinsight/${ENRICHER_UNVERIFIED_METRIC}`]));
    expect([...dashboard]).toEqual(expect.arrayContaining([...Object.values(AGENT_METRICS).map((m) => `kinsight/${m.name}`), `kinsight/${ENRICHER_UNVERIFIED_METRIC}`]));
  });
});

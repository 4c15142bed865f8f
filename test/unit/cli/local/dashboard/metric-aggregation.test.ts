import { toMetricSamples } from '../../../../../cli/local/dashboard/to-metric-samples';
import { createMetricStore } from '../../../../../cli/local/dashboard/metric-store';
import { toDashboardData } from '../../../../../cli/local/dashboard/to-dashboard-data';
import { DASHBOARD_VIEWS } from '../../../../../cli/local/dashboard/views';
import type { MetricNameOf } from '../../../../../core/metrics/catalog';
import { CI_NAMESPACE } from '../../../../../core/limits';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const NODE_CPU = 'node_cpu_utilization' satisfies MetricNameOf<'Node'>;

const nodeEvent = (node: string, timestampMs: number, cpu: number) => ({
  Type: 'Node',
  ClusterName: 'demo',
  NodeName: node,
  InstanceId: `i-${node}`,
  [NODE_CPU]: cpu,
  _aws: {
    Timestamp: timestampMs,
    CloudWatchMetrics: [{ Namespace: CI_NAMESPACE, Dimensions: [['ClusterName', 'InstanceId', 'NodeName'], ['ClusterName']], Metrics: [{ Name: NODE_CPU, Unit: 'Percent' }] }],
  },
});

describe('toMetricSamples', () => {
  it('extracts one sample per metric and dimension set of each directive, with values from the root members', () => {
    const samples = toMetricSamples(nodeEvent('n1', T0, 42));
    expect(samples).toHaveLength(2);
    expect(samples[0]).toMatchObject({ namespace: CI_NAMESPACE, metric: NODE_CPU, unit: 'Percent', timestampMs: T0, values: [42] });
    expect(samples[0].dimensions).toEqual([['ClusterName', 'demo'], ['InstanceId', 'i-n1'], ['NodeName', 'n1']]);
    expect(samples[1].dimensions).toEqual([['ClusterName', 'demo']]);
  });

  it('skips a dimension set whose keys are not all present in the event', () => {
    const event = nodeEvent('n1', T0, 42) as Record<string, unknown>;
    delete event.InstanceId;
    expect(toMetricSamples(event).map((s) => s.dimensions.length)).toEqual([1]);
  });

  it('reads the legacy EMF v0 layout with root CloudWatchMetrics and a string Timestamp', () => {
    const { _aws, ...rest } = nodeEvent('n1', T0, 7);
    const samples = toMetricSamples({ ...rest, Timestamp: String(T0), CloudWatchMetrics: _aws.CloudWatchMetrics });
    expect(samples.map((s) => s.values[0])).toEqual([7, 7]);
    expect(samples[0].timestampMs).toBe(T0);
  });

  it('gives no sample for a log-only event or a non-numeric value', () => {
    expect(toMetricSamples({ Type: 'NodeNet', ClusterName: 'demo' })).toEqual([]);
    expect(toMetricSamples({ ...nodeEvent('n1', T0, 1), [NODE_CPU]: 'high' })).toEqual([]);
    expect(toMetricSamples('not an object')).toEqual([]);
  });
});

describe('createMetricStore', () => {
  it('aggregates samples into per-period statistic sets per metric and dimension values', () => {
    const store = createMetricStore({ periodMs: 60_000 });
    store.add(toMetricSamples(nodeEvent('n1', T0 + 1_000, 40)));
    store.add(toMetricSamples(nodeEvent('n2', T0 + 2_000, 60)));
    store.add(toMetricSamples(nodeEvent('n1', T0 + 61_000, 10)));
    const cluster = store.select({ metric: NODE_CPU, dimensionKeys: ['ClusterName'] });
    expect(cluster).toHaveLength(1);
    expect(cluster[0].points).toEqual([
      [T0, { sum: 100, count: 2, min: 40, max: 60 }],
      [T0 + 60_000, { sum: 10, count: 1, min: 10, max: 10 }],
    ]);
    const perNode = store.select({ metric: NODE_CPU, dimensionKeys: ['NodeName', 'ClusterName', 'InstanceId'] });
    expect(perNode.map((s) => s.dimensions.NodeName).sort()).toEqual(['n1', 'n2']);
    expect(store.size()).toBe(3);
  });

  it('keeps only the configured number of periods per series', () => {
    const store = createMetricStore({ periodMs: 1_000, retainPeriods: 3 });
    for (let i = 0; i < 5; i++) store.add(toMetricSamples(nodeEvent('n1', T0 + i * 1_000, i)));
    expect(store.select({ metric: NODE_CPU, dimensionKeys: ['ClusterName'] })[0].points.map(([t]) => t - T0)).toEqual([2_000, 3_000, 4_000]);
  });

  it('rejects a period that is not positive', () => {
    expect(() => createMetricStore({ periodMs: 0 })).toThrow(/periodMs 0 must be > 0/);
  });
});

describe('toDashboardData', () => {
  it('draws each view chart from its dimension set, one line per dimension value, averaged per period', () => {
    const store = createMetricStore({ periodMs: 60_000 });
    store.add(toMetricSamples(nodeEvent('n1', T0 + 1_000, 40)));
    store.add(toMetricSamples(nodeEvent('n2', T0 + 2_000, 60)));
    const data = toDashboardData(store, DASHBOARD_VIEWS, { nowMs: T0 + 30_000 });
    const cluster = data.views.find((v) => v.id === 'cluster')!.charts.find((c) => c.metric === NODE_CPU)!;
    expect(cluster.lines).toEqual([{ label: cluster.title, points: [[T0, 50]], latest: 50 }]);
    const nodes = data.views.find((v) => v.id === 'nodes')!.charts.find((c) => c.metric === NODE_CPU)!;
    expect(nodes.lines.map((l) => [l.label, l.latest])).toEqual([['n2', 60], ['n1', 40]]);
    expect(nodes.unit).toBe('Percent');
    expect(data.fromMs).toBe(T0 - 29 * 60_000);
  });

  it('leaves periods before the window out', () => {
    const store = createMetricStore({ periodMs: 60_000 });
    store.add(toMetricSamples(nodeEvent('n1', T0, 40)));
    const data = toDashboardData(store, DASHBOARD_VIEWS, { nowMs: T0 + 10 * 60_000, windowPeriods: 5 });
    expect(data.views[0].charts.every((c) => c.lines.length === 0)).toBe(true);
  });
});

import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDashboardServer, type DashboardServer } from '../../../../../cli/local/dashboard/dashboard-server';
import type { DashboardData } from '../../../../../cli/local/dashboard/to-dashboard-data';
import type { MetricNameOf } from '../../../../../core/metrics/catalog';
import { CI_NAMESPACE } from '../../../../../core/limits';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const NODE_COUNT = 'cluster_node_count' satisfies MetricNameOf<'Cluster'>;

const clusterEvent = (timestampMs: number, nodes: number) => ({
  Type: 'Cluster',
  ClusterName: 'demo',
  NodeName: 'leader',
  [NODE_COUNT]: nodes,
  _aws: { Timestamp: timestampMs, CloudWatchMetrics: [{ Namespace: CI_NAMESPACE, Dimensions: [['ClusterName']], Metrics: [{ Name: NODE_COUNT, Unit: 'Count' }] }] },
});

describe('dashboard server', () => {
  let dir: string;
  let server: DashboardServer;
  let nowMs = T0 + 5_000;
  const stream = () => join(dir, 'aws', 'containerinsights', 'demo', 'performance', 'leader.jsonl');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kinsight-dash-'));
    mkdirSync(join(dir, 'aws', 'containerinsights', 'demo', 'performance'), { recursive: true });
    server = await startDashboardServer({
      dir,
      port: 0,
      periodMs: 10_000,
      now: () => nowMs,
      status: () => ({ cluster: 'demo', nodes: 3, pods: 10, intervalMs: 5_000, cycles: 2, recordsIn: 6, eventsOut: 40, lagMs: 800, outDir: dir }),
    });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fetchData = async (): Promise<DashboardData & { status: unknown }> => {
    const res = await fetch(`${server.url}api/dashboard`);
    expect(res.status).toBe(200);
    return (await res.json()) as DashboardData & { status: unknown };
  };

  it('serves the self-contained page on 127.0.0.1 without any external resource', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const html = await (await fetch(server.url)).text();
    expect(html).toContain('api/dashboard');
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=["']https?:/);
  });

  it('aggregates events appended to the files between polls, per period, with the pipeline status', async () => {
    appendFileSync(stream(), `${JSON.stringify(clusterEvent(T0 + 1_000, 3))}\n${JSON.stringify({ timestamp: T0 + 2_000, message: JSON.stringify(clusterEvent(T0 + 2_000, 4)) })}\n`);
    let data = await fetchData();
    const chart = () => data.views.find((v) => v.id === 'cluster')!.charts.find((c) => c.metric === NODE_COUNT)!;
    expect(chart().lines[0].points).toEqual([[T0, 4]]);
    expect(data.status).toMatchObject({ cluster: 'demo', recordsIn: 6 });

    appendFileSync(stream(), `${JSON.stringify(clusterEvent(T0 + 11_000, 5))}\n{"partial":`);
    nowMs = T0 + 15_000;
    data = await fetchData();
    expect(chart().lines[0].points).toEqual([[T0, 4], [T0 + 10_000, 5]]);
  });

  it('charts only the events since its start when given one (an earlier run in the same folder)', async () => {
    const later = await startDashboardServer({ dir, port: 0, periodMs: 10_000, now: () => nowMs, sinceMs: T0 + 10_000 });
    try {
      const data = (await (await fetch(`${later.url}api/dashboard`)).json()) as DashboardData;
      const chart = data.views.find((v) => v.id === 'cluster')!.charts.find((c) => c.metric === NODE_COUNT)!;
      expect(chart.lines[0].points).toEqual([[T0 + 10_000, 5]]);
    } finally {
      await later.close();
    }
  });

  it('rejects anything but GET and answers 404 on unknown paths', async () => {
    expect((await fetch(`${server.url}api/dashboard`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${server.url}nope`)).status).toBe(404);
  });
});

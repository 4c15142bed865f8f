import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startLocalPipeline, type CycleReport, type LocalPipeline } from '../../cli/local/local-pipeline';
import { createLocalPipelineDeps } from '../../cli/local/local-deps';
import { toPodsOnHost } from '../../sim/cluster/cluster-model';
import type { ClusterState } from '../../sim/cluster/cluster-state';
import type { CiType, MetricNameOf } from '../../core/metrics/catalog';
import { CI_NAMESPACE } from '../../core/limits';

const CHROMIUM = process.env.KINSIGHT_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT_DIR = join(__dirname, '..', '..', 'test-output');
const SCREENSHOT = join(SCREENSHOT_DIR, 'dashboard.png');
const LOCAL_NODE = 'e2e-local';
const CYCLES_BEFORE_BROWSER = 4;

const metric = <T extends CiType>(_type: T, name: MetricNameOf<T>): string => name;
const NODE_CPU = metric('Node', 'node_cpu_utilization');
const NODE_PODS = metric('Node', 'node_number_of_running_pods');
const CLUSTER_NODES = metric('Cluster', 'cluster_node_count');
const CLUSTER_FAILED = metric('Cluster', 'cluster_failed_node_count');
const NAMESPACE_PODS = metric('ClusterNamespace', 'namespace_number_of_running_pods');

type EmfEvent = Record<string, unknown> & { Type: string; _aws?: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string }> } };

function readEvents(dir: string): Array<{ file: string; event: EmfEvent }> {
  const out: Array<{ file: string; event: EmfEvent }> = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.jsonl')) {
        for (const line of readFileSync(path, 'utf8').split('\n')) if (line.trim()) out.push({ file: path.slice(dir.length + 1), event: JSON.parse(line) as EmfEvent });
      }
    }
  };
  walk(dir);
  return out;
}

describe('kinsight local: the whole pipeline on this machine', () => {
  let outDir: string;
  let pipeline: LocalPipeline;
  let reports: CycleReport[];
  let finalState: ClusterState;
  let browserCheck: { charts: number; chartsWithData: number; lines: number; views: string[]; pills: string } | undefined;
  const progress: string[] = [];

  beforeAll(async () => {
    // A screenshot left by an earlier run must not pass for this run's.
    rmSync(SCREENSHOT, { force: true });
    outDir = mkdtempSync(join(tmpdir(), 'kinsight-e2e-'));
    const stop = new AbortController();
    let cycleSeen: () => void = () => undefined;
    const enoughCycles = new Promise<void>((resolve) => (cycleSeen = resolve));
    pipeline = await startLocalPipeline(
      {
        nodes: 2,
        podsPerNode: 5,
        intervalMs: 1_000,
        port: 0,
        outDir,
        localNodeName: LOCAL_NODE,
        memoryPressureFromCycle: 2,
        stopSignal: stop.signal,
        onProgress: (line) => {
          progress.push(line);
          if (progress.filter((l) => / cycle \d+: /.test(l)).length >= CYCLES_BEFORE_BROWSER) cycleSeen();
        },
      },
      createLocalPipelineDeps(),
    );
    await enoughCycles;
    if (existsSync(CHROMIUM)) browserCheck = await checkDashboard(pipeline.dashboardUrl!);
    finalState = pipeline.state();
    stop.abort(); // what Ctrl-C does
    reports = await pipeline.done;
  }, 120_000);

  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
  });

  it('prints a progress line per interval with records in, events out and lag, and the dashboard URL', () => {
    const lines = progress.filter((l) => / cycle \d+: /.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(CYCLES_BEFORE_BROWSER);
    expect(lines[0]).toMatch(/cycle 1: 3 records in, \d+ events out, lag [\d.]+ s .*http:\/\/127\.0\.0\.1:\d+\//);
    expect(progress.some((l) => /failed/.test(l))).toBe(false);
  });

  it('counts the EMF bytes of the profile it writes and of the other profiles for the same records', () => {
    const { profile, bytesByProfile } = pipeline.status();
    expect(profile).toBe('classic');
    const bytes = bytesByProfile ?? {};
    expect(Object.keys(bytes).sort()).toEqual(['classic', 'enhanced', 'lean']);
    expect(bytes.lean).toBeGreaterThan(0);
    expect(bytes.lean).toBeLessThan(bytes.classic);
    expect(bytes.classic).toBeLessThan(bytes.enhanced);
  });

  it('stops cleanly on the stop signal after the cycle in flight', () => {
    expect(reports.length).toBeGreaterThanOrEqual(CYCLES_BEFORE_BROWSER);
    expect(reports.every((r) => r.recordsIn === 3)).toBe(true);
  });

  it('writes EMF events of every Type the default profile emits, laid out as log group / log stream', () => {
    const events = readEvents(outDir);
    const types = new Set(events.map((e) => e.event.Type));
    for (const type of ['Node', 'NodeFS', 'NodeDiskIO', 'NodeNet', 'Pod', 'PodNet', 'Container', 'Cluster', 'ClusterNamespace', 'ClusterService']) {
      expect([type, types.has(type)]).toEqual([type, true]);
    }
    const streams = new Set(events.map((e) => e.file));
    expect(streams).toContain(join('aws', 'containerinsights', pipeline.cluster, 'performance', `${LOCAL_NODE}.jsonl`));
    for (const node of finalState.nodes) expect([...streams].some((f) => f.endsWith(`${node.name}.jsonl`))).toBe(true);
    expect(events.filter((e) => e.event._aws).every((e) => e.event._aws!.CloudWatchMetrics.every((d) => d.Namespace === CI_NAMESPACE))).toBe(true);
  });

  // A saturated machine reads a hair above 100 %: the CPU counter and the clock are read microseconds apart.
  const CPU_READ_TOLERANCE = 1.02;
  it('measures this machine with its real /proc: node_cpu_utilization between 0 and 100', () => {
    const values = readEvents(outDir)
      .map((e) => e.event)
      .filter((e) => e.Type === 'Node' && e.NodeName === LOCAL_NODE && typeof e[NODE_CPU] === 'number')
      .map((e) => e[NODE_CPU] as number);
    expect(values.length).toBeGreaterThanOrEqual(CYCLES_BEFORE_BROWSER - 1);
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(100 * CPU_READ_TOLERANCE);
    }
  });

  it('counts nodes and pods as the simulated cluster has them, with the node under memory pressure failed', () => {
    const events = readEvents(outDir).map((e) => e.event);
    const last = (pred: (e: EmfEvent) => boolean) => events.filter(pred).sort((a, b) => a._aws!.Timestamp - b._aws!.Timestamp).at(-1);
    const cluster = last((e) => e.Type === 'Cluster' && typeof e[CLUSTER_NODES] === 'number')!;
    expect(cluster[CLUSTER_NODES]).toBe(finalState.nodes.length);
    expect(cluster[CLUSTER_FAILED]).toBe(finalState.nodes.filter((n) => n.conditions.MemoryPressure === 'True').length);
    expect(cluster[CLUSTER_FAILED]).toBe(1);
    for (const node of finalState.nodes) {
      const nodeEvent = last((e) => e.Type === 'Node' && e.NodeName === node.name && typeof e[NODE_PODS] === 'number');
      expect([node.name, nodeEvent?.[NODE_PODS]]).toEqual([node.name, node.pods.filter((p) => p.phase === 'Running').length]);
    }
    const byNamespace = new Map<string, number>();
    for (const pod of finalState.nodes.flatMap((n) => n.pods).filter((p) => p.phase === 'Running')) byNamespace.set(pod.namespace, (byNamespace.get(pod.namespace) ?? 0) + 1);
    for (const [namespace, count] of byNamespace) {
      const ns = last((e) => e.Type === 'ClusterNamespace' && e.Namespace === namespace);
      expect([namespace, ns?.[NAMESPACE_PODS]]).toEqual([namespace, count]);
    }
  });

  it('joins every simulated pod read from its host tree with its API object: Pod events carry its uid, namespace and workload', () => {
    const events = readEvents(outDir).map((e) => e.event);
    const lastCycleMs = Math.max(...events.filter((e) => e.Type === 'Pod').map((e) => e._aws?.Timestamp ?? 0));
    const podEvents = events.filter((e) => e.Type === 'Pod' && e._aws?.Timestamp === lastCycleMs);
    const onHosts = finalState.nodes.flatMap((n) => toPodsOnHost(n.pods));
    expect(onHosts.length).toBeGreaterThan(0);
    for (const pod of onHosts) {
      const event = podEvents.find((e) => (e.kubernetes as { pod_id?: string } | undefined)?.pod_id === pod.uid);
      expect([pod.uid, event?.Namespace, event?.PodName]).toEqual([pod.uid, pod.namespace, pod.workloadName]);
    }
  });

  const browserIt = existsSync(CHROMIUM) ? it : it.skip;
  browserIt('renders the live dashboard in chromium: every view, charts with data, a screenshot in test-output/', () => {
    expect(browserCheck).toBeDefined();
    expect(browserCheck!.views).toEqual(['cluster', 'namespaces', 'nodes', 'pods', 'services', 'network', 'restarts']);
    expect(browserCheck!.chartsWithData).toBeGreaterThanOrEqual(browserCheck!.charts - 2);
    expect(browserCheck!.lines).toBeGreaterThan(browserCheck!.charts);
    expect(browserCheck!.pills).toMatch(/records in\s*\d+/);
    expect(browserCheck!.pills).toMatch(/EMF classic written\s*[\d.]+ [KM]?i?B/);
    expect(browserCheck!.pills).toMatch(/EMF lean would write\s*[\d.]+ [KM]?i?B \([\d.]+% of classic\)/);
    // Removed before the run: the file is this run's, and its PNG signature says it is an image.
    expect(readFileSync(SCREENSHOT).subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  });
});

async function checkDashboard(url: string) {
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(url);
    await page.waitForSelector('body[data-updated]', { timeout: 10_000 });
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    return {
      views: await page.locator('section[data-view]').evaluateAll((els) => els.map((e) => e.getAttribute('data-view') ?? '')),
      charts: await page.locator('.chart').count(),
      chartsWithData: await page.locator('.chart:not([data-lines="0"])').count(),
      lines: await page.locator('.chart path.line').count(),
      pills: (await page.locator('#status').textContent()) ?? '',
    };
  } finally {
    await browser.close();
  }
}

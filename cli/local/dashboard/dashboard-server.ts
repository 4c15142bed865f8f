import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmfFileTail } from './emf-file-tail';
import { createMetricStore } from './metric-store';
import { toMetricSamples } from './to-metric-samples';
import { toDashboardData } from './to-dashboard-data';
import { DASHBOARD_VIEWS, type ViewSpec } from './views';
import { DASHBOARD_HTML } from './page';

/** Figures of the running pipeline shown above the charts. */
export interface PipelineStatus {
  readonly cluster: string;
  readonly nodes: number;
  readonly pods: number;
  readonly intervalMs: number;
  readonly cycles: number;
  readonly recordsIn: number;
  readonly eventsOut: number;
  /** Last end-to-end lag: agent sample time to EMF file write. */
  readonly lagMs?: number;
  readonly outDir: string;
  /** The profile the enricher writes with. @default not shown */
  readonly profile?: string;
  /** EMF bytes so far by profile: the written profile's, and the other profiles' for the same records (encoded only). @default not shown */
  readonly bytesByProfile?: Readonly<Record<string, number>>;
}

/** Options of {@link startDashboardServer}. */
export interface DashboardServerOptions {
  /** The output folder: log group / log stream `.jsonl` files of EMF events. */
  readonly dir: string;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** Aggregation period. @default 60000 (one minute, as CloudWatch) */
  readonly periodMs?: number;
  /** Periods per chart. @default 30 */
  readonly windowPeriods?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** The pipeline's figures, when a pipeline runs beside the dashboard. @default none */
  readonly status?: () => PipelineStatus;
  /** @default DASHBOARD_VIEWS */
  readonly views?: readonly ViewSpec[];
  /** Events older than this (epoch ms) are not charted: an earlier run's events in the same folder. @default every event */
  readonly sinceMs?: number;
  /** Where a bad line of a log file is reported. @default ignored after counting */
  readonly onBadLine?: (file: string, message: string) => void;
}

/** A running dashboard. */
export interface DashboardServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the dashboard on 127.0.0.1: `/` is the self-contained page, `/api/dashboard` the JSON
 * it polls (the EMF files aggregated per period, metric and dimension set, the way CloudWatch
 * reads the directives), `/api/status` the pipeline's figures.
 */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const now = options.now ?? Date.now;
  const views = options.views ?? DASHBOARD_VIEWS;
  const store = createMetricStore({ periodMs: options.periodMs });
  const tail = createEmfFileTail(options.dir, options.onBadLine);
  let reading: Promise<void> = Promise.resolve();

  // Reads are chained: two polls at once never read the same bytes twice.
  const refresh = (): Promise<void> => {
    reading = reading.then(async () => {
      const sinceMs = options.sinceMs ?? -Infinity;
      for (const { event } of await tail.read()) store.add(toMetricSamples(event).filter((sample) => sample.timestampMs >= sinceMs));
    });
    return reading;
  };

  const send = (res: ServerResponse, status: number, type: string, body: string): void => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method !== 'GET') return send(res, 405, 'text/plain', `method ${req.method} not allowed; the dashboard is read-only (GET)\n`);
    if (path === '/' || path === '/index.html') return send(res, 200, 'text/html; charset=utf-8', DASHBOARD_HTML);
    if (path === '/api/dashboard') {
      await refresh();
      const data = toDashboardData(store, views, { nowMs: now(), windowPeriods: options.windowPeriods });
      return send(res, 200, 'application/json', JSON.stringify({ ...data, status: options.status?.() ?? null }));
    }
    if (path === '/api/status') return send(res, 200, 'application/json', JSON.stringify(options.status?.() ?? null));
    return send(res, 404, 'text/plain', `no such page ${path}; try / or /api/dashboard\n`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, 500, 'text/plain', `dashboard failed: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

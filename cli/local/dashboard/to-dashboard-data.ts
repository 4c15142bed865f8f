import type { MetricStore, StatisticSet } from './metric-store';
import type { ChartSpec, Statistic, ViewSpec } from './views';

/** One line of a chart: its legend label and [period start ms, value] points. */
export interface ChartLine {
  readonly label: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** The value of the last period. */
  readonly latest: number;
}

/** What the page draws for one chart. */
export interface ChartData {
  readonly title: string;
  readonly metric: string;
  readonly unit: string;
  readonly statistic: Statistic;
  readonly dimensionKeys: readonly string[];
  readonly lines: readonly ChartLine[];
}

/** What the page draws for one view. */
export interface ViewData {
  readonly id: string;
  readonly title: string;
  readonly charts: readonly ChartData[];
}

/** The JSON document of the dashboard endpoint. */
export interface DashboardData {
  readonly generatedAtMs: number;
  readonly periodMs: number;
  /** First period start of the window shown. */
  readonly fromMs: number;
  /** Distinct (metric, dimension set) pairs seen: the custom metrics CloudWatch would bill. */
  readonly metricCount: number;
  readonly views: readonly ViewData[];
}

/** Options of {@link toDashboardData}. */
export interface DashboardDataOptions {
  readonly nowMs: number;
  /** Periods shown per chart, ending with the current one. @default 30 */
  readonly windowPeriods?: number;
}

/** Applies a CloudWatch statistic to one period's statistic set. */
export function toStatistic(set: StatisticSet, statistic: Statistic): number {
  switch (statistic) {
    case 'Average':
      return set.count === 0 ? 0 : set.sum / set.count;
    case 'Sum':
      return set.sum;
    case 'Maximum':
      return set.max;
    case 'Minimum':
      return set.min;
  }
}

function toChart(store: MetricStore, chart: ChartSpec, fromMs: number): ChartData {
  const series = store.select({ metric: chart.metric, dimensionKeys: chart.dimensionKeys });
  const labelKeys = chart.labelKeys ?? [];
  let lines: ChartLine[] = series
    .map((s) => {
      const points = s.points.filter(([t]) => t >= fromMs).map(([t, set]) => [t, toStatistic(set, chart.statistic)] as const);
      const label = labelKeys.length === 0 ? chart.title : labelKeys.map((k) => s.dimensions[k] ?? '?').join(' / ');
      return { label, points, latest: points.length > 0 ? points[points.length - 1][1] : Number.NaN };
    })
    .filter((line) => line.points.length > 0);
  lines.sort((a, b) => b.latest - a.latest || a.label.localeCompare(b.label));
  if (chart.top !== undefined) lines = lines.slice(0, chart.top);
  return {
    title: chart.title,
    metric: chart.metric,
    unit: series[0]?.unit ?? '',
    statistic: chart.statistic,
    dimensionKeys: chart.dimensionKeys,
    lines,
  };
}

/** Reads every chart of every view from the store, over the window that ends at `nowMs`. */
export function toDashboardData(store: MetricStore, views: readonly ViewSpec[], options: DashboardDataOptions): DashboardData {
  const windowPeriods = options.windowPeriods ?? 30;
  const fromMs = Math.floor(options.nowMs / store.periodMs) * store.periodMs - (windowPeriods - 1) * store.periodMs;
  return {
    generatedAtMs: options.nowMs,
    periodMs: store.periodMs,
    fromMs,
    metricCount: store.size(),
    views: views.map((view) => ({ id: view.id, title: view.title, charts: view.charts.map((chart) => toChart(store, chart, fromMs)) })),
  };
}

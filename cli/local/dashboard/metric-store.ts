import type { MetricSample } from './to-metric-samples';

/** CloudWatch's statistic set of one period: what every statistic (Average, Sum, Min, Max) is computed from. */
export interface StatisticSet {
  sum: number;
  count: number;
  min: number;
  max: number;
}

/** The periods of one metric under one dimension set (a CloudWatch "metric"). */
export interface MetricSeries {
  readonly namespace: string;
  readonly metric: string;
  readonly unit: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Period start (epoch ms) -> statistics, ascending. */
  readonly points: ReadonlyArray<readonly [number, StatisticSet]>;
}

/** Which series to read: one metric under one dimension set (names in any order). */
export interface MetricQuery {
  readonly metric: string;
  readonly dimensionKeys: readonly string[];
  /** @default the store's only namespace: any */
  readonly namespace?: string;
}

/** Options of {@link createMetricStore}. */
export interface MetricStoreOptions {
  /** Aggregation period, like a CloudWatch period. @default 60000 (one minute) */
  readonly periodMs?: number;
  /** Periods kept per series; older ones are dropped. @default 180 */
  readonly retainPeriods?: number;
}

/** A metric store: CloudWatch's per-period aggregation of EMF samples, in memory. */
export interface MetricStore {
  readonly periodMs: number;
  add(samples: Iterable<MetricSample>): void;
  select(query: MetricQuery): MetricSeries[];
  /** Number of distinct (metric, dimension set) pairs, what CloudWatch bills as custom metrics. */
  size(): number;
}

interface MutableSeries {
  namespace: string;
  metric: string;
  unit: string;
  dimensions: Record<string, string>;
  setKey: string;
  buckets: Map<number, StatisticSet>;
}

const toSetKey = (keys: Iterable<string>): string => [...keys].sort().join('\u0000');

/** Creates a store that aggregates samples per period and per (namespace, metric, dimension set, values). */
export function createMetricStore(options: MetricStoreOptions = {}): MetricStore {
  const periodMs = options.periodMs ?? 60_000;
  const retainPeriods = options.retainPeriods ?? 180;
  if (!(periodMs > 0)) throw new RangeError(`metric store periodMs ${periodMs} must be > 0`);
  const series = new Map<string, MutableSeries>();

  const add = (samples: Iterable<MetricSample>): void => {
    for (const sample of samples) {
      const sorted = [...sample.dimensions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const id = [sample.namespace, sample.metric, ...sorted.map(([k, v]) => `${k}=${v}`)].join('\u0000');
      let entry = series.get(id);
      if (!entry) {
        entry = {
          namespace: sample.namespace,
          metric: sample.metric,
          unit: sample.unit,
          dimensions: Object.fromEntries(sorted),
          setKey: toSetKey(sorted.map(([k]) => k)),
          buckets: new Map(),
        };
        series.set(id, entry);
      }
      const start = Math.floor(sample.timestampMs / periodMs) * periodMs;
      let bucket = entry.buckets.get(start);
      if (!bucket) {
        bucket = { sum: 0, count: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
        entry.buckets.set(start, bucket);
        if (entry.buckets.size > retainPeriods) {
          const oldest = Math.min(...entry.buckets.keys());
          entry.buckets.delete(oldest);
        }
      }
      for (const value of sample.values) {
        bucket.sum += value;
        bucket.count += 1;
        bucket.min = Math.min(bucket.min, value);
        bucket.max = Math.max(bucket.max, value);
      }
    }
  };

  const select = (query: MetricQuery): MetricSeries[] => {
    const setKey = toSetKey(query.dimensionKeys);
    const found: MetricSeries[] = [];
    for (const entry of series.values()) {
      if (entry.metric !== query.metric || entry.setKey !== setKey) continue;
      if (query.namespace !== undefined && entry.namespace !== query.namespace) continue;
      const points = [...entry.buckets.entries()].sort(([a], [b]) => a - b).map(([t, s]) => [t, { ...s }] as const);
      found.push({ namespace: entry.namespace, metric: entry.metric, unit: entry.unit, dimensions: { ...entry.dimensions }, points });
    }
    return found;
  };

  return { periodMs, add, select, size: () => series.size };
}

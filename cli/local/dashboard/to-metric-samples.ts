/**
 * What CloudWatch extracts from one EMF log event: for every metric a directive declares, one
 * sample per dimension set of that directive, with the dimension values read from the event's
 * root members. Reads the `_aws` block (EMF v1) and the legacy root `CloudWatchMetrics` with a
 * string `Timestamp` (EMF v0). A dimension set whose keys are not all present is skipped, and so
 * is a metric whose value is not a number (or an array of numbers), as CloudWatch does.
 */

/** One metric value (or values) of one event under one dimension set. */
export interface MetricSample {
  readonly namespace: string;
  readonly metric: string;
  readonly unit: string;
  /** Dimension name -> value, in the directive's order. */
  readonly dimensions: ReadonlyArray<readonly [string, string]>;
  readonly timestampMs: number;
  readonly values: readonly number[];
}

interface Directive {
  Namespace?: unknown;
  Dimensions?: unknown;
  Metrics?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function toValues(value: unknown): number[] {
  if (typeof value === 'number' && Number.isFinite(value)) return [value];
  if (Array.isArray(value)) return value.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return [];
}

function toTimestampMs(event: Record<string, unknown>, aws: Record<string, unknown> | undefined): number | undefined {
  const raw = aws?.Timestamp ?? event.Timestamp;
  const ms = typeof raw === 'string' ? Number(raw) : raw;
  return typeof ms === 'number' && Number.isFinite(ms) ? ms : undefined;
}

/** Extracts the metric samples of one EMF event; an event without directives (log-only) gives none. */
export function toMetricSamples(event: unknown): MetricSample[] {
  if (!isObject(event)) return [];
  const aws = isObject(event._aws) ? event._aws : undefined;
  const directives = aws?.CloudWatchMetrics ?? event.CloudWatchMetrics;
  if (!Array.isArray(directives)) return [];
  const timestampMs = toTimestampMs(event, aws);
  if (timestampMs === undefined) return [];
  const samples: MetricSample[] = [];
  for (const directive of directives as Directive[]) {
    if (!isObject(directive) || typeof directive.Namespace !== 'string') continue;
    const sets = Array.isArray(directive.Dimensions) ? directive.Dimensions : [];
    const metrics = Array.isArray(directive.Metrics) ? directive.Metrics : [];
    for (const set of sets) {
      if (!Array.isArray(set)) continue;
      const dimensions: Array<readonly [string, string]> = [];
      for (const key of set) {
        const value = typeof key === 'string' ? event[key] : undefined;
        if (typeof value !== 'string') break;
        dimensions.push([key as string, value]);
      }
      if (dimensions.length !== set.length) continue;
      for (const metric of metrics) {
        if (!isObject(metric) || typeof metric.Name !== 'string') continue;
        const values = toValues(event[metric.Name]);
        if (values.length === 0) continue;
        samples.push({
          namespace: directive.Namespace,
          metric: metric.Name,
          unit: typeof metric.Unit === 'string' ? metric.Unit : '',
          dimensions,
          timestampMs,
          values,
        });
      }
    }
  }
  return samples;
}

/**
 * What CloudWatch takes from EMF events, as a multiset: one entry per (metric, unit, dimension set
 * with its values, timestamp, value) for every value of every metric of every directive, counted.
 * Two outputs with equal multisets give CloudWatch the same samples, so every statistic of every
 * metric is the same; an array of values counts each value once, as CloudWatch does.
 */
export function toMetricTriples(messages: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of messages) {
    const doc = JSON.parse(message) as Record<string, unknown> & {
      _aws?: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit?: string }[] }[] };
    };
    if (!doc._aws) continue;
    for (const directive of doc._aws.CloudWatchMetrics) {
      for (const set of directive.Dimensions) {
        const dims = [...set].sort().map((k) => `${k}=${String(doc[k])}`).join(',');
        for (const metric of directive.Metrics) {
          const raw = doc[metric.Name];
          for (const value of Array.isArray(raw) ? raw : [raw]) {
            const key = `${directive.Namespace}|${metric.Name}|${metric.Unit ?? 'None'}|${dims}|${doc._aws.Timestamp}|${String(value)}`;
            counts.set(key, (counts.get(key) ?? 0) + 1);
          }
        }
      }
    }
  }
  return counts;
}

/** The distinct (metric, dimension names and values) pairs of a triple multiset: what CloudWatch bills as custom metrics. */
export function toCustomMetricKeys(triples: Map<string, number>): Set<string> {
  return new Set([...triples.keys()].map((k) => k.split('|').slice(0, 4).join('|')));
}

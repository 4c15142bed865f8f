import type { CiType, MetricsOf } from './metrics/catalog';

/**
 * A Container Insights record before EMF encoding: the receiver's "record" (catalog section 0),
 * a Type, its metric values and its attributes. The enricher and the poller produce these; the
 * EMF encoder (core/emf.ts) turns each into one CloudWatch Logs event.
 */
export interface CiRecord<T extends CiType = CiType> {
  type: T;
  /** Sample time, epoch ms: the event timestamp and `_aws.Timestamp`. */
  timestampMs: number;
  /** String attributes that become root members (ClusterName, NodeName, PodName, ...). */
  attributes: Record<string, string>;
  /** The `Sources` array. */
  sources: readonly string[];
  /** The `kubernetes` object, when the Type has one. */
  kubernetes?: Record<string, unknown>;
  metrics: MetricsOf<T>;
}

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
  /**
   * A memo the producer passes again with every later record of the same Type, attributes, Sources
   * and kubernetes (the enricher keeps one per pod, container, interface and device while their
   * metadata lives): the encoder keeps there the JSON those members give, instead of writing it again
   * every interval. Omit it when that promise cannot be kept.
   */
  memo?: EncodingMemo;
}

/** What the EMF encoder remembers for one {@link CiRecord.memo}. */
export interface EncodingMemo {
  /** The event's JSON up to its metrics. */
  prefix?: string;
}

/** A new, empty memo. */
export const newEncodingMemo = (): EncodingMemo => ({ prefix: undefined });

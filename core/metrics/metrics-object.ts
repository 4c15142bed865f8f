import { CATALOG, type CiType, type MetricsOf } from './catalog';

/**
 * Fresh metric-value objects for a Type, every catalog metric of the Type present as an own
 * property set to `undefined`, in catalog order. Why: an object that receives 20+ properties through
 * computed keys (`m[name] = v`) drops to V8's slow dictionary mode; objects from a constructor that
 * declares every name keep one fixed shape, so the enricher's stores and the encoder's enumeration
 * stay on the fast path (see bench/enricher.ts). Consumers treat `undefined` as "not emitted".
 */

type Factory = new () => Record<string, number | undefined>;
const factories = new Map<CiType, Factory>();
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function toFactory(type: CiType): Factory {
  const names = Object.keys(CATALOG[type]);
  for (const n of names) if (!IDENTIFIER.test(n)) throw new Error(`catalog metric name ${JSON.stringify(n)} of ${type} is not an identifier`);
  // One named store per metric, generated from the catalog (identifiers only, checked above).
  return new Function(names.map((n) => `this.${n} = undefined;`).join('\n')) as unknown as Factory;
}

/** A new metric-value object of `type` with every catalog metric present and undefined. */
export function createMetrics<T extends CiType>(type: T): MetricsOf<T> {
  let factory = factories.get(type);
  if (!factory) {
    factory = toFactory(type);
    factories.set(type, factory);
  }
  return new factory() as MetricsOf<T>;
}

/** True when at least one metric of the object has a value. */
export function hasMetrics(metrics: Partial<Record<string, number>>): boolean {
  for (const name in metrics) if (metrics[name] !== undefined) return true;
  return false;
}

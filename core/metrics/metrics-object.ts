import { CATALOG, type CiType, type MetricsOf } from './catalog';
import type { FigureSlot } from './names';

/**
 * Metric-value objects built from figure objects (core/metrics/names.ts): every catalog metric of
 * the Type is an own property, in catalog order, holding its figure or `undefined` ("not emitted").
 *
 * Why generated: an object that receives its metrics through computed names (`m[name] = v`) costs a
 * megamorphic store per metric (measured: the largest cost of enrichment; building from figures
 * instead gave 9-11 % more node records/s end to end) and, past 20-odd names, drops to V8's slow
 * dictionary mode. The builder of a Type is one object literal written out once from the catalog, a
 * member per metric reading a named figure, so every object of the Type has one fixed shape and the
 * encoder's enumeration stays on V8's fast path.
 */

/** Builds metric objects of one Type from figure objects in slot order: the i-th fills the i-th slot (undefined: its metrics are not emitted). */
export type MetricsBuilder<T extends CiType, S extends readonly FigureSlot[]> = (...figures: { [I in keyof S]: object | undefined }) => MetricsOf<T>;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A builder of `type`'s metric objects filling `slots` (throws when a slot names a metric the Type lacks, or two slots one metric). */
export function toMetricsBuilder<T extends CiType, const S extends readonly FigureSlot[]>(type: T, slots: S): MetricsBuilder<T, S> {
  const names = Object.keys(CATALOG[type]);
  const source = new Map<string, string>();
  slots.forEach((s, i) => {
    for (const key of s.keys) {
      const name = s.prefix + key;
      if (!names.includes(name)) throw new Error(`slot ${i} of ${type} fills ${name}, which is not a catalog metric of ${type}`);
      if (source.has(name)) throw new Error(`two slots of ${type} fill ${name}`);
      if (!IDENTIFIER.test(key)) throw new Error(`figure key ${JSON.stringify(key)} is not an identifier`);
      source.set(name, `f${i} === undefined ? undefined : f${i}.${key}`);
    }
  });
  for (const n of names) if (!IDENTIFIER.test(n)) throw new Error(`catalog metric name ${JSON.stringify(n)} of ${type} is not an identifier`);
  // Names and keys are identifiers (checked above): the generated text is one object literal.
  const members = names.map((n) => `${n}: ${source.get(n) ?? 'undefined'}`);
  return new Function(...slots.map((_, i) => `f${i}`), `return {\n${members.join(',\n')}\n};`) as MetricsBuilder<T, S>;
}

/** True when at least one metric of the object has a value. */
export function hasMetrics(metrics: Partial<Record<string, number>>): boolean {
  for (const name in metrics) if (metrics[name] !== undefined) return true;
  return false;
}

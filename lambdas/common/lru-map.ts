/**
 * A Map that forgets its least recently used entries beyond a bound: the state a warm Lambda keeps
 * per cluster (tokens, DescribeCluster answers, Auto Scaling groups, the previous observation)
 * must not grow with every cluster and instance it ever saw.
 */

/** Options of {@link createLruMap}. */
export interface LruMapOptions<V> {
  /**
   * Entries kept at most.
   * @default Infinity
   */
  readonly maxEntries?: number;
  /**
   * Total weight kept at most (see `weigh`).
   * @default Infinity
   */
  readonly maxWeight?: number;
  /**
   * The weight of a value, read when it is set.
   * @default every value weighs 1
   */
  readonly weigh?: (value: V) => number;
  /** Called for each entry forgotten to respect a bound. @default none */
  readonly onEvict?: (key: unknown, value: V) => void;
}

/** The bounded map. */
export interface LruMap<K, V> {
  /** The value, marking the entry as the most recently used. */
  get(key: K): V | undefined;
  /** Sets the value as the most recently used, then forgets the least recently used others beyond the bounds (never this one). */
  set(key: K, value: V): void;
  delete(key: K): boolean;
  readonly size: number;
  /** The total weight held. */
  readonly weight: number;
  /** Keys, least recently used first. */
  keys(): IterableIterator<K>;
}

/** Creates a bounded map; a Map's insertion order is its recency order. */
export function createLruMap<K, V>(options: LruMapOptions<V> = {}): LruMap<K, V> {
  const maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
  const maxWeight = options.maxWeight ?? Number.POSITIVE_INFINITY;
  const weigh = options.weigh ?? (() => 1);
  const entries = new Map<K, { value: V; weight: number }>();
  let weight = 0;
  const remove = (key: K): boolean => {
    const entry = entries.get(key);
    if (!entry) return false;
    entries.delete(key);
    weight -= entry.weight;
    return true;
  };
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value) {
      remove(key);
      const entry = { value, weight: weigh(value) };
      entries.set(key, entry);
      weight += entry.weight;
      for (const [oldest, old] of entries) {
        if (oldest === key || (entries.size <= maxEntries && weight <= maxWeight)) break;
        remove(oldest);
        options.onEvict?.(oldest, old.value);
      }
    },
    delete: remove,
    get size() {
      return entries.size;
    },
    get weight() {
      return weight;
    },
    keys: () => entries.keys(),
  };
}

import { createLruMap } from '../../../../lambdas/common/lru-map';

describe('createLruMap', () => {
  test('forgets the least recently used entry beyond maxEntries, a read counting as a use', () => {
    const evicted: unknown[] = [];
    const map = createLruMap<string, number>({ maxEntries: 2, onEvict: (key) => evicted.push(key) });
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1);
    map.set('c', 3);
    expect([...map.keys()]).toEqual(['a', 'c']);
    expect(evicted).toEqual(['b']);
    expect(map.get('b')).toBeUndefined();
  });

  test('forgets the least recently used entries until the total weight fits, never the one just set', () => {
    const map = createLruMap<string, number[]>({ maxWeight: 5, weigh: (v) => v.length });
    map.set('a', [1, 1]);
    map.set('b', [1, 1]);
    expect(map.weight).toBe(4);
    map.set('c', [1, 1, 1]);
    expect([...map.keys()]).toEqual(['b', 'c']);
    expect(map.weight).toBe(5);
    map.set('huge', [1, 1, 1, 1, 1, 1, 1]);
    expect([...map.keys()]).toEqual(['huge']);
    expect(map.weight).toBe(7);
  });

  test('replaces the value of a key without counting its old weight', () => {
    const map = createLruMap<string, number[]>({ maxWeight: 3, weigh: (v) => v.length });
    map.set('a', [1, 1]);
    map.set('a', [1, 1, 1]);
    expect(map.size).toBe(1);
    expect(map.weight).toBe(3);
    expect(map.delete('a')).toBe(true);
    expect(map.weight).toBe(0);
    expect(map.delete('a')).toBe(false);
  });
});

import type { KubeObject } from '../../core/agent-manifest';
import { KUBE_RESOURCES, type KubeStore } from './kube-api-server';
import type { KubeObjects } from './kube-objects';

/**
 * Brings a store to the given objects: upserts what changed, removes what is gone, leaves the
 * rest (and its resourceVersion) alone, as an API server would after the same changes. The local
 * pipeline calls it every interval with the objects of the cluster's new state. Every object is
 * made: meant for the small clusters of local mode, not the benchmark's.
 */
export function syncKubeStore(store: KubeStore, objects: KubeObjects): void {
  const withoutVersion = (o: KubeObject): string => {
    const { resourceVersion: _rv, ...metadata } = o.metadata;
    return JSON.stringify({ ...o, metadata });
  };
  for (const resource of KUBE_RESOURCES) {
    const list = objects[resource];
    const wanted = new Map<string, KubeObject>();
    for (let i = 0; i < list.count; i += 1) {
      const o = list.make(i);
      wanted.set(`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
    }
    for (const existing of store.list(resource)) {
      const key = `${existing.metadata.namespace ?? ''}/${existing.metadata.name}`;
      const next = wanted.get(key);
      if (!next) {
        store.remove(resource, existing.metadata.namespace, existing.metadata.name);
        continue;
      }
      if (withoutVersion(existing) !== withoutVersion(next)) store.upsert(resource, next);
      wanted.delete(key);
    }
    for (const object of wanted.values()) store.upsert(resource, object);
  }
}

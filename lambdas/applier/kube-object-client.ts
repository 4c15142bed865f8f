import { ApiException, KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { KubeObject } from '../../core/agent-manifest';

/** The field manager of every kinsight apply: `kubectl` users see it in managedFields. */
export const FIELD_MANAGER = 'kinsight';

/** What the applier needs of a cluster: read an object, apply one, delete one. */
export interface KubeObjectClient {
  /** The object as the cluster has it; undefined when it does not exist. Rejects with the API's `code` otherwise (403 when not allowed). */
  read(object: KubeObject): Promise<KubeObject | undefined>;
  /** Server-side apply (PATCH `application/apply-patch+yaml`, fieldManager kinsight, force). */
  apply(object: KubeObject): Promise<void>;
  /** Deletes the object; resolves to false when it was already gone. */
  remove(object: KubeObject): Promise<boolean>;
}

/**
 * A {@link KubeObjectClient} over @kubernetes/client-node's generic object API (resource paths found
 * through API discovery, cached per API version).
 */
export function createKubeObjectClient(kc: KubeConfig): KubeObjectClient {
  const api = KubernetesObjectApi.makeApiClient(kc);
  return {
    read: async (object) => {
      try {
        const { apiVersion, kind, metadata } = object;
        const found = await api.read({ apiVersion, kind, metadata: { name: metadata.name, ...(metadata.namespace ? { namespace: metadata.namespace } : {}) } });
        return found as unknown as KubeObject;
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return undefined;
        throw error;
      }
    },
    apply: async (object) => {
      // force: kinsight owns these objects; it takes fields back from a manager that changed them by hand.
      await api.patch(object as unknown as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    },
    remove: async (object) => {
      try {
        await api.delete(object as unknown as KubernetesObject, undefined, undefined, undefined, undefined, 'Background');
        return true;
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return false;
        throw error;
      }
    },
  };
}

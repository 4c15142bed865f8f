import { ConfigError, toSnippet } from '../../core/errors';
import { POD_IDENTITY_AGENT_ADDON, type AddonFacts } from '../../core/prerequisites';
import { toEventCluster, type AgentResourceEvent, type AgentResourceResult } from './apply-agent';

/** What the handler does to the cluster's add-ons. */
export interface PodIdentityAddonDeps {
  /** EKS DescribeAddon of the Pod Identity Agent; undefined when the cluster has none. */
  describe(clusterName: string): Promise<AddonFacts | undefined>;
  /** EKS CreateAddon of the Pod Identity Agent, resolving once it is ACTIVE. */
  create(clusterName: string): Promise<void>;
  /** EKS DeleteAddon of the Pod Identity Agent; resolves when it is gone or was already. */
  remove(clusterName: string): Promise<void>;
  log(message: string, fields: Record<string, unknown>): void;
  /** The clusters the stack baked into this applier: the add-on of no other is touched. */
  readonly clusters: ReadonlySet<string>;
}

// The physical id says who owns the add-on: only one this resource created is ever deleted by it.
const CREATED = 'created';
const USERS = 'cluster-owned';
const toPhysicalId = (cluster: string, owner: string): string => `kinsight-pod-identity-agent/${cluster}/${owner}`;

/**
 * The `Custom::KinsightPodIdentityAgent` handler (POD_IDENTITY_ADDON_RESOURCE_TYPE) (fleet option `installPodIdentityAgent`): on Create,
 * installs the EKS Pod Identity Agent add-on when the cluster has none, and keeps the cluster's own
 * when it has one (never changing it); on Delete, removes the add-on only when this resource
 * created it. Updates of the same cluster do nothing. Like the agent installation, it takes only the
 * cluster name from its event, and refuses a cluster the stack did not bake into the applier.
 */
export function createPodIdentityAddonHandler(deps: PodIdentityAddonDeps): (event: AgentResourceEvent) => Promise<AgentResourceResult> {
  const install = async (cluster: string): Promise<AgentResourceResult> => {
    const existing = await deps.describe(cluster);
    if (existing) {
      deps.log('the cluster has its own Pod Identity Agent add-on; kept as it is', { cluster, status: existing.status, version: existing.version });
      return { PhysicalResourceId: toPhysicalId(cluster, USERS) };
    }
    await deps.create(cluster);
    deps.log('installed the Pod Identity Agent add-on', { cluster, addon: POD_IDENTITY_AGENT_ADDON });
    return { PhysicalResourceId: toPhysicalId(cluster, CREATED) };
  };
  return async (event) => {
    const cluster = toEventCluster(event.ResourceProperties);
    if (!deps.clusters.has(cluster)) {
      if (event.RequestType !== 'Delete') throw new ConfigError(`cluster ${toSnippet(cluster)} is not one of this applier's clusters; expected a cluster of its stack's fleet file`);
      deps.log('not one of this applier\'s clusters, nothing deleted', { cluster });
      return { PhysicalResourceId: event.PhysicalResourceId ?? toPhysicalId(cluster, USERS) };
    }
    if (event.RequestType === 'Create') return install(cluster);
    if (event.RequestType === 'Update') {
      // Same cluster: nothing to change. Another cluster: a new physical id, and CloudFormation deletes the old one.
      if (event.OldResourceProperties?.ClusterName === cluster && event.PhysicalResourceId) return { PhysicalResourceId: event.PhysicalResourceId };
      return install(cluster);
    }
    if (event.PhysicalResourceId === toPhysicalId(cluster, CREATED)) {
      await deps.remove(cluster);
      deps.log('removed the Pod Identity Agent add-on it had installed', { cluster });
    }
    return { PhysicalResourceId: event.PhysicalResourceId ?? toPhysicalId(cluster, USERS) };
  };
}

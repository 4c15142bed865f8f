import { AGENT_NAMESPACE, toAgentManifest, toBundleSha256, type KubeObject } from '../../core/agent-manifest';
import { toAgentKeySecretName } from '../../core/agent-key';
import { toApplierRbac, toBootstrapDifference } from '../../core/applier-rbac';
import { ConfigError, KinsightError, toSnippet } from '../../core/errors';
import { POLLER_CLUSTER_ROLE } from '../../core/poller-rbac';
import {
  checkAuthenticationMode,
  checkClusterActive,
  checkOidcProvider,
  checkPodIdentityAgent,
  toFailureText,
  type AddonFacts,
  type CheckResult,
  type ClusterFacts,
} from '../../core/prerequisites';
import type { ApplierConfig } from './applier-config';
import type { KubeObjectClient } from './kube-object-client';

/** The custom resource event, as the CDK Provider framework passes it to its onEvent handler. */
export interface AgentResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  /** `Custom::KinsightAgent` (this handler) or another type the same provider serves. */
  readonly ResourceType?: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, unknown>;
  readonly OldResourceProperties?: Record<string, unknown>;
}

/** What the handler returns to the Provider framework. */
export interface AgentResourceResult {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/** What the applier talks to. */
export interface ApplierDeps {
  /** What the stack baked into the applier: everything it installs but the cluster name. */
  readonly config: ApplierConfig;
  /** A client for one cluster's API server; rejects with {@link ClusterGoneError} when the cluster no longer exists. */
  connect(clusterName: string): Promise<KubeObjectClient>;
  /** The agent bundle shipped next to the handler. */
  readBundle(): string;
  /** One structured log line. */
  log(message: string, fields: Record<string, unknown>): void;
  /** EKS DescribeCluster, for the prerequisite checks; undefined when the cluster does not exist. */
  describeCluster(clusterName: string): Promise<ClusterFacts | undefined>;
  /** EKS DescribeAddon of the Pod Identity Agent add-on; undefined when the cluster has none. */
  podIdentityAgent(clusterName: string): Promise<AddonFacts | undefined>;
}

/** A cluster misses a prerequisite of kinsight: the custom resource fails with the same words as `kinsight doctor`. */
export class PrerequisiteError extends KinsightError {}

/** The cluster was deleted: there is nothing left to delete in it (a Delete then succeeds; a Create or Update fails with it). */
export class ClusterGoneError extends KinsightError {}

/** The only properties the applier reads from its event; CloudFormation adds ServiceToken, the stack a revision that only triggers updates. */
const READ_PROPERTIES = new Set(['ServiceToken', 'ClusterName', 'Revision']);

/** The cluster an event names: the one thing the applier takes from it. */
export function toEventCluster(props: Record<string, unknown>): string {
  const cluster = props.ClusterName;
  if (typeof cluster !== 'string' || cluster === '') throw new ConfigError(`custom resource property ClusterName is ${toSnippet(cluster)}; expected a cluster name`);
  return cluster;
}

const toPhysicalId = (clusterName: string): string => `kinsight-agent/${clusterName}`;

/** The poller's ClusterRole and binding: the bootstrap's with `rbac-group`, the applier's own with `cluster-admin`. */
const isPollerRbac = (object: KubeObject): boolean => (object.kind === 'ClusterRole' || object.kind === 'ClusterRoleBinding') && object.metadata.name === POLLER_CLUSTER_ROLE;

/**
 * The objects the applier installs in a cluster, from its configuration alone: the agent manifest
 * with the cluster's key secret, less the poller's RBAC when the bootstrap owns it (`rbac-group`).
 * Deleting needs only the objects' identities, so an older package's bundle is accepted then.
 */
export function toAppliedObjects(config: ApplierConfig, cluster: string, bundle: string, verifyBundle: boolean): KubeObject[] {
  const actual = toBundleSha256(bundle);
  if (verifyBundle && actual !== config.bundleSha256) {
    throw new ConfigError(
      `the agent bundle in the applier package has SHA-256 ${actual}, its settings expect ${config.bundleSha256}; redeploy so that both come from the same synth`,
    );
  }
  const roleArn = config.clusters.get(cluster)?.irsaRoleArn;
  const objects = toAgentManifest({
    clusterName: cluster,
    streamName: config.streamName,
    region: config.region,
    image: config.image,
    interval: config.interval,
    agentBundle: bundle,
    // The cluster's own key: its agents may read that secret and no other (cdk/lib/constructs/agent-identity.ts).
    keySecret: toAgentKeySecretName(cluster),
    ...(config.runAsUser === undefined ? {} : { runAsUser: config.runAsUser }),
    ...(config.runAsGroup === undefined ? {} : { runAsGroup: config.runAsGroup }),
    ...(config.podLogsDir === undefined ? {} : { podLogsDir: config.podLogsDir }),
    ...(roleArn ? { serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': roleArn } } : {}),
  });
  return config.applierAccess === 'rbac-group' ? objects.filter((o) => !isPollerRbac(o)) : objects;
}

const BOOTSTRAP_FIX =
  'fix: as a cluster administrator, `kinsight manifest --applier-rbac | kubectl apply --server-side --force-conflicts -f -` in that cluster (docs/operations.md), or use applierAccess "cluster-admin"';

/**
 * The applier's onEvent handler. It takes the cluster name from the event and nothing else: the
 * image, stream, region, annotations, identity and access mode are the stack's (deps.config), and a
 * cluster the applier does not serve is refused. Create and Update server-side-apply the objects in
 * order (namespace first), after the prerequisite checks and, with `rbac-group`, a check that the
 * cluster's RBAC bootstrap is in place and current; Delete removes them in reverse order (DaemonSet
 * first), tolerating objects or a whole cluster that are already gone. A failure rejects, which fails
 * the CloudFormation operation.
 */
export function createApplier(deps: ApplierDeps): (event: AgentResourceEvent) => Promise<AgentResourceResult> {
  const { config } = deps;
  // The checks of `kinsight doctor --before-deploy` for this cluster, with its messages: a cluster that
  // misses one fails here, clearly, instead of deploying agents that would fail every PutRecords.
  const checkPrerequisites = async (name: string): Promise<void> => {
    const facts = await deps.describeCluster(name);
    const results: CheckResult[] = [checkClusterActive(name, facts, config.region)];
    if (facts) {
      results.push(checkAuthenticationMode(name, facts));
      // IAM is global and a private network may not reach it: the applier compares the issuer only.
      if (config.agentIdentity === 'irsa') results.push(checkOidcProvider(name, config.clusters.get(name)?.oidcProviderArn as string, facts, 'not-read'));
      else results.push(checkPodIdentityAgent(name, await deps.podIdentityAgent(name), false));
    }
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) {
      throw new PrerequisiteError(
        `cluster ${name} is not ready for kinsight: ${failed.map((r) => `${r.check}: ${toFailureText(r)}`).join(' | ')} (\`kinsight doctor --before-deploy\` checks this before a deploy)`,
      );
    }
    deps.log('prerequisites met', { cluster: name, checks: results.map((r) => r.check) });
  };
  // With rbac-group the applier may read the bootstrap's objects and nothing more of RBAC: an old
  // bootstrap (which let the applier write the poller's role) cannot even be read, and fails here.
  const checkBootstrap = async (client: KubeObjectClient, cluster: string): Promise<void> => {
    const problems: string[] = [];
    for (const expected of toApplierRbac(AGENT_NAMESPACE)) {
      try {
        const difference = toBootstrapDifference(expected, await client.read(expected));
        if (difference) problems.push(difference);
      } catch (error) {
        if ((error as { code?: unknown }).code !== 403) throw error;
        problems.push(`${expected.kind} ${expected.metadata.name} may not be read (403 Forbidden: no bootstrap, or one from an older kinsight)`);
      }
    }
    if (problems.length > 0) throw new PrerequisiteError(`cluster ${cluster}'s RBAC bootstrap for the applier is missing or outdated: ${problems.join('; ')}; ${BOOTSTRAP_FIX}`);
  };
  const applyAll = async (cluster: string): Promise<void> => {
    const objects = toAppliedObjects(config, cluster, deps.readBundle(), true);
    await checkPrerequisites(cluster);
    const client = await deps.connect(cluster);
    if (config.applierAccess === 'rbac-group') await checkBootstrap(client, cluster);
    for (const object of objects) {
      try {
        await client.apply(object);
      } catch (error) {
        if ((error as { code?: unknown }).code !== 403) throw error;
        throw new KinsightError(
          `the applier may not apply ${object.kind} ${object.metadata.name} in cluster ${cluster} (403 Forbidden); expected its access entry and RBAC bootstrap to grant it; ${BOOTSTRAP_FIX}`,
          { cause: error },
        );
      }
      deps.log('applied', { cluster, kind: object.kind, name: object.metadata.name });
    }
  };
  const deleteAll = async (cluster: string): Promise<void> => {
    let client: KubeObjectClient;
    try {
      client = await deps.connect(cluster);
    } catch (error) {
      if (error instanceof ClusterGoneError) {
        deps.log('cluster gone, nothing to delete', { cluster });
        return;
      }
      throw error;
    }
    for (const object of toAppliedObjects(config, cluster, deps.readBundle(), false).reverse()) {
      const existed = await client.remove(object);
      deps.log(existed ? 'deleted' : 'already gone', { cluster, kind: object.kind, name: object.metadata.name });
    }
  };

  return async (event) => {
    const cluster = toEventCluster(event.ResourceProperties);
    const ignored = Object.keys(event.ResourceProperties).filter((key) => !READ_PROPERTIES.has(key));
    if (ignored.length > 0) deps.log('event properties ignored: the applier installs what its stack baked into it', { cluster, ignored });
    const physicalId = toPhysicalId(cluster);
    const served = config.clusters.has(cluster);
    if (event.RequestType === 'Delete') {
      // A Delete of a resource whose Create failed carries no object of ours; a cluster this applier
      // does not serve (a rollback after its removal from the fleet) is not touched.
      if (!served) deps.log('not one of this applier\'s clusters, nothing deleted', { cluster });
      else if (event.PhysicalResourceId === physicalId) await deleteAll(cluster);
      return { PhysicalResourceId: event.PhysicalResourceId ?? physicalId };
    }
    if (!served) {
      throw new ConfigError(
        `cluster ${toSnippet(cluster)} is not one of this applier's clusters (${[...config.clusters.keys()].slice(0, 5).join(', ')}${config.clusters.size > 5 ? ', ...' : ''}); expected a cluster of its stack's fleet file`,
      );
    }
    await applyAll(cluster);
    return { PhysicalResourceId: physicalId, Data: { BundleSha256: config.bundleSha256 } };
  };
}

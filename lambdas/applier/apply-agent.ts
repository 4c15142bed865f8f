import { toAgentManifest, toBundleSha256, type KubeObject } from '../../core/agent-manifest';
import { ConfigError, KinsightError, toSnippet } from '../../core/errors';
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

/** The cluster was deleted: there is nothing left to delete in it. */
export class ClusterGoneError extends Error {}

/** The custom resource's properties (CloudFormation passes every value as a string or a string map). */
interface AgentProperties {
  readonly clusterName: string;
  readonly streamName: string;
  readonly region: string;
  readonly image: string;
  readonly interval: string;
  readonly serviceAccountAnnotations: Record<string, string>;
  readonly bundleSha256: string;
  /** How the agent gets its AWS identity: decides which prerequisite is checked. */
  readonly agentIdentity: 'pod-identity' | 'irsa';
  readonly oidcProviderArn?: string;
}

function parseProperties(props: Record<string, unknown>): AgentProperties {
  const text = (key: string): string => {
    const value = props[key];
    if (typeof value !== 'string' || value === '') throw new ConfigError(`custom resource property ${key} is ${toSnippet(value)}; expected a non-empty string`);
    return value;
  };
  const annotations = props.ServiceAccountAnnotations ?? {};
  if (typeof annotations !== 'object' || annotations === null || Array.isArray(annotations)) {
    throw new ConfigError(`custom resource property ServiceAccountAnnotations is ${toSnippet(annotations)}; expected a string map`);
  }
  const identity = props.AgentIdentity ?? 'pod-identity';
  if (identity !== 'pod-identity' && identity !== 'irsa') throw new ConfigError(`custom resource property AgentIdentity is ${toSnippet(identity)}; expected pod-identity or irsa`);
  return {
    agentIdentity: identity,
    ...(identity === 'irsa' ? { oidcProviderArn: text('OidcProviderArn') } : {}),
    clusterName: text('ClusterName'),
    streamName: text('StreamName'),
    region: text('Region'),
    image: text('Image'),
    interval: text('Interval'),
    serviceAccountAnnotations: annotations as Record<string, string>,
    bundleSha256: text('BundleSha256'),
  };
}

const toPhysicalId = (clusterName: string): string => `kinsight-agent/${clusterName}`;

// Deleting needs only the objects' identities: an older resource's bundle hash need not match the package.
function render(props: AgentProperties, bundle: string, verifyBundle: boolean): KubeObject[] {
  const actual = toBundleSha256(bundle);
  if (verifyBundle && actual !== props.bundleSha256) {
    throw new ConfigError(
      `the agent bundle in the applier package has SHA-256 ${actual}, the stack expects ${props.bundleSha256}; redeploy so that both come from the same synth`,
    );
  }
  const annotations = Object.keys(props.serviceAccountAnnotations).length > 0 ? { serviceAccountAnnotations: props.serviceAccountAnnotations } : {};
  return toAgentManifest({
    clusterName: props.clusterName,
    streamName: props.streamName,
    region: props.region,
    image: props.image,
    interval: props.interval,
    agentBundle: bundle,
    ...annotations,
  });
}

/**
 * The applier's onEvent handler: Create and Update server-side-apply every object of the agent manifest
 * in order (namespace first); Delete removes them in reverse order (DaemonSet first), tolerating objects
 * or a whole cluster that are already gone. A failure rejects, which fails the CloudFormation operation.
 */
export function createApplier(deps: ApplierDeps): (event: AgentResourceEvent) => Promise<AgentResourceResult> {
  // The checks of `kinsight doctor --before-deploy` for this cluster, with its messages: a cluster that
  // misses one fails here, clearly, instead of deploying agents that would fail every PutRecords.
  const checkPrerequisites = async (props: AgentProperties): Promise<void> => {
    const name = props.clusterName;
    const facts = await deps.describeCluster(name);
    const results: CheckResult[] = [checkClusterActive(name, facts, props.region)];
    if (facts) {
      results.push(checkAuthenticationMode(name, facts));
      // IAM is global and a private network may not reach it: the applier compares the issuer only.
      if (props.agentIdentity === 'irsa') results.push(checkOidcProvider(name, props.oidcProviderArn as string, facts, 'not-read'));
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
  const applyAll = async (props: AgentProperties): Promise<void> => {
    const objects = render(props, deps.readBundle(), true);
    await checkPrerequisites(props);
    const client = await deps.connect(props.clusterName);
    for (const object of objects) {
      try {
        await client.apply(object);
      } catch (error) {
        if ((error as { code?: unknown }).code !== 403) throw error;
        // The usual cause: the one-time RBAC bootstrap of applierAccess "rbac-group" was not applied.
        throw new KinsightError(
          `the applier may not apply ${object.kind} ${object.metadata.name} in cluster ${props.clusterName} (403 Forbidden); expected its access entry ` +
            'to grant it: with applierAccess "rbac-group", run `kinsight manifest --applier-rbac | kubectl apply --server-side -f -` once in that cluster ' +
            '(docs/operations.md), or use applierAccess "cluster-admin"',
          { cause: error },
        );
      }
      deps.log('applied', { cluster: props.clusterName, kind: object.kind, name: object.metadata.name });
    }
  };
  const deleteAll = async (props: AgentProperties): Promise<void> => {
    let client: KubeObjectClient;
    try {
      client = await deps.connect(props.clusterName);
    } catch (error) {
      if (error instanceof ClusterGoneError) {
        deps.log('cluster gone, nothing to delete', { cluster: props.clusterName });
        return;
      }
      throw error;
    }
    const objects = render(props, deps.readBundle(), false).reverse();
    for (const object of objects) {
      const existed = await client.remove(object);
      deps.log(existed ? 'deleted' : 'already gone', { cluster: props.clusterName, kind: object.kind, name: object.metadata.name });
    }
  };

  return async (event) => {
    const props = parseProperties(event.ResourceProperties);
    const physicalId = toPhysicalId(props.clusterName);
    if (event.RequestType === 'Delete') {
      // A Delete of a resource whose Create failed carries no object of ours: nothing to do.
      if (event.PhysicalResourceId === physicalId) await deleteAll(props);
      return { PhysicalResourceId: event.PhysicalResourceId ?? physicalId };
    }
    // A changed cluster name yields a new physical id: CloudFormation then deletes the old installation.
    await applyAll(props);
    return { PhysicalResourceId: physicalId, Data: { BundleSha256: props.bundleSha256 } };
  };
}

import { createHash } from 'node:crypto';
import { NestedStack, RemovalPolicy, type NestedStackProps, aws_logs as logs, type aws_dynamodb as dynamodb } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { toPerformanceLogGroup } from '../../../core/limits';
import type { ApplierSettingsFile } from '../../../core/applier-settings';
import type { MetricDeclaration } from '../../../core/metrics/profiles';
import { DEFAULT_POLLER_MEMORY_MB, toPollerMemoryMb } from '../../../core/poller-sizing';
import type { ApplierAccess, ClusterConfig, PrivateEndpoint, Profile } from '../fleet-config';
import { toConstructId } from '../to-construct-id';
import { AgentInstaller } from './agent-installer';
import { AgentKeySecret } from './agent-key-secret';
import { ClusterAccess } from './cluster-access';
import { PodIdentityAgentAddons } from './pod-identity-agent-addons';
import { Poller } from './poller';

/** Props of {@link ClusterGroup}. */
export interface ClusterGroupProps extends NestedStackProps {
  /** The clusters of the group (cdk/lib/cluster-groups.ts assigns them). */
  readonly clusters: readonly ClusterConfig[];
  /** The node metadata table the pollers write. */
  readonly table: dynamodb.ITableV2;
  /** Fleet default declaration profile. */
  readonly profile: Profile;
  /** Metric declarations replacing the fleet profile's. @default none */
  readonly declarations?: readonly MetricDeclaration[];
  /** Retention of the clusters' performance log groups, days. */
  readonly logRetentionDays: number;
  /** What the applier may do in each cluster. */
  readonly applierAccess: ApplierAccess;
  /** The fleet's applier settings (cdk/lib/applier-settings.ts): what every applier installs. */
  readonly applierSettings: ApplierSettingsFile;
  /** Where they were written at synth, for the appliers' code package. */
  readonly applierSettingsPath: string;
  /** Path of the built agent bundle. */
  readonly agentBundlePath: string;
  /** The stream the agents write to (a token at synth). */
  readonly streamName: string;
  /** With IRSA: the name of a cluster's agent role. @default none (EKS Pod Identity) */
  readonly irsaRoleNameOf?: (clusterName: string) => string | undefined;
  /** The fleet's agent key rotation function (AgentKeyRotation). */
  readonly keyRotationFunctionArn: string;
  /** Handler files. @default the lambdas/ handlers */
  readonly entries?: { readonly poller?: string; readonly applier?: string };
  /**
   * Install the EKS Pod Identity Agent add-on in the group's clusters that have none (never touching one a cluster has).
   * @default false
   */
  readonly installPodIdentityAgent?: boolean;
}

/** Clusters reachable from the same network: one applier serves them, one poller per memory size. */
export interface Network {
  readonly id: string;
  readonly endpoint?: PrivateEndpoint;
  readonly clusters: ClusterConfig[];
}

/**
 * A network's construct id, from what it is and nothing else (not its place in the fleet file):
 * `Public`, or `Vpc` + the VPC id + a short hash of the subnets and security groups.
 */
export function toNetworkId(endpoint: PrivateEndpoint | undefined): string {
  if (!endpoint) return 'Public';
  const placement = createHash('sha256').update(JSON.stringify([endpoint.subnetIds, endpoint.securityGroupIds])).digest('hex').slice(0, 6);
  return `Vpc${toConstructId(endpoint.vpcId)}${placement}`;
}

/** The id of the applier serving a network of a cluster group: `Clusters07/Public`. */
export const toApplierId = (groupId: string, networkId: string): string => `${groupId}/${networkId}`;

/** A group's clusters by network, in fleet-file order: one applier per network. */
export function toNetworks(clusters: readonly ClusterConfig[]): Network[] {
  const networks = new Map<string, Network>();
  for (const cluster of clusters) {
    const id = toNetworkId(cluster.private);
    const network = networks.get(id) ?? { id, clusters: [], ...(cluster.private ? { endpoint: cluster.private } : {}) };
    network.clusters.push(cluster);
    networks.set(id, network);
  }
  return [...networks.values()];
}

/**
 * The per-cluster resources of a group of clusters, in a nested stack of their own so that no
 * template outgrows CloudFormation's limits whatever the fleet size: for each network, an applier
 * (agent installer) and one poller per memory size; for each cluster, its performance log group
 * (created, or adopted when it exists, by a retention resource that never deletes it), its EKS access
 * entries, its schedule, its signing key (a secret with its rotation schedule) and its agent installation. Every construct id derives from a name (cluster,
 * network, memory size), never from a position, so that adding or removing a cluster leaves the
 * others' resources as they are.
 */
export class ClusterGroup extends NestedStack {
  /** Every poller of the group. */
  readonly pollers: Poller[] = [];
  /** Every agent installer of the group. */
  readonly installers: AgentInstaller[] = [];
  /** The poller of each cluster, by cluster name. */
  readonly pollerOf = new Map<string, Poller>();
  /** The signing key of each cluster, by cluster name. */
  readonly keys = new Map<string, AgentKeySecret>();

  constructor(scope: Construct, id: string, props: ClusterGroupProps) {
    super(scope, id, props);
    for (const network of toNetworks(props.clusters)) {
      const sizes = new Map<number, ClusterConfig[]>();
      for (const cluster of network.clusters) {
        const memoryMb = cluster.nodes === undefined ? DEFAULT_POLLER_MEMORY_MB : toPollerMemoryMb(cluster.nodes);
        sizes.set(memoryMb, [...(sizes.get(memoryMb) ?? []), cluster]);
      }
      for (const [memoryMb, clusters] of sizes) {
        const poller = new Poller(this, `Poller${network.id}${memoryMb}`, {
          clusters,
          table: props.table,
          profile: props.profile,
          memorySize: memoryMb,
          ...(props.declarations ? { declarations: props.declarations } : {}),
          ...(network.endpoint ? { network: network.endpoint } : {}),
          ...(props.entries?.poller ? { entry: props.entries.poller } : {}),
        });
        this.pollers.push(poller);
        for (const cluster of clusters) this.pollerOf.set(cluster.name, poller);
      }
      const installer = new AgentInstaller(this, `Installer${network.id}`, {
        applierId: toApplierId(id, network.id),
        clusters: network.clusters,
        settings: props.applierSettings,
        settingsPath: props.applierSettingsPath,
        agentBundlePath: props.agentBundlePath,
        streamName: props.streamName,
        ...(props.irsaRoleNameOf ? { irsaRoleNameOf: props.irsaRoleNameOf } : {}),
        ...(network.endpoint ? { network: network.endpoint } : {}),
        ...(props.entries?.applier ? { entry: props.entries.applier } : {}),
      });
      this.installers.push(installer);
      if (props.installPodIdentityAgent) new PodIdentityAgentAddons(this, `PodIdentityAgent${network.id}`, { installer, clusterNames: network.clusters.map((c) => c.name) });
      for (const cluster of network.clusters) {
        const clusterId = toConstructId(cluster.name);
        // Creates the group when it is missing and sets its retention; adopts a group that exists (a
        // cluster added again, or a fleet upgraded from the single-stack layout); never deletes it.
        const logGroup = new logs.LogRetention(this, `Performance${clusterId}`, {
          logGroupName: toPerformanceLogGroup(cluster.name),
          retention: props.logRetentionDays as logs.RetentionDays,
          removalPolicy: RemovalPolicy.RETAIN,
        });
        const access = new ClusterAccess(this, `Access${clusterId}`, {
          clusterName: cluster.name,
          pollerRole: (this.pollerOf.get(cluster.name) as Poller).role,
          applierRole: installer.role,
          applierAccess: props.applierAccess,
        });
        const key = new AgentKeySecret(this, `Key${clusterId}`, { clusterName: cluster.name, rotationFunctionArn: props.keyRotationFunctionArn });
        this.keys.set(cluster.name, key);
        // The applier needs its access entry before it can apply; the agents need their log group and signing key.
        const installation = installer.installations.get(cluster.name);
        installation?.node.addDependency(access.applierEntry, logGroup, key.secret);
      }
    }
  }
}

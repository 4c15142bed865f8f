import { Duration, RemovalPolicy, Stack, type StackProps, aws_kms as kms, aws_logs as logs } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { toPerformanceLogGroup } from '../../core/limits';
import type { ClusterConfig, FleetConfig, PrivateEndpoint } from './fleet-config';
import { AgentIdentity } from './constructs/agent-identity';
import { AgentInstaller } from './constructs/agent-installer';
import { ClusterAccess } from './constructs/cluster-access';
import { Enricher } from './constructs/enricher';
import { MetadataTable } from './constructs/metadata-table';
import { PipelineMonitoring } from './constructs/pipeline-monitoring';
import { PipelineStream } from './constructs/pipeline-stream';
import { PodIdentityAgentAddons } from './constructs/pod-identity-agent-addons';
import { Poller } from './constructs/poller';
import { toConstructId } from './to-construct-id';

/** Handler files of the three Lambdas, relative to the project root. */
export interface LambdaEntries {
  readonly enricher: string;
  readonly poller: string;
  readonly applier: string;
}

/** Props of {@link FleetStack}. */
export interface FleetStackProps extends StackProps {
  /** The validated fleet configuration. */
  readonly fleet: FleetConfig;
  /** Path of the built agent bundle (cdk/bin/app.ts builds it with esbuild). */
  readonly agentBundlePath: string;
  /** SHA-256 (hex) of that bundle. */
  readonly agentBundleSha256: string;
  /**
   * Lambda handler files.
   * @default lambdas/enricher/handler.ts, lambdas/poller/handler.ts, lambdas/applier/handler.ts
   */
  readonly entries?: Partial<LambdaEntries>;
}

/** A group of clusters reachable from the same network: one poller and one applier serve it. */
interface Network {
  readonly id: string;
  readonly endpoint?: PrivateEndpoint;
  readonly clusters: ClusterConfig[];
}

function toNetworks(clusters: readonly ClusterConfig[]): Network[] {
  const networks = new Map<string, Network>();
  for (const cluster of clusters) {
    const key = cluster.private ? JSON.stringify(cluster.private) : 'public';
    let network = networks.get(key);
    if (!network) {
      const id = cluster.private ? `Vpc${toConstructId(cluster.private.vpcId)}${networks.size}` : 'Public';
      network = { id, clusters: [], ...(cluster.private ? { endpoint: cluster.private } : {}) };
      networks.set(key, network);
    }
    network.clusters.push(cluster);
  }
  return [...networks.values()];
}

/**
 * kinsight for every cluster of a fleet, in one account and region: KMS key, Kinesis stream, metadata
 * table, enricher with its event source and failure queue, pollers with a schedule per cluster, per-cluster
 * log groups, EKS access entries, agent identity and agent installation, alarms and a dashboard.
 */
export class FleetStack extends Stack {
  /** The stream construct. */
  readonly stream: PipelineStream;
  /** The enricher. */
  readonly enricher: Enricher;
  /** One poller per network. */
  readonly pollers: Poller[] = [];
  /** One agent installer per network. */
  readonly installers: AgentInstaller[] = [];

  constructor(scope: Construct, id: string, props: FleetStackProps) {
    super(scope, id, props);
    const { fleet } = props;
    const key = new kms.Key(this, 'Key', {
      description: 'kinsight: stream and failure queue',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stream = new PipelineStream(this, 'Stream', { encryptionKey: key, mode: fleet.streamMode, shards: fleet.shards });
    const { stream } = this.stream;
    const { table } = new MetadataTable(this, 'Metadata');

    const logGroups = new Map<string, logs.ILogGroup>();
    for (const cluster of fleet.clusters) {
      logGroups.set(
        cluster.name,
        new logs.LogGroup(this, `Performance${toConstructId(cluster.name)}`, {
          logGroupName: toPerformanceLogGroup(cluster.name),
          retention: fleet.logRetentionDays as logs.RetentionDays,
          removalPolicy: RemovalPolicy.RETAIN,
        }),
      );
    }

    const clusterProfiles = Object.fromEntries(
      fleet.clusters.flatMap((c) => (c.profile && c.profile !== fleet.profile ? [[c.name, c.profile] as const] : [])),
    );
    const enricher = (this.enricher = new Enricher(this, 'Enricher', {
      stream,
      table,
      encryptionKey: key,
      logGroups: [...logGroups.values()],
      profile: fleet.profile,
      clusterProfiles,
      ...(props.entries?.enricher ? { entry: props.entries.enricher } : {}),
    }));

    const identity = new AgentIdentity(this, 'AgentIdentity', { stream, encryptionKey: key, clusters: fleet.clusters, mode: fleet.agentIdentity });
    const pollers = this.pollers;
    for (const network of toNetworks(fleet.clusters)) {
      const poller = new Poller(this, `Poller${network.id}`, {
        clusters: network.clusters,
        table,
        logGroups,
        profile: fleet.profile,
        ...(network.endpoint ? { network: network.endpoint } : {}),
        ...(props.entries?.poller ? { entry: props.entries.poller } : {}),
      });
      pollers.push(poller);
      const installer: AgentInstaller = new AgentInstaller(this, `Installer${network.id}`, {
        clusters: network.clusters,
        agentBundlePath: props.agentBundlePath,
        agentBundleSha256: props.agentBundleSha256,
        settingsOf: (name) => ({
          streamName: stream.streamName,
          region: this.region,
          image: fleet.agentImage,
          interval: fleet.interval,
          serviceAccountAnnotations: identity.serviceAccountAnnotations(name),
          agentIdentity: fleet.agentIdentity,
          oidcProviderArn: network.clusters.find((c) => c.name === name)?.oidcProviderArn,
        }),
        ...(network.endpoint ? { network: network.endpoint } : {}),
        ...(props.entries?.applier ? { entry: props.entries.applier } : {}),
      });
      this.installers.push(installer);
      if (fleet.installPodIdentityAgent) new PodIdentityAgentAddons(this, `PodIdentityAgent${network.id}`, { installer, clusterNames: network.clusters.map((c) => c.name) });
      for (const cluster of network.clusters) {
        const access = new ClusterAccess(this, `Access${toConstructId(cluster.name)}`, {
          clusterName: cluster.name,
          pollerRole: poller.role,
          applierRole: installer.role,
          applierAccess: fleet.applierAccess,
        });
        // The applier needs its access entry before it can apply. Pods started before their Pod Identity
        // association exists get no credentials until restarted, so the association comes first too.
        const installation = installer.installations.get(cluster.name);
        installation?.node.addDependency(access.applierEntry);
        const association = identity.associations.get(cluster.name);
        if (association) installation?.node.addDependency(association);
      }
    }

    new PipelineMonitoring(this, 'Monitoring', {
      stream,
      enricher: enricher.function,
      failureQueue: enricher.failureQueue,
      maxIteratorAge: Duration.minutes(5),
      pollers: pollers.map((p) => ({
        function: p.function,
        clusterNames: [...p.rules.keys()],
      })),
    });
  }
}

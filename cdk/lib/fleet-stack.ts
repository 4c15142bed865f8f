import { Duration, RemovalPolicy, Stack, type StackProps, aws_kms as kms } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { toClusterGroupId, toClusterGroups } from './cluster-groups';
import { toClusterProfiles, type FleetConfig } from './fleet-config';
import { AgentIdentity } from './constructs/agent-identity';
import type { AgentInstaller } from './constructs/agent-installer';
import { ClusterGroup } from './constructs/cluster-group';
import { Enricher } from './constructs/enricher';
import { MetadataTable } from './constructs/metadata-table';
import { PipelineMonitoring } from './constructs/pipeline-monitoring';
import { PipelineStream } from './constructs/pipeline-stream';
import type { Poller } from './constructs/poller';

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

/**
 * kinsight for every cluster of a fleet, in one account and region. This stack holds what the fleet
 * shares (KMS key, Kinesis stream, metadata table, enricher with its event source and failure queue,
 * alarms and dashboard) and the agent's identity in each cluster (its Pod Identity association or
 * IRSA role); each group of clusters (cdk/lib/cluster-groups.ts) gets a nested stack with its
 * pollers, applier, performance log groups, EKS access entries, schedules and agent installations.
 * cdk/README.md shows the layout and what an upgrade from the single-stack layout does.
 */
export class FleetStack extends Stack {
  /** The stream construct. */
  readonly stream: PipelineStream;
  /** The enricher. */
  readonly enricher: Enricher;
  /** The agent identity (associations or IRSA roles). */
  readonly identity: AgentIdentity;
  /** One nested stack per non-empty cluster group, by group number. */
  readonly groups = new Map<number, ClusterGroup>();
  /** Every poller, across groups. */
  readonly pollers: Poller[] = [];
  /** Every agent installer, across groups. */
  readonly installers: AgentInstaller[] = [];
  /** Alarms and dashboard. */
  readonly monitoring: PipelineMonitoring;
  /** The fleet's clusters, in fleet-file order. */
  readonly clusterNames: readonly string[];

  constructor(scope: Construct, id: string, props: FleetStackProps) {
    super(scope, id, props);
    const { fleet } = props;
    this.clusterNames = fleet.clusters.map((c) => c.name);
    const key = new kms.Key(this, 'Key', {
      description: 'kinsight: stream and failure queue',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stream = new PipelineStream(this, 'Stream', { encryptionKey: key, mode: fleet.streamMode, shards: fleet.shards });
    const { stream } = this.stream;
    const { table } = new MetadataTable(this, 'Metadata');

    const enricher = (this.enricher = new Enricher(this, 'Enricher', {
      stream,
      table,
      encryptionKey: key,
      clusterNames: this.clusterNames,
      profile: fleet.profile,
      clusterProfiles: toClusterProfiles(fleet.clusters, fleet.profile),
      ...(fleet.declarations ? { declarations: fleet.declarations } : {}),
      ...(fleet.logOnlyEvery ? { logOnlyEvery: fleet.logOnlyEvery } : {}),
      ...(props.entries?.enricher ? { entry: props.entries.enricher } : {}),
    }));

    // Kept in this stack, under the construct ids of the single-stack layout: an association cannot be
    // created in a nested stack while the old one exists (one per service account and cluster), and an
    // IRSA role that changed would strand the running agents (cdk/README.md, "Upgrading").
    const identity = (this.identity = new AgentIdentity(this, 'AgentIdentity', { stream, encryptionKey: key, clusters: fleet.clusters, mode: fleet.agentIdentity }));

    for (const [number, clusters] of toClusterGroups(fleet.clusters)) {
      const group = new ClusterGroup(this, toClusterGroupId(number), {
        description: `kinsight: ${clusters.length} EKS cluster(s) of stack ${this.stackName}, group ${number}`,
        clusters,
        table,
        profile: fleet.profile,
        ...(fleet.declarations ? { declarations: fleet.declarations } : {}),
        logRetentionDays: fleet.logRetentionDays,
        applierAccess: fleet.applierAccess,
        installPodIdentityAgent: fleet.installPodIdentityAgent,
        settingsOf: (name) => ({
          streamName: stream.streamName,
          region: this.region,
          image: fleet.agentImage,
          interval: fleet.interval,
          serviceAccountAnnotations: identity.serviceAccountAnnotations(name),
          agentIdentity: fleet.agentIdentity,
          oidcProviderArn: fleet.clusters.find((c) => c.name === name)?.oidcProviderArn,
        }),
        agentBundlePath: props.agentBundlePath,
        agentBundleSha256: props.agentBundleSha256,
        entries: { ...(props.entries?.poller ? { poller: props.entries.poller } : {}), ...(props.entries?.applier ? { applier: props.entries.applier } : {}) },
      });
      // Pods started before their Pod Identity association exists get no credentials until restarted:
      // the group's agent installations come after its clusters' associations.
      for (const cluster of clusters) {
        const association = identity.associations.get(cluster.name);
        if (association) group.node.addDependency(association);
      }
      this.groups.set(number, group);
      this.pollers.push(...group.pollers);
      this.installers.push(...group.installers);
    }

    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      stream,
      enricher: enricher.function,
      failureQueue: enricher.failureQueue,
      maxIteratorAge: Duration.minutes(5),
      pollers: this.pollers.map((p) => p.function),
    });
  }
}

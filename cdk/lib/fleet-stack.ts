import { Annotations, Duration, RemovalPolicy, Stack, type StackProps, aws_kms as kms } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { isPinnedImage } from '../../core/image-ref';
import { toApplierSettings, writeApplierSettings } from './applier-settings';
import { toClusterGroupId, toClusterGroups } from './cluster-groups';
import { toClusterProfiles, type FleetConfig } from './fleet-config';
import { AgentIdentity } from './constructs/agent-identity';
import { AgentKeyRotation } from './constructs/agent-key-rotation';
import type { AgentInstaller } from './constructs/agent-installer';
import { ClusterGroup } from './constructs/cluster-group';
import { Enricher } from './constructs/enricher';
import { MetadataTable } from './constructs/metadata-table';
import { PipelineMonitoring } from './constructs/pipeline-monitoring';
import { PipelineStream } from './constructs/pipeline-stream';
import type { Poller } from './constructs/poller';

/** Handler files of the Lambdas, relative to the project root. */
export interface LambdaEntries {
  readonly enricher: string;
  readonly poller: string;
  readonly applier: string;
  readonly keyRotation: string;
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
   * @default lambdas/enricher/handler.ts, lambdas/poller/handler.ts, lambdas/applier/handler.ts, lambdas/key-rotation/handler.ts
   */
  readonly entries?: Partial<LambdaEntries>;
}

/**
 * kinsight for every cluster of a fleet, in one account and region. This stack holds what the fleet
 * shares (KMS key, Kinesis stream, metadata table, enricher with its event source and failure queue,
 * the agent key rotation function, alarms and dashboard) and the agent's identity in each cluster
 * (its Pod Identity association or IRSA role); each group of clusters (cdk/lib/cluster-groups.ts)
 * gets a nested stack with its pollers, applier, performance log groups, EKS access entries,
 * schedules, signing keys and agent installations. A fleet file's agentImage without a digest, or
 * requireSignedRecords false, gives a warning at synth.
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
  /** The rotation function of the agents' signing keys. */
  readonly keyRotation: AgentKeyRotation;
  /** The fleet's clusters, in fleet-file order. */
  readonly clusterNames: readonly string[];

  constructor(scope: Construct, id: string, props: FleetStackProps) {
    super(scope, id, props);
    const { fleet } = props;
    this.clusterNames = fleet.clusters.map((c) => c.name);
    if (!isPinnedImage(fleet.agentImage)) {
      Annotations.of(this).addWarningV2(
        'kinsight:agentImageWithoutDigest',
        `agentImage ${fleet.agentImage} has no digest: every node pulls whatever the tag names when it starts an agent, and a moved tag runs other code with hostPID and the host's / mounted. Pin it: ${fleet.agentImage}@sha256:<digest> (docker buildx imagetools inspect ${fleet.agentImage})`,
      );
    }
    if (!fleet.requireSignedRecords) {
      Annotations.of(this).addWarningV2(
        'kinsight:unsignedRecordsAccepted',
        'requireSignedRecords is false: the enricher accepts unsigned records, so any agent identity can write as any cluster of the fleet; set it only while the agents of an upgraded fleet roll (docs/operations.md), then remove it',
      );
    }
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
      requireSignedRecords: fleet.requireSignedRecords,
      ...(fleet.declarations ? { declarations: fleet.declarations } : {}),
      ...(fleet.logOnlyEvery ? { logOnlyEvery: fleet.logOnlyEvery } : {}),
      ...(props.entries?.enricher ? { entry: props.entries.enricher } : {}),
    }));

    // Kept in this stack, under the construct ids of the single-stack layout: an association cannot be
    // created in a nested stack while the old one exists (one per service account and cluster), and an
    // IRSA role that changed would strand the running agents (cdk/README.md, "Upgrading").
    const identity = (this.identity = new AgentIdentity(this, 'AgentIdentity', { stream, encryptionKey: key, clusters: fleet.clusters, mode: fleet.agentIdentity }));
    const keyRotation = (this.keyRotation = new AgentKeyRotation(this, 'KeyRotation', props.entries?.keyRotation ? { entry: props.entries.keyRotation } : {}));
    // One file for every applier: what they install is the stack's, never their events' (core/applier-settings.ts).
    const applierSettings = toApplierSettings(fleet, props.agentBundleSha256);
    const applierSettingsPath = writeApplierSettings(applierSettings);

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
        applierSettings,
        applierSettingsPath,
        agentBundlePath: props.agentBundlePath,
        streamName: stream.streamName,
        ...(fleet.agentIdentity === 'irsa' ? { irsaRoleNameOf: (name: string) => identity.irsaRoleName(name) } : {}),
        keyRotationFunctionArn: keyRotation.function.functionArn,
        entries: { ...(props.entries?.poller ? { poller: props.entries.poller } : {}), ...(props.entries?.applier ? { applier: props.entries.applier } : {}) },
      });
      // Pods started before their Pod Identity association exists get no credentials until restarted:
      // the group's agent installations come after its clusters' associations.
      for (const cluster of clusters) {
        const association = identity.associations.get(cluster.name);
        if (association) group.node.addDependency(association);
      }
      // Secrets Manager checks that it may invoke the rotation function when a rotation schedule is created.
      group.node.addDependency(keyRotation.permission);
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

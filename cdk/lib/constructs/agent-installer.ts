import {
  CustomResource,
  Duration,
  Stack,
  aws_iam as iam,
  aws_logs as logs,
  custom_resources as cr,
  type aws_lambda as lambda,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { LAMBDA_BUNDLE_TARGET } from '../../../core/node-runtime';
import { POD_IDENTITY_AGENT_ADDON } from '../../../core/prerequisites';
import type { ClusterConfig, PrivateEndpoint } from '../fleet-config';
import { KinsightFunction } from '../kinsight-function';
import { toConstructId } from '../to-construct-id';
import { toVpcPlacement } from './poller';

/** The agent's settings in one cluster: what the applier renders the manifest from (the bundle aside). */
export interface AgentSettings {
  /** The stream the agents write to (a token at synth). */
  readonly streamName: string;
  /** The stream's region. */
  readonly region: string;
  /** Image with a node binary. */
  readonly image: string;
  /** Collection interval, a duration. */
  readonly interval: string;
  /** ServiceAccount annotations (the IRSA role). @default none */
  readonly serviceAccountAnnotations?: Record<string, string>;
  /** How the agent gets AWS credentials: the applier checks that prerequisite before applying. @default 'pod-identity' */
  readonly agentIdentity?: 'pod-identity' | 'irsa';
  /** With `irsa`: the cluster's IAM OIDC provider, whose issuer the applier compares with the cluster's. @default none */
  readonly oidcProviderArn?: string;
}

/** Props of {@link AgentInstaller}. */
export interface AgentInstallerProps {
  /** The clusters this installer serves; all reachable from the same network. */
  readonly clusters: readonly ClusterConfig[];
  /** Settings of the agent in a cluster. */
  readonly settingsOf: (clusterName: string) => AgentSettings;
  /** Path of the built agent bundle; it ships inside the applier's code package, next to its handler. */
  readonly agentBundlePath: string;
  /** SHA-256 of the bundle: a change re-applies every cluster, and the applier checks it before applying. */
  readonly agentBundleSha256: string;
  /**
   * VPC placement when the clusters' endpoints are private.
   * @default none (public endpoints)
   */
  readonly network?: PrivateEndpoint;
  /**
   * Handler file, relative to the project root.
   * @default 'lambdas/applier/handler.ts'
   */
  readonly entry?: string;
}

/** The file name the applier reads the agent bundle from, next to its handler. */
export const APPLIER_BUNDLE_FILE = 'agent.js';

/**
 * The applier Lambda, its custom resource provider, and one `Custom::KinsightAgent` per cluster that
 * server-side-applies the agent's Kubernetes objects on create and update and deletes them on delete.
 * The agent bundle rides in the applier's code package rather than in the template: a ConfigMap-sized
 * bundle per cluster would soon pass CloudFormation's template and custom-resource request limits.
 */
export class AgentInstaller extends Construct {
  /** The applier function. */
  readonly function: lambda.Function;
  /** Its execution role, given access by each cluster's access entry. */
  readonly role: iam.IRole;
  /** The custom resource of each cluster, by cluster name. */
  readonly installations = new Map<string, CustomResource>();
  /** The Provider framework in front of the applier. */
  readonly provider: cr.Provider;

  constructor(scope: Construct, id: string, props: AgentInstallerProps) {
    super(scope, id);
    const bundleFile = props.agentBundlePath;
    this.function = new KinsightFunction(this, 'Function', {
      entry: props.entry ?? 'lambdas/applier/handler.ts',
      memorySize: 512,
      timeout: Duration.minutes(5),
      extra: {
        ...(props.network ? toVpcPlacement(this, props.network) : {}),
        bundling: {
          minify: true,
          sourceMap: true,
          target: LAMBDA_BUNDLE_TARGET,
          forceDockerBundling: false,
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (_input: string, output: string) => [`cp "${bundleFile}" "${output}/${APPLIER_BUNDLE_FILE}"`],
          },
        },
      },
    });
    this.role = this.function.role as iam.IRole;
    const stack = Stack.of(this);
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['eks:DescribeCluster'],
        resources: props.clusters.map((c) => stack.formatArn({ service: 'eks', resource: 'cluster', resourceName: c.name })),
      }),
    );
    // The prerequisite check before applying (core/prerequisites.ts): DescribeCluster above says the
    // authentication mode and the OIDC issuer; Pod Identity clusters also need their add-on described.
    const podIdentityClusters = props.clusters.filter((c) => (props.settingsOf(c.name).agentIdentity ?? 'pod-identity') === 'pod-identity');
    if (podIdentityClusters.length > 0) {
      this.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['eks:DescribeAddon'],
          resources: podIdentityClusters.map((c) => stack.formatArn({ service: 'eks', resource: 'addon', resourceName: `${c.name}/${POD_IDENTITY_AGENT_ADDON}/*` })),
        }),
      );
    }
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.function,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', { retention: logs.RetentionDays.ONE_MONTH }),
    });
    for (const cluster of props.clusters) {
      const settings = props.settingsOf(cluster.name);
      const installation = new CustomResource(this, `Agent${toConstructId(cluster.name)}`, {
        serviceToken: this.provider.serviceToken,
        resourceType: 'Custom::KinsightAgent',
        properties: {
          ClusterName: cluster.name,
          StreamName: settings.streamName,
          Region: settings.region,
          Image: settings.image,
          Interval: settings.interval,
          ServiceAccountAnnotations: settings.serviceAccountAnnotations ?? {},
          BundleSha256: props.agentBundleSha256,
          AgentIdentity: settings.agentIdentity ?? 'pod-identity',
          ...(settings.oidcProviderArn ? { OidcProviderArn: settings.oidcProviderArn } : {}),
        },
      });
      this.installations.set(cluster.name, installation);
    }
  }
}

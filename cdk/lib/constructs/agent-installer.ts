import { createHash } from 'node:crypto';
import {
  Aws,
  CustomResource,
  Duration,
  Fn,
  Stack,
  aws_iam as iam,
  aws_logs as logs,
  custom_resources as cr,
  type aws_lambda as lambda,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { APPLIER_ENV, APPLIER_SETTINGS_FILE, type ApplierSettingsFile } from '../../../core/applier-settings';
import { LAMBDA_BUNDLE_TARGET } from '../../../core/node-runtime';
import { POD_IDENTITY_AGENT_ADDON } from '../../../core/prerequisites';
import type { ClusterConfig, PrivateEndpoint } from '../fleet-config';
import { KinsightFunction } from '../kinsight-function';
import { toConstructId } from '../to-construct-id';
import { toVpcPlacement } from './poller';

/** Props of {@link AgentInstaller}. */
export interface AgentInstallerProps {
  /** This applier's entry in the settings' `appliers` (`Clusters07/Public`). */
  readonly applierId: string;
  /** The clusters this installer serves, in the order of that entry; all reachable from the same network. */
  readonly clusters: readonly ClusterConfig[];
  /** The fleet's applier settings (cdk/lib/applier-settings.ts). */
  readonly settings: ApplierSettingsFile;
  /** Where the settings were written at synth: the file rides in the code package, next to the handler. */
  readonly settingsPath: string;
  /** Path of the built agent bundle; it ships inside the applier's code package, next to its handler. */
  readonly agentBundlePath: string;
  /** The stream the agents write to (a token at synth). */
  readonly streamName: string;
  /**
   * With IRSA: the name of a cluster's agent role (a token at synth).
   * @default none (EKS Pod Identity)
   */
  readonly irsaRoleNameOf?: (clusterName: string) => string | undefined;
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
 * What one cluster's installation is made of, as a hash: with the values CloudFormation resolves at
 * deploy beside it, it is the custom resource's `Revision`, which changes (and makes CloudFormation
 * send the applier an Update) exactly when what the applier would install in that cluster changes.
 */
export function toInstallationHash(settings: ApplierSettingsFile, cluster: string): string {
  const { image, interval, agentIdentity, applierAccess, bundleSha256 } = settings;
  const pod = [settings.runAsUser ?? null, settings.runAsGroup ?? null, settings.podLogsDir ?? null];
  return createHash('sha256').update(JSON.stringify([image, interval, agentIdentity, applierAccess, bundleSha256, settings.oidcProviders[cluster] ?? null, ...pod])).digest('hex');
}

/**
 * The applier Lambda, its custom resource provider, and one `Custom::KinsightAgent` per cluster that
 * server-side-applies the agent's Kubernetes objects on create and update and deletes them on delete.
 *
 * What the applier installs is baked into it, never read from its events: the settings file and the
 * agent bundle in its code package, the stream and IRSA role names in its environment
 * (core/applier-settings.ts). A custom resource carries the cluster's name and a `Revision` that only
 * triggers updates; whoever invokes the applier with other properties gets the same objects, and a
 * cluster outside its list is refused. Only this construct's Provider may invoke it (the Provider's
 * role; no resource policy statement is added). The bundle rides in the code package rather than in
 * the template: a ConfigMap-sized bundle per cluster would soon pass CloudFormation's limits.
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
    const { settings } = props;
    const irsa = settings.agentIdentity === 'irsa';
    const roleNames = props.clusters.map((c) => props.irsaRoleNameOf?.(c.name));
    if (irsa && roleNames.some((n) => n === undefined)) throw new Error(`AgentInstaller ${props.applierId}: every cluster needs its IRSA role name with agentIdentity irsa`);
    const copies = [props.agentBundlePath, props.settingsPath];
    this.function = new KinsightFunction(this, 'Function', {
      entry: props.entry ?? 'lambdas/applier/handler.ts',
      memorySize: 512,
      timeout: Duration.minutes(5),
      environment: {
        [APPLIER_ENV.applierId]: props.applierId,
        [APPLIER_ENV.streamName]: props.streamName,
        ...(irsa ? { [APPLIER_ENV.roleArnPrefix]: `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/`, [APPLIER_ENV.irsaRoleNames]: Fn.join(',', roleNames as string[]) } : {}),
      },
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
            afterBundling: (_input: string, output: string) => [
              `cp "${copies[0]}" "${output}/${APPLIER_BUNDLE_FILE}"`,
              `cp "${copies[1]}" "${output}/${APPLIER_SETTINGS_FILE}"`,
            ],
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
    if (!irsa && props.clusters.length > 0) {
      this.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['eks:DescribeAddon'],
          resources: props.clusters.map((c) => stack.formatArn({ service: 'eks', resource: 'addon', resourceName: `${c.name}/${POD_IDENTITY_AGENT_ADDON}/*` })),
        }),
      );
    }
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.function,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', { retention: logs.RetentionDays.ONE_MONTH }),
    });
    props.clusters.forEach((cluster, i) => {
      const resolved = [props.streamName, ...(irsa ? [roleNames[i] as string] : [])];
      const installation = new CustomResource(this, `Agent${toConstructId(cluster.name)}`, {
        serviceToken: this.provider.serviceToken,
        resourceType: 'Custom::KinsightAgent',
        properties: { ClusterName: cluster.name, Revision: Fn.join('/', [toInstallationHash(settings, cluster.name), ...resolved]) },
      });
      this.installations.set(cluster.name, installation);
    });
  }
}

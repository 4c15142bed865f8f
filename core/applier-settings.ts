/**
 * What the CDK app bakes into the applier at synth, beside its code: the contract between the stack
 * (cdk/lib/constructs/agent-installer.ts writes it) and the applier (lambdas/applier/applier-config.ts
 * reads it). The applier takes a cluster name from its invocation event and everything else from
 * here and from its environment, so that whoever can invoke it can only have it install, in one of
 * its own clusters, exactly what the stack would.
 *
 * Two parts, because of what each can hold: this file, in the code package, holds what is known at
 * synth (one file for the whole fleet, so that every applier shares one bundle); the function's
 * environment holds what CloudFormation resolves at deploy (the stream's name, the IRSA roles'
 * names), which a code package cannot, and which fits Lambda's 4 KB (see APPLIER_ENV).
 */

/** The file's name, next to the applier's handler in its code package. */
export const APPLIER_SETTINGS_FILE = 'applier-settings.json';

/** The JSON the file holds. */
export interface ApplierSettingsFile {
  /** Container image of the agent (with its digest, when the fleet file pins one). */
  readonly image: string;
  /** Collection interval, a duration. */
  readonly interval: string;
  /** How the agents get their AWS identity. */
  readonly agentIdentity: 'pod-identity' | 'irsa';
  /** What the appliers' access entries hold: with `rbac-group` the poller's RBAC comes from the bootstrap. */
  readonly applierAccess: 'rbac-group' | 'cluster-admin';
  /** The uid the agents run as. Absent: the manifest's default (AGENT_USER_ID). */
  readonly runAsUser?: number;
  /** The gid the agents run as. Absent: the manifest's default (AGENT_GROUP_ID). */
  readonly runAsGroup?: number;
  /** The kubelets' pod log directory. Absent: the manifest's default (DEFAULT_POD_LOGS_DIR). */
  readonly podLogsDir?: string;
  /** SHA-256 of the agent bundle shipped beside the file. */
  readonly bundleSha256: string;
  /** The clusters of each applier, by applier id (`Clusters07/Public`), in the order of its environment's role names. */
  readonly appliers: Readonly<Record<string, readonly string[]>>;
  /** With `irsa`: each cluster's IAM OIDC provider ARN, whose issuer the applier compares with the cluster's. */
  readonly oidcProviders: Readonly<Record<string, string>>;
}

/** The applier's environment variables set by the stack. */
export const APPLIER_ENV = {
  /** Which entry of `appliers` this function is. */
  applierId: 'KINSIGHT_APPLIER_ID',
  /** The Kinesis stream the agents write to (resolved at deploy). */
  streamName: 'KINSIGHT_STREAM_NAME',
  /** With `irsa`: `arn:<partition>:iam::<account>:role/`, the ARN of a role without its name. */
  roleArnPrefix: 'KINSIGHT_ROLE_ARN_PREFIX',
  /**
   * With `irsa`: the IRSA role name of each of the applier's clusters, comma-separated, in the order
   * of its `appliers` entry (at most 64 characters each: 50 clusters fit in 3,250 bytes).
   */
  irsaRoleNames: 'KINSIGHT_IRSA_ROLE_NAMES',
} as const;

import { APPLIER_ENV, APPLIER_SETTINGS_FILE, type ApplierSettingsFile } from '../../core/applier-settings';
import { ConfigError, toSnippet } from '../../core/errors';

/** What is particular to one cluster of the applier. */
export interface ClusterSettings {
  /** With `irsa`: the cluster's IAM OIDC provider ARN. */
  readonly oidcProviderArn?: string;
  /** With `irsa`: the ARN of the cluster's agent role (the ServiceAccount's annotation). */
  readonly irsaRoleArn?: string;
}

/** Everything the applier renders and checks, except the cluster name, which comes with each event. */
export interface ApplierConfig {
  readonly streamName: string;
  readonly region: string;
  readonly image: string;
  readonly interval: string;
  readonly agentIdentity: 'pod-identity' | 'irsa';
  readonly applierAccess: 'rbac-group' | 'cluster-admin';
  readonly bundleSha256: string;
  /** The uid and gid the agents run as, and the kubelets' pod log directory: the manifest's defaults when absent. */
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly podLogsDir?: string;
  /** The clusters this applier serves: any other is refused. */
  readonly clusters: ReadonlyMap<string, ClusterSettings>;
}

type Environment = Readonly<Record<string, string | undefined>>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function fail(what: string, value: unknown, expected: string): never {
  throw new ConfigError(`applier settings: ${what} is ${value === undefined ? 'missing' : toSnippet(value)}; expected ${expected} (written by the CDK app at synth: redeploy the stack)`);
}

function text(file: Record<string, unknown>, key: keyof ApplierSettingsFile): string {
  const value = file[key];
  if (typeof value !== 'string' || value === '') fail(`${APPLIER_SETTINGS_FILE} ${key}`, value, 'a non-empty string');
  return value;
}

function optionalId(file: Record<string, unknown>, key: 'runAsUser' | 'runAsGroup'): { [k in typeof key]?: number } {
  const value = file[key];
  if (value === undefined) return {};
  if (!Number.isInteger(value) || (value as number) < 1) fail(`${APPLIER_SETTINGS_FILE} ${key}`, value, 'a positive integer');
  return { [key]: value as number };
}

function oneOf<T extends string>(file: Record<string, unknown>, key: keyof ApplierSettingsFile, allowed: readonly T[]): T {
  const value = file[key];
  if (!allowed.includes(value as T)) fail(`${APPLIER_SETTINGS_FILE} ${key}`, value, `one of ${allowed.join(', ')}`);
  return value as T;
}

/**
 * The applier's configuration, from the settings file the CDK app put in its code package and the
 * environment the stack gave the function (core/applier-settings.ts).
 * @throws ConfigError naming what is missing or malformed: the applier then refuses every event.
 */
export function parseApplierConfig(file: unknown, env: Environment): ApplierConfig {
  if (!isRecord(file)) fail(APPLIER_SETTINGS_FILE, file, 'a JSON object');
  const region = env.AWS_REGION;
  if (!region) fail('AWS_REGION', region, 'the region, which the Lambda runtime sets');
  const applierId = env[APPLIER_ENV.applierId];
  const streamName = env[APPLIER_ENV.streamName];
  if (!streamName) fail(APPLIER_ENV.streamName, streamName, 'the Kinesis stream name');
  const appliers = file.appliers;
  if (!isRecord(appliers)) fail(`${APPLIER_SETTINGS_FILE} appliers`, appliers, 'an object of cluster lists by applier id');
  const names = applierId === undefined ? undefined : appliers[applierId];
  if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string' || n === '')) {
    fail(`the clusters of applier ${APPLIER_ENV.applierId}=${applierId ?? '(unset)'}`, names, `a non-empty list of cluster names (known appliers: ${Object.keys(appliers).slice(0, 5).join(', ')})`);
  }
  const agentIdentity = oneOf(file, 'agentIdentity', ['pod-identity', 'irsa'] as const);
  const clusters = new Map<string, ClusterSettings>();
  if (agentIdentity === 'irsa') {
    const prefix = env[APPLIER_ENV.roleArnPrefix];
    if (!prefix || !/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/$/.test(prefix)) fail(APPLIER_ENV.roleArnPrefix, prefix, 'arn:<partition>:iam::<account>:role/');
    const roleNames = (env[APPLIER_ENV.irsaRoleNames] ?? '').split(',');
    if (roleNames.length !== names.length || roleNames.some((n) => !/^[\w+=,.@-]{1,64}$/.test(n))) {
      fail(APPLIER_ENV.irsaRoleNames, env[APPLIER_ENV.irsaRoleNames], `${names.length} IAM role names separated by commas, one per cluster of the applier`);
    }
    const providers = file.oidcProviders;
    if (!isRecord(providers)) fail(`${APPLIER_SETTINGS_FILE} oidcProviders`, providers, 'an object of OIDC provider ARNs by cluster');
    names.forEach((name: string, i) => {
      const provider = providers[name];
      if (typeof provider !== 'string' || provider === '') fail(`${APPLIER_SETTINGS_FILE} oidcProviders.${name}`, provider, 'the cluster\'s IAM OIDC provider ARN');
      clusters.set(name, { oidcProviderArn: provider, irsaRoleArn: `${prefix}${roleNames[i]}` });
    });
  } else {
    for (const name of names as string[]) clusters.set(name, {});
  }
  const bundleSha256 = text(file, 'bundleSha256');
  if (!/^[0-9a-f]{64}$/.test(bundleSha256)) fail(`${APPLIER_SETTINGS_FILE} bundleSha256`, bundleSha256, 'a SHA-256 in hex');
  return {
    streamName,
    region,
    image: text(file, 'image'),
    interval: text(file, 'interval'),
    agentIdentity,
    applierAccess: oneOf(file, 'applierAccess', ['rbac-group', 'cluster-admin'] as const),
    bundleSha256,
    ...optionalId(file, 'runAsUser'),
    ...optionalId(file, 'runAsGroup'),
    ...(file.podLogsDir === undefined ? {} : { podLogsDir: text(file, 'podLogsDir') }),
    clusters,
  };
}

import { parseDuration } from '../../core/duration';
import { ConfigError, toSnippet } from '../../core/errors';
import { DEFAULT_AGENT_IMAGE } from '../../core/agent-manifest';
import { LAMBDA_MAX_ENVIRONMENT_BYTES } from '../../core/limits';
import { DEFAULT_PROFILE_NAME, PROFILES, parseDeclarations, parseLogOnlyEvery, type MetricDeclaration, type ProfileName } from '../../core/metrics/profiles';
import { MAX_POLLER_NODES } from '../../core/poller-sizing';
import { MAX_FLEET_CLUSTERS } from './cluster-groups';

/** Metric declaration profiles the enricher and poller know. */
const PROFILE_NAMES = Object.keys(PROFILES) as readonly ProfileName[];
/** A metric declaration profile. */
export type Profile = ProfileName;

/** How the Kinesis stream scales. */
export type StreamMode = 'on-demand' | 'provisioned';

/** How the agent pods get AWS credentials. */
export type AgentIdentity = 'pod-identity' | 'irsa';

/**
 * What the applier's EKS access entry holds. `rbac-group`: AmazonEKSAdminPolicy scoped to the kinsight
 * namespace plus a group bound, once per cluster, to the narrow ClusterRole of `kinsight manifest --applier-rbac`.
 * `cluster-admin`: AmazonEKSClusterAdminPolicy, no manual step, much broader.
 */
export type ApplierAccess = 'rbac-group' | 'cluster-admin';

/** Network placement of a cluster whose API endpoint is private: the poller and applier run in its VPC. */
export interface PrivateEndpoint {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

/** One EKS cluster of the fleet. */
export interface ClusterConfig {
  /** The EKS cluster name. */
  readonly name: string;
  /** Set when the endpoint is private. @default public endpoint */
  readonly private?: PrivateEndpoint;
  /** @default the fleet profile */
  readonly profile?: Profile;
  /** IAM OIDC provider ARN of the cluster; required when agentIdentity is `irsa`. @default none */
  readonly oidcProviderArn?: string;
  /**
   * The most nodes the cluster runs: sizes the memory of its poller (core/poller-sizing.ts).
   * @default unknown: the poller gets DEFAULT_POLLER_MEMORY_MB (sized for 2,500 nodes) and logs when the cluster outgrows it
   */
  readonly nodes?: number;
}

/** The validated fleet: every default filled in. */
export interface FleetConfig {
  readonly clusters: readonly ClusterConfig[];
  /** Agent collection interval, a duration. @default '60s' */
  readonly interval: string;
  /** Retention of the performance log groups. @default 7 */
  readonly logRetentionDays: number;
  /** @default 'on-demand' */
  readonly streamMode: StreamMode;
  /** Shard count when streamMode is `provisioned`. @default undefined (on-demand) */
  readonly shards?: number;
  /** @default DEFAULT_PROFILE_NAME ('classic') */
  readonly profile: Profile;
  /** @default DEFAULT_AGENT_IMAGE */
  readonly agentImage: string;
  /** @default 'pod-identity' */
  readonly agentIdentity: AgentIdentity;
  /** @default 'rbac-group' */
  readonly applierAccess: ApplierAccess;
  /**
   * With `pod-identity`: install the EKS Pod Identity Agent add-on in clusters that have none (and
   * remove it with the stack); a cluster's own add-on is never touched.
   * @default false (a cluster without the add-on is refused)
   */
  readonly installPodIdentityAgent: boolean;
  /**
   * Metric declarations replacing those of the fleet profile, in the enricher and the poller (the
   * shape `kinsight replay --declarations` takes). Clusters with their own profile keep it.
   * @default none: the profile's declarations
   */
  readonly declarations?: readonly MetricDeclaration[];
  /**
   * The enricher refuses records without a valid signature of their cluster's key (isolation between
   * clusters, docs/operations.md). `false` only for the upgrade of a fleet whose agents do not sign
   * yet, while they roll: then any agent identity can write as any cluster (a warning at synth).
   * @default true
   */
  readonly requireSignedRecords: boolean;
  /**
   * The uid the agents run as: one no other workload of the fleet's clusters uses (the agent sees
   * every host process, and a process can read those of its own uid).
   * @default AGENT_USER_ID (65529)
   */
  readonly agentUser?: number;
  /** The gid the agents run as. @default AGENT_GROUP_ID (65529) */
  readonly agentGroup?: number;
  /** The kubelets' pod log directory (their `podLogsDir` setting), which the agents read pod names from. @default '/var/log/pods' */
  readonly podLogsDir?: string;
  /**
   * Lean profiles write their log-only records (Container, PodNet, NodeNet, NodeDiskIO) once per this
   * duration, such as `10m` (every 10th interval at 60 s), for those who query them in Logs Insights.
   * @default never
   */
  readonly logOnlyEvery?: string;
}

/**
 * Retention values CloudWatch Logs accepts.
 * @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** @see https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html */
const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider\/.+$/;
const MIN_INTERVAL_SECONDS = 10;
const MAX_INTERVAL_SECONDS = 300;
/**
 * A sanity bound on the shard count; the account's shard quota (1,000 to 20,000 depending on the region)
 * is the real limit and CloudFormation reports it.
 * @see https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
 */
const MAX_SHARDS = 10_000;
/** Largest uid and gid of the agent: Linux ids are 32 bits, and 2^32-1 means "unchanged" to the kernel. */
const MAX_AGENT_ID = 2 ** 31 - 1;
const KNOWN_KEYS = ['clusters', 'interval', 'logRetentionDays', 'streamMode', 'shards', 'profile', 'agentImage', 'agentIdentity', 'applierAccess', 'installPodIdentityAgent', 'declarations', 'requireSignedRecords', 'agentUser', 'agentGroup', 'podLogsDir', 'logOnlyEvery'];
const CLUSTER_KEYS = ['name', 'private', 'profile', 'oidcProviderArn', 'nodes'];
/**
 * Bytes of the enricher's environment the fleet may fill with per-cluster profiles and declarations:
 * Lambda's 4 KB less the rest of the environment (table name, fleet profile, NODE_OPTIONS, names).
 */
export const FLEET_ENVIRONMENT_BYTES = LAMBDA_MAX_ENVIRONMENT_BYTES - 512;

function fail(source: string, field: string, value: unknown, expected: string): never {
  throw new ConfigError(`${source}: ${field} is ${value === undefined ? 'missing' : toSnippet(value)}; expected ${expected}`);
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function oneOf<T extends string>(source: string, field: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value as T)) fail(source, field, value, `one of ${allowed.join(', ')}`);
  return value as T;
}

function checkKeys(source: string, field: string, value: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(value).find((key) => !known.includes(key));
  if (unknown !== undefined) fail(source, `${field}${field ? '.' : ''}${unknown}`, value[unknown], `no such field (known: ${known.join(', ')}); check its spelling`);
}

function idList(source: string, field: string, value: unknown, prefix: string): string[] {
  const pattern = new RegExp(`^${prefix}-[0-9a-f]{8,17}$`);
  if (!Array.isArray(value) || value.length === 0) fail(source, field, value, `a non-empty list of ${prefix}-… ids`);
  value.forEach((id, i) => {
    if (typeof id !== 'string' || !pattern.test(id)) fail(source, `${field}[${i}]`, id, `an id like ${prefix}-0123456789abcdef0`);
  });
  return value as string[];
}

function parsePrivate(source: string, field: string, value: unknown): PrivateEndpoint | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) fail(source, field, value, 'an object { vpcId, subnetIds, securityGroupIds }');
  checkKeys(source, field, value, ['vpcId', 'subnetIds', 'securityGroupIds']);
  if (typeof value.vpcId !== 'string' || !/^vpc-[0-9a-f]{8,17}$/.test(value.vpcId)) fail(source, `${field}.vpcId`, value.vpcId, 'an id like vpc-0123456789abcdef0');
  return {
    vpcId: value.vpcId,
    subnetIds: idList(source, `${field}.subnetIds`, value.subnetIds, 'subnet'),
    securityGroupIds: idList(source, `${field}.securityGroupIds`, value.securityGroupIds, 'sg'),
  };
}

function parseCluster(source: string, index: number, value: unknown, agentIdentity: AgentIdentity): ClusterConfig {
  const field = `clusters[${index}]`;
  if (!isRecord(value)) fail(source, field, value, 'an object { name, private?, profile?, oidcProviderArn? }');
  checkKeys(source, field, value, CLUSTER_KEYS);
  if (typeof value.name !== 'string' || !CLUSTER_NAME.test(value.name)) {
    fail(source, `${field}.name`, value.name, 'an EKS cluster name: 1 to 100 letters, digits, - or _, starting with a letter or digit');
  }
  const oidc = value.oidcProviderArn;
  if (oidc !== undefined && (typeof oidc !== 'string' || !OIDC_PROVIDER_ARN.test(oidc))) {
    fail(source, `${field}.oidcProviderArn`, oidc, 'an IAM OIDC provider ARN like arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC');
  }
  if (agentIdentity === 'irsa' && oidc === undefined) {
    fail(source, `${field}.oidcProviderArn`, oidc, 'the cluster\'s IAM OIDC provider ARN, because agentIdentity is irsa (or use pod-identity)');
  }
  const nodes = value.nodes;
  if (nodes !== undefined && (!Number.isInteger(nodes) || (nodes as number) < 1 || (nodes as number) > MAX_POLLER_NODES)) {
    fail(source, `${field}.nodes`, nodes, `the cluster's largest node count, an integer from 1 to ${MAX_POLLER_NODES.toLocaleString('en-US')} (the poller is sized for no more)`);
  }
  return {
    name: value.name,
    ...(value.private === undefined ? {} : { private: parsePrivate(source, `${field}.private`, value.private) }),
    ...(value.profile === undefined ? {} : { profile: oneOf(source, `${field}.profile`, value.profile, PROFILE_NAMES, DEFAULT_PROFILE_NAME) }),
    ...(oidc === undefined ? {} : { oidcProviderArn: oidc as string }),
    ...(nodes === undefined ? {} : { nodes: nodes as number }),
  };
}

/** The per-cluster profiles that differ from the fleet profile: what the enricher and pollers carry in KINSIGHT_CLUSTER_PROFILES. */
export function toClusterProfiles(clusters: readonly ClusterConfig[], profile: Profile): Record<string, Profile> {
  return Object.fromEntries(clusters.flatMap((c) => (c.profile && c.profile !== profile ? [[c.name, c.profile] as const] : [])));
}

/**
 * The enricher carries every cluster's differing profile and the declarations in its environment,
 * which Lambda limits to 4 KB in all: a fleet that does not fit fails here, at synth, not at deploy.
 */
function checkEnvironmentSize(source: string, clusters: readonly ClusterConfig[], profile: Profile, declarations: readonly MetricDeclaration[] | undefined): void {
  const profiles = toClusterProfiles(clusters, profile);
  const bytes = Buffer.byteLength(JSON.stringify(profiles)) + (declarations ? Buffer.byteLength(JSON.stringify(declarations)) : 0);
  if (bytes > FLEET_ENVIRONMENT_BYTES) {
    fail(
      source,
      'clusters[].profile and declarations',
      `${bytes} bytes of environment (${Object.keys(profiles).length} clusters with a profile of their own${declarations ? `, ${declarations.length} declarations` : ''})`,
      `at most ${FLEET_ENVIRONMENT_BYTES} bytes, the enricher's share of Lambda's 4 KB environment; make the fleet profile the one most clusters use, or declare fewer or shorter selectors`,
    );
  }
}

function parseInterval(source: string, value: unknown): string {
  if (value === undefined) return '60s';
  const parsed = typeof value === 'string' ? parseDuration(value) : undefined;
  const seconds = parsed?.ok ? parsed.value / 1000 : Number.NaN;
  if (!(seconds >= MIN_INTERVAL_SECONDS && seconds <= MAX_INTERVAL_SECONDS)) {
    fail(source, 'interval', value, `a duration from ${MIN_INTERVAL_SECONDS}s to ${MAX_INTERVAL_SECONDS / 60}m, such as 60s`);
  }
  return value as string;
}

/**
 * Validates the fleet configuration (cdk.json context `kinsight`, or the file named by context
 * `kinsightConfig`) and fills in the defaults.
 * @param source names where the value came from, for error messages (`cdk.json context "kinsight"`).
 * @throws ConfigError naming the bad field, its value and what was expected.
 */
export function parseFleetConfig(value: unknown, source = 'fleet config'): FleetConfig {
  if (!isRecord(value)) fail(source, '(root)', value, 'an object with a clusters list; see fleet.example.json');
  checkKeys(source, '', value, KNOWN_KEYS);
  const agentIdentity = oneOf<AgentIdentity>(source, 'agentIdentity', value.agentIdentity, ['pod-identity', 'irsa'], 'pod-identity');
  if (!Array.isArray(value.clusters) || value.clusters.length === 0) fail(source, 'clusters', value.clusters, 'a non-empty list of { name, ... }');
  if (value.clusters.length > MAX_FLEET_CLUSTERS) {
    fail(source, 'clusters', `a list of ${value.clusters.length}`, `at most ${MAX_FLEET_CLUSTERS} clusters per stack; split the fleet into several fleet files, each deployed with its own -c kinsightStackName=...`);
  }
  const clusters = value.clusters.map((c, i) => parseCluster(source, i, c, agentIdentity));
  const seen = new Set<string>();
  clusters.forEach((c, i) => {
    if (seen.has(c.name)) fail(source, `clusters[${i}].name`, c.name, 'each cluster name once (a duplicate would get two schedules)');
    seen.add(c.name);
  });
  const streamMode = oneOf<StreamMode>(source, 'streamMode', value.streamMode, ['on-demand', 'provisioned'], 'on-demand');
  let shards: number | undefined;
  if (streamMode === 'provisioned') {
    if (!Number.isInteger(value.shards) || (value.shards as number) < 1 || (value.shards as number) > MAX_SHARDS) {
      fail(source, 'shards', value.shards, `an integer from 1 to ${MAX_SHARDS}, required when streamMode is provisioned`);
    }
    shards = value.shards as number;
  } else if (value.shards !== undefined) {
    fail(source, 'shards', value.shards, 'no shards with streamMode on-demand (set streamMode to provisioned, or remove shards)');
  }
  const retention = value.logRetentionDays ?? 7;
  if (!LOG_RETENTION_DAYS.includes(retention as (typeof LOG_RETENTION_DAYS)[number])) {
    fail(source, 'logRetentionDays', retention, `one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  const install = value.installPodIdentityAgent ?? false;
  if (typeof install !== 'boolean') fail(source, 'installPodIdentityAgent', install, 'true or false');
  if (install && agentIdentity !== 'pod-identity') fail(source, 'installPodIdentityAgent', install, 'false with agentIdentity irsa (the add-on serves EKS Pod Identity only)');
  const requireSigned = value.requireSignedRecords ?? true;
  if (typeof requireSigned !== 'boolean') fail(source, 'requireSignedRecords', requireSigned, 'true or false (false only while the agents of an upgraded fleet roll)');
  for (const key of ['agentUser', 'agentGroup'] as const) {
    const id = value[key];
    if (id !== undefined && !(Number.isInteger(id) && (id as number) >= 1 && (id as number) <= MAX_AGENT_ID)) {
      fail(source, key, id, `an integer from 1 to ${MAX_AGENT_ID} (not 0: the agent does not run as root), one no other workload of the clusters uses`);
    }
  }
  const podLogsDir = value.podLogsDir;
  if (podLogsDir !== undefined && !(typeof podLogsDir === 'string' && /^\/[\w./-]*[\w-]$/.test(podLogsDir) && !podLogsDir.split('/').includes('..'))) {
    fail(source, 'podLogsDir', podLogsDir, 'an absolute host path such as /var/log/pods (the kubelet\'s podLogsDir)');
  }
  const image = value.agentImage ?? DEFAULT_AGENT_IMAGE;
  if (typeof image !== 'string' || !/^[a-z0-9][\w./:@-]*$/i.test(image)) fail(source, 'agentImage', image, 'an image reference with a node binary, such as node:22-alpine');
  const profile = oneOf(source, 'profile', value.profile, PROFILE_NAMES, DEFAULT_PROFILE_NAME);
  let declarations: MetricDeclaration[] | undefined;
  if (value.declarations !== undefined) {
    const parsed = parseDeclarations(value.declarations);
    if (!parsed.ok) fail(source, 'declarations', value.declarations, `metric declarations like [{"dimensions":[["ClusterName"]],"metricNameSelectors":["^cluster_"]}] (${parsed.error})`);
    declarations = parsed.value;
  }
  checkEnvironmentSize(source, clusters, profile, declarations);
  const logOnlyEvery = value.logOnlyEvery;
  if (logOnlyEvery !== undefined && (typeof logOnlyEvery !== 'string' || !parseLogOnlyEvery(logOnlyEvery).ok)) {
    fail(source, 'logOnlyEvery', logOnlyEvery, 'a duration of at least 1s such as 10m (lean profiles write their log-only records that often), or never');
  }
  return {
    clusters,
    interval: parseInterval(source, value.interval),
    logRetentionDays: retention as number,
    streamMode,
    ...(shards === undefined ? {} : { shards }),
    profile,
    agentImage: image as string,
    agentIdentity,
    applierAccess: oneOf<ApplierAccess>(source, 'applierAccess', value.applierAccess, ['rbac-group', 'cluster-admin'], 'rbac-group'),
    installPodIdentityAgent: install as boolean,
    ...(declarations === undefined ? {} : { declarations }),
    requireSignedRecords: requireSigned as boolean,
    ...(value.agentUser === undefined ? {} : { agentUser: value.agentUser as number }),
    ...(value.agentGroup === undefined ? {} : { agentGroup: value.agentGroup as number }),
    ...(podLogsDir === undefined ? {} : { podLogsDir: podLogsDir as string }),
    ...(logOnlyEvery === undefined ? {} : { logOnlyEvery: logOnlyEvery as string }),
  };
}

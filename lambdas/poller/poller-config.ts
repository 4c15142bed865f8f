import { ConfigError, toSnippet } from '../../core/errors';
import { DEFAULT_PROFILE_NAME, parseDeclarations, parseProfileName, type DeclarationProfile } from '../../core/metrics/profiles';
import { DEFAULT_DEADLINE_MARGIN_MS } from './create-handler';
import { DEFAULT_MAX_REMEMBERED_ENTRIES } from './create-poller';

/**
 * The poller's configuration, read from its environment by {@link parsePollerConfig}:
 *
 * - `KINSIGHT_TABLE_NAME` (required): the node metadata table.
 * - `KINSIGHT_PROFILE`: `classic` (default), `lean` or `enhanced`; `enhanced` adds workload records and node status metrics.
 * - `KINSIGHT_CLUSTER_PROFILES`: JSON object of cluster name -> profile name, for clusters that differ.
 * - `KINSIGHT_DECLARATIONS`: JSON array of metric declarations replacing those of the fleet profile
 *   (the fleet file's `declarations`; the enricher reads the same variable).
 * - `KINSIGHT_REQUEST_TIMEOUT_MS`: per-request timeout of Kubernetes API calls (default 10000).
 * - `KINSIGHT_METADATA_TTL_SECONDS`: lifetime of a node document (default 3600; refreshed at 3/4).
 * - `KINSIGHT_DEADLINE_MARGIN_MS`: time kept back from the invocation's remaining time (default 3000).
 * - `AWS_REGION` (set by Lambda): region of the clusters and of STS.
 * - `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` (set by Lambda): sizes the memory of previous observations and
 *   tells when a cluster outgrew the function.
 */
export interface PollerConfig {
  readonly tableName: string;
  readonly region: string;
  /** The fleet profile, with the fleet's declarations when set. */
  readonly profile: DeclarationProfile;
  /** Profiles of the clusters that differ from the fleet's. */
  readonly clusterProfiles: ReadonlyMap<string, DeclarationProfile>;
  readonly requestTimeoutMs: number;
  readonly ttlSeconds: number;
  readonly deadlineMarginMs: number;
  /** The function's memory, MB; undefined outside Lambda. */
  readonly memoryMb?: number;
  /** Previous-observation entries the poller keeps across clusters. */
  readonly maxRememberedEntries: number;
}

/** The environment, as `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Bytes one remembered entry takes (a restart count keyed `<pod uid>/<container>`, or a node's
 * stored hash), measured on Node 20 with 225,000 of them: 570.
 */
export const REMEMBERED_ENTRY_BYTES = 600;

/** Share of the function's memory the previous observations may take; the poll itself needs the rest. */
export const REMEMBERED_MEMORY_SHARE = 0.25;

/** The bound of the previous observations for a function of `memoryMb`. */
export const toMaxRememberedEntries = (memoryMb: number): number => Math.floor((memoryMb * 1024 * 1024 * REMEMBERED_MEMORY_SHARE) / REMEMBERED_ENTRY_BYTES);

function toPositiveInt(env: Environment, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${name} is "${toSnippet(text)}"; expected a positive integer`);
  return n;
}

function toProfile(name: string, where: string): DeclarationProfile {
  const parsed = parseProfileName(name);
  if (!parsed.ok) throw new ConfigError(`${where}: ${parsed.error}`);
  return parsed.value;
}

function parseJson(env: Environment, name: string, expected: string): unknown {
  try {
    return JSON.parse(env[name] as string);
  } catch (error) {
    throw new ConfigError(`${name} is not JSON (${(error as Error).message}); expected ${expected}`);
  }
}

function toClusterProfiles(env: Environment): Map<string, DeclarationProfile> {
  if (!env.KINSIGHT_CLUSTER_PROFILES) return new Map();
  const value = parseJson(env, 'KINSIGHT_CLUSTER_PROFILES', '{"<cluster>":"enhanced",...}');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`KINSIGHT_CLUSTER_PROFILES is ${toSnippet(value)}; expected a JSON object of cluster name -> profile name`);
  }
  return new Map(Object.entries(value).map(([cluster, name]) => [cluster, toProfile(String(name), `KINSIGHT_CLUSTER_PROFILES.${cluster}`)]));
}

function toFleetProfile(env: Environment): DeclarationProfile {
  const profile = toProfile(env.KINSIGHT_PROFILE || DEFAULT_PROFILE_NAME, 'KINSIGHT_PROFILE');
  if (!env.KINSIGHT_DECLARATIONS) return profile;
  const parsed = parseDeclarations(parseJson(env, 'KINSIGHT_DECLARATIONS', '[{"dimensions":[[...]],"metricNameSelectors":[...]}]'));
  if (!parsed.ok) throw new ConfigError(`KINSIGHT_DECLARATIONS: ${parsed.error}`);
  return { ...profile, name: 'custom', declarations: parsed.value };
}

/**
 * Reads and validates the poller's environment.
 * @throws ConfigError naming the variable, its value and what was expected.
 */
export function parsePollerConfig(env: Environment): PollerConfig {
  const tableName = env.KINSIGHT_TABLE_NAME;
  if (!tableName) throw new ConfigError('KINSIGHT_TABLE_NAME is not set; the poller needs the node metadata table name');
  const region = env.AWS_REGION;
  if (!region) throw new ConfigError('AWS_REGION is not set; the poller signs EKS tokens for the regional STS endpoint');
  const memoryMb = env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE === undefined ? undefined : toPositiveInt(env, 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 0);
  return {
    tableName,
    region,
    profile: toFleetProfile(env),
    clusterProfiles: toClusterProfiles(env),
    requestTimeoutMs: toPositiveInt(env, 'KINSIGHT_REQUEST_TIMEOUT_MS', 10_000),
    ttlSeconds: toPositiveInt(env, 'KINSIGHT_METADATA_TTL_SECONDS', 3600),
    deadlineMarginMs: toPositiveInt(env, 'KINSIGHT_DEADLINE_MARGIN_MS', DEFAULT_DEADLINE_MARGIN_MS),
    ...(memoryMb === undefined ? {} : { memoryMb }),
    maxRememberedEntries: memoryMb === undefined ? DEFAULT_MAX_REMEMBERED_ENTRIES : toMaxRememberedEntries(memoryMb),
  };
}

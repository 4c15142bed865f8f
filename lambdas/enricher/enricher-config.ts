import { AGENT_KEY_SECRET_PREFIX } from '../../core/agent-key';
import { ConfigError } from '../../core/errors';
import { DEFAULT_PROFILE_NAME, parseDeclarations, parseLogOnlyEvery, parseProfileName, withLogOnlyEvery, type DeclarationProfile } from '../../core/metrics/profiles';

/**
 * The enricher's configuration, read from its environment by {@link parseEnricherConfig}:
 *
 * - `KINSIGHT_TABLE_NAME` (required): the node metadata table.
 * - `KINSIGHT_PROFILE`: declaration profile, `classic` (default), `lean` or `enhanced`.
 * - `KINSIGHT_CLUSTER_PROFILES`: JSON object of cluster name -> profile name, for clusters that differ.
 * - `KINSIGHT_DECLARATIONS`: JSON array of metric declarations replacing those of the fleet profile (validated).
 * - `KINSIGHT_LOG_ONLY_EVERY`: lean profiles write their log-only records once per this duration (`10m`); default never.
 * - `KINSIGHT_LOGS_CONCURRENCY`: log streams written in parallel (default 8).
 * - `KINSIGHT_METADATA_CACHE_MS`: metadata cache TTL (default 30000).
 * - `KINSIGHT_REQUIRE_SIGNATURE`: `true` (default; what the stack sets) or `false` (local tools only).
 * - `KINSIGHT_KEY_SECRET_PREFIX`: name prefix of the agents' key secrets (default `kinsight/agent-key/`).
 */
export interface EnricherConfig {
  readonly tableName: string;
  /** The fleet profile, with the fleet's declarations when set (then named `custom`). */
  readonly profile: DeclarationProfile;
  /** Profiles of the clusters that differ from the fleet's, by cluster name. */
  readonly clusterProfiles: Readonly<Record<string, DeclarationProfile>>;
  readonly logsConcurrency: number;
  readonly metadataCacheMs: number;
  readonly requireSignature: boolean;
  readonly keySecretPrefix: string;
}

/** The environment, as `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

function toProfile(name: string, where: string): DeclarationProfile {
  const parsed = parseProfileName(name);
  if (!parsed.ok) throw new ConfigError(`${where}: ${parsed.error}`);
  return parsed.value;
}

function parseJson(text: string, name: string, expected: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${name} is not JSON (${(error as Error).message}); expected ${expected}`);
  }
}

function toFleetProfile(env: Environment): DeclarationProfile {
  const profile = toProfile(env.KINSIGHT_PROFILE || DEFAULT_PROFILE_NAME, 'KINSIGHT_PROFILE');
  if (!env.KINSIGHT_DECLARATIONS) return profile;
  const parsed = parseDeclarations(parseJson(env.KINSIGHT_DECLARATIONS, 'KINSIGHT_DECLARATIONS', '[{"dimensions":[[...]],"metricNameSelectors":[...]}]'));
  if (!parsed.ok) throw new ConfigError(`KINSIGHT_DECLARATIONS: ${parsed.error}`);
  return { ...profile, name: 'custom', declarations: parsed.value };
}

function toClusterProfiles(env: Environment): Record<string, DeclarationProfile> {
  if (!env.KINSIGHT_CLUSTER_PROFILES) return {};
  const value = parseJson(env.KINSIGHT_CLUSTER_PROFILES, 'KINSIGHT_CLUSTER_PROFILES', '{"<cluster>":"lean",...}');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError('KINSIGHT_CLUSTER_PROFILES must be a JSON object of cluster name -> profile name');
  return Object.fromEntries(Object.entries(value).map(([cluster, name]) => [cluster, toProfile(String(name), `KINSIGHT_CLUSTER_PROFILES.${cluster}`)]));
}

function toLogOnlyEveryMs(env: Environment): number {
  const parsed = parseLogOnlyEvery(env.KINSIGHT_LOG_ONLY_EVERY || 'never');
  if (!parsed.ok) throw new ConfigError(`KINSIGHT_LOG_ONLY_EVERY: ${parsed.error}`);
  return parsed.value;
}

function toPositiveInt(env: Environment, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${name} must be a positive integer, got "${text}"`);
  return n;
}

function toBoolean(env: Environment, name: string, fallback: boolean): boolean {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (text === 'true' || text === 'false') return text === 'true';
  throw new ConfigError(`${name} must be "true" or "false", got "${text}"`);
}

/**
 * Reads and validates the enricher's environment (pure: handler.ts passes `process.env`).
 * @throws ConfigError naming the variable, its value and what was expected.
 */
export function parseEnricherConfig(env: Environment): EnricherConfig {
  const tableName = env.KINSIGHT_TABLE_NAME;
  if (!tableName) throw new ConfigError('KINSIGHT_TABLE_NAME is not set; the enricher needs the node metadata table name');
  const logOnlyEveryMs = toLogOnlyEveryMs(env);
  return {
    tableName,
    profile: withLogOnlyEvery(toFleetProfile(env), logOnlyEveryMs),
    clusterProfiles: Object.fromEntries(Object.entries(toClusterProfiles(env)).map(([c, p]) => [c, withLogOnlyEvery(p, logOnlyEveryMs)])),
    logsConcurrency: toPositiveInt(env, 'KINSIGHT_LOGS_CONCURRENCY', 8),
    metadataCacheMs: toPositiveInt(env, 'KINSIGHT_METADATA_CACHE_MS', 30_000),
    requireSignature: toBoolean(env, 'KINSIGHT_REQUIRE_SIGNATURE', true),
    keySecretPrefix: env.KINSIGHT_KEY_SECRET_PREFIX || AGENT_KEY_SECRET_PREFIX,
  };
}

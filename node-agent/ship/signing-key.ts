import type { RecordSigningKey } from '../../core/record/record-data';
import type { Logger } from '../log';
import type { AwsJsonClient } from './aws-json-client';

/** JSON 1.1 target of GetSecretValue. @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html */
const TARGET = 'secretsmanager.GetSecretValue';

/** Shortest key string accepted: the fleet's keys are 64 random characters; fewer than 32 is not a key made for this. */
export const MIN_SIGNING_KEY_CHARS = 32;

/** What the key source needs. */
export interface SigningKeySourceOptions {
  /** The cluster's secret, by name or ARN (`SecretId`). */
  readonly secretId: string;
  /** A Secrets Manager client (signed JSON 1.1 calls). */
  readonly client: Pick<AwsJsonClient, 'call'>;
  /** Monotonic milliseconds, for the refresh schedule. */
  readonly now: () => number;
  /** Time between two fetches once a key is held: a rotation is picked up within it. @default 3600000 (1 hour) */
  readonly refreshMs?: number;
  /** Time before trying again after a failed refresh while a key is held. @default 60000 */
  readonly retryMs?: number;
  readonly log: Logger;
}

/** Cumulative figures of the key source. */
export interface SigningKeyStats {
  /** Successful GetSecretValue calls. */
  readonly fetches: number;
  /** Failed ones (network, AWS error, a secret that holds no key). */
  readonly failures: number;
  /** VersionId of the key held; undefined before the first success. */
  readonly keyId?: string;
}

/** The cluster's current signing key, fetched from Secrets Manager and kept fresh. */
export interface SigningKeySource {
  /** The key held; undefined until a fetch succeeded. */
  current(): RecordSigningKey | undefined;
  /**
   * Fetches the AWSCURRENT version when it is due: while no key is held, on every call; then every
   * `refreshMs`, and `retryMs` after a failure. A failure is logged and counted, never thrown, and
   * the key held stays in use.
   */
  refreshIfDue(signal?: AbortSignal): Promise<void>;
  stats(): SigningKeyStats;
}

/**
 * Reads `{"VersionId", "SecretString": "{\"key\": \"...\"}"}` into a signing key: id = VersionId,
 * secret = the UTF-8 bytes of `key`. The error says what is wrong without a byte of the secret
 * (JSON.parse messages quote their input, so they are not passed on).
 */
export function parseSecretValue(body: string): { ok: true; key: RecordSigningKey } | { ok: false; error: string } {
  const size = `${Buffer.byteLength(body)} bytes`;
  let answer: { VersionId?: unknown; SecretString?: unknown } | null;
  try {
    answer = JSON.parse(body) as typeof answer;
  } catch {
    return { ok: false, error: `the answer is not JSON (${size})` };
  }
  const versionId = answer?.VersionId;
  const secretString = answer?.SecretString;
  if (typeof versionId !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(versionId)) return { ok: false, error: `the answer has no VersionId of 1-64 printable ASCII characters (${size})` };
  if (typeof secretString !== 'string') return { ok: false, error: `version ${versionId} has no SecretString (a binary secret?); expected {"key": "<64 random characters>"}` };
  let value: { key?: unknown } | null;
  try {
    value = JSON.parse(secretString) as typeof value;
  } catch {
    return { ok: false, error: `the SecretString of version ${versionId} is not JSON (${secretString.length} characters); expected {"key": "<64 random characters>"}` };
  }
  const key = value?.key;
  if (typeof key !== 'string' || key.length < MIN_SIGNING_KEY_CHARS) {
    return { ok: false, error: `the SecretString of version ${versionId} has no "key" string of at least ${MIN_SIGNING_KEY_CHARS} characters (${typeof key === 'string' ? `${key.length} characters` : typeof key}); expected {"key": "<64 random characters>"}` };
  }
  return { ok: true, key: { id: versionId, secret: Buffer.from(key, 'utf8') } };
}

/**
 * The signing key of the agent's cluster, read with its own signed GetSecretValue call (the agent
 * bundles no AWS SDK) and refreshed on a schedule, so that a rotation (the new version takes
 * AWSCURRENT; the enricher still accepts AWSPREVIOUS) is picked up within `refreshMs`. The key and
 * the answers' bodies are never logged: a log line names the secret, the VersionId and the error.
 */
export function createSigningKeySource(options: SigningKeySourceOptions): SigningKeySource {
  const refreshMs = options.refreshMs ?? 3_600_000;
  const retryMs = options.retryMs ?? 60_000;
  let key: RecordSigningKey | undefined;
  let nextAtMs = -Infinity;
  let fetches = 0;
  let failures = 0;
  let fetching: Promise<void> | undefined;
  const what = `GetSecretValue of the signing key secret ${options.secretId}`;

  const fetchKey = async (signal?: AbortSignal): Promise<void> => {
    try {
      const body = await options.client.call(TARGET, JSON.stringify({ SecretId: options.secretId, VersionStage: 'AWSCURRENT' }), what, signal);
      const parsed = parseSecretValue(body);
      if (!parsed.ok) throw new Error(`${what}: ${parsed.error}`);
      fetches += 1;
      nextAtMs = options.now() + refreshMs;
      const previous = key?.id;
      key = parsed.key;
      if (previous !== parsed.key.id) options.log.info(previous === undefined ? 'signing key fetched' : 'signing key rotated', { secret: options.secretId, keyId: parsed.key.id, ...(previous ? { previousKeyId: previous } : {}) });
    } catch (error) {
      failures += 1;
      nextAtMs = options.now() + retryMs;
      const message = (error as { message?: unknown })?.message;
      options.log[key ? 'warn' : 'error'](key ? 'signing key refresh failed; the key held stays in use' : 'signing key not fetched; records wait in the buffer', {
        secret: options.secretId,
        error: typeof message === 'string' ? message : String(error),
        failures,
        ...(key ? { keyId: key.id } : {}),
      });
    }
  };

  return {
    current: () => key,
    refreshIfDue(signal) {
      if (key !== undefined && options.now() < nextAtMs) return Promise.resolve();
      fetching ??= fetchKey(signal).finally(() => {
        fetching = undefined;
      });
      return fetching;
    },
    stats: () => ({ fetches, failures, ...(key ? { keyId: key.id } : {}) }),
  };
}

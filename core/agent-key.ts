import { toSnippet } from './errors';
import { err, ok, type Result } from './result';

/**
 * The per-cluster key an agent signs its records with (docs/operations.md, threat model): one AWS
 * Secrets Manager secret per fleet cluster, readable by that cluster's agents only and by the
 * enricher. The agent signs with the version labelled AWSCURRENT; the enricher accepts AWSCURRENT
 * and AWSPREVIOUS, so a rotation loses no record. The version id travels in each record's envelope
 * (core/record/record-data.ts) as the key id.
 */

/** The name prefix of the agents' key secrets: `kinsight/agent-key/<cluster>`. */
export const AGENT_KEY_SECRET_PREFIX = 'kinsight/agent-key/';

/** The name of a cluster's key secret. */
export const toAgentKeySecretName = (cluster: string): string => `${AGENT_KEY_SECRET_PREFIX}${cluster}`;

/** The member of the secret's JSON string that holds the key. */
export const AGENT_KEY_MEMBER = 'key';

/** Shortest key accepted: 32 characters (the stack generates 64). */
export const MIN_AGENT_KEY_CHARS = 32;

/**
 * The key bytes of a secret's string `{"key":"<characters>"}`. The error never quotes the secret's
 * content (it may be a key): it says only what is wrong with its shape.
 */
export function parseAgentKeySecret(secretString: unknown): Result<Uint8Array> {
  if (typeof secretString !== 'string') return err(`agent key secret has no SecretString (got ${typeof secretString}); expected {"${AGENT_KEY_MEMBER}":"<${MIN_AGENT_KEY_CHARS}+ characters>"}`);
  let value: unknown;
  try {
    value = JSON.parse(secretString);
  } catch {
    return err(`agent key secret is not JSON (${secretString.length} characters); expected {"${AGENT_KEY_MEMBER}":"<${MIN_AGENT_KEY_CHARS}+ characters>"}`);
  }
  const key = (value as Record<string, unknown> | null)?.[AGENT_KEY_MEMBER];
  if (typeof key !== 'string' || key.length < MIN_AGENT_KEY_CHARS) {
    return err(`agent key secret's "${AGENT_KEY_MEMBER}" member is ${typeof key === 'string' ? `${key.length} characters` : toSnippet(typeof key)}; expected a string of at least ${MIN_AGENT_KEY_CHARS} characters`);
  }
  return ok(Buffer.from(key, 'utf8'));
}

import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AGENT_KEY_SECRET_PREFIX, parseAgentKeySecret } from '../../core/agent-key';
import { isClusterName } from '../../core/record/parse-record';
import { createLruMap } from '../common/lru-map';

/**
 * The agents' signing keys as the enricher holds them (core/agent-key.ts, docs/enricher.md "Trust"):
 * one Secrets Manager secret per fleet cluster, `<prefix><cluster>`, read at its AWSCURRENT and
 * AWSPREVIOUS versions (the key id of a record is the version id), so that a rotation loses nothing.
 * Fleet membership is having that secret: a cluster without one has no keys.
 *
 * The handler calls `load` once per batch with the (cluster, key id) pairs of the batch's envelopes
 * (readRecordEnvelope), before anything is decoded; `keyOf` then answers from memory, as
 * openRecordData needs. A cluster's keys are kept `ttlMs`; a key id the cluster does not have (a
 * rotation, or a forgery) re-reads the cluster's secret at most once per `refreshMs`, and a cluster
 * without a secret (an answer cached like the others) costs one lookup per `refreshMs` however many
 * records name it. What it holds is bounded (`maxClusters`, least recently used forgotten).
 *
 * Errors: a missing secret, access denied to it (the stack grants the fleet's secrets only) or a
 * secret of the wrong shape means "no keys" (logged through `onError`); throttling and other errors
 * are retried, and a cluster still failing is `unavailable` for this batch: its records are neither
 * verified nor rejected, but retried (the last keys read, when there are any, are used instead).
 */

/** A cluster and key id a record's envelope names. */
export interface KeyRef {
  readonly cluster: string;
  readonly keyId: string;
}

/** What the handler needs from the key store. */
export interface AgentKeyStore {
  /** Makes the keys of `refs` available to keyOf; resolves to the clusters whose keys could not be read now (transient errors). */
  load(refs: Iterable<KeyRef>): Promise<ReadonlySet<string>>;
  /** The secret of a cluster's key, when the cluster has that key. */
  keyOf(cluster: string, keyId: string): Uint8Array | undefined;
}

/** Options of {@link createAgentKeyStore}. */
export interface AgentKeyStoreOptions {
  client: Pick<SecretsManagerClient, 'send'>;
  /** @default 'kinsight/agent-key/' */
  secretPrefix?: string;
  /**
   * How long a cluster's keys are used before they are read again.
   * @default 300000 (5 minutes)
   */
  ttlMs?: number;
  /**
   * Shortest time between two reads of one cluster's secret (an unknown key id, a cluster without a secret).
   * @default 60000
   */
  refreshMs?: number;
  /** @default 10000 */
  maxClusters?: number;
  /** Secrets read in parallel. @default 8 */
  concurrency?: number;
  /** Retries of a throttled or failing read. @default 3 */
  maxRetries?: number;
  /** @default 100 */
  baseDelayMs?: number;
  /** Told why a cluster has no keys or could not be read. @default ignored */
  onError?: (cluster: string, reason: string) => void;
  /** @default Date.now, setTimeout and Math.random */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

interface ClusterKeys {
  readonly keys: ReadonlyMap<string, Uint8Array>;
  readonly readAtMs: number;
}

/** Errors that mean "this cluster has no usable key", not "try again". */
const NO_KEY = new Set(['ResourceNotFoundException', 'AccessDeniedException', 'DecryptionFailure', 'InvalidRequestException', 'InvalidParameterException', 'ValidationException']);
const nameOf = (error: unknown): string => (error as { name?: string })?.name ?? '';

/** Creates a key store over a Secrets Manager client. */
export function createAgentKeyStore(options: AgentKeyStoreOptions): AgentKeyStore {
  const prefix = options.secretPrefix ?? AGENT_KEY_SECRET_PREFIX;
  const ttlMs = options.ttlMs ?? 300_000;
  const refreshMs = options.refreshMs ?? 60_000;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const maxRetries = options.maxRetries ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const held = createLruMap<string, ClusterKeys>({ maxEntries: options.maxClusters ?? 10_000 });

  /** One version of the secret: its id and key, undefined when there is no such version or no usable key. */
  async function readVersion(cluster: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<{ id: string; secret: Uint8Array } | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        const out = await options.client.send(new GetSecretValueCommand({ SecretId: `${prefix}${cluster}`, VersionStage: stage }));
        const parsed = parseAgentKeySecret(out.SecretString);
        if (!parsed.ok || out.VersionId === undefined) {
          options.onError?.(cluster, `${stage}: ${parsed.ok ? 'the secret version has no id' : parsed.error}`);
          return undefined;
        }
        return { id: out.VersionId, secret: parsed.value };
      } catch (error) {
        if (NO_KEY.has(nameOf(error))) {
          // AWSPREVIOUS is absent until the first rotation: not worth a line.
          if (stage === 'AWSCURRENT') options.onError?.(cluster, `${nameOf(error)}: ${(error as Error).message}`);
          return undefined;
        }
        if (attempt >= maxRetries) throw error;
        await sleep(random() * baseDelayMs * 2 ** attempt);
      }
    }
  }

  async function read(cluster: string): Promise<ClusterKeys> {
    const versions = await Promise.all([readVersion(cluster, 'AWSCURRENT'), readVersion(cluster, 'AWSPREVIOUS')]);
    const keys = new Map<string, Uint8Array>();
    for (const v of versions) if (v) keys.set(v.id, v.secret);
    return { keys, readAtMs: now() };
  }

  /** True when the cluster's secret must be read for `keyIds`. */
  function due(cluster: string, keyIds: ReadonlySet<string>, t: number): boolean {
    const entry = held.get(cluster);
    if (!entry) return true;
    const age = t - entry.readAtMs;
    if (age >= ttlMs) return true;
    if (age < refreshMs) return false;
    for (const id of keyIds) if (!entry.keys.has(id)) return true;
    return false;
  }

  return {
    async load(refs) {
      const wanted = new Map<string, Set<string>>();
      for (const { cluster, keyId } of refs) {
        // A name EKS does not allow has no secret: no lookup, and no entry to hold.
        if (!isClusterName(cluster)) continue;
        let ids = wanted.get(cluster);
        if (!ids) wanted.set(cluster, (ids = new Set()));
        ids.add(keyId);
      }
      const t = now();
      const toRead = [...wanted].filter(([cluster, ids]) => due(cluster, ids, t)).map(([cluster]) => cluster);
      const unavailable = new Set<string>();
      let next = 0;
      const worker = async () => {
        while (next < toRead.length) {
          const cluster = toRead[next++];
          try {
            held.set(cluster, await read(cluster));
          } catch (error) {
            options.onError?.(cluster, `reading its key failed: ${nameOf(error) || 'Error'}: ${(error as Error).message}`);
            // The last keys read still verify the records they signed; without any, the records wait.
            if (!held.get(cluster)) unavailable.add(cluster);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, toRead.length) }, worker));
      return unavailable;
    },
    keyOf(cluster, keyId) {
      return held.get(cluster)?.keys.get(keyId);
    },
  };
}

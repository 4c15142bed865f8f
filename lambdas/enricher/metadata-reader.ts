import { toBackoffMs } from '../../core/backoff';
import { BatchGetCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PermanentError, TransientError } from '../../core/errors';
import { DYNAMODB_MAX_BATCH_GET_KEYS } from '../../core/limits';
import { withUnchangedPods, type NodeMetadata } from '../../core/node-metadata';
import { METADATA_TABLE_KEY, parseMetadataItem } from '../../core/node-metadata-item';

/**
 * Reads node metadata documents from the DynamoDB table with BatchGetItem (at most 100 keys per
 * call, UnprocessedKeys retried with backoff) and keeps them in memory for a short TTL, including
 * the "no document" answers, so a warm enricher asks DynamoDB about a node about once per TTL. A
 * re-read item whose content hash is unchanged yields the same document object as before; a changed
 * one keeps the previous objects of the pods whose content did not change (see withUnchangedPods).
 * An expired, corrupt or unknown-version item is treated as no document and reported to `onBadItem`.
 *
 * Errors are classified here, once: throttling, 5xx and errors not known here are retried with
 * jittered exponential backoff (as UnprocessedKeys are), then a {@link TransientError}; a
 * ValidationException (DynamoDB refused a key: too long, empty) splits the keys in halves until the
 * refused key stands alone, which is left out of the answer (`has(key)` is false) and reported to
 * `onRejectedKey`, while the other keys are answered; AccessDenied or a missing table is a
 * {@link PermanentError} for every key.
 *
 * What it holds, keyed by table key: the answers of the last TTL (the expired ones dropped by a read
 * that finds more than `maxAnswers` held), and the last document read with a content hash (all
 * forgotten when a new key would make more than `maxDocuments`: the next read of each node parses its
 * item again).
 */

/** What the handler needs from the metadata table. */
export interface MetadataReader {
  /**
   * Documents by table key (`<cluster>#<node>`); a key without a usable document maps to undefined,
   * a key DynamoDB refuses is left out. Throws a TransientError or a PermanentError.
   */
  get(keys: readonly string[]): Promise<Map<string, NodeMetadata | undefined>>;
}

/** A MetadataReader that says how much it holds. */
export interface CachingMetadataReader extends MetadataReader {
  /** The answers and the last documents it holds now: what `maxAnswers` and `maxDocuments` bound. */
  held(): { answers: number; documents: number };
}

/** Options of {@link createMetadataReader}. */
export interface MetadataReaderOptions {
  client: Pick<DynamoDBDocumentClient, 'send'>;
  tableName: string;
  /**
   * How long a read answer is reused.
   * @default 30000 (the poller refreshes documents every minute)
   */
  cacheTtlMs?: number;
  /**
   * Rounds of UnprocessedKeys retries before failing with a TransientError.
   * @default 5
   */
  maxRetries?: number;
  /** @default 50 */
  baseDelayMs?: number;
  /**
   * Answers held above which a read drops the expired ones (nodes come and go: the answers follow
   * the live fleet; those of the last TTL are kept whatever their number).
   * @default 20000
   */
  maxAnswers?: number;
  /**
   * Last documents held (for the content-hash comparison); all are forgotten when a new key would
   * make more.
   * @default 50000
   */
  maxDocuments?: number;
  /** Receives items that could not be decoded. @default ignored (they count as missing documents) */
  onBadItem?: (key: string, reason: string) => void;
  /** Receives keys DynamoDB refused (left out of the answer). @default ignored */
  onRejectedKey?: (key: string, reason: string) => void;
  /** @default Date.now, setTimeout and Math.random (full jitter of the backoff) */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const TABLE_REFUSED = new Set(['AccessDeniedException', 'ResourceNotFoundException', 'UnrecognizedClientException']);
const nameOf = (error: unknown): string => (error as { name?: string })?.name ?? '';

/** What a BatchGetItem error means: a refused key, a refused table, or (anything else) worth trying again. */
function toDynamoErrorKind(error: unknown): 'key' | 'table' | 'transient' {
  const name = nameOf(error);
  if (name === 'ValidationException') return 'key';
  if (TABLE_REFUSED.has(name)) return 'table';
  // Throttling, 5xx, network errors and errors not known here: worth trying again.
  return 'transient';
}

/** Creates a cached BatchGetItem reader of node metadata documents. */
export function createMetadataReader(options: MetadataReaderOptions): CachingMetadataReader {
  const ttl = options.cacheTtlMs ?? 30_000;
  const maxRetries = options.maxRetries ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 50;
  const maxAnswers = options.maxAnswers ?? 20_000;
  const maxDocuments = options.maxDocuments ?? 50_000;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const cache = new Map<string, { doc: NodeMetadata | undefined; expiresAt: number }>();
  const lastDocs = new Map<string, { hash: string; doc: NodeMetadata }>();

  const random = options.random ?? Math.random;
  const backoff = (attempt: number) => sleep(toBackoffMs(attempt, random, { baseDelayMs, maxDelayMs: 5_000 }));

  /** One BatchGetItem of `keys`, retried while throttled or failing for a reason not known here. */
  async function send(keys: string[]): Promise<BatchGetCommandOutput> {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await backoff(attempt);
      try {
        return await options.client.send(new BatchGetCommand({ RequestItems: { [options.tableName]: { Keys: keys.map((k) => ({ [METADATA_TABLE_KEY]: k })) } } }));
      } catch (error) {
        const kind = toDynamoErrorKind(error);
        if (kind !== 'transient') throw error;
        if (attempt >= maxRetries) {
          throw new TransientError(`BatchGetItem on ${options.tableName} failed ${attempt + 1} times (${nameOf(error) || 'Error'}: ${(error as Error).message}); the records will be retried`, { cause: error });
        }
      }
    }
  }

  async function fetch(keys: string[], into: Map<string, NodeMetadata | undefined>): Promise<void> {
    let pending = keys;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > maxRetries) {
        throw new TransientError(`BatchGetItem on ${options.tableName} left ${pending.length} key(s) unprocessed after ${maxRetries} retries (throttled table?); the records will be retried`);
      }
      if (attempt > 0) await backoff(attempt);
      let out: BatchGetCommandOutput;
      try {
        out = await send(pending);
      } catch (error) {
        const kind = toDynamoErrorKind(error);
        if (kind === 'table') {
          throw new PermanentError(`BatchGetItem on ${options.tableName} is refused (${nameOf(error)}: ${(error as Error).message}); check the table name and the enricher's dynamodb:BatchGetItem permission`, { cause: error });
        }
        if (kind !== 'key') throw error;
        // A key DynamoDB refuses fails the whole call: halve until it stands alone, answer the others.
        if (pending.length === 1) {
          options.onRejectedKey?.(pending[0], `${nameOf(error)}: ${(error as Error).message}`);
          return;
        }
        const half = Math.ceil(pending.length / 2);
        await fetch(pending.slice(0, half), into);
        await fetch(pending.slice(half), into);
        return;
      }
      const t = now();
      for (const item of out.Responses?.[options.tableName] ?? []) {
        const key = String(item[METADATA_TABLE_KEY]);
        // Same content hash as the document read last time: keep that object (no gunzip, no parse,
        // and the enricher's per-pod caches keyed on it stay warm).
        const last = lastDocs.get(key);
        const expired = typeof item.ttl === 'number' && item.ttl * 1000 <= t;
        if (last && !expired && typeof item.hash === 'string' && item.hash === last.hash) {
          into.set(key, last.doc);
          continue;
        }
        const parsed = parseMetadataItem(item, t);
        if (parsed.ok) {
          const doc = last ? withUnchangedPods(parsed.value, last.doc) : parsed.value;
          into.set(key, doc);
          if (typeof item.hash === 'string') {
            if (lastDocs.size >= maxDocuments && !lastDocs.has(key)) lastDocs.clear();
            lastDocs.set(key, { hash: item.hash, doc });
          }
        } else {
          into.set(key, undefined);
          options.onBadItem?.(key, parsed.error);
        }
      }
      const unprocessed = (out.UnprocessedKeys?.[options.tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      const answered = new Set(pending);
      for (const k of unprocessed) answered.delete(String(k[METADATA_TABLE_KEY]));
      for (const key of answered) if (!into.has(key)) into.set(key, undefined);
      pending = unprocessed.map((k) => String(k[METADATA_TABLE_KEY]));
    }
  }

  return {
    async get(keys) {
      const t = now();
      const result = new Map<string, NodeMetadata | undefined>();
      const missing: string[] = [];
      for (const key of new Set(keys)) {
        const hit = cache.get(key);
        if (hit && hit.expiresAt > t) result.set(key, hit.doc);
        else missing.push(key);
      }
      const fetched = new Map<string, NodeMetadata | undefined>();
      for (let i = 0; i < missing.length; i += DYNAMODB_MAX_BATCH_GET_KEYS) {
        await fetch(missing.slice(i, i + DYNAMODB_MAX_BATCH_GET_KEYS), fetched);
      }
      // Nodes come and go: drop expired entries now and then so the cache tracks the live fleet.
      if (cache.size > maxAnswers) for (const [key, entry] of cache) if (entry.expiresAt <= t) cache.delete(key);
      const expiresAt = now() + ttl;
      for (const key of missing) {
        // A refused key is not an answer: it is left out, and not cached.
        if (!fetched.has(key)) continue;
        const doc = fetched.get(key);
        cache.set(key, { doc, expiresAt });
        result.set(key, doc);
      }
      return result;
    },
    held: () => ({ answers: cache.size, documents: lastDocs.size }),
  };
}

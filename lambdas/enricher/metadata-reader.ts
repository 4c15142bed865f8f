import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransientError } from '../../core/errors';
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
 * What it holds, keyed by table key: the answers of the last TTL (the expired ones dropped by a read
 * that finds more than `maxAnswers` held), and the last document read with a content hash (all
 * forgotten when a new key would make more than `maxDocuments`: the next read of each node parses its
 * item again).
 */

/** What the handler needs from the metadata table. */
export interface MetadataReader {
  /** Documents by table key (`<cluster>#<node>`); a key without a usable document maps to undefined. */
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
  /** @default Date.now and setTimeout */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
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

  async function fetch(keys: string[], into: Map<string, NodeMetadata | undefined>): Promise<void> {
    let pending: Record<string, unknown>[] = keys.map((k) => ({ [METADATA_TABLE_KEY]: k }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > maxRetries) {
        throw new TransientError(`BatchGetItem on ${options.tableName} left ${pending.length} key(s) unprocessed after ${maxRetries} retries (throttled table?); the records will be retried`);
      }
      if (attempt > 0) await sleep(baseDelayMs * 2 ** (attempt - 1));
      const out = await options.client.send(new BatchGetCommand({ RequestItems: { [options.tableName]: { Keys: pending } } }));
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
        } else options.onBadItem?.(key, parsed.error);
      }
      pending = (out.UnprocessedKeys?.[options.tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
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
        const doc = fetched.get(key);
        cache.set(key, { doc, expiresAt });
        result.set(key, doc);
      }
      return result;
    },
    held: () => ({ answers: cache.size, documents: lastDocs.size }),
  };
}

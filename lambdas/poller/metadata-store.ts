import { BatchGetCommand, BatchWriteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { gunzipSync, gzipSync } from 'node:zlib';
import { toBackoffMs, type BackoffOptions } from '../../core/backoff';
import { toSnippet, TransientError } from '../../core/errors';
import { DYNAMODB_MAX_BATCH_GET_KEYS, DYNAMODB_MAX_BATCH_WRITE_ITEMS } from '../../core/limits';
import { toNodeKey } from '../../core/node-metadata';
import { parseMetadataItem, type NodeMetadataItem } from '../../core/node-metadata-item';

/**
 * The poller's view of the metadata table: the node documents it wrote (their hash, when, and the
 * restart counts inside) and a small per-cluster index item listing the nodes that have documents,
 * so that documents of nodes that left are deleted even after a cold start.
 */

/** What the poller needs back from a stored node document. */
export interface StoredNode {
  readonly hash: string;
  /** When the item was written (its TTL minus the TTL period is not known here: observedAtMs of the document). */
  readonly writtenAtMs: number;
  /** Restart counts by `<pod uid>/<container>`. */
  readonly restarts: ReadonlyMap<string, number>;
}

/** The per-cluster index: node names with a document, and when it was written. */
export interface StoredIndex {
  readonly nodes: readonly string[];
  readonly writtenAtMs: number;
}

/** An item DynamoDB refused on its own (a ValidationException such as "Item size has exceeded the maximum allowed size"). */
export interface RejectedItem {
  readonly key: string;
  readonly reason: string;
}

/** The table operations of the poller. */
export interface MetadataStore {
  readIndex(cluster: string, nowMs: number): Promise<StoredIndex | undefined>;
  readNodes(cluster: string, nodes: readonly string[], nowMs: number): Promise<Map<string, StoredNode>>;
  /**
   * Writes the documents. A batch DynamoDB refuses as a whole for one bad item (ValidationException)
   * is written again item by item, so one node's item never fails the others: the items refused on
   * their own are returned. Any other failure (throttling past the retries, the network) is thrown.
   */
  putDocuments(items: readonly NodeMetadataItem[]): Promise<{ readonly rejected: readonly RejectedItem[] }>;
  deleteNodes(cluster: string, nodes: readonly string[]): Promise<void>;
  putIndex(cluster: string, nodes: readonly string[], nowMs: number, ttlSeconds: number): Promise<void>;
}

/** The key of a cluster's index item: `~` never appears in a node name (a DNS subdomain), so it cannot collide. */
export const toIndexKey = (cluster: string): string => toNodeKey(cluster, '~index');

/** Options of {@link createMetadataStore}. */
export interface MetadataStoreOptions {
  readonly client: Pick<DynamoDBDocumentClient, 'send'>;
  readonly tableName: string;
  /**
   * Batch calls in flight at once.
   * @default 8
   */
  readonly concurrency?: number;
  /**
   * Attempts of a batch whose items come back unprocessed (throttling), with backoff.
   * @default 5
   */
  readonly maxAttempts?: number;
  /**
   * Bounds of the backoff between attempts (full jitter, core/backoff.ts).
   * @default STORE_BACKOFF: 200 ms doubling to 1,600 ms, at most 3 s of sleep over the 4 retries
   */
  readonly backoff?: BackoffOptions;
  /**
   * Sleep between attempts, and below the random source of the jitter (injectable for tests).
   * @default setTimeout
   */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
}

/**
 * The backoff of the store's retries of unprocessed items: the ceilings 200, 400, 800 and 1,600 ms of
 * 4 retries add up to 3 s, the deadline margin the handler keeps for a write in flight.
 */
export const STORE_BACKOFF: BackoffOptions = Object.freeze({ baseDelayMs: 200, maxDelayMs: 1600 });

const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/** DynamoDB refused the request for what it holds, not for its load: sending it again would fail again. */
const isRejection = (error: unknown): boolean => (error as { name?: string } | null)?.name === 'ValidationException';

async function inParallel<T>(jobs: readonly T[], concurrency: number, run: (job: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next];
      next += 1;
      await run(job);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
}

/** The DynamoDB implementation (BatchGet 100 keys, BatchWrite 25 items, unprocessed items retried). */
export function createMetadataStore(options: MetadataStoreOptions): MetadataStore {
  const { client, tableName } = options;
  const concurrency = options.concurrency ?? 8;
  const maxAttempts = options.maxAttempts ?? 5;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const backoff = options.backoff ?? STORE_BACKOFF;
  const pause = (attempt: number) => sleep(toBackoffMs(attempt - 1, random, backoff));

  const batchWrite = async (requests: Record<string, unknown>[]): Promise<void> => {
    let pending = requests;
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > maxAttempts) {
        throw new TransientError(`BatchWriteItem on table ${tableName} left ${pending.length} items unprocessed after ${maxAttempts} attempts; expected DynamoDB to accept them (throttling?); the next poll writes them again`);
      }
      if (attempt > 1) await pause(attempt);
      const out = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }));
      pending = (out.UnprocessedItems?.[tableName] ?? []) as Record<string, unknown>[];
    }
  };

  return {
    async readIndex(cluster, nowMs) {
      const out = await client.send(new GetCommand({ TableName: tableName, Key: { pk: toIndexKey(cluster) } }));
      const item = out.Item;
      if (!item || (typeof item.ttl === 'number' && item.ttl * 1000 <= nowMs) || !(item.nodes instanceof Uint8Array)) return undefined;
      return { nodes: JSON.parse(gunzipSync(item.nodes).toString('utf8')) as string[], writtenAtMs: Number(item.writtenAtMs) || 0 };
    },

    async readNodes(cluster, nodes, nowMs) {
      const found = new Map<string, StoredNode>();
      await inParallel(chunk(nodes, DYNAMODB_MAX_BATCH_GET_KEYS), concurrency, async (names) => {
        let keys: Record<string, unknown>[] = names.map((n) => ({ pk: toNodeKey(cluster, n) }));
        for (let attempt = 1; keys.length > 0; attempt += 1) {
          if (attempt > maxAttempts) throw new TransientError(`BatchGetItem on table ${tableName} left ${keys.length} keys unprocessed after ${maxAttempts} attempts; the next poll tries again`);
          if (attempt > 1) await pause(attempt);
          const out = await client.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys } } }));
          for (const item of out.Responses?.[tableName] ?? []) {
            const parsed = parseMetadataItem(item, nowMs);
            // An expired or unreadable item is as good as absent: the poller rewrites it.
            if (!parsed.ok) continue;
            const restarts = new Map<string, number>();
            for (const pod of parsed.value.pods) for (const c of pod.containers) restarts.set(`${pod.uid}/${c.name}`, c.restartCount);
            found.set(parsed.value.node, { hash: String(item.hash), writtenAtMs: Number(item.observedAtMs) || 0, restarts });
          }
          keys = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
        }
      });
      return found;
    },

    async putDocuments(items) {
      const rejected: RejectedItem[] = [];
      await inParallel(chunk(items, DYNAMODB_MAX_BATCH_WRITE_ITEMS), concurrency, async (batch) => {
        try {
          await batchWrite(batch.map((item) => ({ PutRequest: { Item: item } })));
        } catch (error) {
          if (!isRejection(error)) throw error;
          // One bad item refuses the whole batch: each item alone, so the others are written.
          for (const item of batch) {
            try {
              await batchWrite([{ PutRequest: { Item: item } }]);
            } catch (alone) {
              if (!isRejection(alone)) throw alone;
              rejected.push({ key: item.pk, reason: toSnippet((alone as Error).message, 200) });
            }
          }
        }
      });
      return { rejected };
    },

    async deleteNodes(cluster, nodes) {
      await inParallel(chunk(nodes, DYNAMODB_MAX_BATCH_WRITE_ITEMS), concurrency, (batch) =>
        batchWrite(batch.map((n) => ({ DeleteRequest: { Key: { pk: toNodeKey(cluster, n) } } }))),
      );
    },

    async putIndex(cluster, nodes, nowMs, ttlSeconds) {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: toIndexKey(cluster), nodes: gzipSync(JSON.stringify(nodes)), writtenAtMs: nowMs, ttl: Math.floor(nowMs / 1000) + ttlSeconds },
        }),
      );
    },
  };
}

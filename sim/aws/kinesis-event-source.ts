import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

/**
 * A local stand-in for Lambda's Kinesis event source mapping (ESM): it reads every shard of a
 * stream with GetShardIterator/GetRecords (kinesalite or real Kinesis) and calls a handler with the
 * `KinesisStreamEvent` Lambda would build, honouring the same knobs and failure semantics:
 *
 * - batches of up to `batchSize` records per shard, optionally filled for `maxBatchingWindowMs`;
 * - partial batch response: when the handler returns `batchItemFailures`, the batch is re-delivered
 *   from the lowest failed sequence number (records before it are checkpointed), as the real ESM does
 *   with `ReportBatchItemFailures`; an unknown or empty `itemIdentifier` fails the whole batch;
 * - a thrown error fails the whole batch; with `bisectBatchOnFunctionError` the batch is split in two
 *   and each half retried separately (each half inherits the attempts made so far);
 * - after `maximumRetryAttempts` retries the remaining records go to `onFailure` (the on-failure
 *   destination) and the shard moves on, so a poison batch never blocks a shard forever.
 *
 * Retries are immediate (Lambda retries with its own short delay; here no timer is needed).
 *
 * @example
 * const source = createKinesisEventSource({ client, streamName: 'kinsight', handler, batchSize: 100 });
 * await source.drain(); // delivers everything currently in the stream, then resolves
 */

/** The function the mapping invokes: a Lambda Kinesis handler. */
export type KinesisBatchHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;

/** What the mapping hands to the on-failure destination once retries are exhausted. */
export interface KinesisBatchFailure {
  shardId: string;
  /** The records given up on, in shard order. */
  records: KinesisStreamRecord[];
  /** Invocations made for these records (first try plus retries). */
  attempts: number;
  /** The last thrown error, or undefined when the handler reported partial failures. */
  error?: unknown;
}

/** Options of {@link createKinesisEventSource}. */
export interface KinesisEventSourceOptions {
  /** A Kinesis client pointed at the stream's endpoint (for kinesalite: a NodeHttpHandler, see sim/local-aws.ts). */
  client: Pick<KinesisClient, 'send'>;
  streamName: string;
  handler: KinesisBatchHandler;
  /**
   * Records per invocation and shard.
   * @default 100 (Lambda's default for Kinesis)
   */
  batchSize?: number;
  /**
   * How long to keep reading to fill a batch before invoking with what there is.
   * @default 0 (invoke as soon as a read returns records)
   */
  maxBatchingWindowMs?: number;
  /**
   * Retries of a failed batch (or of its failed tail) before handing it to `onFailure`.
   * Lambda's default is -1 (infinite); a local harness needs a bound.
   * @default 3
   */
  maximumRetryAttempts?: number;
  /**
   * Split a batch in two on a thrown error before retrying.
   * @default false
   */
  bisectBatchOnFunctionError?: boolean;
  /**
   * The on-failure destination.
   * @default records are dropped (after being counted in `stats.recordsFailed`)
   */
  onFailure?: (failure: KinesisBatchFailure) => void | Promise<void>;
  /**
   * Where each shard starts.
   * @default 'TRIM_HORIZON'
   */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /**
   * The region written into each event record's `awsRegion`.
   * @default 'us-east-1'
   */
  awsRegion?: string;
  /**
   * Pause between empty polls in `start()`.
   * @default 1000
   */
  idlePollMs?: number;
  /**
   * Clock and sleep, injectable so tests drive the batching window without waiting.
   * @default Date.now and a setTimeout-based sleep
   */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Counters of what the mapping did since it was created. */
export interface KinesisEventSourceStats {
  invocations: number;
  /** Records delivered, counting each re-delivery. */
  recordsDelivered: number;
  /** Records checkpointed as processed. */
  recordsSucceeded: number;
  /** Records handed to `onFailure` (or dropped without one). */
  recordsFailed: number;
  /** Invocations that threw. */
  functionErrors: number;
  /** Invocations that returned `batchItemFailures`. */
  partialFailures: number;
}

/** A running mapping. */
export interface KinesisEventSource {
  /** One round over every shard: reads up to one batch per shard and delivers it (with retries). Resolves to the records read. */
  pollOnce(): Promise<number>;
  /** Polls until a round reads nothing: everything in the stream at call time has been delivered. */
  drain(): Promise<void>;
  /** Polls in the background until `stop()`; an error of the poll loop goes to `onError`. */
  start(onError?: (error: unknown) => void): void;
  /** Stops the background loop and waits for the round in flight. */
  stop(): Promise<void>;
  readonly stats: Readonly<KinesisEventSourceStats>;
}

interface ShardCursor {
  shardId: string;
  iterator?: string;
  /** Read but not yet checkpointed. */
  pending: KinesisStreamRecord[];
  closed: boolean;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Builds the event record Lambda would build from a GetRecords record. */
export function toKinesisEventRecord(record: KinesisRecord, shardId: string, streamArn: string, awsRegion: string): KinesisStreamRecord {
  const sequenceNumber = record.SequenceNumber ?? '';
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.PartitionKey ?? '',
      sequenceNumber,
      data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
      approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/kinsight-local-enricher',
    awsRegion,
    eventSourceARN: streamArn,
  };
}

/** Creates a local event source mapping over one stream. Nothing is read until `pollOnce`, `drain` or `start`. */
export function createKinesisEventSource(options: KinesisEventSourceOptions): KinesisEventSource {
  const batchSize = options.batchSize ?? 100;
  const windowMs = options.maxBatchingWindowMs ?? 0;
  const maxRetries = options.maximumRetryAttempts ?? 3;
  const bisect = options.bisectBatchOnFunctionError ?? false;
  const region = options.awsRegion ?? 'us-east-1';
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const { client, streamName, handler } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new RangeError(`kinesis event source batchSize ${batchSize} is out of range; expected an integer 1..10000 (Lambda's limit)`);
  }
  const stats: KinesisEventSourceStats = { invocations: 0, recordsDelivered: 0, recordsSucceeded: 0, recordsFailed: 0, functionErrors: 0, partialFailures: 0 };
  let streamArn: string | undefined;
  const cursors = new Map<string, ShardCursor>();
  let loop: Promise<void> | undefined;
  let stopping = false;

  async function refreshShards(): Promise<void> {
    if (streamArn === undefined) {
      const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      streamArn = summary.StreamDescriptionSummary?.StreamARN ?? `arn:aws:kinesis:${region}:000000000000:stream/${streamName}`;
    }
    let token: string | undefined;
    do {
      const page = await client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: streamName }));
      for (const shard of page.Shards ?? []) {
        if (shard.ShardId && !cursors.has(shard.ShardId)) cursors.set(shard.ShardId, { shardId: shard.ShardId, pending: [], closed: false });
      }
      token = page.NextToken;
    } while (token);
  }

  async function read(cursor: ShardCursor): Promise<number> {
    if (cursor.closed) return 0;
    if (cursor.iterator === undefined) {
      const it = await client.send(
        new GetShardIteratorCommand({ StreamName: streamName, ShardId: cursor.shardId, ShardIteratorType: options.startingPosition ?? 'TRIM_HORIZON' }),
      );
      cursor.iterator = it.ShardIterator;
    }
    const out = await client.send(new GetRecordsCommand({ ShardIterator: cursor.iterator, Limit: Math.max(1, batchSize - cursor.pending.length) }));
    const records = out.Records ?? [];
    for (const r of records) cursor.pending.push(toKinesisEventRecord(r, cursor.shardId, streamArn ?? '', region));
    if (out.NextShardIterator) cursor.iterator = out.NextShardIterator;
    else cursor.closed = true;
    return records.length;
  }

  async function giveUp(shardId: string, records: KinesisStreamRecord[], attempts: number, error?: unknown): Promise<void> {
    stats.recordsFailed += records.length;
    if (options.onFailure) await options.onFailure({ shardId, records, attempts, error });
  }

  /** Delivers a batch until it is checkpointed or given up; `attempt` counts invocations of these records so far. */
  async function deliver(shardId: string, batch: KinesisStreamRecord[], attempt: number): Promise<void> {
    let records = batch;
    let attempts = attempt;
    for (;;) {
      attempts += 1;
      stats.invocations += 1;
      stats.recordsDelivered += records.length;
      let response: KinesisStreamBatchResponse | void;
      try {
        response = await handler({ Records: records });
      } catch (error) {
        stats.functionErrors += 1;
        if (attempts > maxRetries) return giveUp(shardId, records, attempts, error);
        if (bisect && records.length > 1) {
          const half = Math.ceil(records.length / 2);
          await deliver(shardId, records.slice(0, half), attempts);
          await deliver(shardId, records.slice(half), attempts);
          return;
        }
        continue;
      }
      const failures = response?.batchItemFailures ?? [];
      if (failures.length === 0) {
        stats.recordsSucceeded += records.length;
        return;
      }
      stats.partialFailures += 1;
      const positions = failures.map((f) => records.findIndex((r) => r.kinesis.sequenceNumber === f.itemIdentifier));
      // Lambda treats an unknown, empty or null identifier as a failure of the whole batch.
      const first = positions.some((p) => p < 0) ? 0 : Math.min(...positions);
      stats.recordsSucceeded += first;
      records = records.slice(first);
      if (attempts > maxRetries) return giveUp(shardId, records, attempts);
    }
  }

  async function pollShard(cursor: ShardCursor): Promise<number> {
    let got = await read(cursor);
    if (windowMs > 0 && cursor.pending.length > 0) {
      const deadline = now() + windowMs;
      while (cursor.pending.length < batchSize && !cursor.closed && now() < deadline) {
        const more = await read(cursor);
        got += more;
        if (more === 0) await sleep(Math.min(100, Math.max(0, deadline - now())));
      }
    }
    if (cursor.pending.length === 0) return got;
    const batch = cursor.pending.splice(0, batchSize);
    await deliver(cursor.shardId, batch, 0);
    return got;
  }

  async function pollOnce(): Promise<number> {
    await refreshShards();
    // Shards are independent: Lambda runs one invocation per shard concurrently.
    const counts = await Promise.all([...cursors.values()].map((c) => pollShard(c)));
    return counts.reduce((a, b) => a + b, 0);
  }

  return {
    stats,
    pollOnce,
    async drain() {
      while ((await pollOnce()) > 0 || [...cursors.values()].some((c) => c.pending.length > 0));
    },
    start(onError) {
      if (loop) return;
      stopping = false;
      loop = (async () => {
        while (!stopping) {
          try {
            if ((await pollOnce()) === 0) await sleep(options.idlePollMs ?? 1000);
          } catch (error) {
            if (onError) onError(error);
            else process.emitWarning(`kinesis event source poll failed: ${(error as Error).message}`);
            await sleep(options.idlePollMs ?? 1000);
          }
        }
      })();
    },
    async stop() {
      stopping = true;
      await loop;
      loop = undefined;
    },
  };
}

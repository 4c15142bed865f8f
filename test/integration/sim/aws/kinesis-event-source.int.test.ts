import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisStreamEvent } from 'aws-lambda';
import { createLocalStream, startKinesalite, toLocalClientConfig, type LocalService } from '../../../../sim/aws/local-aws';
import { createKinesisEventSource, type KinesisBatchFailure } from '../../../../sim/aws/kinesis-event-source';

let kinesis: LocalService;
let client: KinesisClient;
let streamCount = 0;

beforeAll(async () => {
  kinesis = await startKinesalite();
  client = new KinesisClient({ ...toLocalClientConfig(kinesis.endpoint), requestHandler: new NodeHttpHandler() });
});
afterAll(async () => {
  client.destroy();
  await kinesis.close();
});

async function newStream(records: string[], shards = 1): Promise<string> {
  const name = `s${++streamCount}`;
  // Waits for ACTIVE: kinesalite finishes a creation on a timer, so a PutRecords right after it can race it.
  await createLocalStream(client, name, shards);
  if (records.length > 0) {
    await client.send(new PutRecordsCommand({ StreamName: name, Records: records.map((r) => ({ Data: Buffer.from(r), PartitionKey: 'c/n1' })) }));
  }
  return name;
}

const texts = (event: KinesisStreamEvent) => event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString());

describe('kinesis event source (local event source mapping)', () => {
  it('delivers every record as a Lambda KinesisStreamEvent in batches of batchSize', async () => {
    const streamName = await newStream(['a', 'b', 'c', 'd', 'e']);
    const seen: KinesisStreamEvent[] = [];
    const source = createKinesisEventSource({ client, streamName, batchSize: 2, handler: async (e) => void seen.push(e) });
    await source.drain();
    expect(seen.map(texts)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    const record = seen[0].Records[0];
    expect(record.eventSource).toBe('aws:kinesis');
    expect(record.eventSourceARN).toMatch(/^arn:aws:kinesis:.*:stream\/s\d+$/);
    expect(record.kinesis.partitionKey).toBe('c/n1');
    expect(record.eventID).toBe(`shardId-000000000000:${record.kinesis.sequenceNumber}`);
    expect(record.kinesis.approximateArrivalTimestamp).toBeGreaterThan(1e9);
    expect(source.stats).toMatchObject({ invocations: 3, recordsSucceeded: 5, recordsFailed: 0 });
  });

  it('re-delivers from the first reported batch item failure, keeping the records before it checkpointed', async () => {
    const streamName = await newStream(['a', 'b', 'c', 'd']);
    const seen: string[][] = [];
    let failed = false;
    const source = createKinesisEventSource({
      client,
      streamName,
      batchSize: 10,
      handler: async (e) => {
        seen.push(texts(e));
        const c = e.Records.find((r) => Buffer.from(r.kinesis.data, 'base64').toString() === 'c');
        if (c && !failed) {
          failed = true;
          return { batchItemFailures: [{ itemIdentifier: c.kinesis.sequenceNumber }] };
        }
      },
    });
    await source.drain();
    expect(seen).toEqual([['a', 'b', 'c', 'd'], ['c', 'd']]);
    expect(source.stats).toMatchObject({ partialFailures: 1, recordsSucceeded: 4 });
  });

  it('bisects a failing batch and sends only the poison record to the on-failure destination', async () => {
    const streamName = await newStream(['a', 'b', 'bad', 'd']);
    const failures: KinesisBatchFailure[] = [];
    const source = createKinesisEventSource({
      client,
      streamName,
      batchSize: 4,
      maximumRetryAttempts: 3,
      bisectBatchOnFunctionError: true,
      onFailure: (f) => void failures.push(f),
      handler: async (e) => {
        if (texts(e).includes('bad')) throw new Error('boom');
      },
    });
    await source.drain();
    expect(failures.map((f) => f.records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString()))).toEqual([['bad']]);
    expect(source.stats).toMatchObject({ recordsSucceeded: 3, recordsFailed: 1 });
  });

  it('gives up after maximumRetryAttempts retries of a failing batch without bisect', async () => {
    const streamName = await newStream(['x', 'y']);
    let calls = 0;
    const failures: KinesisBatchFailure[] = [];
    const source = createKinesisEventSource({
      client,
      streamName,
      maximumRetryAttempts: 2,
      onFailure: (f) => void failures.push(f),
      handler: async () => {
        calls += 1;
        throw new Error('always');
      },
    });
    await source.drain();
    expect(calls).toBe(3);
    expect(failures).toHaveLength(1);
    expect(failures[0].attempts).toBe(3);
    expect((failures[0].error as Error).message).toBe('always');
  });

  it('reads every shard of a multi-shard stream', async () => {
    const name = `s${++streamCount}`;
    await createLocalStream(client, name, 2);
    await client.send(
      new PutRecordsCommand({ StreamName: name, Records: Array.from({ length: 20 }, (_, i) => ({ Data: Buffer.from(String(i)), PartitionKey: `c/n${i}` })) }),
    );
    const got: string[] = [];
    const shards = new Set<string>();
    const source = createKinesisEventSource({
      client,
      streamName: name,
      handler: async (e) => {
        got.push(...texts(e));
        e.Records.forEach((r) => shards.add(r.eventID.split(':')[0]));
      },
    });
    await source.drain();
    expect(got.sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(shards.size).toBe(2);
  });

  it('keeps reading for the batching window to fill a batch, on an injected clock', async () => {
    const streamName = await newStream(['a']);
    let clock = 0;
    let late = ['b', 'c'];
    const seen: string[][] = [];
    const source = createKinesisEventSource({
      client,
      streamName,
      batchSize: 10,
      maxBatchingWindowMs: 500,
      now: () => clock,
      // While the mapping waits, more records arrive; then time moves on.
      sleep: async (ms) => {
        if (late.length > 0) {
          await client.send(new PutRecordsCommand({ StreamName: streamName, Records: late.map((r) => ({ Data: Buffer.from(r), PartitionKey: 'c/n1' })) }));
          late = [];
        }
        clock += ms;
      },
      handler: async (e) => void seen.push(texts(e)),
    });
    await source.drain();
    expect(seen).toEqual([['a', 'b', 'c']]);
    expect(clock).toBeGreaterThanOrEqual(500);
  });

  it('rejects a batch size above the Lambda limit', () => {
    expect(() => createKinesisEventSource({ client, streamName: 'x', batchSize: 10_001, handler: async () => undefined })).toThrow(/batchSize 10001/);
  });
});

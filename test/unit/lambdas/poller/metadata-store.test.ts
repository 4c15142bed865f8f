import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { NODE_METADATA_VERSION, type NodeMetadata } from '../../../../core/node-metadata';
import { toMetadataItem } from '../../../../core/node-metadata-item';
import { createMetadataStore } from '../../../../lambdas/poller/metadata-store';

const doc = (node: string, restartCount: number): NodeMetadata => ({
  version: NODE_METADATA_VERSION,
  cluster: 'c',
  node,
  autoScalingGroup: '',
  capacity: {},
  allocatable: {},
  conditions: {},
  pods: [{ uid: 'u1', name: 'p', namespace: 'n', workloadName: 'p', owners: [], labels: {}, services: [], phase: 'Running', conditions: {}, containers: [{ name: 'main', requests: {}, limits: {}, restartCount }] }],
  observedAtMs: 1000,
});

describe('createMetadataStore', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const sleeps: number[] = [];
  const store = (maxAttempts = 5) => createMetadataStore({ client, tableName: 't', maxAttempts, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 });
  afterEach(() => {
    ddb.reset();
    sleeps.length = 0;
  });
  afterAll(() => ddb.restore());

  test('writes 25 items per BatchWriteItem and retries only the unprocessed ones with backoff', async () => {
    const items = Array.from({ length: 30 }, (_, i) => toMetadataItem(doc(`n${i}`, 0), 1000, 3600));
    let first = true;
    ddb.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => {
      const requests = input.RequestItems.t;
      if (first && requests.length === 25) {
        first = false;
        return { UnprocessedItems: { t: requests.slice(0, 2) } };
      }
      return {};
    });
    await store().putDocuments(items);
    const sizes = ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.t.length);
    expect(sizes.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([2, 5, 25]);
    // Half the first retry's 200 ms ceiling (random 0.5).
    expect(sleeps).toEqual([100]);
  });

  test('fails with a TransientError when items stay unprocessed', async () => {
    ddb.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => ({ UnprocessedItems: { t: input.RequestItems.t } }));
    await expect(store(3).putDocuments([toMetadataItem(doc('n1', 0), 1000, 3600)])).rejects.toThrow(/left 1 items unprocessed after 3 attempts/);
  });

  test('backs off with full jitter below ceilings of 200, 400, 800 and 1,600 ms, 3 s in all', async () => {
    ddb.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => ({ UnprocessedItems: { t: input.RequestItems.t } }));
    const top: number[] = [];
    const highest = createMetadataStore({ client, tableName: 't', sleep: async (ms) => void top.push(ms), random: () => 0.999_999_9 });
    await expect(highest.putDocuments([toMetadataItem(doc('n1', 0), 1000, 3600)])).rejects.toThrow(/after 5 attempts/);
    expect(top).toEqual([199, 399, 799, 1599]);
    await expect(store().putDocuments([toMetadataItem(doc('n1', 0), 1000, 3600)])).rejects.toThrow(/after 5 attempts/);
    expect(sleeps).toEqual([100, 200, 400, 800]);
  });

  test('writes a batch DynamoDB refused for one item again item by item, and returns only that item as rejected', async () => {
    const items = Array.from({ length: 30 }, (_, i) => toMetadataItem(doc(`n${i}`, 0), 1000, 3600));
    const validation = Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException' });
    ddb.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, Array<{ PutRequest: { Item: { pk: string } } }>> }) => {
      if (input.RequestItems.t.some((r) => r.PutRequest.Item.pk === 'c#n7')) throw validation;
      return {};
    });
    const outcome = await store().putDocuments(items);
    expect(outcome).toEqual({ rejected: [{ key: 'c#n7', reason: 'Item size has exceeded the maximum allowed size' }] });
    const calls = ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.t.map((r) => String(r.PutRequest?.Item?.pk)));
    // The first batch of 25 refused, then its items one by one; the second batch of 5 written at once.
    expect(calls.map((keys) => keys?.length).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([...Array(25).fill(1), 5, 25]);
    expect(calls.filter((keys) => keys?.length === 1).map((keys) => keys?.[0])).toEqual(items.slice(0, 25).map((i) => i.pk));
  });

  test('fails on an error that is not a refusal of the items, without writing them one by one', async () => {
    ddb.on(BatchWriteCommand).rejects(Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(store().putDocuments([toMetadataItem(doc('n1', 0), 1000, 3600), toMetadataItem(doc('n2', 0), 1000, 3600)])).rejects.toThrow(/Throughput exceeds/);
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(1);
  });

  test('reads stored hashes and restart counts, ignoring expired and unreadable items', async () => {
    ddb.on(BatchGetCommand).resolves({
      Responses: {
        t: [
          { ...toMetadataItem(doc('fresh', 4), 1000, 3600), hash: 'h1' },
          { ...toMetadataItem(doc('expired', 1), 1000, 1), hash: 'h2' },
          { pk: 'c#broken', doc: new Uint8Array([1, 2, 3]), hash: 'h3', ttl: 9_999_999_999 },
        ],
      },
    });
    const found = await store().readNodes('c', ['fresh', 'expired', 'broken'], 10_000);
    expect([...found.keys()]).toEqual(['fresh']);
    expect(found.get('fresh')).toEqual({ hash: 'h1', writtenAtMs: 1000, restarts: new Map([['u1/main', 4]]) });
  });
});

import { gzipSync } from 'node:zlib';
import type { KinesisStreamEvent } from 'aws-lambda';
import type { NodeRecord } from '../../../../core/record';
import { toRecordData, toRecordJson, toSignedRecordData, type RecordSigningKey } from '../../../../core/record/record-data';
import { createHandler, toEnricherMetricsLine, type EnricherDeps, type InvocationSummary } from '../../../../lambdas/enricher/create-handler';
import type { AgentKeyStore } from '../../../../lambdas/enricher/agent-keys';
import { expectValidEmf } from '../../../helpers/emf-validator';
import { createLogWriter, type LogStreamBatch, type LogWriter } from '../../../../lambdas/common/log-writer';
import { PROFILES } from '../../../../core/metrics/profiles';
import { PermanentError, TransientError } from '../../../../core/errors';
import { T0, toMetadataFixture, toRecordFixture } from '../../../helpers/record-fixtures';

const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64');
const eventOf = (datas: Uint8Array[], first = 100): KinesisStreamEvent => ({
  Records: datas.map((d, i) => ({
    kinesis: { data: b64(d), sequenceNumber: String(first + i), partitionKey: 'k', kinesisSchemaVersion: '1.0', approximateArrivalTimestamp: 1 },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-0:${first + i}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn',
  })),
});
const nodeOf = (i: number) => `ip-10-0-0-${i}.ec2.internal`;
const recordOf = (i: number, cluster = 'prod', minute = 0): NodeRecord => ({ ...toRecordFixture(), cluster, node: nodeOf(i), timeMs: T0 + minute * 60_000 });

/** A fake CloudWatch Logs client for the real log writer: stores events per stream, fails as told. */
function fakeLogs() {
  const streams = new Map<string, { timestamp: number; message: string }[]>();
  const failures: { stream: string; type: string; times: number }[] = [];
  const key = (input: { logGroupName?: string; logStreamName?: string }) => `${input.logGroupName}|${input.logStreamName}`;
  return {
    streams,
    /** Makes the next `times` calls about `stream` (`<group>|<stream>`) fail with `type`. */
    fail: (stream: string, type: string, times = Number.POSITIVE_INFINITY) => void failures.push({ stream, type, times }),
    written: (group: string, stream: string) => streams.get(`${group}|${stream}`) ?? [],
    client: {
      send: async (command: { constructor: { name: string }; input: { logGroupName?: string; logStreamName?: string; logEvents?: { timestamp: number; message: string }[] } }) => {
        const k = key(command.input);
        const failure = failures.find((f) => f.stream === k && f.times > 0);
        if (failure) {
          failure.times -= 1;
          throw Object.assign(new Error(`injected ${failure.type}`), { name: failure.type });
        }
        if (command.constructor.name === 'PutLogEventsCommand') {
          const list = streams.get(k) ?? [];
          list.push(...(command.input.logEvents ?? []));
          streams.set(k, list);
        }
        return {};
      },
    },
  };
}

function setup(options: { metadata?: EnricherDeps['metadata']; writer?: LogWriter; keys?: AgentKeyStore; requireSignature?: boolean; clusters?: string[]; chunkEvents?: number; maxRememberedRecords?: number } = {}) {
  const logs = fakeLogs();
  const summaries: InvocationSummary[] = [];
  const errors: { message: string; extra?: Record<string, unknown> }[] = [];
  const writer = options.writer ?? createLogWriter({ client: logs.client as never, now: () => T0, sleep: async () => undefined, maxRetries: 2 });
  const handler = createHandler({
    profile: PROFILES.classic,
    clusterProfiles: { leanCluster: PROFILES.lean },
    writer,
    metadata: options.metadata ?? { get: async (keys) => new Map(keys.map((k) => [k, k.startsWith('prod#') ? { ...toMetadataFixture(), node: k.slice(5) } : undefined])) },
    logger: { info: (m, e) => void (m === 'enricher batch' && summaries.push(e as unknown as InvocationSummary)), warn: () => undefined, error: (message, extra) => void errors.push({ message, extra }) },
    maxRecordBytes: 64 * 1024,
    requireSignature: options.requireSignature ?? false,
    keys: options.keys,
    clusters: options.clusters,
    chunkEvents: options.chunkEvents,
    maxRememberedRecords: options.maxRememberedRecords,
  });
  return { handler, logs, summaries, errors };
}
const group = (cluster = 'prod') => `/aws/containerinsights/${cluster}/performance`;
/** Node events written to a node's stream: one per record written. */
const nodeEvents = (logs: ReturnType<typeof fakeLogs>, i: number, cluster = 'prod') => logs.written(group(cluster), nodeOf(i)).filter((e) => JSON.parse(e.message).Type === 'Node');

describe('enricher handler', () => {
  it('acknowledges as poison bad gzip, bad JSON, an unknown schema major, a record beyond maxRecordBytes inflated and an invalid one, logging the reason', async () => {
    const { handler, summaries, errors } = setup();
    const major3 = JSON.stringify({ ...JSON.parse(toRecordJson(toRecordFixture())), schemaVersion: '3.0' });
    const forged = toRecordData({ ...toRecordFixture(), cores: -4 });
    const response = await handler(eventOf([Buffer.from('plain'), gzipSync('{'), gzipSync(major3), gzipSync(JSON.stringify({ pad: 'x'.repeat(64 * 1024) })), forged, toRecordData(recordOf(1))]));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(summaries[0]).toMatchObject({ records: 6, poison: 5, enriched: 1, failedRecords: 0, unverified: 0 });
    expect(errors.map((e) => [e.message, e.extra?.sequenceNumber, e.extra?.reason])).toEqual([
      ['poison record acknowledged', '100', expect.stringMatching(/^record is not gzip data/)],
      ['poison record acknowledged', '101', expect.stringMatching(/^record is not JSON/)],
      ['poison record acknowledged', '102', expect.stringMatching(/unknown major 3/)],
      ['poison record acknowledged', '103', `record inflates to more than ${64 * 1024} bytes; the agent never sends records that large`],
      ['poison record acknowledged', '104', 'record cores must be an integer from 1 to 4096, got -4'],
    ]);
  });

  it('writes each node to its performance log group and stream, and encodes with the profile of the record cluster', async () => {
    const { handler, logs, summaries } = setup();
    await handler(eventOf([toRecordData(recordOf(1, 'leanCluster')), toRecordData(recordOf(1))]));
    expect([...logs.streams.keys()]).toEqual([`${group('leanCluster')}|${nodeOf(1)}`, `${group()}|${nodeOf(1)}`]);
    const podOf = (g: string) => logs.written(g, nodeOf(1)).map((e) => expectValidEmf(e.message)).find((d) => d.Type === 'Pod' && d.pod_cpu_utilization !== undefined) as { kubernetes?: { pod_name?: string } };
    // lean events carry what the metrics need, classic ones every attribute
    expect(podOf(group('leanCluster')).kubernetes).toBeUndefined();
    expect(podOf(group()).kubernetes).toMatchObject({ pod_name: expect.any(String) });
    expect(summaries[0]).toMatchObject({ records: 2, enriched: 2 });
    expect(summaries[0].eventsWritten).toBe(summaries[0].events);
  });

  it('reports every record failed, without throwing, when the metadata cannot be read, so that the batch is retried whole', async () => {
    const { handler, logs, summaries } = setup({ metadata: { get: async () => Promise.reject(new TransientError('dynamodb down')) } });
    const response = await handler(eventOf([toRecordData(recordOf(1)), toRecordData(recordOf(2))]));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '100' }, { itemIdentifier: '101' }]);
    expect(summaries[0]).toMatchObject({ failedRecords: 2, enriched: 0 });
    expect(logs.streams.size).toBe(0);
  });

  it('writes the records without node documents when the table refuses the enricher for good', async () => {
    const { handler, logs, summaries } = setup({ metadata: { get: async () => Promise.reject(new PermanentError('AccessDeniedException')) } });
    expect(await handler(eventOf([toRecordData(recordOf(1))]))).toEqual({ batchItemFailures: [] });
    expect(nodeEvents(logs, 1)).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ nodesWithoutMetadata: 1, poison: 0 });
  });

  it('acknowledges as poison the record whose node key DynamoDB refuses, and writes its neighbours', async () => {
    const { handler, logs, summaries, errors } = setup({ metadata: { get: async (keys) => new Map(keys.filter((k) => !k.endsWith(nodeOf(2))).map((k) => [k, undefined])) } });
    expect(await handler(eventOf([toRecordData(recordOf(1)), toRecordData(recordOf(2)), toRecordData(recordOf(3))]))).toEqual({ batchItemFailures: [] });
    expect([nodeEvents(logs, 1).length, nodeEvents(logs, 2).length, nodeEvents(logs, 3).length]).toEqual([1, 0, 1]);
    expect(summaries[0]).toMatchObject({ poison: 1, enriched: 2 });
    expect(errors[0].extra?.reason).toMatch(/^DynamoDB refused the node key/);
  });

  it('acknowledges the records of a stream CloudWatch Logs refuses for good, counts them, and writes each neighbour exactly once', async () => {
    const { handler, logs, summaries } = setup();
    logs.fail(`${group()}|${nodeOf(2)}`, 'AccessDeniedException');
    const response = await handler(eventOf([toRecordData(recordOf(1)), toRecordData(recordOf(2)), toRecordData(recordOf(3))]));
    expect(response).toEqual({ batchItemFailures: [] });
    expect([nodeEvents(logs, 1).length, nodeEvents(logs, 2).length, nodeEvents(logs, 3).length]).toEqual([1, 0, 1]);
    expect(summaries[0]).toMatchObject({ poison: 1, streamsRejected: 1, streamsFailed: 0, failedRecords: 0 });
  });

  it('stops at a stream still failing after its retries, reports from its record on, and on re-delivery writes each record exactly once', async () => {
    const { handler, logs, summaries } = setup({ chunkEvents: 30 });
    // Five records of three nodes; chunks of about two records. Node 2 fails in the first chunk.
    const data = [recordOf(1), recordOf(2), recordOf(3), recordOf(1, 'prod', 1), recordOf(3, 'prod', 1)].map(toRecordData);
    logs.fail(`${group()}|${nodeOf(2)}`, 'ThrottlingException', 3);
    const first = await handler(eventOf(data));
    // The first chunk (100-102) is written but for node 2's record; nothing after it is.
    expect(first.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['101', '103', '104']);
    expect([nodeEvents(logs, 1).length, nodeEvents(logs, 2).length, nodeEvents(logs, 3).length]).toEqual([1, 0, 1]);
    // The event source resumes from the lowest failed record: 101 onward.
    const again = await handler({ Records: eventOf(data).Records.slice(1) });
    expect(again).toEqual({ batchItemFailures: [] });
    expect([nodeEvents(logs, 1).length, nodeEvents(logs, 2).length, nodeEvents(logs, 3).length]).toEqual([2, 1, 2]);
    expect(summaries[1]).toMatchObject({ recordsAlreadyWritten: 1, enriched: 3 });
  });

  it('remembers at most maxRememberedRecords written records: the latest are skipped on re-delivery, the oldest forgotten one is written again', async () => {
    const { handler, logs, summaries } = setup({ maxRememberedRecords: 2 });
    const event = eventOf([recordOf(1), recordOf(2), recordOf(3)].map(toRecordData));
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(await handler({ Records: event.Records.slice(1) })).toEqual({ batchItemFailures: [] });
    expect(summaries[1]).toMatchObject({ records: 2, recordsAlreadyWritten: 2, enriched: 0 });
    expect(await handler({ Records: event.Records.slice(0, 1) })).toEqual({ batchItemFailures: [] });
    expect(summaries[2]).toMatchObject({ records: 1, recordsAlreadyWritten: 0, enriched: 1 });
    expect([nodeEvents(logs, 1).length, nodeEvents(logs, 2).length, nodeEvents(logs, 3).length]).toEqual([2, 1, 1]);
  });

  it('skips on re-delivery the records other streams of the failing chunk wrote, and the events a failed stream had written', async () => {
    const logs = fakeLogs();
    const big = (i: number) => ({ ...recordOf(i), pods: Array.from({ length: 40 }, (_, k) => ({ ...toRecordFixture().pods[0], uid: `uid-${k}` })) });
    const data = [big(1), recordOf(2), big(1)].map((r, i) => toRecordData({ ...r, timeMs: T0 + i * 60_000 }));
    // Node 1's events of records 100 and 102 are padded to take two PutLogEvents calls: the second one fails once.
    let calls = 0;
    const writer = createLogWriter({
      client: {
        send: async (command: { constructor: { name: string }; input: { logStreamName?: string; logEvents?: { message: string }[] } }) => {
          if (command.constructor.name === 'PutLogEventsCommand' && command.input.logStreamName === nodeOf(1) && ++calls === 2) throw Object.assign(new Error('down'), { name: 'ServiceUnavailableException' });
          return logs.client.send(command as never);
        },
      } as never,
      now: () => T0,
      sleep: async () => undefined,
      maxRetries: 0,
    });
    // Labels of 3.5 KB on each of the 40 pods: a record's 165 events make about 600 KB, two need two calls.
    const labels = Object.fromEntries(Array.from({ length: 50 }, (_, k) => [`l${k}`, 'v'.repeat(60)]));
    const pods = Array.from({ length: 40 }, (_, k) => ({ ...toMetadataFixture().pods[0], uid: `uid-${k}`, labels }));
    const { handler, summaries } = setup({ writer, metadata: { get: async (keys) => new Map(keys.map((k) => [k, { ...toMetadataFixture(), node: k.slice(5), pods }])) } });
    const first = await handler(eventOf(data));
    // 1 Node, 1 NodeFS, 1 NodeDiskIO, 2 NodeNet and 40 pods of a Pod, a PodNet and 2 Containers.
    const perRecord = 5 + 40 * 4;
    const written = logs.written(group(), nodeOf(1)).length;
    expect(written).toBeGreaterThan(perRecord);
    expect(written).toBeLessThan(2 * perRecord);
    // Record 100 went out whole in the first call, 102 in part: only 102 is retried.
    expect(first.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['102']);
    expect(nodeEvents(logs, 2)).toHaveLength(1);
    // The event source re-delivers from the lowest failed record; the instance skips the events it wrote.
    const again = await handler({ Records: eventOf(data).Records.slice(2) });
    expect(again).toEqual({ batchItemFailures: [] });
    expect(summaries[1]).toMatchObject({ enriched: 1, eventsWritten: 2 * perRecord - written });
    const events = logs.written(group(), nodeOf(1));
    expect(events).toHaveLength(2 * perRecord);
    expect(new Set(events.map((e) => `${e.timestamp}|${e.message}`)).size).toBe(2 * perRecord);
    expect([nodeEvents(logs, 1).length, nodeEvents(logs, 2).length]).toEqual([2, 1]);
  });

  it('holds the events of one chunk at a time: each write gets at most one chunk worth of records', async () => {
    const batches: number[] = [];
    const counting: LogWriter = {
      write: async () => Promise.reject(new Error('unused')),
      writeMany: async (work: readonly LogStreamBatch[]) => {
        batches.push(work.reduce((n, w) => n + w.events.length, 0));
        return work.map((w) => ({ ok: true as const, result: { written: w.events.length, droppedTooOld: 0, droppedTooNew: 0, droppedTooLarge: 0, rejected: 0, calls: 1, retries: 0, created: 0 } }));
      },
    };
    const { handler, summaries } = setup({ writer: counting, chunkEvents: 40 });
    await handler(eventOf(Array.from({ length: 10 }, (_, i) => toRecordData(recordOf(i)))));
    // 13 events per record, a chunk closes once it holds 40 or more: 4 records (52 events) per write.
    expect(batches).toEqual([52, 52, 26]);
    expect(summaries[0]).toMatchObject({ enriched: 10, eventsWritten: 130 });
  });

  it('publishes the agents figures: drops and retries summed, buffer, collection time and RSS the largest, with their units', async () => {
    const { handler, summaries } = setup();
    const agent = (dropped: number, rssBytes: number) => ({ version: '0.3.0', collectionMs: 10 + dropped, recordsSent: 1, retries: 2, dropped, bufferedRecords: dropped * 3, rssBytes, readErrors: 0, podsVanished: 0 });
    await handler(eventOf([toRecordData({ ...recordOf(1), agent: agent(1, 50e6) }), toRecordData({ ...recordOf(2), agent: agent(4, 40e6) }), toRecordData(recordOf(3))]));
    expect(summaries[0]).toMatchObject({ agentRecordsDropped: 5, agentRetries: 4, agentBufferedRecords: 12, agentCollectionMs: 14, agentRssBytes: 50e6 });
    const doc = expectValidEmf(toEnricherMetricsLine(summaries[0], 5)) as Record<string, unknown> & { _aws: { CloudWatchMetrics: { Metrics: { Name: string; Unit: string }[] }[] } };
    expect(doc).toMatchObject({ AgentRecordsDropped: 5, AgentRssBytes: 50e6, EnricherRecords: 3 });
    const units = Object.fromEntries(doc._aws.CloudWatchMetrics[0].Metrics.map((m) => [m.Name, m.Unit]));
    expect(units).toMatchObject({ AgentRecordsDropped: 'Count', AgentCollectionMs: 'Milliseconds', AgentRssBytes: 'Bytes', EnricherUnverified: 'Count' });
  });

  it('turns a summary without the newer counters into one EMF line with 0 for them', () => {
    const zero: InvocationSummary = {
      records: 0, poison: 0, enriched: 0, failedRecords: 0, events: 0, eventsWritten: 0, eventsDroppedTooOld: 0, eventsDroppedTooNew: 0,
      eventsDroppedTooLarge: 0, eventsRejected: 0, streamsFailed: 0, throttleRetries: 0, nodesWithoutMetadata: 0, podsWithoutMetadata: 0, containersWithoutMetadata: 0,
    };
    const doc = expectValidEmf(toEnricherMetricsLine({ ...zero, records: 3, poison: 1, eventsWritten: 20 }, 5));
    expect(doc).toMatchObject({ EnricherPoison: 1, EnricherRecords: 3, EnricherEventsWritten: 20, EnricherFailedRecords: 0, EnricherUnverified: 0, AgentRssBytes: 0 });
    expect((doc._aws as { CloudWatchMetrics: { Namespace: string }[] }).CloudWatchMetrics[0].Namespace).toBe('kinsight');
  });
});

describe('enricher handler: trust', () => {
  const keyA: RecordSigningKey = { id: 'v-a-1', secret: Buffer.from('a'.repeat(64)) };
  const keyAOld: RecordSigningKey = { id: 'v-a-0', secret: Buffer.from('o'.repeat(64)) };
  const keyB: RecordSigningKey = { id: 'v-b-1', secret: Buffer.from('b'.repeat(64)) };
  /** A key store holding cluster a (current and previous keys) and b. */
  const keys: AgentKeyStore = {
    load: async () => new Set(),
    keyOf: (cluster, id) => [keyA, keyAOld, keyB].find((k) => k.id === id && k.id.startsWith(`v-${cluster}-`))?.secret,
  };

  it('refuses to start requiring signatures without a key store', () => {
    expect(() => setup({ requireSignature: true })).toThrow(/requires signed records but has no key store/);
  });

  it('writes a record signed by its cluster, also with the previous key (a rotation), and rejects and counts one that claims another cluster', async () => {
    const { handler, logs, summaries, errors } = setup({ requireSignature: true, keys });
    // An agent of cluster a, which has only a's key, names cluster b: with b's key id (the signature
    // does not verify) or with its own key id (not a key of b).
    const claimsB = recordOf(1, 'b');
    const response = await handler(
      eventOf([
        toSignedRecordData(recordOf(1, 'a'), keyA),
        toSignedRecordData(recordOf(2, 'a'), keyAOld),
        toSignedRecordData(claimsB, { ...keyA, id: keyB.id }),
        toSignedRecordData(claimsB, keyA),
        toRecordData(recordOf(3, 'a')),
      ]),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect([nodeEvents(logs, 1, 'a').length, nodeEvents(logs, 2, 'a').length, nodeEvents(logs, 3, 'a').length]).toEqual([1, 1, 0]);
    expect(logs.written(group('b'), nodeOf(1))).toHaveLength(0);
    expect(summaries[0]).toMatchObject({ poison: 3, unverified: 3, enriched: 2 });
    expect(errors.map((e) => e.extra?.reason)).toEqual([
      expect.stringMatching(/^record signature does not verify with key v-b-1 of cluster b/),
      expect.stringMatching(/^record is signed for cluster b with key v-a-1, which is not a key of that cluster/),
      expect.stringMatching(/^record is not signed/),
    ]);
  });

  it('reports the records of a cluster whose keys cannot be read now as failed, and verifies the others', async () => {
    const flaky: AgentKeyStore = { load: async () => new Set(['b']), keyOf: keys.keyOf };
    const { handler, logs } = setup({ requireSignature: true, keys: flaky });
    const response = await handler(eventOf([toSignedRecordData(recordOf(1, 'a'), keyA), toSignedRecordData(recordOf(1, 'b'), keyB), toSignedRecordData(recordOf(2, 'a'), keyA)]));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['101', '102']);
    expect(nodeEvents(logs, 1, 'a')).toHaveLength(1);
  });

  it('accepts unsigned records of the listed clusters only, when signatures are not required', async () => {
    const { handler, logs, summaries } = setup({ clusters: ['prod'] });
    await handler(eventOf([toRecordData(recordOf(1)), toRecordData(recordOf(1, 'payments'))]));
    expect(nodeEvents(logs, 1)).toHaveLength(1);
    expect(logs.written(group('payments'), nodeOf(1))).toHaveLength(0);
    expect(summaries[0]).toMatchObject({ poison: 1, unverified: 1 });
  });
});

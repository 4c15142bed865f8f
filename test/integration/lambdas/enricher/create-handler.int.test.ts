import { gzipSync } from 'node:zlib';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisStreamEvent } from 'aws-lambda';
import { createLocalStream, startDynalite, startKinesalite, toLocalClientConfig, type LocalService } from '../../../../sim/aws/local-aws';
import { startCloudWatchLogsServer, type CloudWatchLogsServer } from '../../../../sim/aws/cloudwatch-logs-server';
import { createKinesisEventSource, toKinesisEventRecord } from '../../../../sim/aws/kinesis-event-source';
import { createHandler, type EnricherLogger, type InvocationSummary } from '../../../../lambdas/enricher/create-handler';
import { createMetadataReader } from '../../../../lambdas/enricher/metadata-reader';
import { createLogWriter } from '../../../../lambdas/common/log-writer';
import { toMetadataItem } from '../../../../core/node-metadata-item';
import { PROFILES } from '../../../../core/metrics/profiles';
import type { NodeRecord } from '../../../../core/record';
import { toRecordData, toRecordJson } from '../../../../core/record/record-data';
import { expectValidEmf } from '../../../helpers/emf-validator';
import { toMetadataFixture, toRecordFixture } from '../../../helpers/record-fixtures';

const TABLE = 'kinsight-metadata';
let kinesis: LocalService;
let dynamo: LocalService;
let logs: CloudWatchLogsServer;
let kinesisClient: KinesisClient;
let logsClient: CloudWatchLogsClient;
let dynamoClient: DynamoDBClient;
let streams = 0;
const NOW = Date.now();

interface Captured extends EnricherLogger {
  summaries: InvocationSummary[];
  errors: { message: string; extra?: Record<string, unknown> }[];
}
function toLogger(): Captured {
  const summaries: InvocationSummary[] = [];
  const errors: Captured['errors'] = [];
  return {
    summaries,
    errors,
    info: (message, extra) => void (message === 'enricher batch' && summaries.push(extra as unknown as InvocationSummary)),
    warn: () => undefined,
    error: (message, extra) => void errors.push({ message, extra }),
  };
}

function toHandler(logger: Captured, writerOptions: Partial<Parameters<typeof createLogWriter>[0]> = {}) {
  return createHandler({
    profile: PROFILES.classic,
    logger,
    writer: createLogWriter({ client: logsClient, sleep: async () => undefined, ...writerOptions }),
    metadata: createMetadataReader({ client: DynamoDBDocumentClient.from(dynamoClient), tableName: TABLE }),
    requireSignature: false,
  });
}

const nodeName = (i: number) => `ip-10-0-1-${i}.ec2.internal`;
function recordOf(cluster: string, i: number, minute = 0): NodeRecord {
  return { ...toRecordFixture(), cluster, node: nodeName(i), timeMs: NOW - 600_000 + minute * 60_000 };
}
const encode = (r: NodeRecord) => toRecordData(r);

async function newStream(data: Uint8Array[]): Promise<string> {
  const name = `records-${++streams}`;
  // Waits for ACTIVE: kinesalite finishes a creation on a timer, so a PutRecords right after it can race it.
  await createLocalStream(kinesisClient, name, 1);
  for (let i = 0; i < data.length; i += 500) {
    await kinesisClient.send(new PutRecordsCommand({ StreamName: name, Records: data.slice(i, i + 500).map((Data) => ({ Data, PartitionKey: 'k' })) }));
  }
  return name;
}

beforeAll(async () => {
  [kinesis, dynamo, logs] = await Promise.all([startKinesalite(), startDynalite(), startCloudWatchLogsServer()]);
  kinesisClient = new KinesisClient({ ...toLocalClientConfig(kinesis.endpoint), requestHandler: new NodeHttpHandler() });
  logsClient = new CloudWatchLogsClient({ ...toLocalClientConfig(logs.endpoint), maxAttempts: 1 });
  dynamoClient = new DynamoDBClient(toLocalClientConfig(dynamo.endpoint));
  await dynamoClient.send(
    new CreateTableCommand({ TableName: TABLE, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }),
  );
  // Metadata for nodes 0..4 of clusters "prod" and "bad"; node 9 of "prod" has none.
  const items = ['prod', 'bad', 'flaky'].flatMap((cluster) =>
    [0, 1, 2, 3, 4].map((i) => toMetadataItem({ ...toMetadataFixture(), cluster, node: nodeName(i) }, NOW, 3600)),
  );
  for (let i = 0; i < items.length; i += 25) {
    await DynamoDBDocumentClient.from(dynamoClient).send(new BatchWriteCommand({ RequestItems: { [TABLE]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
});
afterAll(async () => {
  kinesisClient.destroy();
  logsClient.destroy();
  dynamoClient.destroy();
  await Promise.all([kinesis.close(), dynamo.close(), logs.close()]);
});

describe('enricher end to end: kinesalite -> event source -> handler (+ dynalite metadata) -> CloudWatch Logs', () => {
  it('writes valid Container Insights EMF events to the performance log group, one stream per node', async () => {
    const logger = toLogger();
    const streamName = await newStream([encode(recordOf('prod', 0)), encode(recordOf('prod', 1)), encode(recordOf('prod', 0, 1))]);
    const source = createKinesisEventSource({ client: kinesisClient, streamName, handler: toHandler(logger) });
    await source.drain();

    expect(source.stats).toMatchObject({ recordsSucceeded: 3, recordsFailed: 0, partialFailures: 0 });
    const group = '/aws/containerinsights/prod/performance';
    expect(logs.logStreams(group)).toEqual([nodeName(0), nodeName(1)]);
    const events = logs.events(group, nodeName(0));
    expect(events).toHaveLength(2 * 13); // 13 events per record of the fixture node
    expect(events.map((e) => e.timestamp)).toEqual([...events.map((e) => e.timestamp)].sort((a, b) => a - b));
    const docs = events.map((e) => expectValidEmf(e.message));
    const node = docs.find((d) => d.Type === 'Node');
    expect(node).toMatchObject({ ClusterName: 'prod', NodeName: nodeName(0), InstanceId: 'i-0123456789abcdef0', node_cpu_utilization: 50, Version: '1' });
    const pod = docs.find((d) => d.Type === 'Pod' && d.PodName === 'web');
    expect(pod).toMatchObject({ Namespace: 'shop', Service: 'web-svc', pod_cpu_utilization: 12.5 });
    expect(logger.summaries[0]).toMatchObject({ records: 3, poison: 0, enriched: 3, eventsWritten: 39, nodesWithoutMetadata: 0 });
  });

  it('writes a node without metadata with what the host knows, and counts it', async () => {
    const logger = toLogger();
    const streamName = await newStream([encode(recordOf('prod', 9))]);
    await createKinesisEventSource({ client: kinesisClient, streamName, handler: toHandler(logger) }).drain();
    const docs = logs.events('/aws/containerinsights/prod/performance', nodeName(9)).map((e) => expectValidEmf(e.message));
    expect(docs.find((d) => d.Type === 'Node')).not.toHaveProperty('InstanceId');
    expect(logger.summaries[0]).toMatchObject({ nodesWithoutMetadata: 1, podsWithoutMetadata: 2 });
  });

  it('acknowledges and counts 5 poison records in a batch of 100: 95 written, none retried', async () => {
    const logger = toLogger();
    const poison = [Buffer.from('not gzip'), gzipSync('{not json'), gzipSync(JSON.stringify({ ...JSON.parse(toRecordJson(recordOf('bad', 0))), schemaVersion: '9.0' })), gzipSync(JSON.stringify({ hello: 'world' })), gzipSync('[]')];
    const data: Uint8Array[] = [];
    for (let i = 0; i < 100; i++) data.push(i % 20 === 7 ? poison[(i - 7) / 20] : encode(recordOf('bad', i % 5, Math.floor(i / 5))));
    const streamName = await newStream(data);
    let invocations = 0;
    const handler = toHandler(logger);
    const source = createKinesisEventSource({ client: kinesisClient, streamName, batchSize: 100, handler: (e) => ((invocations += 1), handler(e)) });
    await source.drain();

    expect(invocations).toBe(1);
    expect(source.stats).toMatchObject({ recordsSucceeded: 100, recordsFailed: 0, partialFailures: 0 });
    expect(logger.summaries).toHaveLength(1);
    expect(logger.summaries[0]).toMatchObject({ records: 100, poison: 5, enriched: 95, failedRecords: 0 });
    const nodeEvents = [0, 1, 2, 3, 4].flatMap((i) => logs.events('/aws/containerinsights/bad/performance', nodeName(i))).filter((e) => JSON.parse(e.message).Type === 'Node');
    expect(nodeEvents).toHaveLength(95);
    expect(logger.errors.filter((e) => e.message === 'poison record acknowledged').map((e) => typeof e.extra?.sequenceNumber)).toEqual(Array(5).fill('string'));
  });

  it('retries throttled PutLogEvents calls and writes everything', async () => {
    const logger = toLogger();
    const streamName = await newStream([encode(recordOf('flaky', 0))]);
    logs.failNext('PutLogEvents', 2);
    const source = createKinesisEventSource({ client: kinesisClient, streamName, handler: toHandler(logger) });
    await source.drain();
    expect(logger.summaries[0]).toMatchObject({ throttleRetries: 2, eventsWritten: 13, failedRecords: 0 });
    expect(source.stats.invocations).toBe(1);
  });

  it('reports the records of a stream whose write failed as batch item failures, and the event source re-delivers them', async () => {
    const logger = toLogger();
    const records = [recordOf('flaky', 1, 5), recordOf('flaky', 2, 5)];
    const event: KinesisStreamEvent = {
      Records: records.map((r, i) =>
        toKinesisEventRecord({ Data: encode(r), SequenceNumber: `4960000000000000000000000000000000000000000000000000000${i}`, PartitionKey: 'k' }, 'shardId-000000000000', 'arn:aws:kinesis:us-east-1:000000000000:stream/x', 'us-east-1'),
      ),
    };
    logs.failNext('PutLogEvents', 1, 'ServiceUnavailableException');
    const response = await toHandler(logger, { maxRetries: 0, concurrency: 1 })(event);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0].kinesis.sequenceNumber }]);
    expect(logger.summaries[0]).toMatchObject({ streamsFailed: 1, failedRecords: 1 });

    const streamName = await newStream(records.map(encode));
    logs.failNext('PutLogEvents', 1, 'ServiceUnavailableException');
    const source = createKinesisEventSource({ client: kinesisClient, streamName, handler: toHandler(toLogger(), { maxRetries: 0, concurrency: 1 }) });
    await source.drain();
    expect(source.stats).toMatchObject({ invocations: 2, partialFailures: 1, recordsFailed: 0 });
  });

  it('reports every record of a batch whose first write failed, without throwing, so the event source retries it whole', async () => {
    const logger = toLogger();
    const event: KinesisStreamEvent = {
      Records: [toKinesisEventRecord({ Data: encode(recordOf('flaky', 3, 7)), SequenceNumber: '1', PartitionKey: 'k' }, 'shardId-000000000000', 'arn', 'us-east-1')],
    };
    logs.failNext('PutLogEvents', 1, 'ServiceUnavailableException');
    expect(await toHandler(logger, { maxRetries: 0 })(event)).toEqual({ batchItemFailures: [{ itemIdentifier: '1' }] });
  });
});

describe('node-local identity and the receiver rules, through kinesalite, the event source, dynalite and CloudWatch Logs', () => {
  it('names a pod the document does not list from the agent (PodName by the fallback rule), takes restarts from the agent, cuts a huge label map to the budget, and writes a pod nobody names under [ClusterName] only', async () => {
    // The node's document lists only "web", with 2,000 labels; "report" started after the poller's last run.
    const web = { ...toMetadataFixture().pods[0], labels: Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`label-${i}`, 'v'.repeat(60)])) };
    await DynamoDBDocumentClient.from(dynamoClient).send(
      new BatchWriteCommand({ RequestItems: { [TABLE]: [{ PutRequest: { Item: toMetadataItem({ ...toMetadataFixture(), cluster: 'ident', node: nodeName(0), pods: [web] }, NOW, 3600) } }] } }),
    );
    // The agent names every pod and container from the kubelet's log layout, with restart increases.
    const named = recordOf('ident', 0, 2);
    named.pods[0] = { ...named.pods[0], namespace: 'shop', name: 'web-7d9f8b6c5-x2x4q', restartsDelta: 1 };
    named.pods[0].containers = named.pods[0].containers.map((c, i) => ({ ...c, name: i === 0 ? 'app' : 'sidecar', restartsDelta: i === 0 ? 1 : 0 }));
    named.pods[1] = { ...named.pods[1], namespace: 'batch', name: 'report-28930120-bcdfg', restartsDelta: 0 };
    named.pods[1].containers = named.pods[1].containers.map((c) => ({ ...c, name: 'job', restartsDelta: 0 }));
    // A node without a document whose agent could not read the log layout (schema 2.0 pods): nobody names its pods.
    const unnamed = recordOf('ident', 1, 2);
    const logger = toLogger();
    const streamName = await newStream([encode(named), encode(unnamed)]);
    const source = createKinesisEventSource({ client: kinesisClient, streamName, handler: toHandler(logger) });
    await source.drain();
    expect(source.stats).toMatchObject({ invocations: 1, recordsSucceeded: 2, recordsFailed: 0 });
    expect(logger.summaries[0]).toMatchObject({ enriched: 2, podsWithoutMetadata: 3, podsWithoutIdentity: 2, podsWithLabelsCut: 1 });

    const group = '/aws/containerinsights/ident/performance';
    const docs = logs.events(group, nodeName(0)).map((e) => expectValidEmf(e.message)) as Record<string, unknown>[];
    const pod = (name: string) => docs.find((d) => d.Type === 'Pod' && (d.kubernetes as { pod_name?: string }).pod_name === name) as Record<string, unknown>;
    const report = pod('report-28930120-bcdfg');
    expect(report).toMatchObject({ Namespace: 'batch', PodName: 'report', pod_number_of_container_restarts: 0 });
    expect(report.kubernetes).toEqual({ host: nodeName(0), namespace_name: 'batch', pod_name: 'report-28930120-bcdfg', pod_id: 'uid-report' });
    const dimensionsOf = (d: Record<string, unknown>) => (d._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics.flatMap((m) => m.Dimensions.map((s) => s.join(',')));
    expect(dimensionsOf(report)).toContain('ClusterName,Namespace,PodName');
    // The agent's increase (1), not the document's count of 2 restarts since the poller's last run.
    const webPod = pod('web-7d9f8b6c5-x2x4q');
    expect(webPod).toMatchObject({ Namespace: 'shop', PodName: 'web', pod_number_of_container_restarts: 1 });
    expect(Object.keys((webPod.kubernetes as { labels: Record<string, string> }).labels)).toEqual(Array.from({ length: 55 }, (_, i) => `label-${i}`));
    const restarts = docs.filter((d) => d.Type === 'Container').map((d) => [(d.kubernetes as { container_name: string }).container_name, d.number_of_container_restarts]);
    expect(restarts).toEqual([
      ['app', 1],
      ['sidecar', 0],
      ['job', 0],
    ]);

    const anonymous = logs.events(group, nodeName(1)).map((e) => expectValidEmf(e.message)).filter((d) => d.Type === 'Pod') as Record<string, unknown>[];
    expect(anonymous.map((d) => [d.PodName, d.Namespace, [...new Set(dimensionsOf(d))]])).toEqual([
      [undefined, undefined, ['ClusterName']],
      [undefined, undefined, ['ClusterName']],
    ]);
  });
});

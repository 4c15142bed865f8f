import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { gzipSync } from 'node:zlib';
import { toMetadataItem } from '../../../../core/node-metadata-item';
import { PROFILES } from '../../../../core/metrics/profiles';
import type { NodeRecord } from '../../../../core/record';
import { signRecordData, toRecordJson, toSignedRecordData, type RecordSigningKey } from '../../../../core/record/record-data';
import { createLogWriter } from '../../../../lambdas/common/log-writer';
import { createAgentKeyStore } from '../../../../lambdas/enricher/agent-keys';
import { createHandler, type InvocationSummary } from '../../../../lambdas/enricher/create-handler';
import { createMetadataReader } from '../../../../lambdas/enricher/metadata-reader';
import { startCloudWatchLogsServer, type CloudWatchLogsServer } from '../../../../sim/aws/cloudwatch-logs-server';
import { createKinesisEventSource, type KinesisBatchFailure } from '../../../../sim/aws/kinesis-event-source';
import { createLocalStream, startDynalite, startKinesalite, toLocalClientConfig, type LocalService } from '../../../../sim/aws/local-aws';
import { toEnricherEventSourceSettings, type EnricherEventSourceSettings } from '../../../helpers/enricher-event-source';
import { toMetadataFixture, toRecordFixture } from '../../../helpers/record-fixtures';

/**
 * Fault injection: one bad object, record or agent never blinds or corrupts a cluster. Records of
 * good and bad kinds go through kinesalite and the local event source, driven with the settings the
 * CDK app gives the enricher's event source, into the real handler (signing keys from a Secrets
 * Manager fake, documents from dynalite, the local CloudWatch Logs endpoint with injected errors).
 * In each case every good record is written exactly once, every bad one is counted once, and nothing
 * reaches the failure queue.
 */

const TABLE = 'kinsight-metadata';
const NOW = Date.now();
let kinesis: LocalService;
let dynamo: LocalService;
let logs: CloudWatchLogsServer;
let kinesisClient: KinesisClient;
let logsClient: CloudWatchLogsClient;
let dynamoClient: DynamoDBClient;
let settings: EnricherEventSourceSettings;
let streams = 0;

const secretOf = (c: string): Uint8Array => Buffer.from(c.repeat(64).slice(0, 64));
/** Each cluster's key versions: current and, for prod, the previous one of a rotation. */
const KEYS: Record<string, { current: RecordSigningKey; previous?: RecordSigningKey }> = {
  prod: { current: { id: 'prod-v2', secret: secretOf('p') }, previous: { id: 'prod-v1', secret: secretOf('q') } },
  staging: { current: { id: 'staging-v1', secret: secretOf('s') } },
  gone: { current: { id: 'gone-v1', secret: secretOf('g') } },
  denied: { current: { id: 'denied-v1', secret: secretOf('d') } },
};
const secretsCalls: string[] = [];
const secrets = {
  send: async (command: GetSecretValueCommand) => {
    const cluster = String(command.input.SecretId).replace('kinsight/agent-key/', '');
    secretsCalls.push(cluster);
    const key = command.input.VersionStage === 'AWSPREVIOUS' ? KEYS[cluster]?.previous : KEYS[cluster]?.current;
    if (!key) throw Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: 'ResourceNotFoundException' });
    return { VersionId: key.id, SecretString: JSON.stringify({ key: Buffer.from(key.secret).toString() }) };
  },
};

const nodeOf = (i: number) => `ip-10-0-2-${i}.ec2.internal`;
const recordOf = (cluster: string, node: string, minute: number): NodeRecord => ({ ...toRecordFixture(), cluster, node, timeMs: NOW - 600_000 + minute * 60_000 });
const groupOf = (cluster: string) => `/aws/containerinsights/${cluster}/performance`;
const sign = (record: NodeRecord, key = KEYS[record.cluster].current) => toSignedRecordData(record, key);

interface Sent {
  data: Uint8Array;
  /** The record as it should land, or undefined for a record that must not. */
  good?: NodeRecord;
}

async function run(sent: Sent[]): Promise<{ summaries: InvocationSummary[]; failures: KinesisBatchFailure[]; invocations: number; reasons: string[] }> {
  const name = `faults-${++streams}`;
  await createLocalStream(kinesisClient, name, 1);
  await kinesisClient.send(new PutRecordsCommand({ StreamName: name, Records: sent.map((s, i) => ({ Data: s.data, PartitionKey: `p${i % 3}` })) }));
  const summaries: InvocationSummary[] = [];
  const reasons: string[] = [];
  const handler = createHandler({
    profile: PROFILES.classic,
    writer: createLogWriter({ client: logsClient, sleep: async () => undefined, maxRetries: 2 }),
    metadata: createMetadataReader({ client: DynamoDBDocumentClient.from(dynamoClient), tableName: TABLE, sleep: async () => undefined }),
    keys: createAgentKeyStore({ client: secrets as never, sleep: async () => undefined }),
    requireSignature: true,
    logger: { info: (m, e) => void (m === 'enricher batch' && summaries.push(e as unknown as InvocationSummary)), warn: () => undefined, error: (m, e) => void (m === 'poison record acknowledged' && reasons.push(String(e?.reason))) },
  });
  const failures: KinesisBatchFailure[] = [];
  let invocations = 0;
  const source = createKinesisEventSource({
    client: kinesisClient,
    streamName: name,
    handler: (event) => ((invocations += 1), handler(event)),
    batchSize: settings.batchSize,
    maximumRetryAttempts: settings.maximumRetryAttempts,
    bisectBatchOnFunctionError: settings.bisectBatchOnFunctionError,
    onFailure: (f) => void failures.push(f),
  });
  await source.drain();
  return { summaries, failures, invocations, reasons };
}

/** Node events of a record's stream at its time: 1 when it was written exactly once. */
const copiesOf = (r: NodeRecord): number => logs.events(groupOf(r.cluster), r.node).filter((e) => e.timestamp === r.timeMs && JSON.parse(e.message).Type === 'Node').length;
const total = (summaries: InvocationSummary[], key: keyof InvocationSummary): number => summaries.reduce((n, s) => n + (s[key] ?? 0), 0);

beforeAll(async () => {
  settings = toEnricherEventSourceSettings();
  [kinesis, dynamo, logs] = await Promise.all([startKinesalite(), startDynalite(), startCloudWatchLogsServer()]);
  kinesisClient = new KinesisClient({ ...toLocalClientConfig(kinesis.endpoint), requestHandler: new NodeHttpHandler() });
  logsClient = new CloudWatchLogsClient({ ...toLocalClientConfig(logs.endpoint), maxAttempts: 1 });
  dynamoClient = new DynamoDBClient(toLocalClientConfig(dynamo.endpoint));
  await dynamoClient.send(
    new CreateTableCommand({ TableName: TABLE, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }),
  );
  const items = [0, 1, 2, 3].map((i) => toMetadataItem({ ...toMetadataFixture(), cluster: 'prod', node: nodeOf(i) }, NOW, 3600));
  await DynamoDBDocumentClient.from(dynamoClient).send(new BatchWriteCommand({ RequestItems: { [TABLE]: items.map((Item) => ({ PutRequest: { Item } })) } }));
}, 120_000);
afterAll(async () => {
  kinesisClient.destroy();
  logsClient.destroy();
  dynamoClient.destroy();
  await Promise.all([kinesis.close(), dynamo.close(), logs.close()]);
});

describe('enricher under faults, with the event source settings of the CDK app', () => {
  it('drives the handler as the deployed event source does: bisect on error, 3 retries, batches of 200 (each case fits in one)', () => {
    expect(settings).toEqual({ batchSize: 200, maximumRetryAttempts: 3, bisectBatchOnFunctionError: true });
  });

  it('acknowledges and counts bad records (forged cluster, foreign agent, bad names, huge, inflating or implausible records) and writes every good one once', async () => {
    const good = [0, 1, 2, 3].flatMap((i) => [0, 1].map((m) => recordOf('prod', nodeOf(i), m)));
    const staging = recordOf('staging', nodeOf(0), 0);
    const huge = { ...recordOf('prod', nodeOf(0), 5), pods: Array.from({ length: 10_000 }, (_, k) => ({ uid: `u${k}`, qos: 'BestEffort' as const, gauges: {}, containers: [] })) };
    const sent: Sent[] = [
      ...good.slice(0, 4).map((r) => ({ data: sign(r), good: r })),
      // A cluster outside the fleet (no key secret), and the staging agent writing as prod.
      { data: sign(recordOf('payments', nodeOf(0), 0), { id: 'x', secret: secretOf('x') }) },
      { data: sign(recordOf('prod', nodeOf(0), 7), { id: 'prod-v2', secret: KEYS.staging.current.secret }) },
      // Names CloudWatch Logs or DynamoDB would refuse, a record of 10,000 pods, negative cores.
      { data: sign(recordOf('prod', 'ip-10-0-2-9:8080', 0)) },
      { data: sign(recordOf('prod', 'n'.repeat(3_000), 0)) },
      { data: sign(huge) },
      { data: sign({ ...recordOf('prod', nodeOf(3), 8), cores: -4 }) },
      // Signed by prod's agent, 4 KB of gzip inflating past 2 MiB (a member the reader would ignore): never inflated in full.
      { data: signRecordData('prod', gzipSync(JSON.stringify({ ...JSON.parse(toRecordJson(recordOf('prod', nodeOf(1), 9))), padding: 'x'.repeat(3 * 2 ** 20) })), KEYS.prod.current) },
      // Signed with the previous key of a rotation: still good.
      ...good.slice(4).map((r) => ({ data: sign(r, KEYS.prod.previous), good: r })),
      { data: sign(staging), good: staging },
    ];
    const { summaries, failures, invocations, reasons } = await run(sent);
    for (const s of sent) if (s.good) expect(copiesOf(s.good)).toBe(1);
    expect(logs.logGroups()).not.toContain(groupOf('payments'));
    expect(reasons).toEqual([
      expect.stringMatching(/^record is signed for cluster "?payments"? with key "?x"?, which is not a key of that cluster in this fleet/),
      expect.stringMatching(/^record signature does not verify with key "?prod-v2"? of cluster "?prod"?/),
      expect.stringMatching(/^record node "ip-10-0-2-9:8080" is not a node name Kubernetes allows/),
      expect.stringMatching(/^record node "n{10,}.*is not a node name Kubernetes allows/),
      expect.stringMatching(/pods/),
      expect.stringMatching(/^record cores must be an integer from 1 to 4096, got -4/),
      expect.stringMatching(/^record inflates to more than 2097152 bytes/),
    ]);
    // Poison is acknowledged in the one invocation: nothing bisected, nothing re-delivered.
    expect(invocations).toBe(1);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ records: 16, poison: 7, unverified: 2, enriched: 9, failedRecords: 0 });
    expect(failures).toEqual([]);
  });

  it('acknowledges the records of a deleted log group and of one the enricher may not write, retries a throttled CreateLogStream, and writes the neighbours once', async () => {
    logs.failNext('CreateLogGroup', Number.POSITIVE_INFINITY, 'AccessDeniedException', { logGroup: groupOf('gone') });
    logs.failNext('PutLogEvents', Number.POSITIVE_INFINITY, 'AccessDeniedException', { logGroup: groupOf('denied') });
    // A node whose stream does not exist yet (the others were created by the case above): its CreateLogStream is throttled twice.
    logs.failNext('CreateLogStream', 2, 'ThrottlingException', { logGroup: groupOf('prod'), logStream: nodeOf(7) });
    expect(logs.logStreams(groupOf('prod'))).not.toContain(nodeOf(7));
    const from = logs.requests.length;
    const good = [0, 7, 2].map((i) => recordOf('prod', nodeOf(i), 3));
    const sent: Sent[] = [
      { data: sign(good[0]), good: good[0] },
      { data: sign(recordOf('gone', nodeOf(0), 3)) },
      { data: sign(good[1]), good: good[1] },
      { data: sign(recordOf('denied', nodeOf(0), 3)) },
      { data: sign(good[2]), good: good[2] },
    ];
    const { summaries, failures, invocations } = await run(sent);
    for (const s of sent) if (s.good) expect(copiesOf(s.good)).toBe(1);
    expect(invocations).toBe(1);
    expect(logs.requests.slice(from).filter((r) => r.operation === 'CreateLogStream' && r.error === 'ThrottlingException')).toHaveLength(2);
    // The two throttled CreateLogStream calls retried inside the invocation.
    expect(summaries[0]).toMatchObject({ records: 5, poison: 2, streamsRejected: 2, enriched: 5, failedRecords: 0, throttleRetries: 2 });
    expect(failures).toEqual([]);
  });

  it('retries a stream throttled beyond its retries through the event source, and writes every record once although neighbours succeeded', async () => {
    // The writer tries each call 3 times: 4 failures outlast the first invocation, not the second.
    logs.failNext('PutLogEvents', 4, 'ThrottlingException', { logGroup: groupOf('prod'), logStream: nodeOf(2) });
    const good = [0, 1, 2, 3].flatMap((i) => [10, 11].map((m) => recordOf('prod', nodeOf(i), m)));
    const sent: Sent[] = good.map((r) => ({ data: sign(r), good: r }));
    const { summaries, failures, invocations } = await run(sent);
    for (const r of good) expect(copiesOf(r)).toBe(1);
    expect(invocations).toBe(2);
    // The first invocation stops at node 2's first record; node 3's stream, in the same chunk, was
    // written: the re-delivery writes node 2's two records and skips node 3's.
    expect(summaries[0]).toMatchObject({ records: 8, failedRecords: 2, streamsFailed: 1 });
    expect(summaries[1]).toMatchObject({ records: 4, failedRecords: 0, recordsAlreadyWritten: 2, enriched: 2 });
    expect(total(summaries, 'eventsWritten')).toBe(good.length * 13);
    expect(failures).toEqual([]);
  });

  it('reads the keys of a cluster outside the fleet at most once a minute however many records name it', () => {
    expect(secretsCalls.filter((c) => c === 'payments')).toHaveLength(2); // AWSCURRENT and AWSPREVIOUS, once
  });
});

import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createKinesisPort } from '../../../node-agent/ship/kinesis-port';
import { createProducer } from '../../../node-agent/ship/producer';

describe('createKinesisPort with a mocked Kinesis client', () => {
  const kinesis = mockClient(KinesisClient);
  afterEach(() => kinesis.reset());
  afterAll(() => kinesis.restore());

  it('retries only the entries of a partial failure (FailedRecordCount > 0) by stream name', async () => {
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce({ FailedRecordCount: 1, Records: [{ SequenceNumber: '1', ShardId: 's' }, { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' }, { SequenceNumber: '2', ShardId: 's' }] })
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '3', ShardId: 's' }] });
    const client = new KinesisClient({ region: 'us-east-1' });
    const producer = createProducer({ port: createKinesisPort(client, 'records'), random: () => 0, sleep: async () => undefined, now: () => 0 });
    for (const n of [1, 2, 3]) producer.enqueue({ data: Buffer.from([n]), partitionKey: 'c/n' });
    await expect(producer.flush()).resolves.toEqual({ sent: 3, remaining: 0 });
    expect(kinesis).toHaveReceivedCommandTimes(PutRecordsCommand, 2);
    const second = kinesis.commandCalls(PutRecordsCommand)[1].args[0].input;
    expect(second.StreamName).toBe('records');
    expect(second.Records?.map((r) => Buffer.from(r.Data as Uint8Array)[0])).toEqual([2]);
    expect(producer.stats()).toMatchObject({ retries: 1, sent: 3 });
  });

  it('reports a missing result entry as a failure of that entry', async () => {
    kinesis.on(PutRecordsCommand).resolves({ FailedRecordCount: 0, Records: [] });
    const port = createKinesisPort(new KinesisClient({ region: 'us-east-1' }), 'records');
    await expect(port.putRecords([{ data: Buffer.from([1]), partitionKey: 'k' }])).resolves.toEqual([{ errorCode: 'MissingResult', errorMessage: 'PutRecords returned 0 results for 1 entries' }]);
  });
});

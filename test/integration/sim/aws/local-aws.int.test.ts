import { CreateStreamCommand, KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startDynalite, startKinesalite, toLocalClientConfig, type LocalService } from '../../../../sim/aws/local-aws';

describe('local AWS services', () => {
  let kinesis: LocalService;
  let dynamo: LocalService;
  beforeAll(async () => {
    [kinesis, dynamo] = await Promise.all([startKinesalite(), startDynalite()]);
  });
  afterAll(async () => {
    await Promise.all([kinesis.close(), dynamo.close()]);
  });

  it('serves Kinesis and DynamoDB to the real SDK clients on loopback ports', async () => {
    const k = new KinesisClient({ ...toLocalClientConfig(kinesis.endpoint), requestHandler: new NodeHttpHandler() });
    const d = new DynamoDBClient(toLocalClientConfig(dynamo.endpoint));
    await k.send(new CreateStreamCommand({ StreamName: 's1', ShardCount: 1 }));
    await expect(k.send(new ListStreamsCommand({}))).resolves.toMatchObject({ StreamNames: ['s1'] });
    await expect(d.send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: [] });
    k.destroy();
    d.destroy();
  });
});

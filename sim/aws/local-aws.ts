import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import kinesalite from 'kinesalite';
import dynalite from 'dynalite';
import { CreateStreamCommand, waitUntilStreamExists, type KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { METADATA_TABLE_KEY } from '../../core/node-metadata-item';

/** A local AWS service listening on loopback: its endpoint URL and how to stop it. */
export interface LocalService {
  readonly endpoint: string;
  close(): Promise<void>;
}

async function listen(server: Server, port: number): Promise<LocalService> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/**
 * Starts kinesalite (a real Kinesis implementation, in memory) on loopback; port 0 picks a free port.
 * Streams are created instantly. It speaks HTTP/1.1 only: give the Kinesis client a NodeHttpHandler.
 */
export function startKinesalite(port = 0): Promise<LocalService> {
  return listen(kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 }) as Server, port);
}

/** Starts dynalite (a real DynamoDB implementation, in memory) on loopback. It enforces no TTL: readers filter expired items. */
export function startDynalite(port = 0): Promise<LocalService> {
  return listen(dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server, port);
}

/** Client settings for a local endpoint: fake credentials, a region, no IMDS lookups. */
export const toLocalClientConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

/** Creates a stream with a fixed shard count (kinesalite has no on-demand mode) and waits until it is active. */
export async function createLocalStream(client: KinesisClient, streamName: string, shards: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
  await waitUntilStreamExists({ client, maxWaitTime: 10, minDelay: 1 }, { StreamName: streamName });
}

/** Creates the node metadata table as the CDK app does: on-demand, string partition key `pk`. */
export async function createLocalMetadataTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: METADATA_TABLE_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: METADATA_TABLE_KEY, KeyType: 'HASH' }],
    }),
  );
}

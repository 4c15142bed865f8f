import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { CiRecord } from '../../core/ci-record';
import { toKubeConfig } from '../../lambdas/common/kube-client';
import { createPoller, type Poller, type WriteEvents } from '../../lambdas/poller/create-poller';
import type { EbsVolumeResolver } from '../../lambdas/poller/ebs-volume-resolver';
import type { DocumentBudget } from '../../lambdas/poller/fit-document';
import { createKubeLists } from '../../lambdas/poller/kube-lists';
import { createMetadataStore } from '../../lambdas/poller/metadata-store';
import { toSimAutoScalingGroup } from '../../sim/cluster/cluster-model';
import type { KubeApiServer } from '../../sim/kube/kube-api-server';
import { createLocalMetadataTable, toLocalClientConfig } from '../../sim/aws/local-aws';

/** Test rig of the poller: a real metadata table in dynalite, counted writes, captured records. */
export interface KubePollerRig {
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Items put by BatchWrite/Put since the last reset, by key. */
  readonly puts: string[];
  /** Keys deleted since the last reset. */
  readonly deletes: string[];
  /** Records handed to writeEvents, per cluster. */
  readonly events: Map<string, CiRecord[]>;
  /**
   * A new poller (fresh memory, as a cold Lambda) on `server`. Its records go to `events`, and also
   * to `writeEvents` when given (the real EMF writer against a local CloudWatch Logs server).
   */
  newPoller(
    server: KubeApiServer,
    options?: { token?: string; timeoutMs?: number; enhanced?: boolean; staleAfterMs?: number; writeEvents?: WriteEvents; documentBudget?: DocumentBudget; ebsVolumes?: EbsVolumeResolver },
  ): Poller;
  /** Every item of the table. */
  scan(): Promise<Record<string, unknown>[]>;
  reset(): void;
  destroy(): void;
}

let tables = 0;

/** Creates the table in dynalite (at `endpoint`) and the rig around it. */
export async function createKubePollerRig(endpoint: string): Promise<KubePollerRig> {
  const client = new DynamoDBClient(toLocalClientConfig(endpoint));
  const tableName = `kinsight-metadata-${(tables += 1)}`;
  await createLocalMetadataTable(client, tableName);
  const documentClient = DynamoDBDocumentClient.from(client);
  const puts: string[] = [];
  const deletes: string[] = [];
  const events = new Map<string, CiRecord[]>();
  // Counts what reaches the table; the store under test sees the real client behind it.
  const counting = {
    send: (command: unknown) => {
      if (command instanceof BatchWriteCommand) {
        for (const request of command.input.RequestItems?.[tableName] ?? []) {
          if (request.PutRequest) puts.push(String(request.PutRequest.Item?.pk));
          if (request.DeleteRequest) deletes.push(String(request.DeleteRequest.Key?.pk));
        }
      }
      if (command instanceof PutCommand) puts.push(String(command.input.Item?.pk));
      return documentClient.send(command as never);
    },
  } as Pick<DynamoDBDocumentClient, 'send'>;

  return {
    documentClient,
    tableName,
    puts,
    deletes,
    events,
    newPoller: (server, options = {}) =>
      createPoller({
        connect: async () => createKubeLists(toKubeConfig({ server: server.url, caData: server.caPem, token: options.token ?? server.token }), options.timeoutMs ?? 5000),
        autoScalingGroups: { resolve: async (ids) => new Map(ids.map((id) => [id, toSimAutoScalingGroup('rig', id)])) },
        store: createMetadataStore({ client: counting, tableName }),
        writeEvents: async (cluster, records) => {
          events.set(cluster, [...records]);
          await options.writeEvents?.(cluster, records);
        },
        isEnhanced: () => options.enhanced ?? false,
        ...(options.staleAfterMs !== undefined ? { staleAfterMs: options.staleAfterMs } : {}),
        ...(options.documentBudget ? { documentBudget: options.documentBudget } : {}),
        ...(options.ebsVolumes ? { ebsVolumes: options.ebsVolumes } : {}),
      }),
    scan: async () => (await documentClient.send(new ScanCommand({ TableName: tableName }))).Items ?? [],
    reset: () => {
      puts.length = 0;
      deletes.length = 0;
      events.clear();
    },
    destroy: () => client.destroy(),
  };
}

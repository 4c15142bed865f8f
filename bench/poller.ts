import { fork, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DescribeInstancesCommand, DescribeTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { toKubeConfig } from '../lambdas/common/kube-client';
import { ASG_TAG, createAsgResolver } from '../lambdas/poller/asg-resolver';
import { createPoller, type PollSummary } from '../lambdas/poller/create-poller';
import { createEbsVolumeResolver } from '../lambdas/poller/ebs-volume-resolver';
import { DEFAULT_DEADLINE_MARGIN_MS } from '../lambdas/poller/create-handler';
import { createKubeLists, listAll, type KubeLists } from '../lambdas/poller/kube-lists';
import { toCpuShare, toPollerMemoryMb } from '../core/poller-sizing';
import { createMetadataStore } from '../lambdas/poller/metadata-store';
import { createClusterModel, toSimAutoScalingGroup } from '../sim/cluster/cluster-model';
import { KubeStore, startKubeApiServer } from '../sim/kube/kube-api-server';
import { toKubeObjects } from '../sim/kube/kube-objects';
import { createLocalMetadataTable, startDynalite, toLocalClientConfig } from '../sim/aws/local-aws';

/**
 * `npm run bench:poller`: one poll of a simulated 5,000-node, 150,000-pod cluster, then a second
 * poll of the unchanged cluster. The local API server and dynalite run in a child process, so the
 * peak RSS printed is the poller's alone. Documents are written to the real DynamoDB emulator.
 *
 * Each poll runs with the deadline the Lambda handler would give it (the 60 s timeout minus the
 * margin) and says whether it was cut short. The figures: CPU seconds of the poller per 1,000 nodes,
 * and the wall time projected for Lambda at the memory the stack gives a cluster of this size
 * (core/poller-sizing.ts), whose CPU share is memory / 1,769 MB: CPU seconds / share. The floor,
 * measured in the same run: listing and parsing the same objects from the same server without
 * processing them. The Auto Scaling groups and EBS volumes come from the real resolvers over a fake
 * EC2 (answers made from the simulator, no XML parsing).
 *
 * Options (environment): KINSIGHT_BENCH_NODES (default 5000), KINSIGHT_BENCH_PODS_PER_NODE (default 30),
 * KINSIGHT_BENCH_DEADLINE_MS (default 57000, the Lambda timeout minus the margin; 0 for none).
 * Targets: under 60 s and under 1 GiB per poll.
 */

interface ServerReady {
  readonly url: string;
  readonly caPem: string;
  readonly token: string;
  readonly dynamoEndpoint: string;
}

const TABLE = 'kinsight-bench-metadata';

/** The child: API server over the simulated cluster + dynalite; answers `requests` with the request count. */
async function serve(nodes: number, podsPerNode: number): Promise<void> {
  const cluster = createClusterModel({ name: 'bench', nodeCount: nodes, podsPerNode });
  // Pages are cached once served, as a real API server lists from its watch cache: the second poll
  // then measures the poller, not the simulator's JSON generation.
  const server = await startKubeApiServer({ store: new KubeStore(toKubeObjects(cluster)), cachePages: true });
  const dynamo = await startDynalite();
  const client = new DynamoDBClient(toLocalClientConfig(dynamo.endpoint));
  await createLocalMetadataTable(client, TABLE);
  client.destroy();
  process.on('message', (message: unknown) => {
    if (message === 'requests') process.send?.({ requests: server.requests.length, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000 });
    if (message === 'stop') void Promise.all([server.close(), dynamo.close()]).then(() => process.exit(0));
  });
  process.send?.({ url: server.url, caPem: server.caPem, token: server.token, dynamoEndpoint: dynamo.endpoint } satisfies ServerReady);
}

const ask = <T>(child: ChildProcess, message: string): Promise<T> =>
  new Promise((resolve) => {
    child.once('message', (reply) => resolve(reply as T));
    child.send(message);
  });

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const cpuSeconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;

/** The floor: every list of the poll read and parsed (JSON.parse of each page, as the poller reads them), nothing kept. */
async function listOnly(lists: KubeLists): Promise<number> {
  let items = 0;
  const count = () => {
    items += 1;
  };
  for (const read of [lists.nodes, lists.pods, lists.endpointSlices, lists.replicaSets, lists.jobs, lists.deployments, lists.daemonSets, lists.statefulSets] as const) {
    await listAll(read as never, count, { what: 'floor' });
  }
  lists.close?.();
  return items;
}

async function main(): Promise<void> {
  const nodes = Number(process.env.KINSIGHT_BENCH_NODES ?? 5000);
  const podsPerNode = Number(process.env.KINSIGHT_BENCH_PODS_PER_NODE ?? 30);
  if (process.argv[2] === '--serve') {
    await serve(nodes, podsPerNode);
    return;
  }
  const child = fork(__filename, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<ServerReady>((resolve, reject) => {
    child.once('message', (m) => resolve(m as ServerReady));
    child.once('exit', (code) => reject(new Error(`bench server exited with code ${code}`)));
  });

  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient(toLocalClientConfig(ready.dynamoEndpoint)));
  let writeCalls = 0;
  const counting = {
    send: (command: unknown) => {
      if (command instanceof BatchWriteCommand) writeCalls += 1;
      return documentClient.send(command as never);
    },
  } as Pick<DynamoDBDocumentClient, 'send'>;
  let asgCalls = 0;
  let instanceCalls = 0;
  const poll = createPoller({
    connect: async () => createKubeLists(toKubeConfig({ server: ready.url, caData: ready.caPem, token: ready.token }), 30_000),
    // The real resolver (batches of 200, cache) over a fake EC2 that answers DescribeTags from the simulator.
    autoScalingGroups: createAsgResolver({
      ec2: {
        send: async (command: DescribeTagsCommand) => {
          asgCalls += 1;
          const ids = command.input.Filters?.find((f) => f.Name === 'resource-id')?.Values ?? [];
          return { Tags: ids.map((id) => ({ ResourceId: id, Key: ASG_TAG, Value: toSimAutoScalingGroup('bench', id) })) };
        },
      } as unknown as Pick<EC2Client, 'send'>,
    }),
    // The real resolver (batches of 200, pages, cache) over a fake EC2 that gives each instance a root and a data volume.
    ebsVolumes: createEbsVolumeResolver({
      ec2: {
        send: async (command: DescribeInstancesCommand) => {
          instanceCalls += 1;
          const ids = command.input.Filters?.find((f) => f.Name === 'instance-id')?.Values ?? [];
          const volume = (id: string, n: number) => ({ VolumeId: `vol-${n}${id.slice(3)}`, Status: 'attached', DeleteOnTermination: true });
          return {
            Reservations: ids.map((id) => ({
              Instances: [{ InstanceId: id, BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: volume(id, 0) }, { DeviceName: '/dev/xvdba', Ebs: volume(id, 1) }] }],
            })),
          };
        },
      } as unknown as Pick<EC2Client, 'send'>,
    }),
    store: createMetadataStore({ client: counting, tableName: TABLE }),
    writeEvents: async () => undefined,
    isEnhanced: () => true,
  });

  const deadlineBudgetMs = Number(process.env.KINSIGHT_BENCH_DEADLINE_MS ?? 60_000 - DEFAULT_DEADLINE_MARGIN_MS);
  const memoryMb = toPollerMemoryMb(nodes);
  const share = toCpuShare(memoryMb);
  const perThousand = (seconds: number) => (seconds / (nodes / 1000)).toFixed(2);
  console.log(`poller benchmark: ${nodes} nodes x ${podsPerNode} pods = ${nodes * podsPerNode} pods (server and dynalite in a child process; documents written to dynalite)`);
  console.log(`machine: ${cpus()[0]?.model.trim()}, ${cpus().length} CPUs, Node ${process.version}; the stack gives a ${nodes}-node cluster a ${memoryMb} MB poller: ${share.toFixed(2)} of a vCPU`);
  const runs: Array<[string, number]> = [
    ['first poll (cold, empty table)', Date.UTC(2026, 10, 24, 16, 0, 0)],
    ['second poll (warm, unchanged cluster)', Date.UTC(2026, 10, 24, 16, 1, 0)],
  ];
  const measured: Array<{ label: string; cpu: number; partial: boolean }> = [];
  for (const [label, nowMs] of runs) {
    const before = await ask<{ requests: number; cpuMs: number }>(child, 'requests');
    const writesBefore = writeCalls;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    // The bench's clock starts at nowMs; the deadline is where the Lambda handler would put it.
    const summary: PollSummary = await poll('bench', nowMs, deadlineBudgetMs > 0 ? { deadlineMs: nowMs + deadlineBudgetMs } : {});
    const cpu = cpuSeconds(process.cpuUsage(cpuBefore));
    measured.push({ label: label.split(' (')[0], cpu, partial: summary.partial });
    const wallMs = performance.now() - started;
    const after = await ask<{ requests: number; cpuMs: number }>(child, 'requests');
    const requests = after.requests - before.requests;
    console.log(
      `${label}: wall ${(wallMs / 1000).toFixed(1)} s, peak RSS so far ${mib(process.resourceUsage().maxRSS * 1024)}, API requests ${requests}, ` +
        `documents written ${summary.documentsWritten} (${writeCalls - writesBefore} BatchWriteItem calls), cut to fit ${summary.documentsCut}, deleted ${summary.documentsDeleted}, ` +
        `records ${summary.records}, nodes ${summary.nodes}, pods ${summary.pods}, DescribeTags calls so far ${asgCalls}, DescribeInstances ${instanceCalls}; ` +
        `phases: list ${(summary.phasesMs.list / 1000).toFixed(1)} s, build ${(summary.phasesMs.build / 1000).toFixed(1)} s, write ${(summary.phasesMs.write / 1000).toFixed(1)} s; ` +
        `CPU: poller ${cpu.toFixed(1)} s, API server + dynalite ${((after.cpuMs - before.cpuMs) / 1000).toFixed(1)} s; ` +
        `${summary.partial ? `CUT SHORT by the ${deadlineBudgetMs / 1000} s deadline (${summary.cutShort.join(', ')})` : deadlineBudgetMs > 0 ? `complete within the ${deadlineBudgetMs / 1000} s deadline` : 'complete (no deadline)'}`,
    );
    console.log(
      `  -> ${perThousand(cpu)} CPU s per 1,000 nodes; projected Lambda wall at ${memoryMb} MB (${share.toFixed(2)} vCPU): ${(cpu / share).toFixed(1)} s of CPU time, ` +
        `${((cpu / share / 60) * 100).toFixed(0)} % of the 60 s timeout (budget: 50 %); at the 1,024 MB of a cluster without a size: ${(cpu / toCpuShare(1024)).toFixed(1)} s`,
    );
  }
  // The floor, on the same server, whose pages are now cached as for the second poll.
  const floorStarted = performance.now();
  const floorCpuBefore = process.cpuUsage();
  const items = await listOnly(createKubeLists(toKubeConfig({ server: ready.url, caData: ready.caPem, token: ready.token }), 30_000));
  const floorCpu = cpuSeconds(process.cpuUsage(floorCpuBefore));
  console.log(
    `floor (list and JSON.parse the same ${items} objects, nothing else): wall ${((performance.now() - floorStarted) / 1000).toFixed(1)} s, CPU ${floorCpu.toFixed(1)} s = ${perThousand(floorCpu)} s per 1,000 nodes; ` +
      `CPU / floor: ${measured.map((m) => `${m.label} ${(m.cpu / floorCpu).toFixed(1)}x${m.partial ? ' (cut short: less work than the floor, not comparable)' : ''}`).join(', ')}`,
  );
  console.log(`heap used after the polls ${mib(process.memoryUsage().heapUsed)}; targets: < 60 s and < 1024 MiB per poll`);
  documentClient.destroy();
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.send('stop');
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../../cli/run-cli';
import { toNodeKey } from '../../../../core/node-metadata';
import { parseMetadataItem } from '../../../../core/node-metadata-item';
import { KinsightError } from '../../../../core/errors';
import { createHandler } from '../../../../lambdas/poller/create-handler';
import { KubeApiError } from '../../../../lambdas/poller/kube-lists';
import { createEbsVolumeResolver } from '../../../../lambdas/poller/ebs-volume-resolver';
import type { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { toIndexKey } from '../../../../lambdas/poller/metadata-store';
import type { KubeObject } from '../../../../core/agent-manifest';
import { createClusterModel, toSimInstanceId, toSimNodeName, type ClusterDescription } from '../../../../sim/cluster/cluster-model';
import { KubeStore, startKubeApiServer, type KubeApiServer } from '../../../../sim/kube/kube-api-server';
import { toKubeObjects } from '../../../../sim/kube/kube-objects';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { createEmfEncoder } from '../../../../core/emf';
import { DYNAMODB_MAX_ITEM_BYTES } from '../../../../core/limits';
import { PROFILES } from '../../../../core/metrics/profiles';
import type { NodeMetadata } from '../../../../core/node-metadata';
import { createLogWriter } from '../../../../lambdas/common/log-writer';
import { createEmfEventWriter } from '../../../../lambdas/poller/emf-event-writer';
import { POLLER_NODE_NAME } from '../../../../lambdas/poller/poll';
import { startCloudWatchLogsServer, type CloudWatchLogsServer } from '../../../../sim/aws/cloudwatch-logs-server';
import { startDynalite, toLocalClientConfig, type LocalService } from '../../../../sim/aws/local-aws';
import { toRandomLabels } from '../../../helpers/random-labels';
import { toEmfProblems } from '../../../helpers/emf-validator';
import { createKubePollerRig, type KubePollerRig } from '../../../helpers/kube-poller-rig';

const NOW = Date.UTC(2026, 10, 24, 16, 0, 0);
const MINUTE = 60_000;
const NODES = 6;
const simInstanceOf = toSimInstanceId;
const description: ClusterDescription = { name: 'rig', nodeCount: NODES, podsPerNode: 12, replicasPerDeployment: 5, maxEndpointsPerSlice: 2, pressureEvery: 3 };

describe('poller against a local HTTPS API server and dynalite', () => {
  let dynamo: LocalService;
  let server: KubeApiServer;
  let rig: KubePollerRig;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo.close();
  });
  beforeEach(async () => {
    // A small page cap makes every list paginate.
    server = await startKubeApiServer({ store: new KubeStore(toKubeObjects(createClusterModel(description))), maxPageSize: 5 });
    rig = await createKubePollerRig(dynamo.endpoint);
  });
  afterEach(async () => {
    rig.destroy();
    await server.close();
  });

  test('writes one document per node and the cluster index, read back with the shared codec', async () => {
    const summary = await rig.newPoller(server)('rig', NOW);
    expect(summary).toMatchObject({ cluster: 'rig', nodes: NODES, pods: NODES * 12, documentsWritten: NODES, documentsDeleted: 0, rebuiltState: true });
    expect(rig.puts.sort()).toEqual([...Array.from({ length: NODES }, (_, i) => toNodeKey('rig', toSimNodeName(i))), toIndexKey('rig')].sort());
    const items = await rig.scan();
    const doc = items.filter((i) => i.pk === toNodeKey('rig', toSimNodeName(0))).map((i) => parseMetadataItem(i, NOW))[0];
    if (!doc.ok) throw new Error(doc.error);
    expect(doc.value).toMatchObject({ cluster: 'rig', node: toSimNodeName(0), instanceId: 'i-00000000000000000', autoScalingGroup: 'eks-rig-ng-a', instanceType: 'm5.large' });
    expect(doc.value.pods.length).toBe(12);
    expect(doc.value.pods.every((p) => p.containers.every((c) => c.restartDelta === undefined))).toBe(true);
    expect(rig.events.get('rig')?.find((r) => r.type === 'Cluster')?.metrics).toMatchObject({ cluster_node_count: NODES, cluster_failed_node_count: 2 });
  });

  test('gives each document its zone from spec.providerID and its EBS volumes from DescribeInstances, and a pod its services from ready endpoints only', async () => {
    // One endpoint of a slice turns not ready: its pod loses that service; a ready neighbour keeps it.
    const slice = structuredClone(server.store.list('endpointslices').find((s) => ((s as { endpoints?: unknown[] }).endpoints ?? []).length === 2)) as KubeObject & {
      endpoints: Array<{ conditions: { ready: boolean }; targetRef: { name: string } }>;
    };
    const service = (slice.metadata.labels as Record<string, string>)['kubernetes.io/service-name'];
    slice.endpoints[0].conditions.ready = false;
    server.store.upsert('endpointslices', slice);
    // The real resolver over an EC2 that knows every instance but the last node's.
    const describeCalls: string[][] = [];
    const ec2 = {
      send: async (command: DescribeInstancesCommand) => {
        const ids = command.input.Filters?.find((f) => f.Name === 'instance-id')?.Values ?? [];
        describeCalls.push(ids);
        const known = ids.filter((id) => id !== simInstanceOf(NODES - 1));
        return { Reservations: known.map((id) => ({ Instances: [{ InstanceId: id, BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: `vol-${id.slice(2)}` } }] }] })) };
      },
    } as unknown as Pick<EC2Client, 'send'>;

    const summary = await rig.newPoller(server, { ebsVolumes: createEbsVolumeResolver({ ec2 }) })('rig', NOW);
    expect(summary).toMatchObject({ documentsWritten: NODES, warnings: [] });
    expect(describeCalls).toEqual([Array.from({ length: NODES }, (_, i) => simInstanceOf(i))]);
    const docs = new Map((await rig.scan()).filter((i) => !String(i.pk).endsWith('#~index')).map((i) => {
      const parsed = parseMetadataItem(i, NOW);
      if (!parsed.ok) throw new Error(parsed.error);
      return [parsed.value.node, parsed.value] as const;
    }));
    for (const node of server.store.list('nodes')) {
      const doc = docs.get(node.metadata.name);
      const zone = (node.metadata.labels as Record<string, string>)['topology.kubernetes.io/zone'];
      const instanceId = String(doc?.instanceId);
      expect({ node: node.metadata.name, zone: doc?.availabilityZone, ebsVolumes: doc?.ebsVolumes }).toEqual({
        node: node.metadata.name,
        zone,
        ebsVolumes: instanceId === simInstanceOf(NODES - 1) ? undefined : { '/dev/xvda': `vol-${instanceId.slice(2)}` },
      });
    }
    const pods = [...docs.values()].flatMap((d) => d.pods);
    expect(pods.find((p) => p.name === slice.endpoints[0].targetRef.name)?.services).not.toContain(service);
    expect(pods.find((p) => p.name === slice.endpoints[1].targetRef.name)?.services).toContain(service);
  });

  test('paginates every list with limit and continue', async () => {
    await rig.newPoller(server)('rig', NOW);
    const podRequests = server.requests.filter((r) => r.path.startsWith('/api/v1/pods'));
    expect(podRequests.length).toBe(Math.ceil((NODES * 12) / 5));
    expect(podRequests[0].path).toBe('/api/v1/pods?limit=500');
    expect(podRequests.slice(1).every((r) => /[?&]continue=/.test(r.path))).toBe(true);
    for (const path of ['/api/v1/nodes', '/apis/discovery.k8s.io/v1/endpointslices', '/apis/apps/v1/replicasets', '/apis/batch/v1/jobs']) {
      expect(server.requests.some((r) => r.path.startsWith(path))).toBe(true);
    }
    // Without the enhanced profile the workload lists are not read.
    expect(server.requests.some((r) => r.path.startsWith('/apis/apps/v1/deployments'))).toBe(false);
  });

  test('writes nothing on a second run over an unchanged cluster, warm or cold', async () => {
    const warm = rig.newPoller(server);
    await warm('rig', NOW);
    rig.reset();
    const second = await warm('rig', NOW + MINUTE);
    expect(second).toMatchObject({ documentsWritten: 0, documentsDeleted: 0, rebuiltState: false });
    expect(rig.puts).toEqual([]);
    // A cold instance rebuilds its previous observation from the table and writes nothing either.
    const cold = await rig.newPoller(server)('rig', NOW + 2 * MINUTE);
    expect(cold).toMatchObject({ documentsWritten: 0, rebuiltState: true });
    expect(rig.puts).toEqual([]);
    expect(rig.events.get('rig')).toHaveLength(cold.records);
    expect(cold.records).toBe(second.records);
  });

  test('rewrites only the node document of a changed pod, with its restart delta', async () => {
    const poll = rig.newPoller(server);
    await poll('rig', NOW);
    rig.reset();
    const pod = server.store.list('pods').find((p) => p.metadata.name.startsWith('db-')) as KubeObject & { spec: { nodeName: string }; status: { containerStatuses: Array<{ restartCount: number }> } };
    const changed = structuredClone(pod);
    changed.status.containerStatuses[0].restartCount += 2;
    server.store.upsert('pods', changed);

    expect(await poll('rig', NOW + MINUTE)).toMatchObject({ documentsWritten: 1 });
    expect(rig.puts).toEqual([toNodeKey('rig', pod.spec.nodeName)]);
    const item = (await rig.scan()).find((i) => i.pk === toNodeKey('rig', pod.spec.nodeName)) as Record<string, unknown>;
    const doc = parseMetadataItem(item, NOW + MINUTE);
    if (!doc.ok) throw new Error(doc.error);
    const stored = doc.value.pods.find((p) => p.name === pod.metadata.name);
    expect(stored?.restartDelta).toBe(2);
    expect(stored?.containers[0].restartDelta).toBe(2);

    // The delta goes back to 0 the minute after: rewritten once more, then quiet.
    rig.reset();
    expect(await poll('rig', NOW + 2 * MINUTE)).toMatchObject({ documentsWritten: 1 });
    expect(await poll('rig', NOW + 3 * MINUTE)).toMatchObject({ documentsWritten: 0 });
  });

  test('deletes the document of a node that left, even from a cold start', async () => {
    await rig.newPoller(server)('rig', NOW);
    const leaving = toSimNodeName(NODES - 1);
    server.store.remove('nodes', undefined, leaving);
    rig.reset();
    const summary = await rig.newPoller(server)('rig', NOW + MINUTE);
    expect(summary).toMatchObject({ nodes: NODES - 1, documentsDeleted: 1, documentsWritten: 0 });
    expect(rig.deletes).toEqual([toNodeKey('rig', leaving)]);
    expect(rig.puts).toEqual([toIndexKey('rig')]);
    expect((await rig.scan()).some((i) => i.pk === toNodeKey('rig', leaving))).toBe(false);
  });

  test('refreshes every document once three quarters of its TTL passed', async () => {
    await rig.newPoller(server)('rig', NOW);
    rig.reset();
    expect(await rig.newPoller(server)('rig', NOW + 46 * MINUTE)).toMatchObject({ documentsWritten: NODES });
  });

  test('restarts a list whose continue token expired (410 Gone) and completes the poll', async () => {
    server.failNext(1, { status: 410, match: (path) => path.startsWith('/api/v1/pods') && path.includes('continue=') });
    const summary = await rig.newPoller(server)('rig', NOW);
    expect(summary.pods).toBe(NODES * 12);
    const firstPages = server.requests.filter((r) => r.path === '/api/v1/pods?limit=500');
    expect(firstPages).toHaveLength(2);
  });

  test('reads the workload lists and emits their records with the enhanced profile', async () => {
    await rig.newPoller(server, { enhanced: true })('rig', NOW);
    const types = new Set(rig.events.get('rig')?.map((r) => r.type));
    for (const t of ['ClusterDeployment', 'ClusterDaemonSet', 'ClusterStatefulSet', 'ClusterReplicaSet', 'Node']) expect(types).toContain(t);
  });
});

describe('one pod with a huge label map, against the local API server, dynalite and the local CloudWatch Logs server', () => {
  let dynamo: LocalService;
  let logs: CloudWatchLogsServer;
  let logsClient: CloudWatchLogsClient;
  let server: KubeApiServer;
  let rig: KubePollerRig;
  const noisyNode = toSimNodeName(2);

  beforeAll(async () => {
    dynamo = await startDynalite();
    logs = await startCloudWatchLogsServer({ now: () => NOW });
    logsClient = new CloudWatchLogsClient(toLocalClientConfig(logs.endpoint));
  });
  afterAll(async () => {
    logsClient.destroy();
    await logs.close();
    await dynamo.close();
  });
  beforeEach(async () => {
    server = await startKubeApiServer({ store: new KubeStore(toKubeObjects(createClusterModel(description))) });
    rig = await createKubePollerRig(dynamo.endpoint);
    // One pod of the third node gets 8,000 random labels besides its own: its node's document is over 400 KB.
    const pod = server.store.list('pods').find((p) => (p as { spec?: { nodeName?: string } }).spec?.nodeName === noisyNode) as KubeObject;
    server.store.upsert('pods', { ...pod, metadata: { ...pod.metadata, labels: { ...(pod.metadata.labels as Record<string, string>), ...toRandomLabels(8000, 11) } } });
  });
  afterEach(async () => {
    rig.destroy();
    await server.close();
  });

  const emfWriter = () => createEmfEventWriter({ writer: createLogWriter({ client: logsClient, now: () => NOW }), encoderOf: () => createEmfEncoder(PROFILES.classic) });
  const documents = async (): Promise<NodeMetadata[]> =>
    (await rig.scan()).filter((i) => !String(i.pk).endsWith('#~index')).map((i) => {
      const parsed = parseMetadataItem(i, NOW);
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.value;
    });
  const clusterEvents = (cluster: string) =>
    logs.events(`/aws/containerinsights/${cluster}/performance`, POLLER_NODE_NAME).map((e) => JSON.parse(e.message) as Record<string, unknown>);

  test('writes every node document, the noisy one cut to fit with its pod marked, and the cluster events', async () => {
    const summary = await rig.newPoller(server, { writeEvents: emfWriter() })('big-labels', NOW);
    expect(summary).toMatchObject({ nodes: NODES, documentsWritten: NODES, documentsCut: 1, documentsRejected: 0 });
    expect(summary.warnings).toEqual([expect.stringMatching(new RegExp(`^node ${noisyNode}: document cut to fit the item limit \\(\\d+ bytes stored\\): labels of pod \\S+: \\d+ of 80\\d\\d cut$`))]);
    const docs = await documents();
    expect(docs.map((d) => d.node).sort()).toEqual(Array.from({ length: NODES }, (_, i) => toSimNodeName(i)).sort());
    const cutPods = docs.flatMap((d) => d.pods.filter((p) => p.labelsCut !== undefined).map((p) => [d.node, p]));
    expect(cutPods).toHaveLength(1);
    const [node, pod] = cutPods[0] as [string, NodeMetadata['pods'][number]];
    expect(node).toBe(noisyNode);
    // The pod keeps its own (short) labels and thousands of the random ones.
    const own = (server.store.list('pods').find((p) => p.metadata.name === pod.name)?.metadata.labels ?? {}) as Record<string, string>;
    expect(Object.keys(own).filter((key) => key.startsWith('example.com/'))).toHaveLength(8000);
    expect(pod.labels).toMatchObject(Object.fromEntries(Object.entries(own).filter(([key]) => !key.startsWith('example.com/'))));
    expect(pod.labelsCut).toBe(Object.keys(own).length - Object.keys(pod.labels).length);
    expect(Object.keys(pod.labels).length).toBeGreaterThan(3000);
    const cluster = clusterEvents('big-labels').find((e) => e.Type === 'Cluster');
    expect(cluster).toMatchObject({ ClusterName: 'big-labels', NodeName: POLLER_NODE_NAME, cluster_node_count: NODES, cluster_number_of_running_pods: expect.any(Number) });
    // Every record of the poll reached the log group, type by type.
    const countByType = (types: ReadonlyArray<unknown>) => types.reduce<Record<string, number>>((n, t) => ({ ...n, [String(t)]: (n[String(t)] ?? 0) + 1 }), {});
    expect(countByType(clusterEvents('big-labels').map((e) => e.Type))).toEqual(countByType((rig.events.get('big-labels') ?? []).map((r) => r.type)));
    expect(summary.records).toBe(rig.events.get('big-labels')?.length);
  });

  test('writes the other documents and the cluster events when DynamoDB refuses one node\'s item', async () => {
    // A budget above the item limit lets the noisy document through uncut: DynamoDB (dynalite) refuses its batch.
    const documentBudget = { maxItemBytes: 10 * DYNAMODB_MAX_ITEM_BYTES, maxJsonBytes: 64 * 1024 * 1024 };
    const summary = await rig.newPoller(server, { writeEvents: emfWriter(), documentBudget })('refused', NOW);
    expect(summary).toMatchObject({ nodes: NODES, documentsWritten: NODES - 1, documentsCut: 0, documentsRejected: 1, partial: false });
    expect(summary.warnings).toEqual([`node ${noisyNode}: DynamoDB refused its document (Item size has exceeded the maximum allowed size); the other documents were written, and the next poll tries it again`]);
    expect((await documents()).map((d) => d.node).sort()).toEqual(Array.from({ length: NODES }, (_, i) => toSimNodeName(i)).filter((n) => n !== noisyNode).sort());
    expect(clusterEvents('refused').find((e) => e.Type === 'Cluster')).toMatchObject({ cluster_node_count: NODES });
  });
});

describe('poller failures', () => {
  let dynamo: LocalService;
  let server: KubeApiServer;
  let rig: KubePollerRig;
  const logs: Array<{ level: string; message: string; extra?: Record<string, unknown> }> = [];
  const failures: Array<[string, string]> = [];
  const logger = {
    info: (message: string, extra?: Record<string, unknown>) => logs.push({ level: 'info', message, extra }),
    error: (message: string, extra?: Record<string, unknown>) => logs.push({ level: 'error', message, extra }),
  };

  beforeAll(async () => {
    dynamo = await startDynalite();
    server = await startKubeApiServer({ store: new KubeStore(toKubeObjects(createClusterModel({ ...description, nodeCount: 2 }))) });
    rig = await createKubePollerRig(dynamo.endpoint);
  });
  afterAll(async () => {
    rig.destroy();
    await server.close();
    await dynamo.close();
  });
  beforeEach(() => {
    logs.length = 0;
    failures.length = 0;
  });

  const handlerFor = (options: Parameters<KubePollerRig['newPoller']>[1] = {}) =>
    createHandler({ poll: rig.newPoller(server, options), logger, now: () => NOW, countFailure: (cluster, reason) => failures.push([cluster, reason]) });

  test('fails on 401 with a log line naming the cluster and a counted failure', async () => {
    await expect(handlerFor({ token: 'stale' })({ cluster: 'blue' })).rejects.toThrow(/poll of cluster "blue" failed: the API server refused the token \(401/);
    expect(failures).toEqual([['blue', expect.stringContaining('401')]]);
    expect(logs).toEqual([{ level: 'error', message: 'poll failed', extra: expect.objectContaining({ cluster: 'blue' }) }]);
  });

  test('fails on a 403 with the RBAC advice, the API error kept as a KinsightError in the cause', async () => {
    server.failNext(1, { status: 403, match: (p) => p.startsWith('/api/v1/pods') });
    const failed = await handlerFor()({ cluster: 'blue' }).then(
      () => undefined,
      (error: unknown) => error as Error & { cause?: unknown },
    );
    expect(failed?.message).toBe('poll of cluster "blue" failed: the API server denied a list (403 Forbidden): check that the kinsight-poller ClusterRole is bound to the kinsight-pollers group');
    expect(failed?.cause).toBeInstanceOf(KubeApiError);
    expect(failed?.cause).toBeInstanceOf(KinsightError);
    expect(failed?.cause).toMatchObject({ code: 403, message: 'GET /api/v1/pods answered 403: injected failure 403 for /api/v1/pods?limit=500' });
    expect(failures).toEqual([['blue', expect.stringContaining('403 Forbidden')]]);
  });

  test('fails on a 500 of the API server', async () => {
    server.failNext(1, { status: 500, match: (p) => p.startsWith('/api/v1/nodes') });
    await expect(handlerFor()({ cluster: 'blue' })).rejects.toThrow(/answered 500/);
    expect(failures).toHaveLength(1);
  });

  test('fails when a request hangs, after the request timeout', async () => {
    // A server of its own: no request left over from another test can take the injected hang.
    const hanging = await startKubeApiServer({ store: new KubeStore(toKubeObjects(createClusterModel({ ...description, nodeCount: 2 }))) });
    hanging.hangNext(1, (p) => p.startsWith('/api/v1/pods'));
    const handler = createHandler({ poll: rig.newPoller(hanging, { timeoutMs: 300 }), logger, now: () => NOW, countFailure: (c, r) => failures.push([c, r]) });
    await expect(handler({ cluster: 'blue' })).rejects.toThrow(/timed out/);
    expect(failures).toEqual([['blue', expect.stringContaining('timed out')]]);
    await hanging.close();
  });

  test('cuts a poll short at the invocation deadline: the node count is written, no document, and the partial poll is counted', async () => {
    // A server of its own: no request left over from another test can take the injected hang.
    const slow = await startKubeApiServer({ store: new KubeStore(toKubeObjects(createClusterModel({ ...description, nodeCount: 2 }))) });
    slow.hangNext(1, (p) => p.startsWith('/api/v1/pods'));
    rig.reset();
    const partials: Array<[string, readonly string[]]> = [];
    const handler = createHandler({
      poll: rig.newPoller(slow, { timeoutMs: 60_000 }),
      logger,
      now: () => NOW,
      countFailure: (c, r) => failures.push([c, r]),
      countPartial: (c, cut) => partials.push([c, cut]),
      deadlineMarginMs: 1000,
    });
    // 5 s to the deadline: the lists get 3 s, the hanging pod list is cut there, long before its 60 s request timeout.
    const summary = await handler({ cluster: 'slow' }, { getRemainingTimeInMillis: () => 6000 });
    expect(summary).toMatchObject({ partial: true, cutShort: ['pods'], nodes: 2, pods: 0, documentsWritten: 0 });
    expect(partials).toEqual([['slow', ['pods']]]);
    expect(failures).toEqual([]);
    expect(rig.puts).toEqual([]);
    const records = rig.events.get('slow') ?? [];
    // The node counts and the services (complete lists) stand; running pods and namespaces (the pod list) are left out.
    expect(records.find((r) => r.type === 'Cluster')?.metrics).toEqual({ cluster_node_count: 2, cluster_failed_node_count: expect.any(Number) });
    expect([...new Set(records.map((r) => r.type))]).toEqual(['Cluster', 'ClusterService']);
    expect(logs.map((l) => l.message)).toEqual(['poll done', 'poll cut short by the invocation deadline: it wrote what it had']);
    await slow.close();
  });

  test('fails when the API server is unreachable', async () => {
    const gone = await startKubeApiServer({ store: new KubeStore() });
    await gone.close();
    const handler = createHandler({ poll: rig.newPoller(gone), logger, now: () => NOW, countFailure: (c, r) => failures.push([c, r]) });
    await expect(handler({ cluster: 'green' })).rejects.toThrow(/unreachable \(ECONNREFUSED\)/);
  });

  test('rejects an event without a cluster name', async () => {
    await expect(handlerFor()({})).rejects.toThrow(/expected the schedule's constant input \{"cluster":"<name>"\}/);
  });

  test('keeps polling other clusters when one fails', async () => {
    const handler = handlerFor();
    server.failNext(1, { status: 503, match: (p) => p.startsWith('/api/v1/nodes') });
    const [red, green] = await Promise.allSettled([handler({ cluster: 'red' }), handler({ cluster: 'green' })]);
    expect([red.status, green.status].sort()).toEqual(['fulfilled', 'rejected']);
    expect(logs.filter((l) => l.message === 'poll done')).toHaveLength(1);
  });
});

describe('kinsight poll --dry-run', () => {
  let server: KubeApiServer;
  let dir: string;
  beforeAll(async () => {
    server = await startKubeApiServer({ store: new KubeStore(toKubeObjects(createClusterModel({ ...description, nodeCount: 3 }))) });
    dir = mkdtempSync(join(tmpdir(), 'kinsight-poll-'));
    writeFileSync(join(dir, 'kubeconfig'), server.toKubeconfig());
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, { env: {}, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), stopSignal: new AbortController().signal });
    return { code, stdout, stderr };
  };

  test('prints EMF events and node documents as marked JSON lines and exits 0', async () => {
    const { code, stdout, stderr } = await run(['poll', '--kubeconfig', join(dir, 'kubeconfig'), '--cluster', 'demo', '--dry-run']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; [k: string]: unknown });
    const docs = lines.filter((l) => l.kind === 'node-metadata');
    const emf = lines.filter((l) => l.kind === 'emf') as Array<{ kind: string; logGroup: string; logStream: string; event: Record<string, unknown> }>;
    expect(docs).toHaveLength(3);
    expect(docs[0]).toMatchObject({ key: `demo#${toSimNodeName(0)}`, document: { cluster: 'demo', version: 1 } });
    const cluster = emf.find((l) => l.event.Type === 'Cluster');
    expect(cluster).toMatchObject({ logGroup: '/aws/containerinsights/demo/performance', logStream: 'kinsight-poller' });
    expect(cluster?.event).toMatchObject({ ClusterName: 'demo', cluster_node_count: 3, Version: '1' });
    expect((cluster?.event._aws as { CloudWatchMetrics: Array<{ Namespace: string }> }).CloudWatchMetrics[0].Namespace).toBe('ContainerInsights');
    expect(stderr).toMatch(/3 nodes, 36 pods/);
    expect(emf.flatMap((l) => toEmfProblems(JSON.stringify(l.event)))).toEqual([]);
  });

  test('prints valid EMF for the enhanced records too', async () => {
    const { code, stdout } = await run(['poll', '--kubeconfig', join(dir, 'kubeconfig'), '--cluster', 'demo', '--dry-run', '--profile', 'enhanced']);
    expect(code).toBe(0);
    const events = stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; event?: Record<string, unknown> }).filter((l) => l.kind === 'emf');
    const types = new Set(events.map((l) => l.event?.Type));
    for (const t of ['Cluster', 'ClusterNamespace', 'ClusterService', 'ClusterDeployment', 'ClusterDaemonSet', 'ClusterStatefulSet', 'ClusterReplicaSet', 'Node']) expect(types).toContain(t);
    expect(events.flatMap((l) => toEmfProblems(JSON.stringify(l.event)))).toEqual([]);
    const node = events.find((l) => l.event?.Type === 'Node')?.event as Record<string, unknown>;
    expect(node).toMatchObject({ NodeName: toSimNodeName(0), InstanceId: 'i-00000000000000000', node_status_condition_ready: 1 });
    expect(JSON.stringify(node._aws)).toContain('node_status_condition_ready');
  });

  test('fails without --dry-run, with a one-line reason', async () => {
    const { code, stderr } = await run(['poll', '--kubeconfig', join(dir, 'kubeconfig'), '--cluster', 'demo']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/only --dry-run is supported/);
  });

  test('fails on an unreadable kubeconfig', async () => {
    const { code, stderr } = await run(['poll', '--kubeconfig', join(dir, 'missing'), '--cluster', 'demo', '--dry-run']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot read kubeconfig/);
  });
});

import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { CiRecord } from '../../../../core/ci-record';
import { toNodeKey } from '../../../../core/node-metadata';
import { parseMetadataItem, type NodeMetadataItem } from '../../../../core/node-metadata-item';
import { createPoller, type PollerDeps } from '../../../../lambdas/poller/create-poller';
import type { KubeLists, ListPage, PageReader } from '../../../../lambdas/poller/kube-lists';
import { createRandom } from '../../../../sim/cluster/random';
import type { EbsVolumeResolver } from '../../../../lambdas/poller/ebs-volume-resolver';
import type { MetadataStore, StoredNode } from '../../../../lambdas/poller/metadata-store';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const MINUTE = 60_000;

/** The instance id of a node of these tests: its name in hex. */
const instanceOf = (name: string) => `i-${Buffer.from(name).toString('hex').padStart(17, '0')}`;
const node = (name: string): V1Node =>
  ({ metadata: { name }, spec: { providerID: `aws:///eu-west-1a/${instanceOf(name)}` }, status: { capacity: { cpu: '2', pods: '29' }, allocatable: { cpu: '2', pods: '29' }, conditions: [{ type: 'Ready', status: 'True' }] } }) as V1Node;
const pod = (name: string, nodeName: string, restarts = 0, labels: Record<string, string> = {}): V1Pod =>
  ({
    metadata: { name, namespace: 'shop', uid: `uid-${name}`, labels },
    spec: { nodeName, containers: [{ name: 'main' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'main', restartCount: restarts, containerID: `containerd://${name}` }] },
  }) as unknown as V1Pod;

/** A reader that serves `items` in pages of `limit`. */
const pages = <T>(items: readonly T[]): PageReader<T> => async (page) => {
  const start = page._continue ? Number(page._continue) : 0;
  const end = start + page.limit;
  const out: ListPage<T> = { items: items.slice(start, end), metadata: end < items.length ? { _continue: String(end) } : {} };
  return out;
};

/** A reader whose first page never comes: only an abort ends the wait. */
const hanging = <T>(): PageReader<T> => (page) =>
  new Promise((_, reject) => page.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));

function cluster(nodeCount: number, options: { podsHang?: boolean; restarts?: number; labels?: (i: number) => Record<string, string> } = {}): KubeLists {
  const nodes = Array.from({ length: nodeCount }, (_, i) => node(`n${i}`));
  const pods = nodes.map((n, i) => pod(`p${i}`, n.metadata?.name as string, options.restarts, options.labels?.(i)));
  return {
    nodes: pages(nodes),
    pods: options.podsHang ? hanging() : pages(pods),
    endpointSlices: pages([]),
    replicaSets: pages([]),
    jobs: pages([]),
    deployments: pages([]),
    daemonSets: pages([]),
    statefulSets: pages([]),
  };
}

/** The table, in memory, behind the MetadataStore interface. */
function memoryStore() {
  const items = new Map<string, NodeMetadataItem>();
  const writes: string[][] = [];
  const store: MetadataStore = {
    readIndex: async () => undefined,
    readNodes: async (clusterName, names, nowMs) => {
      const found = new Map<string, StoredNode>();
      for (const name of names) {
        const item = items.get(toNodeKey(clusterName, name));
        const parsed = item && parseMetadataItem(item as unknown as Record<string, unknown>, nowMs);
        if (!item || !parsed?.ok) continue;
        const restarts = new Map(parsed.value.pods.flatMap((p) => p.containers.map((c) => [`${p.uid}/${c.name}`, c.restartCount] as const)));
        found.set(name, { hash: item.hash, writtenAtMs: item.observedAtMs, restarts });
      }
      return found;
    },
    putDocuments: async (batch) => {
      writes.push(batch.map((i) => i.pk));
      for (const item of batch) items.set(item.pk, item);
      return { rejected: [] };
    },
    deleteNodes: async () => undefined,
    putIndex: async () => undefined,
  };
  return { store, items, writes };
}

function rig(over: Partial<PollerDeps> & { lists: (name: string) => KubeLists }) {
  const table = memoryStore();
  const events = new Map<string, CiRecord[]>();
  const { lists, ...rest } = over;
  const poll = createPoller({
    connect: async (name) => lists(name),
    autoScalingGroups: { resolve: async () => new Map() },
    store: table.store,
    writeEvents: async (name, records) => void events.set(name, [...records]),
    isEnhanced: () => false,
    ...rest,
  });
  return { poll, table, events };
}

describe('createPoller: the deadline', () => {
  test('cuts a list short at its share of the deadline, writes the records of the complete lists and no document, and says so', async () => {
    const { poll, table, events } = rig({ lists: () => cluster(3, { podsHang: true }) });
    const summary = await poll('shop', NOW, { deadlineMs: NOW + 100 });
    expect(summary).toMatchObject({ partial: true, cutShort: ['pods'], nodes: 3, pods: 0, documentsWritten: 0, rebuiltState: false });
    expect(table.writes).toEqual([]);
    const records = events.get('shop') ?? [];
    // The node counts stand; the running pods of a list cut short would be a wrong number, so they are left out.
    expect(records.map((r) => [r.type, r.metrics])).toEqual([['Cluster', { cluster_node_count: 3, cluster_failed_node_count: 0 }]]);
  });

  test('stops writing documents once the deadline has passed, and the next poll writes the rest', async () => {
    let clock = 0;
    const { poll, table } = rig({ lists: () => cluster(250), elapsedMs: () => clock });
    const putDocuments = table.store.putDocuments;
    // The first 200 documents (one slice of 8 BatchWriteItem calls) take the whole minute.
    table.store.putDocuments = async (batch) => {
      clock += MINUTE;
      return putDocuments(batch);
    };
    const first = await poll('shop', NOW, { deadlineMs: NOW + 30_000 });
    expect(first).toMatchObject({ partial: true, cutShort: ['documents', 'deletes'], documentsWritten: 200 });
    expect(table.writes.map((w) => w.length)).toEqual([200]);

    const second = await poll('shop', NOW + MINUTE);
    expect(second).toMatchObject({ partial: false, cutShort: [], documentsWritten: 50, rebuiltState: false });
    expect(table.items.size).toBe(250);
    expect(table.writes[1]).toEqual(Array.from({ length: 50 }, (_, i) => toNodeKey('shop', `n${200 + i}`)));
  });

  test('keeps the previous observation of a cluster across a poll cut short', async () => {
    let podsHang = false;
    const { poll } = rig({ lists: () => cluster(2, { podsHang }) });
    await poll('shop', NOW);
    podsHang = true;
    expect(await poll('shop', NOW + MINUTE, { deadlineMs: NOW + MINUTE + 50 })).toMatchObject({ partial: true, rebuiltState: false });
    podsHang = false;
    expect(await poll('shop', NOW + 2 * MINUTE)).toMatchObject({ partial: false, rebuiltState: false, documentsWritten: 0 });
  });

  test('takes the time it takes without a deadline', async () => {
    const { poll } = rig({ lists: () => cluster(2) });
    expect(await poll('shop', NOW)).toMatchObject({ partial: false, cutShort: [], documentsWritten: 2 });
  });

  test('releases the connections of the lists after each poll, failed or not', async () => {
    let closed = 0;
    const failing: KubeLists = { ...cluster(1), pods: async () => Promise.reject(Object.assign(new Error('boom'), { code: 500 })), close: () => void (closed += 1) };
    const { poll } = rig({ lists: (name) => (name === 'bad' ? failing : { ...cluster(1), close: () => void (closed += 1) }) });
    await poll('good', NOW);
    await expect(poll('bad', NOW)).rejects.toMatchObject({ code: 500 });
    expect(closed).toBe(2);
  });
});

describe('createPoller: bounded memory of previous observations', () => {
  // Each cluster remembers 2 nodes and 2 restart counts: 4 entries.
  test('forgets the least recently polled cluster beyond maxRememberedEntries, which then rebuilds from the table', async () => {
    const { poll } = rig({ lists: () => cluster(2), maxRememberedEntries: 6 });
    expect(await poll('a', NOW)).toMatchObject({ rebuiltState: true });
    expect(await poll('b', NOW)).toMatchObject({ rebuiltState: true });
    // Remembering b went past 6 entries: a, the least recently polled, was forgotten.
    expect(await poll('a', NOW + MINUTE)).toMatchObject({ rebuiltState: true, documentsWritten: 0 });
    expect(await poll('a', NOW + 2 * MINUTE)).toMatchObject({ rebuiltState: false });
    expect(await poll('b', NOW + 2 * MINUTE)).toMatchObject({ rebuiltState: true, documentsWritten: 0 });
  });

  test('remembers every cluster while they fit', async () => {
    const { poll } = rig({ lists: () => cluster(2), maxRememberedEntries: 8 });
    await poll('a', NOW);
    await poll('b', NOW);
    expect(await poll('a', NOW + MINUTE)).toMatchObject({ rebuiltState: false });
    expect(await poll('b', NOW + MINUTE)).toMatchObject({ rebuiltState: false });
  });

  test('keeps the cluster just polled even when it alone is over the bound', async () => {
    const { poll } = rig({ lists: () => cluster(5), maxRememberedEntries: 3 });
    await poll('big', NOW);
    expect(await poll('big', NOW + MINUTE)).toMatchObject({ rebuiltState: false });
  });

  test('keeps restart deltas right when a forgotten cluster is rebuilt from the table', async () => {
    let restarts = 0;
    const { poll, table } = rig({ lists: (name) => cluster(1, { restarts: name === 'a' ? restarts : 0 }), maxRememberedEntries: 2 });
    await poll('a', NOW);
    await poll('b', NOW);
    restarts = 2;
    await poll('a', NOW + MINUTE);
    const item = table.items.get(toNodeKey('a', 'n0')) as NodeMetadataItem;
    const doc = parseMetadataItem(item as unknown as Record<string, unknown>, NOW + MINUTE);
    if (!doc.ok) throw new Error(doc.error);
    expect(doc.value.pods[0].restartDelta).toBe(2);
  });
});

/** The document stored for node `name` of cluster `clusterName`. */
const storedDoc = (items: Map<string, NodeMetadataItem>, clusterName: string, name: string) => {
  const parsed = parseMetadataItem(items.get(toNodeKey(clusterName, name)) as unknown as Record<string, unknown>, NOW + 10 * MINUTE);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};

describe('createPoller: EBS volumes', () => {
  test('asks for the volumes of the listed instances and puts them in the documents, with the availability zone', async () => {
    const asked: string[][] = [];
    const ebsVolumes: EbsVolumeResolver = {
      resolve: async (ids) => {
        asked.push([...ids]);
        return { volumes: new Map(ids.map((id) => [id, { '/dev/xvda': `vol-${id.slice(2)}` }])), warnings: [] };
      },
    };
    const { poll, table } = rig({ lists: () => cluster(2), ebsVolumes });
    expect(await poll('shop', NOW)).toMatchObject({ documentsWritten: 2, warnings: [] });
    expect(asked).toEqual([[instanceOf('n0'), instanceOf('n1')]]);
    expect(storedDoc(table.items, 'shop', 'n1')).toMatchObject({ instanceId: instanceOf('n1'), availabilityZone: 'eu-west-1a', ebsVolumes: { '/dev/xvda': `vol-${instanceOf('n1').slice(2)}` } });
  });

  test('writes the documents without volumes when EC2 does not answer within the lists\' time, and with them once it does', async () => {
    let answers = false;
    const ebsVolumes: EbsVolumeResolver = {
      resolve: (ids, _nowMs, options) =>
        answers
          ? Promise.resolve({ volumes: new Map(ids.map((id) => [id, { '/dev/xvda': 'vol-0abc' }])), warnings: [] })
          : // A hanging EC2: only the poll's signal ends the wait.
            new Promise((resolve) => options?.signal?.addEventListener('abort', () => resolve({ volumes: new Map(), warnings: ['EC2 DescribeInstances: cut short'] }))),
    };
    const { poll, table } = rig({ lists: () => cluster(2), ebsVolumes });
    const first = await poll('shop', NOW, { deadlineMs: NOW + 200 });
    expect(first).toMatchObject({ partial: false, documentsWritten: 2, warnings: ['EC2 DescribeInstances: cut short'] });
    expect('ebsVolumes' in storedDoc(table.items, 'shop', 'n0')).toBe(false);
    answers = true;
    expect(await poll('shop', NOW + MINUTE, { deadlineMs: NOW + MINUTE + 200 })).toMatchObject({ documentsWritten: 2, warnings: [] });
    expect(storedDoc(table.items, 'shop', 'n0').ebsVolumes).toEqual({ '/dev/xvda': 'vol-0abc' });
  });

  test('aborts the lookup of a poll that fails', async () => {
    let aborted = false;
    const ebsVolumes: EbsVolumeResolver = {
      resolve: (_ids, _nowMs, options) =>
        new Promise((resolve) =>
          options?.signal?.addEventListener('abort', () => {
            aborted = true;
            resolve({ volumes: new Map(), warnings: [] });
          }),
        ),
    };
    const failing: KubeLists = { ...cluster(1), pods: async () => Promise.reject(Object.assign(new Error('boom'), { code: 500 })) };
    const { poll } = rig({ lists: () => failing, ebsVolumes });
    await expect(poll('shop', NOW)).rejects.toMatchObject({ code: 500 });
    expect(aborted).toBe(true);
  });
});

describe('createPoller: one bad document or table failure', () => {
  test('cuts a document over the item budget to fit, counts it and names the pod in a warning', async () => {
    const random = createRandom(42);
    const noisy = Object.fromEntries(Array.from({ length: 400 }, (_, j) => [`example.com/label-${j}`, random.hex(40)]));
    const labels = (i: number) => (i === 1 ? noisy : { app: 'web' });
    const { poll, table } = rig({ lists: () => cluster(3, { labels }), documentBudget: { maxItemBytes: 4000, maxJsonBytes: 1024 * 1024 } });
    const summary = await poll('shop', NOW);
    expect(summary).toMatchObject({ documentsWritten: 3, documentsCut: 1, documentsRejected: 0 });
    expect(summary.warnings).toEqual([expect.stringMatching(/^node n1: document cut to fit the item limit \(\d+ bytes stored\): labels of pod shop\/p1: \d+ of 400 cut$/)]);
    const cut = storedDoc(table.items, 'shop', 'n1').pods[0];
    expect(cut.labelsCut).toBe(400 - Object.keys(cut.labels).length);
    expect(storedDoc(table.items, 'shop', 'n0').pods[0].labels).toEqual({ app: 'web' });
    // The stored hash is the document's: an unchanged node is not cut and written again.
    expect(await poll('shop', NOW + MINUTE)).toMatchObject({ documentsWritten: 0, documentsCut: 0 });
  });

  test('writes the other documents when DynamoDB refuses one, and tries that one again next poll', async () => {
    const { poll, table } = rig({ lists: () => cluster(3) });
    const putDocuments = table.store.putDocuments;
    let refuse = true;
    table.store.putDocuments = async (batch) => {
      const bad = batch.filter((i) => refuse && i.pk === toNodeKey('shop', 'n1'));
      await putDocuments(batch.filter((i) => !bad.includes(i)));
      return { rejected: bad.map((i) => ({ key: i.pk, reason: 'Item size has exceeded the maximum allowed size' })) };
    };
    const first = await poll('shop', NOW);
    expect(first).toMatchObject({ partial: false, documentsWritten: 2, documentsRejected: 1 });
    expect(first.warnings).toEqual(['node n1: DynamoDB refused its document (Item size has exceeded the maximum allowed size); the other documents were written, and the next poll tries it again']);
    expect([...table.items.keys()].sort()).toEqual([toNodeKey('shop', 'n0'), toNodeKey('shop', 'n2')]);
    refuse = false;
    expect(await poll('shop', NOW + MINUTE)).toMatchObject({ documentsWritten: 1, documentsRejected: 0, rebuiltState: false });
    expect(table.items.size).toBe(3);
  });

  test('writes the records when the table cannot be read, then fails with the table\'s error', async () => {
    const { poll, table, events } = rig({ lists: () => cluster(2) });
    table.store.readNodes = async () => Promise.reject(Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }));
    await expect(poll('shop', NOW)).rejects.toThrow(/Requested resource not found/);
    expect(events.get('shop')?.find((r) => r.type === 'Cluster')?.metrics).toEqual({ cluster_node_count: 2, cluster_failed_node_count: 0, cluster_number_of_running_pods: 2 });
    expect(table.writes).toEqual([]);
  });

  test('writes the records when a document write fails, then fails with that error', async () => {
    const { poll, table, events } = rig({ lists: () => cluster(2) });
    table.store.putDocuments = async () => Promise.reject(Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(poll('shop', NOW)).rejects.toThrow(/Throughput exceeds/);
    expect(events.get('shop')?.map((r) => r.type)).toEqual(['Cluster', 'ClusterNamespace']);
  });

  test('writes the documents when the records cannot be written, then fails with that error', async () => {
    const { poll, table } = rig({ lists: () => cluster(2), writeEvents: async () => Promise.reject(new Error('PutLogEvents failed')) });
    await expect(poll('shop', NOW)).rejects.toThrow(/PutLogEvents failed/);
    expect(table.items.size).toBe(2);
    // The memory matches the table: the next poll rewrites nothing.
    const again = await poll('shop', NOW + MINUTE).catch((error: Error) => error.message);
    expect(again).toBe('PutLogEvents failed');
    expect(table.writes).toHaveLength(1);
  });
});

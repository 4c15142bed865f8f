import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { CiRecord } from '../../../core/ci-record';
import { toNodeKey } from '../../../core/node-metadata';
import { parseMetadataItem, type NodeMetadataItem } from '../../../core/node-metadata-item';
import { createPoller, type PollerDeps } from '../../../lambdas/poller/create-poller';
import type { KubeLists, ListPage, PageReader } from '../../../lambdas/poller/kube-lists';
import type { MetadataStore, StoredNode } from '../../../lambdas/poller/metadata-store';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const MINUTE = 60_000;

const node = (name: string): V1Node =>
  ({ metadata: { name }, spec: { providerID: `aws:///eu-west-1a/i-${name.padStart(17, '0')}` }, status: { capacity: { cpu: '2', pods: '29' }, allocatable: { cpu: '2', pods: '29' }, conditions: [{ type: 'Ready', status: 'True' }] } }) as V1Node;
const pod = (name: string, nodeName: string, restarts = 0): V1Pod =>
  ({
    metadata: { name, namespace: 'shop', uid: `uid-${name}` },
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

function cluster(nodeCount: number, options: { podsHang?: boolean; restarts?: number } = {}): KubeLists {
  const nodes = Array.from({ length: nodeCount }, (_, i) => node(`n${i}`));
  const pods = nodes.map((n, i) => pod(`p${i}`, n.metadata?.name as string, options.restarts));
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
      await putDocuments(batch);
      clock += MINUTE;
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

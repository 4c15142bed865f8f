import { gunzipSync } from 'node:zlib';
import { NODE_METADATA_VERSION, type NodeMetadata, type PodMetadata } from '../../../../core/node-metadata';
import { parseMetadataItem, toItemSizeBytes, toMetadataItemOfJson } from '../../../../core/node-metadata-item';
import { DYNAMODB_MAX_ITEM_BYTES } from '../../../../core/limits';
import { DEFAULT_DOCUMENT_BUDGET, toFittedItem } from '../../../../lambdas/poller/fit-document';
import { createRandom, toTextHash } from '../../../../sim/cluster/random';
import { toRandomLabels } from '../../../helpers/random-labels';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const HASH = 'h'.repeat(22);

const pod = (name: string, labels: Record<string, string> = { app: name }, containers = 1): PodMetadata => ({
  uid: `uid-${name}`,
  name,
  namespace: 'shop',
  workloadName: name,
  owners: [{ kind: 'Deployment', name }],
  labels,
  services: [`${name}-a`, `${name}-b`],
  phase: 'Running',
  conditions: { ready: 'True', scheduled: 'True' },
  containers: Array.from({ length: containers }, (_, i) => {
    const random = createRandom(toTextHash(`${name}/${i}`));
    return {
      name: `c${i}`,
      runtime: 'containerd',
      runtimeId: random.hex(64),
      requests: { cpuMillicores: 100 },
      limits: {},
      state: 'Waiting' as const,
      stateReason: `CrashLoopBackOff-${random.hex(40)}`,
      lastTerminationReason: `Error-${random.hex(40)}`,
      restartCount: 3,
      restartDelta: 1,
    };
  }),
  restartDelta: containers,
});

const doc = (pods: PodMetadata[]): NodeMetadata => ({
  version: NODE_METADATA_VERSION,
  cluster: 'prod',
  node: 'ip-10-0-0-1.ec2.internal',
  instanceId: 'i-0123456789abcdef0',
  autoScalingGroup: 'ng-a',
  availabilityZone: 'eu-west-1a',
  capacity: { cpuMillicores: 2000 },
  allocatable: { cpuMillicores: 1930 },
  conditions: { Ready: 'True' },
  pods,
  observedAtMs: NOW,
});

const stored = (item: Parameters<typeof parseMetadataItem>[0]): NodeMetadata => {
  const parsed = parseMetadataItem(item, NOW);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};

describe('toItemSizeBytes', () => {
  test('counts attribute names and values as DynamoDB does: UTF-8 strings, binary bytes, number digits', () => {
    // 2 + 3 ("pk" "a#b") + 3 + 4 (doc, 4 bytes) + 4 + 2 ("hash" "hé": 3 bytes) + 3 + (2 + 5) (ttl 1764676800: 8 significant digits... see below)
    const item = { pk: 'a#b', doc: new Uint8Array(4), hash: 'hé', ttl: 1_764_676_800 };
    // ttl: 1.7646768e9 has 8 significant digits: 2 + ceil(8 / 2) = 6.
    expect(toItemSizeBytes(item)).toBe(2 + 3 + 3 + 4 + 4 + 3 + 3 + 6);
  });

  test('rejects an attribute of another type, naming it', () => {
    expect(() => toItemSizeBytes({ pk: 'a', nested: { x: 1 } })).toThrow(/item attribute nested is a object; expected a string, a number or binary/);
  });
});

describe('toFittedItem', () => {
  test('stores a document that fits as it is', () => {
    const d = doc([pod('web'), pod('api')]);
    const fitted = toFittedItem(d, HASH, NOW, 3600);
    expect(fitted.cuts).toEqual([]);
    expect(fitted.item).toEqual(toMetadataItemOfJson(d, JSON.stringify(d), HASH, NOW, 3600));
    expect(fitted.itemBytes).toBe(toItemSizeBytes(fitted.item));
    expect(DEFAULT_DOCUMENT_BUDGET.maxItemBytes).toBeLessThan(DYNAMODB_MAX_ITEM_BYTES);
  });

  test('cuts the largest labels of a pod with 8,000 random labels until the item fits, and marks the pod', () => {
    const labels: Record<string, string> = { app: 'noisy', ...toRandomLabels(8000, 7) };
    const d = doc([pod('noisy', labels), pod('web'), pod('api')]);
    const whole = toMetadataItemOfJson(d, JSON.stringify(d), HASH, NOW, 3600);
    expect(toItemSizeBytes(whole)).toBeGreaterThan(DYNAMODB_MAX_ITEM_BYTES);

    const fitted = toFittedItem(d, HASH, NOW, 3600);
    expect(fitted.itemBytes).toBe(toItemSizeBytes(fitted.item));
    expect(fitted.itemBytes).toBeLessThanOrEqual(DEFAULT_DOCUMENT_BUDGET.maxItemBytes);
    const back = stored({ ...fitted.item });
    const noisy = back.pods.find((p) => p.name === 'noisy') as PodMetadata;
    const kept = Object.keys(noisy.labels).length;
    expect(noisy.labelsCut).toBe(8001 - kept);
    // It keeps its small labels, in their order, and as many of the others as fit: not far from the budget.
    expect(Object.keys(noisy.labels)[0]).toBe('app');
    expect(kept).toBeGreaterThan(4000);
    expect(fitted.itemBytes).toBeGreaterThan(DEFAULT_DOCUMENT_BUDGET.maxItemBytes * 0.9);
    expect(Object.entries(noisy.labels).filter(([key, value]) => labels[key] !== value)).toEqual([]);
    // The other pods are untouched.
    expect(back.pods.filter((p) => p.name !== 'noisy')).toEqual(d.pods.filter((p) => p.name !== 'noisy'));
    expect(fitted.cuts).toEqual([`labels of pod shop/noisy: ${8001 - kept} of 8001 cut`]);
  });

  test('cuts the labels of the largest label maps first when many pods are labelled', () => {
    const d = doc(Array.from({ length: 12 }, (_, i) => pod(`p${i}`, { app: `p${i}`, ...toRandomLabels(i * 100, i) })));
    const fitted = toFittedItem(d, HASH, NOW, 3600, { maxItemBytes: 120_000, maxJsonBytes: 4 * 1024 * 1024 });
    expect(fitted.itemBytes).toBeLessThanOrEqual(120_000);
    const back = stored({ ...fitted.item });
    const cut = back.pods.filter((p) => p.labelsCut !== undefined).map((p) => p.name);
    // A cap on the bytes of a label map: the largest maps are cut, the small ones are whole.
    expect(cut.length).toBeGreaterThan(0);
    expect(cut).toEqual(Array.from({ length: cut.length }, (_, i) => `p${12 - cut.length + i}`));
    expect(back.pods[0]).toEqual(d.pods[0]);
    expect(back.pods.every((p) => p.labels.app === p.name)).toBe(true);
  });

  test('bounds the JSON a reader parses, too: labels that compress well are cut by their JSON size', () => {
    const labels: Record<string, string> = {};
    for (let i = 0; i < 20_000; i += 1) labels[`team.example.com/feature-flag-${String(i).padStart(5, '0')}`] = 'enabled';
    const d = doc([pod('flags', labels)]);
    const fitted = toFittedItem(d, HASH, NOW, 3600, { maxItemBytes: 380 * 1024, maxJsonBytes: 256 * 1024 });
    const json = gunzipSync(fitted.item.doc);
    expect(json.length).toBeLessThanOrEqual(256 * 1024);
    expect(json.length).toBeGreaterThan(200 * 1024);
    expect(stored({ ...fitted.item }).pods[0].labelsCut).toBeGreaterThan(0);
  });

  test('cuts per-pod detail, largest pods first, once every label is cut, and marks each pod', () => {
    const d = doc(Array.from({ length: 6 }, (_, i) => pod(`p${i}`, { app: `p${i}` }, 4 + i * 4)));
    const withoutLabels = { ...d, pods: d.pods.map((p) => ({ ...p, labels: {}, labelsCut: 1 })) };
    const budget = toItemSizeBytes(toMetadataItemOfJson(withoutLabels, JSON.stringify(withoutLabels), HASH, NOW, 3600)) - 500;
    const fitted = toFittedItem(d, HASH, NOW, 3600, { maxItemBytes: budget, maxJsonBytes: 4 * 1024 * 1024 });
    expect(fitted.itemBytes).toBeLessThanOrEqual(budget);
    const back = stored({ ...fitted.item });
    expect(back.pods.map((p) => p.labelsCut)).toEqual([1, 1, 1, 1, 1, 1]);
    const detailCut = back.pods.filter((p) => p.detailCut).map((p) => p.name);
    expect(detailCut[0]).toBe('p5');
    const p5 = back.pods[5];
    expect(p5).toMatchObject({ owners: [], services: ['p5-a'], workloadName: 'p5', detailCut: true, restartDelta: 24 });
    expect(p5.containers[0]).toEqual({ name: 'c0', runtime: 'containerd', runtimeId: d.pods[5].containers[0].runtimeId, requests: { cpuMillicores: 100 }, limits: {}, state: 'Waiting', restartCount: 3, restartDelta: 1 });
    expect(back.pods[0]).toMatchObject({ owners: [{ kind: 'Deployment', name: 'p0' }], services: ['p0-a', 'p0-b'] });
    expect(fitted.cuts).toEqual([...d.pods.map((p) => `labels of pod shop/${p.name}: 1 of 1 cut`), ...detailCut.map((name) => `detail of pod shop/${name} cut`)]);
  });

  test('leaves out the largest pods when even their cut-down form does not fit, and counts them on the document', () => {
    const d = doc(Array.from({ length: 6 }, (_, i) => pod(`p${i}`, { app: `p${i}` }, 10 + i * 10)));
    const fitted = toFittedItem(d, HASH, NOW, 3600, { maxItemBytes: 2500, maxJsonBytes: 4 * 1024 * 1024 });
    expect(fitted.itemBytes).toBeLessThanOrEqual(2500);
    const back = stored({ ...fitted.item });
    const left = 6 - back.pods.length;
    expect(left).toBeGreaterThan(0);
    expect(back.podsCut).toBe(left);
    expect(back.pods.map((p) => p.name)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5'].slice(0, 6 - left));
    expect(fitted.cuts.filter((c) => c.endsWith('left out'))).toEqual(['p5', 'p4', 'p3', 'p2', 'p1', 'p0'].slice(0, left).map((name) => `pod shop/${name} left out`));
  });

  test('gives the same item for the same document', () => {
    const d = doc([pod('noisy', toRandomLabels(3000, 3)), pod('web')]);
    const budget = { maxItemBytes: 100_000, maxJsonBytes: 4 * 1024 * 1024 };
    expect(Buffer.from(toFittedItem(d, HASH, NOW, 3600, budget).item.doc)).toEqual(Buffer.from(toFittedItem(structuredClone(d), HASH, NOW, 3600, budget).item.doc));
  });
});

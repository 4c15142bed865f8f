import { parseMetadataItem, toContentHash, toMetadataItem } from '../../../core/node-metadata-item';
import type { NodeMetadata } from '../../../core/node-metadata';

const doc: NodeMetadata = {
  version: 1,
  cluster: 'prod',
  node: 'n1',
  instanceId: 'i-0abc',
  autoScalingGroup: '',
  capacity: { cpuMillicores: 2000, memoryBytes: 8e9 },
  allocatable: {},
  conditions: { Ready: 'True' },
  pods: [],
  observedAtMs: 1_000,
};

describe('node metadata items', () => {
  it('round-trips a document through the compressed item', () => {
    const item = toMetadataItem(doc, 5_000, 3600);
    expect(item).toMatchObject({ pk: 'prod#n1', ttl: 3605, observedAtMs: 1_000 });
    expect(parseMetadataItem({ ...item }, 6_000)).toEqual({ ok: true, value: doc });
  });

  it('hashes content, not the observation time', () => {
    expect(toContentHash({ ...doc, observedAtMs: 99 })).toBe(toContentHash(doc));
    expect(toContentHash({ ...doc, instanceType: 'm5.large' })).not.toBe(toContentHash(doc));
  });

  it('rejects expired items, corrupt payloads and unknown versions', () => {
    const item = toMetadataItem(doc, 0, 10);
    expect(parseMetadataItem({ ...item }, 10_000)).toEqual({ ok: false, error: expect.stringMatching(/expired/) });
    expect(parseMetadataItem({ ...item, doc: new Uint8Array([1, 2, 3]) }, 0)).toEqual({ ok: false, error: expect.stringMatching(/gzip/) });
    const v2 = toMetadataItem({ ...doc, version: 2 as 1 }, 0, 10);
    expect(parseMetadataItem({ ...v2 }, 0)).toEqual({ ok: false, error: expect.stringMatching(/version 2/) });
  });
});

import { createEmfEncoder, type EmfEncoder } from '../../../core/emf';
import type { CiRecord } from '../../../core/ci-record';
import { PROFILES } from '../../../core/metrics/profiles';
import type { NodeMetadata } from '../../../core/node-metadata';
import type { NodeRecord } from '../../../core/record';
import { toCiRecords, type EnrichOptions, type EnrichResult } from '../../../lambdas/enricher/enrich';
import { createEnrichCache, type EnrichCache } from '../../../lambdas/enricher/enrich-cache';
import { T0, toMetadataFixture, toRecordFixture } from './fixtures';

const classic: EnrichOptions = { profile: PROFILES.classic };
const ofType = (records: CiRecord[], type: CiRecord['type']) => records.filter((r) => r.type === type);

/** What a warm or a fresh enricher writes for one record: the EMF lines and the join counters. */
interface Written {
  lines: string[];
  counters: Omit<EnrichResult, 'records'>;
}

function write(record: NodeRecord, doc: NodeMetadata | undefined, options: EnrichOptions, cache: EnrichCache, encoder: EmfEncoder): Written {
  const { records, ...counters } = toCiRecords(record, doc, options, cache);
  return { lines: records.map((r) => encoder.encode(r)), counters };
}

/** The same through a new cache (and a new encoder unless one is given): no object remembered. */
const writeFresh = (record: NodeRecord, doc: NodeMetadata | undefined, options: EnrichOptions, encoder = createEmfEncoder(options.profile)): Written => write(record, doc, options, createEnrichCache(), encoder);

describe('createEnrichCache', () => {
  it('keeps nothing between caches: a fresh cache builds new objects with the same content', () => {
    const metadata = toMetadataFixture();
    const a = toCiRecords(toRecordFixture(), metadata, classic, createEnrichCache()).records;
    const b = toCiRecords(toRecordFixture(), metadata, classic, createEnrichCache()).records;
    expect(b.map((r) => r.attributes)).toEqual(a.map((r) => r.attributes));
    b.forEach((r, i) => {
      expect(r.attributes).not.toBe(a[i].attributes);
      expect(r.memo).not.toBe(a[i].memo);
    });
  });

  it('empties the node views when it holds maxNodeViews, and writes the same events after it as a fresh cache', () => {
    const cache = createEnrichCache({ maxNodeViews: 2 });
    const encoder = createEmfEncoder(PROFILES.classic);
    const metadata = toMetadataFixture();
    const onNode = (node: string, minute: number): NodeRecord => ({ ...toRecordFixture(), node, timeMs: T0 + minute * 60_000 });
    const first = toCiRecords(onNode('ip-10-0-0-1.ec2.internal', 0), metadata, classic, cache).records;
    toCiRecords(onNode('ip-10-0-0-2.ec2.internal', 0), undefined, classic, cache);
    expect([...cache.nodeViews.keys()]).toEqual(['prod#ip-10-0-0-1.ec2.internal', 'prod#ip-10-0-0-2.ec2.internal']);
    const kept = toCiRecords(onNode('ip-10-0-0-1.ec2.internal', 1), metadata, classic, cache).records;
    expect(ofType(kept, 'Node')[0].attributes).toBe(ofType(first, 'Node')[0].attributes);

    toCiRecords(onNode('ip-10-0-0-3.ec2.internal', 1), undefined, classic, cache);
    expect([...cache.nodeViews.keys()]).toEqual(['prod#ip-10-0-0-3.ec2.internal']);
    const record = onNode('ip-10-0-0-1.ec2.internal', 2);
    const after = toCiRecords(record, metadata, classic, cache).records;
    expect(ofType(after, 'Node')[0].attributes).not.toBe(ofType(first, 'Node')[0].attributes);
    // The pods' views were built on the old node attributes object: rebuilt too, not reused.
    expect(ofType(after, 'Pod')[0].attributes).not.toBe(ofType(first, 'Pod')[0].attributes);
    expect(after.map((r) => encoder.encode(r))).toEqual(writeFresh(record, metadata, classic).lines);
  });

  it("forgets a node's derived shapes when they far outnumber its interfaces, devices and filesystems, and writes the same events after it as a fresh cache", () => {
    const cache = createEnrichCache();
    const encoder = createEmfEncoder(PROFILES.classic);
    const metadata = toMetadataFixture();
    const withInterfaces = (names: string[], minute: number): NodeRecord => ({ ...toRecordFixture(), timeMs: T0 + minute * 60_000, net: names.map((name) => ({ name, deltas: { rxBytes: 600 } })) });
    const first = toCiRecords(withInterfaces(['eth0'], 0), metadata, classic, cache).records;
    const view = cache.nodeViews.get('prod#ip-10-0-0-1.ec2.internal');
    // One filesystem, one disk, and eth0 plus an eni interface that changes every minute: 2 × 4 + 16 = 24 shapes at most.
    const sizes: number[] = [];
    for (let i = 1; i <= 30; i++) {
      const record = withInterfaces(['eth0', `eni${i}`], i);
      const lines = toCiRecords(record, metadata, classic, cache).records.map((r) => encoder.encode(r));
      sizes.push(view?.derived.size ?? -1);
      expect(lines).toEqual(writeFresh(record, metadata, classic).lines);
    }
    expect(cache.nodeViews.get('prod#ip-10-0-0-1.ec2.internal')).toBe(view);
    // Minute 23 finds 25 shapes, more than 2 × 4 + 16: all forgotten, then that record's own 4 added.
    expect(sizes.slice(0, 25)).toEqual([...Array.from({ length: 22 }, (_, i) => i + 4), 4, 5, 6]);
    const record = withInterfaces(['eth0'], 31);
    const later = toCiRecords(record, metadata, classic, cache).records;
    expect(ofType(later, 'Node')[0].attributes).toBe(ofType(first, 'Node')[0].attributes);
    expect(ofType(later, 'NodeNet')[0].attributes).toEqual(ofType(first, 'NodeNet')[0].attributes);
    expect(ofType(later, 'NodeNet')[0].attributes).not.toBe(ofType(first, 'NodeNet')[0].attributes);
    expect(later.map((r) => encoder.encode(r))).toEqual(writeFresh(record, metadata, classic).lines);
  });

  it('gives each filesystem its own attributes when device and fstype would run into each other', () => {
    const cache = createEnrichCache();
    const record: NodeRecord = {
      ...toRecordFixture(),
      filesystems: [
        { device: 'a:b', mountpoint: '/', fstype: 'c', capacityBytes: 100, usageBytes: 10, availableBytes: 90 },
        { device: 'a', mountpoint: '/data', fstype: 'b:c', capacityBytes: 100, usageBytes: 20, availableBytes: 80 },
      ],
    };
    for (let i = 0; i < 2; i++) {
      const fs = ofType(toCiRecords(record, undefined, classic, cache).records, 'NodeFS');
      expect(fs.map((r) => [r.attributes.device, r.attributes.fstype])).toEqual([['a:b', 'c'], ['a', 'b:c']]);
    }
  });

  it('rejects a maxNodeViews that is not a positive integer', () => {
    expect(() => createEnrichCache({ maxNodeViews: 0 })).toThrow(/maxNodeViews must be a positive integer, got 0/);
    expect(() => createEnrichCache({ maxNodeViews: 1.5 })).toThrow(/maxNodeViews must be a positive integer, got 1.5/);
  });
});

import { createEmfEncoder, type EmfEncoder } from '../../../../core/emf';
import type { CiRecord } from '../../../../core/ci-record';
import { PROFILES } from '../../../../core/metrics/profiles';
import type { NodeMetadata } from '../../../../core/node-metadata';
import type { NodeRecord } from '../../../../core/record';
import { toCiRecords, type EnrichOptions, type EnrichResult } from '../../../../lambdas/enricher/enrich';
import { createEnrichCache, type EnrichCache } from '../../../../lambdas/enricher/enrich-cache';
import { createMetadataReader } from '../../../../lambdas/enricher/metadata-reader';
import { T0, toMetadataFixture, toRecordFixture } from '../../../helpers/record-fixtures';
import { createRandomFleet } from './random-fleet';

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

const sameWritten = (a: Written, b: Written): boolean =>
  a.lines.length === b.lines.length &&
  a.lines.every((line, i) => line === b.lines[i]) &&
  a.counters.nodeWithoutMetadata === b.counters.nodeWithoutMetadata &&
  a.counters.podsWithoutMetadata === b.counters.podsWithoutMetadata &&
  a.counters.containersWithoutMetadata === b.counters.containersWithoutMetadata;

/** A document's content as its hash sees it: `observedAtMs` aside (a document re-read with the same hash keeps its first one). */
const toContent = (doc: NodeMetadata | undefined): string => (doc === undefined ? 'none' : JSON.stringify({ ...doc, observedAtMs: 0 }));

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

describe('a warm cache against a fresh one, on random records and documents', () => {
  const TABLE = 'kinsight-metadata';
  const STEPS = 200;

  it('writes byte for byte the same events for every profile, through metadata reader re-reads, evictions and shared profiles', async () => {
    const fleet = createRandomFleet(20261124, { tableName: TABLE, startMs: T0, stepMs: 60_000 });
    // Reader A: default bounds, a document re-read every other minute. Reader B: re-read every
    // minute, tiny bounds (answers dropped, last documents forgotten over and over).
    const readerA = createMetadataReader({ client: fleet.client as never, tableName: TABLE, now: fleet.now, cacheTtlMs: 90_000 });
    const readerB = createMetadataReader({ client: fleet.client as never, tableName: TABLE, now: fleet.now, cacheTtlMs: 30_000, maxAnswers: 1, maxDocuments: 2 });
    const profiles = Object.values(PROFILES);
    // Per profile: a warm cache (default bounds) on reader A's documents, and a cache that holds at
    // most 3 node views (4 nodes: emptied over and over) on reader B's.
    const warm = profiles.map((profile) => ({ options: { profile }, cache: createEnrichCache(), encoder: createEmfEncoder(profile) }));
    const tiny = profiles.map((profile) => ({ options: { profile }, cache: createEnrichCache({ maxNodeViews: 3 }), encoder: createEmfEncoder(profile) }));
    // One cache shared by every profile and by a handler without the Service attribute, as one handler with cluster profiles shares it.
    const sharedCache = createEnrichCache();
    const shared = [...profiles.map((profile) => ({ profile })), { profile: PROFILES.classic, serviceAttribute: false }].map((options) => ({ options, cache: sharedCache, encoder: createEmfEncoder(options.profile) }));

    const mismatches: string[] = [];
    const seen = { records: 0, firstSamples: 0, nodesWithoutMetadata: 0, podsWithoutMetadata: 0, containersWithoutMetadata: 0, sameDocument: 0, keptPods: 0, changedPods: 0, memoHits: 0, nodeViewsEmptied: 0, derivedForgotten: 0, answersDropped: 0, documentsForgotten: 0, documentsWritten: 0, documentsDeleted: 0, documentsExpired: 0 };
    const lastDocs = new Map<string, NodeMetadata | undefined>();
    let heldB = readerB.held();

    for (let step = 0; step < STEPS; step++) {
      const { records, events } = fleet.step();
      // The fresh side's encoders are new every step (they keep nothing by object, only by metric
      // name and content; new ones per record would spend the test matching selectors).
      const reference = profiles.map((profile) => createEmfEncoder(profile));
      seen.documentsWritten += events.documentsWritten;
      seen.documentsDeleted += events.documentsDeleted;
      seen.documentsExpired += events.documentsExpired;
      for (const record of records) {
        const key = `${record.cluster}#${record.node}`;
        // The handler reads one batch's documents at a time; here a batch is one record.
        const docA = (await readerA.get([key])).get(key);
        const docB = (await readerB.get([key])).get(key);
        // What a reader that never read the table before gives: the documents kept by object must say the same.
        const truth = toContent((await createMetadataReader({ client: fleet.client as never, tableName: TABLE, now: fleet.now }).get([key])).get(key));
        if (toContent(docB) !== truth && mismatches.length < 5) mismatches.push(`step ${step} ${key}: reader B's document differs from the table's\n  ${toContent(docB)}\n  ${truth}`);
        const held = readerB.held();
        if (held.answers < heldB.answers) seen.answersDropped += 1;
        if (held.documents < heldB.documents) seen.documentsForgotten += 1;
        heldB = held;

        const previous = lastDocs.get(key);
        if (docA !== previous && toContent(docA) !== truth && mismatches.length < 5) mismatches.push(`step ${step} ${key}: reader A's new document differs from the table's`);
        if (docA !== undefined && docA === previous) seen.sameDocument += 1;
        else if (docA !== undefined && previous !== undefined) {
          const before = new Set(previous.pods);
          for (const pod of docA.pods) {
            if (before.has(pod)) seen.keptPods += 1;
            else seen.changedPods += 1;
          }
        }
        lastDocs.set(key, docA);
        seen.records += 1;
        if (record.elapsedMs === undefined) seen.firstSamples += 1;

        const compare = (name: string, path: { options: EnrichOptions; cache: EnrichCache; encoder: EmfEncoder }, doc: NodeMetadata | undefined, expected: Written) => {
          const view = path.cache.nodeViews.get(key);
          const derivedBefore = view?.derived.size ?? 0;
          const viewsBefore = path.cache.nodeViews.size;
          const { records: out, ...counters } = toCiRecords(record, doc, path.options, path.cache);
          if (path.cache.nodeViews.size < viewsBefore) seen.nodeViewsEmptied += 1;
          if (view !== undefined && path.cache.nodeViews.get(key) === view && view.derived.size < derivedBefore) seen.derivedForgotten += 1;
          for (const r of out) if (r.memo?.prefix !== undefined) seen.memoHits += 1;
          const actual = { lines: out.map((r) => path.encoder.encode(r)), counters };
          if (!sameWritten(actual, expected) && mismatches.length < 5) {
            const at = actual.lines.findIndex((line, i) => line !== expected.lines[i]);
            mismatches.push(`step ${step} ${key} ${name} ${path.options.profile.name}${path.options.serviceAttribute === false ? ' no service' : ''}: event ${at}\n  warm  ${actual.lines[at]}\n  fresh ${expected.lines[at]}\n  counters ${JSON.stringify(actual.counters)} / ${JSON.stringify(expected.counters)}`);
          }
        };
        profiles.forEach((profile, i) => {
          const freshA = writeFresh(record, docA, { profile }, reference[i]);
          if (i === 0) {
            seen.nodesWithoutMetadata += freshA.counters.nodeWithoutMetadata ? 1 : 0;
            seen.podsWithoutMetadata += freshA.counters.podsWithoutMetadata;
            seen.containersWithoutMetadata += freshA.counters.containersWithoutMetadata;
          }
          compare('warm', warm[i], docA, freshA);
          compare('tiny', tiny[i], docB, writeFresh(record, docB, { profile }, reference[i]));
          compare('shared', shared[i], docA, freshA);
        });
        compare('shared', shared[3], docA, writeFresh(record, docA, shared[3].options, reference[0]));
      }
    }

    expect(mismatches).toEqual([]);
    // What the sequence went through, so that a change of the generator cannot leave it testing nothing.
    for (const [what, count] of Object.entries(seen)) expect([what, count > 0]).toEqual([what, true]);
  });
});

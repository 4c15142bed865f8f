import type { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { createMetadataReader } from '../../../../lambdas/enricher/metadata-reader';
import { withUnchangedPods } from '../../../../core/node-metadata';
import { toMetadataItem } from '../../../../core/node-metadata-item';
import { PermanentError, TransientError } from '../../../../core/errors';
import { createEmfEncoder } from '../../../../core/emf';
import { PROFILES } from '../../../../core/metrics/profiles';
import { toCiRecords } from '../../../../lambdas/enricher/enrich';
import { createEnrichCache } from '../../../../lambdas/enricher/enrich-cache';
import { toMetadataFixture, toRecordFixture } from '../../../helpers/record-fixtures';

const NOW = 1_764_000_000_000;
const TABLE = 't';
const itemFor = (node: string) => toMetadataItem({ ...toMetadataFixture(), node }, NOW, 600);

/** A fake DynamoDB document client answering BatchGet from a map, optionally leaving keys unprocessed. */
function fakeClient(nodes: string[], unprocessedRounds = 0) {
  const items = new Map(nodes.map((n) => [`prod#${n}`, itemFor(n)]));
  const calls: string[][] = [];
  let rounds = unprocessedRounds;
  return {
    calls,
    items,
    send: async (command: BatchGetCommand) => {
      const keys = (command.input.RequestItems?.[TABLE]?.Keys ?? []).map((k) => String(k.pk));
      calls.push(keys);
      if (rounds > 0) {
        rounds -= 1;
        const [first, ...rest] = keys;
        return { Responses: { [TABLE]: items.has(first) ? [items.get(first)] : [] }, UnprocessedKeys: rest.length > 0 ? { [TABLE]: { Keys: rest.map((pk) => ({ pk })) } } : {} };
      }
      return { Responses: { [TABLE]: keys.filter((k) => items.has(k)).map((k) => items.get(k)) } };
    },
  };
}

describe('metadata reader', () => {
  it('reads at most 100 keys per BatchGetItem call and maps missing documents to undefined', async () => {
    const nodes = Array.from({ length: 150 }, (_, i) => `n${i}`);
    const client = fakeClient(nodes.slice(0, 149));
    const reader = createMetadataReader({ client: client as never, tableName: TABLE, now: () => NOW });
    const docs = await reader.get(nodes.map((n) => `prod#${n}`));
    expect(client.calls.map((c) => c.length)).toEqual([100, 50]);
    expect(docs.get('prod#n0')?.node).toBe('n0');
    expect(docs.has('prod#n149')).toBe(true);
    expect(docs.get('prod#n149')).toBeUndefined();
  });

  it('retries UnprocessedKeys with backoff until every key is answered', async () => {
    const client = fakeClient(['a', 'b', 'c'], 2);
    const sleeps: number[] = [];
    const reader = createMetadataReader({ client: client as never, tableName: TABLE, now: () => NOW, sleep: async (ms) => void sleeps.push(ms), random: () => 1 });
    const docs = await reader.get(['prod#a', 'prod#b', 'prod#c']);
    expect([...docs.values()].map((d) => d?.node)).toEqual(['a', 'b', 'c']);
    expect(client.calls).toEqual([['prod#a', 'prod#b', 'prod#c'], ['prod#b', 'prod#c'], ['prod#c']]);
    expect(sleeps).toEqual([50, 100]);
  });

  it('fails with a TransientError when keys stay unprocessed after the retries', async () => {
    const client = fakeClient(['a', 'b', 'c'], 10);
    const reader = createMetadataReader({ client: client as never, tableName: TABLE, now: () => NOW, maxRetries: 1, sleep: async () => undefined });
    await expect(reader.get(['prod#a', 'prod#b', 'prod#c'])).rejects.toThrow(TransientError);
  });

  it('serves repeated keys from the cache until the TTL passes, including missing documents', async () => {
    const client = fakeClient(['a']);
    let now = NOW;
    const reader = createMetadataReader({ client: client as never, tableName: TABLE, now: () => now, cacheTtlMs: 30_000 });
    await reader.get(['prod#a', 'prod#zz']);
    now += 29_000;
    await reader.get(['prod#a', 'prod#zz']);
    expect(client.calls).toHaveLength(1);
    now += 2_000;
    await reader.get(['prod#a']);
    expect(client.calls).toHaveLength(2);
  });

  it('treats an expired or corrupt item as no document and reports it', async () => {
    const bad: string[] = [];
    const client = {
      send: async () => ({ Responses: { [TABLE]: [{ ...itemFor('a'), ttl: NOW / 1000 - 1 }, { pk: 'prod#b', doc: new Uint8Array([1, 2, 3]) }] } }),
    };
    const reader = createMetadataReader({ client: client as never, tableName: TABLE, now: () => NOW, onBadItem: (key) => void bad.push(key) });
    const docs = await reader.get(['prod#a', 'prod#b']);
    expect(docs.get('prod#a')).toBeUndefined();
    expect(bad.sort()).toEqual(['prod#a', 'prod#b']);
  });

  it('returns the same document object when a re-read item has an unchanged content hash', async () => {
    const client = fakeClient(['a']);
    let now = NOW;
    const reader = createMetadataReader({ client: client as never, tableName: TABLE, now: () => now, cacheTtlMs: 1000 });
    const first = (await reader.get(['prod#a'])).get('prod#a');
    now += 2000;
    const second = (await reader.get(['prod#a'])).get('prod#a');
    expect(client.calls).toHaveLength(2);
    expect(second).toBe(first);
  });
});

describe('metadata reader bounds', () => {
  it('drops the expired answers when a read finds more than maxAnswers held, and reads those nodes again to the same documents', async () => {
    const client = fakeClient(['a', 'b', 'c', 'd']);
    let now = NOW;
    const reader = createMetadataReader({ client: client as never, tableName: TABLE, now: () => now, cacheTtlMs: 30_000, maxAnswers: 2 });
    const first = await reader.get(['prod#a', 'prod#b', 'prod#c']);
    expect(reader.held()).toEqual({ answers: 3, documents: 3 });
    now += 10_000;
    await reader.get(['prod#d']);
    // More than 2 held, none expired: all kept.
    expect(reader.held()).toEqual({ answers: 4, documents: 4 });
    now += 25_000;
    // a, b and c expired 5 s ago, d is still fresh: served from memory, and the expired answers dropped.
    await reader.get(['prod#d']);
    expect(reader.held()).toEqual({ answers: 1, documents: 4 });
    const again = await reader.get(['prod#a']);
    expect(client.calls).toEqual([['prod#a', 'prod#b', 'prod#c'], ['prod#d'], ['prod#a']]);
    expect(again.get('prod#a')).toBe(first.get('prod#a'));
  });

  it('forgets the last documents when a new node would make more than maxDocuments, and parses them again: equal documents, the same events as a fresh cache', async () => {
    const client = fakeClient(['a', 'b', 'c']);
    let now = NOW;
    const reader = createMetadataReader({ client: client as never, tableName: TABLE, now: () => now, cacheTtlMs: 1000, maxDocuments: 2 });
    const first = (await reader.get(['prod#a'])).get('prod#a');
    await reader.get(['prod#b']);
    now += 2000;
    // Known nodes, one with the same hash (the same object), one with a new hash: nothing forgotten (no new node).
    client.items.set('prod#b', { ...itemFor('b'), hash: 'rewritten' });
    expect((await reader.get(['prod#a', 'prod#b'])).get('prod#a')).toBe(first);
    expect(reader.held()).toEqual({ answers: 2, documents: 2 });
    await reader.get(['prod#c']);
    expect(reader.held()).toEqual({ answers: 3, documents: 1 });
    now += 2000;
    const reparsed = (await reader.get(['prod#a'])).get('prod#a');
    expect(reparsed).not.toBe(first);
    expect(reparsed).toEqual(first);

    const options = { profile: PROFILES.classic };
    const encoder = createEmfEncoder(PROFILES.classic);
    const record = { ...toRecordFixture(), node: 'a' };
    const cache = createEnrichCache();
    toCiRecords(record, first, options, cache).records.forEach((r) => encoder.encode(r));
    const later = { ...record, timeMs: record.timeMs + 60_000 };
    const warm = toCiRecords(later, reparsed, options, cache).records.map((r) => encoder.encode(r));
    const freshEncoder = createEmfEncoder(PROFILES.classic);
    const fresh = toCiRecords(later, reparsed, options, createEnrichCache()).records.map((r) => freshEncoder.encode(r));
    expect(warm).toEqual(fresh);
  });
});

describe('withUnchangedPods', () => {
  it('keeps the previous object of every pod whose content did not change, and takes the changed and new ones', () => {
    const previous = toMetadataFixture();
    const next = toMetadataFixture();
    next.pods[1].restartDelta = 3;
    next.pods.push({ ...toMetadataFixture().pods[0], uid: 'uid-new' });
    const merged = withUnchangedPods(next, previous);
    expect(merged).not.toBe(next);
    expect(merged).toEqual(next);
    expect(merged.pods[0]).toBe(previous.pods[0]);
    expect(merged.pods[1]).not.toBe(previous.pods[1]);
    expect(merged.pods[1].restartDelta).toBe(3);
    expect(merged.pods[merged.pods.length - 1].uid).toBe('uid-new');
  });

  it('changes neither argument', () => {
    const previous = toMetadataFixture();
    const next = toMetadataFixture();
    next.pods[1].restartDelta = 3;
    const [nextBefore, previousBefore] = [structuredClone(next), structuredClone(previous)];
    const nextPods = next.pods;
    const nextFirstPod = next.pods[0];
    withUnchangedPods(next, previous);
    expect(next.pods).toBe(nextPods);
    expect(next.pods[0]).toBe(nextFirstPod);
    expect(next).toEqual(nextBefore);
    expect(previous).toEqual(previousBefore);
  });

  it('is used by the reader when a re-read item has a new content hash', async () => {
    const first = toMetadataItem(toMetadataFixture(), NOW, 600);
    const changedDoc = toMetadataFixture();
    changedDoc.pods[1].restartDelta = 3;
    const second = { ...toMetadataItem(changedDoc, NOW, 600), hash: 'changed' };
    let item: object = first;
    const client = { send: async () => ({ Responses: { [TABLE]: [item] } }) };
    let now = NOW;
    const reader = createMetadataReader({ client: client as never, tableName: TABLE, now: () => now, cacheTtlMs: 1000 });
    const a = (await reader.get([String(first.pk)])).get(String(first.pk));
    item = second;
    now += 2000;
    const b = (await reader.get([String(first.pk)])).get(String(first.pk));
    expect(b).not.toBe(a);
    expect(b?.pods[0]).toBe(a?.pods[0]);
    expect(b?.pods[1]).not.toBe(a?.pods[1]);
    expect(b?.pods[1].restartDelta).toBe(3);
  });

  it('isolates a key DynamoDB refuses: the other keys are answered, the refused one is left out and reported', async () => {
    const client = fakeClient(['a', 'b', 'c']);
    const long = `prod#${'n'.repeat(3_000)}`;
    const send = client.send;
    const refusing = {
      calls: client.calls,
      send: async (command: BatchGetCommand) => {
        const keys = (command.input.RequestItems?.[TABLE]?.Keys ?? []).map((k) => String(k.pk));
        if (keys.includes(long)) throw Object.assign(new Error('One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes'), { name: 'ValidationException' });
        return send(command);
      },
    };
    const rejected: string[] = [];
    const reader = createMetadataReader({ client: refusing as never, tableName: TABLE, now: () => NOW, onRejectedKey: (key) => void rejected.push(key) });
    const docs = await reader.get(['prod#a', 'prod#b', long, 'prod#c']);
    expect([...docs.keys()].sort()).toEqual(['prod#a', 'prod#b', 'prod#c']);
    expect(docs.get('prod#c')?.node).toBe('c');
    expect(rejected).toEqual([long]);
  });

  it('retries a throttled or failing call with jittered backoff, and fails with a PermanentError when the table is refused', async () => {
    let failures = 2;
    const client = fakeClient(['a']);
    const flaky = {
      send: async (command: BatchGetCommand) => {
        if (failures-- > 0) throw Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
        return client.send(command);
      },
    };
    const sleeps: number[] = [];
    const reader = createMetadataReader({ client: flaky as never, tableName: TABLE, now: () => NOW, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 });
    expect((await reader.get(['prod#a'])).get('prod#a')?.node).toBe('a');
    expect(sleeps).toEqual([25, 50]);
    const denied = { send: async () => Promise.reject(Object.assign(new Error('not authorized to perform: dynamodb:BatchGetItem'), { name: 'AccessDeniedException' })) };
    await expect(createMetadataReader({ client: denied as never, tableName: TABLE, now: () => NOW }).get(['prod#a'])).rejects.toThrow(PermanentError);
    const down = { send: async () => Promise.reject(Object.assign(new Error('internal'), { name: 'InternalServerError' })) };
    await expect(createMetadataReader({ client: down as never, tableName: TABLE, now: () => NOW, maxRetries: 2, sleep: async () => undefined }).get(['prod#a'])).rejects.toThrow(TransientError);
  });
});

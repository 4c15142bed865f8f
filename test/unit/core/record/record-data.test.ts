import { createHmac } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { NodeRecord } from '../../../../core/record';
import { DEFAULT_MAX_RECORD_BYTES, openRecordData, parseRecordData, parseRecordJson, readRecordEnvelope, signRecordData, toPartitionKey, toRecordData, toRecordJson, toSignedRecordData } from '../../../../core/record/record-data';
import { toWireRecord } from '../../../../core/record/wire-record';
import { toRecordFixture } from '../../../helpers/record-fixtures';

const first: NodeRecord = {
  cluster: 'prod',
  node: 'ip-10-0-0-1.ec2.internal',
  timeMs: 1_700_000_000_000,
  cgroupVersion: 2,
  cores: 2,
  memTotalBytes: 8 * 1024 ** 3,
  gauges: { memoryUsageBytes: 100 },
  net: [{ name: 'eth0' }],
  disks: [{ device: 'nvme0n1' }],
  filesystems: [],
  pods: [],
};

describe('record codec', () => {
  it('decodes what it encodes, for records of cgroup v1 and v2 and a first record without deltas', () => {
    for (const record of [toRecordFixture(1), toRecordFixture(2), first]) {
      expect(parseRecordData(toRecordData(record), DEFAULT_MAX_RECORD_BYTES)).toEqual({ ok: true, value: record });
      expect(parseRecordJson(toRecordJson(record))).toEqual({ ok: true, value: record });
    }
  });

  it('sends the wire document as JSON, gzip-compressed with the default level', () => {
    const record = toRecordFixture();
    const json = JSON.stringify(toWireRecord(record));
    expect(toRecordJson(record)).toBe(json);
    expect(gunzipSync(toRecordData(record)).toString('utf8')).toBe(json);
    expect(Buffer.from(toRecordData(record)).equals(gzipSync(json))).toBe(true);
  });

  it('inflates a record up to maxBytes and rejects one byte more, however small the gzip input', () => {
    const data = toRecordData(toRecordFixture());
    const size = toRecordJson(toRecordFixture()).length;
    expect(parseRecordData(data, size)).toEqual({ ok: true, value: toRecordFixture() });
    expect(parseRecordData(data, size - 1)).toEqual({ ok: false, error: `record inflates to more than ${size - 1} bytes; the agent never sends records that large` });
    // 16 MiB of zeros gzip to about 16 KB: the bound, not the input size, limits what a reader allocates.
    expect(parseRecordData(gzipSync(Buffer.alloc(16 * 1024 * 1024)), 1024)).toEqual({ ok: false, error: 'record inflates to more than 1024 bytes; the agent never sends records that large' });
  });

  it('rejects data that is not gzip, naming its first bytes (of the view it was given)', () => {
    const backing = new Uint8Array([0xff, 0xff, 0x70, 0x6c, 0x61, 0x69, 0x6e]);
    expect(parseRecordData(backing.subarray(2), 1e6)).toEqual({ ok: false, error: expect.stringMatching(/^record is not gzip data \(.+\); first bytes 706c61696e$/) });
  });

  it('rejects inflated data that is not JSON, with a snippet', () => {
    expect(parseRecordData(gzipSync('{"schemaVersion": 2.0'), 1e6)).toEqual({ ok: false, error: expect.stringMatching(/^record is not JSON \(.+\): \{"schemaVersion": 2\.0$/) });
    expect(parseRecordJson('')).toEqual({ ok: false, error: expect.stringMatching(/^record is not JSON/) });
  });

  it('rejects JSON that is not a record with the parser message', () => {
    const major3 = JSON.stringify({ ...JSON.parse(toRecordJson(toRecordFixture())), schemaVersion: '3.0' });
    expect(parseRecordData(gzipSync(major3), 1e6)).toEqual({ ok: false, error: expect.stringMatching(/^record schemaVersion "3\.0" has unknown major 3;/) });
    expect(parseRecordJson('[]')).toEqual({ ok: false, error: 'record is not a JSON object: []' });
  });

  it('builds the partition key from cluster and node', () => {
    expect(toPartitionKey('prod', 'n1')).toBe('prod/n1');
    expect(toPartitionKey('prod-eu', 'ip-10-0-1-2.eu-west-1.compute.internal')).toBe('prod-eu/ip-10-0-1-2.eu-west-1.compute.internal');
  });

  it('keeps a key of exactly 256 characters unchanged', () => {
    const cluster = 'c'.repeat(100);
    const node = 'n'.repeat(155);
    expect(toPartitionKey(cluster, node)).toBe(`${cluster}/${node}`);
  });

  it('fits a 100-character cluster and a 253-character node in 256 characters, one key per node', () => {
    const cluster = `prod-${'c'.repeat(95)}`;
    const node = (label: string) => `${'a'.repeat(63)}.${'b'.repeat(63)}.${'d'.repeat(63)}.${label}`;
    expect(node('x'.repeat(61))).toHaveLength(253);
    const key = toPartitionKey(cluster, node('x'.repeat(61)));
    expect(key).toHaveLength(256);
    expect(key.startsWith(`${cluster}/${'a'.repeat(63)}.`)).toBe(true);
    expect(key).toMatch(/^[^~]{223}~[0-9a-f]{32}$/);
    expect(toPartitionKey(cluster, node('x'.repeat(61)))).toBe(key);
    // Two nodes that share every character the key keeps still get their own key.
    const other = toPartitionKey(cluster, node(`${'x'.repeat(60)}y`));
    expect(other).toHaveLength(256);
    expect(other.slice(0, 223)).toBe(key.slice(0, 223));
    expect(other).not.toBe(key);
  });

  it('counts UTF-16 units, never fewer than characters, and never cuts a character in two', () => {
    const key = toPartitionKey('c', '\u{1F600}'.repeat(200));
    expect(key).toMatch(/^c\/(\u{1F600}){110}~[0-9a-f]{32}$/u);
    expect(key.length).toBe(2 + 220 + 33);
    expect(Buffer.from(key, 'utf8').toString('utf8')).toBe(key);
  });
});

describe('signed record data', () => {
  const keyA = { id: 'v-a1', secret: Buffer.from('a'.repeat(64)) };
  const keyB = { id: 'v-b1', secret: Buffer.from('b'.repeat(64)) };
  const keys: Record<string, Record<string, Buffer>> = { 'cluster-a': { [keyA.id]: keyA.secret }, 'cluster-b': { [keyB.id]: keyB.secret } };
  const keyOf = (cluster: string, keyId: string) => keys[cluster]?.[keyId];
  const options = { maxBytes: DEFAULT_MAX_RECORD_BYTES, keyOf };
  const recordOf = (cluster: string) => ({ ...toRecordFixture(), cluster });

  it('opens a record signed with its cluster key, and reads the envelope without inflating', () => {
    const data = toSignedRecordData(recordOf('cluster-a'), keyA);
    expect(openRecordData(data, options)).toEqual({ ok: true, value: recordOf('cluster-a') });
    const envelope = readRecordEnvelope(data);
    expect(envelope).toMatchObject({ ok: true, value: { signed: true, cluster: 'cluster-a', keyId: 'v-a1' } });
    // The payload is exactly the unsigned data.
    expect(Buffer.from((envelope as { value: { payload: Uint8Array } }).value.payload).equals(Buffer.from(toRecordData(recordOf('cluster-a'))))).toBe(true);
  });

  it('signs data kept from toRecordData into the same bytes as toSignedRecordData', () => {
    const data = toRecordData(recordOf('cluster-a'));
    const signed = signRecordData('cluster-a', data, keyA);
    expect(Buffer.from(signed).equals(Buffer.from(toSignedRecordData(recordOf('cluster-a'), keyA)))).toBe(true);
    expect(openRecordData(signed, options)).toEqual({ ok: true, value: recordOf('cluster-a') });
    expect(() => signRecordData('cluster-a', data, { id: 'v 1', secret: keyA.secret })).toThrow(/key id "?v 1"? cannot be signed/);
  });

  it('rejects a record that names another cluster than the one whose key signed it', () => {
    // An agent of cluster-a writes a record claiming cluster-b, signed with its own key.
    const forged = toSignedRecordData(recordOf('cluster-b'), keyA);
    expect(openRecordData(forged, options)).toEqual({ ok: false, error: 'record is signed for cluster cluster-b with key v-a1, which is not a key of that cluster in this fleet' });
    // It builds the envelope by hand to name cluster-a, its own: the record inside still names cluster-b.
    const inner = toRecordData(recordOf('cluster-b'));
    const head = Buffer.concat([Buffer.from([0x6b, 0x73, 0x01, 9]), Buffer.from('cluster-a'), Buffer.from([4]), Buffer.from('v-a1')]);
    const resigned = Buffer.concat([head, createHmac('sha256', keyA.secret).update(head).update(inner).digest(), inner]);
    expect(openRecordData(resigned, options)).toEqual({ ok: false, error: 'record names cluster cluster-b but was signed with the key of cluster cluster-a' });
  });

  it('rejects a record signed with a key id of its cluster but the wrong secret, or altered after signing', () => {
    const wrongSecret = toSignedRecordData(recordOf('cluster-a'), { id: keyA.id, secret: keyB.secret });
    expect(openRecordData(wrongSecret, options)).toEqual({ ok: false, error: "record signature does not verify with key v-a1 of cluster cluster-a: it was not signed by that cluster's agents, or it was altered" });
    const altered = Buffer.from(toSignedRecordData(recordOf('cluster-a'), keyA));
    altered[altered.length - 5] ^= 0xff;
    expect(openRecordData(altered, options)).toMatchObject({ ok: false, error: expect.stringMatching(/^record signature does not verify/) });
  });

  it('rejects unsigned data unless signatures are optional', () => {
    const data = toRecordData(recordOf('cluster-a'));
    expect(openRecordData(data, options)).toMatchObject({ ok: false, error: expect.stringMatching(/^record is not signed;/) });
    expect(openRecordData(data, { ...options, requireSignature: false })).toEqual({ ok: true, value: recordOf('cluster-a') });
  });

  it('rejects a truncated envelope, an unknown envelope version and names that are not printable ASCII', () => {
    const data = Buffer.from(toSignedRecordData(recordOf('cluster-a'), keyA));
    expect(readRecordEnvelope(data.subarray(0, 20))).toEqual({ ok: false, error: 'record envelope is truncated: 20 bytes' });
    const v2 = Buffer.from(data);
    v2[2] = 2;
    expect(readRecordEnvelope(v2)).toEqual({ ok: false, error: 'record envelope version 2 is unknown; this reader understands version 1 (upgrade the enricher)' });
    const spaced = Buffer.from(data);
    spaced[5] = 0x20;
    expect(readRecordEnvelope(spaced)).toMatchObject({ ok: false, error: expect.stringMatching(/^record envelope names cluster /) });
    expect(() => toSignedRecordData(recordOf('x'.repeat(101)), keyA)).toThrow(/cannot be signed: expected 1-100 printable ASCII characters/);
  });

  it('bounds the inflated size of a signed record as of an unsigned one', () => {
    const data = toSignedRecordData(recordOf('cluster-a'), keyA);
    expect(openRecordData(data, { ...options, maxBytes: 100 })).toEqual({ ok: false, error: 'record inflates to more than 100 bytes; the agent never sends records that large' });
  });
});

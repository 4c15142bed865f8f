import { gunzipSync, gzipSync } from 'node:zlib';
import type { NodeRecord } from '../../../../core/record';
import { DEFAULT_MAX_RECORD_BYTES, parseRecordData, parseRecordJson, toPartitionKey, toRecordData, toRecordJson } from '../../../../core/record/record-data';
import { toWireRecord } from '../../../../core/record/wire-record';
import { toRecordFixture } from '../../enricher/fixtures';

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
  });
});

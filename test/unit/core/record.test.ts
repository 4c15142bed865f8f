import { parseRecord, RECORD_SCHEMA_VERSION, toPartitionKey } from '../../../core/record';

const minimal = {
  schemaVersion: RECORD_SCHEMA_VERSION,
  cluster: 'prod',
  node: 'ip-10-0-0-1.ec2.internal',
  timeMs: 1_700_000_000_000,
  cgroupVersion: 2,
  cores: 2,
  memTotalBytes: 8 * 1024 ** 3,
  gauges: {},
  net: [],
  disks: [],
  filesystems: [],
  pods: [],
};

describe('parseRecord', () => {
  it('accepts a record of the current version, and any minor of its major', () => {
    expect(parseRecord(minimal)).toMatchObject({ ok: true, value: { node: minimal.node } });
    expect(parseRecord({ ...minimal, schemaVersion: '1.7' }).ok).toBe(true);
  });

  it('rejects an unknown major version with a message naming it', () => {
    const result = parseRecord({ ...minimal, schemaVersion: '2.0' });
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/unknown major 2/) });
  });

  it('rejects a record without identity, or with a malformed pod', () => {
    expect(parseRecord({ ...minimal, cluster: '' })).toEqual({ ok: false, error: expect.stringMatching(/cluster/) });
    expect(parseRecord({ ...minimal, pods: [{ uid: 'x' }] })).toEqual({ ok: false, error: expect.stringMatching(/pods\[0\]/) });
    expect(parseRecord([1, 2])).toEqual({ ok: false, error: expect.stringMatching(/not a JSON object/) });
  });

  it('builds the partition key from cluster and node', () => {
    expect(toPartitionKey('prod', 'n1')).toBe('prod/n1');
  });
});

import type { NodeRecord } from '../../../../core/record';
import { parseRecord, RECORD_LIMITS } from '../../../../core/record/parse-record';
import { RECORD_SCHEMA_VERSION, toWireRecord } from '../../../../core/record/wire-record';
import { toRecordFixture } from '../../../helpers/record-fixtures';

const minimal: NodeRecord = {
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

/** A record as the enricher receives it: the wire document after JSON. */
const overTheWire = (record: NodeRecord): Record<string, unknown> => JSON.parse(JSON.stringify(toWireRecord(record))) as Record<string, unknown>;

describe('parseRecord', () => {
  it('reads back every member of a record written in the current version', () => {
    const record = toRecordFixture();
    record.pods[0].containers[0].runtime = 'containerd';
    record.pods[0].containers[0].name = 'web';
    record.net = [{ name: 'eth0', deltas: { rxBytes: 10, txBytes: 20 } }, { name: 'eni1' }];
    record.pods[1].net = [{ name: 'eth0', deltas: { rxBytes: 5, rxErrors: 0 } }];
    const wire = overTheWire(record);
    expect(wire.schemaVersion).toBe(RECORD_SCHEMA_VERSION);
    expect(parseRecord(wire)).toEqual({ ok: true, value: record });
  });

  it('gives no deltas to a first sample, and keeps a pod on the host network without interfaces', () => {
    const first: NodeRecord = {
      ...minimal,
      gauges: { memoryUsageBytes: 100 },
      net: [{ name: 'eth0' }],
      pods: [{ uid: 'u1', qos: 'BestEffort', hostNetwork: true, gauges: { memoryUsageBytes: 5 }, containers: [{ id: 'c1', gauges: { memoryUsageBytes: 4 } }] }],
    };
    const wire = overTheWire(first);
    expect(wire.cgroups).toEqual({ gauges: { memoryUsageBytes: [100, 5, 4] }, deltas: {} });
    expect(parseRecord(wire)).toEqual({ ok: true, value: first });
  });

  it('still reads records of schema 1.x (one object per pod), written by agents before the upgrade', () => {
    const legacy = { ...toRecordFixture(), schemaVersion: '1.0' };
    expect(parseRecord(JSON.parse(JSON.stringify(legacy)))).toMatchObject({ ok: true, value: { node: legacy.node, pods: legacy.pods } });
    expect(parseRecord({ ...legacy, pods: [{ uid: 'x' }] })).toEqual({ ok: false, error: expect.stringMatching(/pods\[0\]/) });
  });

  it('rejects an unknown major version with a message naming it, and reads any minor of a known one', () => {
    const result = parseRecord({ ...overTheWire(minimal), schemaVersion: '3.0' });
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/unknown major 3; this reader understands 2\.x and 1\.x/) });
    expect(parseRecord({ ...overTheWire(minimal), schemaVersion: '02.0' })).toEqual({ ok: false, error: expect.stringMatching(/unknown major 02;/) });
    expect(parseRecord({ ...overTheWire(minimal), schemaVersion: '2' })).toEqual({ ok: false, error: expect.stringMatching(/is not "<major>\.<minor>"/) });
    expect(parseRecord({ ...overTheWire(minimal), schemaVersion: '2.9' })).toEqual({ ok: true, value: minimal });
  });

  it('reads a later minor version: members and columns it does not know are ignored', () => {
    type Table = Record<string, unknown[]>;
    const later = overTheWire(toRecordFixture()) as { schemaVersion: string; pods: Table; containers: Table; cgroups: { gauges: Table }; interfaces: { deltas: Table }; future?: unknown };
    later.schemaVersion = '2.9';
    later.pods.priorityClass = ['high', 'low'];
    later.containers.exitCode = [0, 1, 0];
    later.cgroups.gauges.memoryHugetlbBytes = [1, 2, 3, 4, 5, 6];
    later.interfaces.deltas.rxMulticast = [0, 0, 0, 0];
    later.future = { anything: true };
    expect(parseRecord(later)).toEqual({ ok: true, value: toRecordFixture() });
  });

  it('reads the 2.1 members: pod namespace, name and restarts, container restarts, disk serial', () => {
    const base = toRecordFixture();
    const record: NodeRecord = {
      ...base,
      disks: [{ device: 'nvme0n1', serial: 'vol0123456789abcdef0' }, ...base.disks],
      pods: base.pods.map((pod, i) => ({
        ...pod,
        ...(i === 0 ? { namespace: 'shop', name: 'web-7d9c5b8f6d-x2x9q', restartsDelta: 2 } : {}),
        containers: pod.containers.map((c, k) => (i === 0 && k === 0 ? { ...c, name: 'web', restartsDelta: 2 } : c)),
      })),
    };
    const wire = overTheWire(record) as { schemaVersion: string; pods: Record<string, unknown>; containers: Record<string, unknown> };
    expect(wire.schemaVersion).toBe('2.1');
    expect(wire.pods.namespace).toEqual(['shop', null]);
    expect(wire.pods.name).toEqual(['web-7d9c5b8f6d-x2x9q', null]);
    expect(wire.pods.restarts).toEqual([2, null]);
    expect(wire.containers.restarts).toEqual([2, null, null]);
    expect(parseRecord(wire)).toEqual({ ok: true, value: record });
  });

  it('writes no 2.1 column when no pod or container has its value', () => {
    const wire = overTheWire(toRecordFixture()) as { pods: Record<string, unknown>; containers: Record<string, unknown> };
    expect(Object.keys(wire.pods).sort()).toEqual(['containers', 'hostNetwork', 'qos', 'uid']);
    expect(Object.keys(wire.containers).sort()).toEqual(['id', 'name', 'runtime']);
  });

  it('rejects a 2.1 column of the wrong length or kind, and a serial that is not a string', () => {
    const wire = overTheWire(toRecordFixture()) as { pods: Record<string, unknown>; containers: Record<string, unknown>; disks: unknown[] };
    expect(parseRecord({ ...wire, pods: { ...wire.pods, namespace: ['shop'] } })).toEqual({ ok: false, error: 'record pods.namespace has 1 items where 2 were expected' });
    expect(parseRecord({ ...wire, pods: { ...wire.pods, name: [7, null] } })).toEqual({ ok: false, error: 'record pods.name[0] is invalid: 7' });
    expect(parseRecord({ ...wire, containers: { ...wire.containers, restarts: ['1', null, null] } })).toEqual({ ok: false, error: 'record containers.restarts[0] is invalid: "1"' });
    expect(parseRecord({ ...wire, disks: [{ device: 'nvme0n1', serial: 12 }] })).toEqual({ ok: false, error: 'record disks[0].serial must be a string when present, got 12' });
  });

  it('rejects elapsedMs below 1 ms: the delta step sends it only when the monotonic clock advanced, and no agent samples faster', () => {
    const wire = overTheWire(toRecordFixture());
    expect(parseRecord({ ...wire, elapsedMs: 0 })).toEqual({ ok: false, error: 'record elapsedMs must be a number >= 1 (milliseconds) when present, got 0' });
    expect(parseRecord({ ...wire, elapsedMs: -60_000 })).toEqual({ ok: false, error: 'record elapsedMs must be a number >= 1 (milliseconds) when present, got -60000' });
    expect(parseRecord({ ...wire, elapsedMs: 0.5 })).toEqual({ ok: false, error: 'record elapsedMs must be a number >= 1 (milliseconds) when present, got 0.5' });
    expect(parseRecord({ ...wire, elapsedMs: 60_000.25 })).toEqual({ ok: true, value: { ...toRecordFixture(), elapsedMs: 60_000.25 } });
  });

  it('rejects disks, filesystems and agent figures of the wrong kind, naming the member', () => {
    const wire = overTheWire({ ...toRecordFixture(1), agent: { version: '0.2.0', collectionMs: 12.5, recordsSent: 1, retries: 0, dropped: 0, bufferedRecords: 0, rssBytes: 6e7, readErrors: 0, podsVanished: 0 } });
    const disks = wire.disks as unknown[];
    const filesystems = wire.filesystems as Record<string, unknown>[];
    expect(parseRecord({ ...wire, disks: [disks[0], { device: 7 }] })).toEqual({ ok: false, error: 'record disks[1] must be an object with a device (string), got {"device":7}' });
    expect(parseRecord({ ...wire, disks: [{ device: 'sda', deltas: { serviceBytes: {} } }] })).toEqual({ ok: false, error: 'record disks[0].deltas.serviced must be an object, got undefined' });
    expect(parseRecord({ ...wire, disks: [{ device: 'sda', deltas: { serviceBytes: {}, serviced: { read: '3' } } }] })).toEqual({ ok: false, error: 'record disks[0].deltas.serviced.read must be a finite number when present, got 3' });
    expect(parseRecord({ ...wire, filesystems: [{ ...filesystems[0], usageBytes: null }] })).toEqual({ ok: false, error: 'record filesystems[0].usageBytes must be a finite number, got null' });
    expect(parseRecord({ ...wire, filesystems: [{ ...filesystems[0], fstype: undefined }] })).toEqual({ ok: false, error: 'record filesystems[0].fstype must be a string, got undefined' });
    expect(parseRecord({ ...wire, agent: null })).toEqual({ ok: false, error: 'record agent must be an object, got null' });
    expect(parseRecord({ ...wire, agent: { ...(wire.agent as object), dropped: '0' } })).toEqual({ ok: false, error: 'record agent.dropped must be a finite number, got 0' });
    expect(parseRecord({ ...wire, disks: 'nvme0n1' })).toEqual({ ok: false, error: 'record disks must be an array, got nvme0n1' });
  });

  it('rejects a wire document without one of its groups of columns', () => {
    const wire = overTheWire(toRecordFixture()) as { cgroups: Record<string, unknown>; interfaces: Record<string, unknown> };
    expect(parseRecord({ ...wire, cgroups: { gauges: wire.cgroups.gauges } })).toEqual({ ok: false, error: 'record cgroups.deltas must be an object of columns, got undefined' });
    expect(parseRecord({ ...wire, interfaces: { ...wire.interfaces, deltas: undefined } })).toEqual({ ok: false, error: 'record interfaces.deltas must be an object of columns, got undefined' });
  });

  it('rejects a record without identity, or with tables that do not agree, naming the member', () => {
    const wire = overTheWire(toRecordFixture()) as { cgroups: { gauges: Record<string, unknown[]> }; pods: { containers: number[] }; interfaces: { pod: unknown[]; name: string[] } };
    expect(parseRecord({ ...wire, cluster: '' })).toEqual({ ok: false, error: expect.stringMatching(/cluster/) });
    const shortColumn = structuredClone(wire);
    shortColumn.cgroups.gauges.memoryWorkingSetBytes.pop();
    expect(parseRecord(shortColumn)).toEqual({ ok: false, error: expect.stringMatching(/cgroups\.gauges\.memoryWorkingSetBytes has \d+ items where \d+ were expected/) });
    const text = structuredClone(wire);
    text.cgroups.gauges.memoryWorkingSetBytes[0] = '12';
    expect(parseRecord(text)).toEqual({ ok: false, error: expect.stringMatching(/memoryWorkingSetBytes\[0\] is invalid/) });
    const counts = structuredClone(wire);
    counts.pods.containers[0] += 1;
    expect(parseRecord(counts)).toEqual({ ok: false, error: expect.stringMatching(/pods\.containers adds up to/) });
    const owner = structuredClone(wire);
    owner.interfaces.pod.push(99);
    owner.interfaces.name.push('eth9');
    expect(parseRecord(owner)).toEqual({ ok: false, error: expect.stringMatching(/interfaces\.pod\[\d+\] is invalid: 99/) });
    expect(parseRecord([1, 2])).toEqual({ ok: false, error: expect.stringMatching(/not a JSON object/) });
  });
});

describe('parseRecord: rules on values (record validation)', () => {
  const wire = () => overTheWire(toRecordFixture()) as Record<string, any>;
  const errorOf = (doc: unknown): string => {
    const result = parseRecord(doc);
    return result.ok ? 'accepted' : result.error;
  };
  /** A schema 1.x document of the fixture (one object per pod and container), with a change. */
  const legacy = (change: (r: Record<string, any>) => void): unknown => {
    const doc = JSON.parse(JSON.stringify({ ...toRecordFixture(), schemaVersion: '1.0' }));
    change(doc);
    return doc;
  };

  it('rejects cluster names EKS does not allow and node names Kubernetes does not allow', () => {
    expect(errorOf({ ...wire(), cluster: 'pay:ments' })).toBe('record cluster "pay:ments" is not a cluster name EKS allows (1-100 letters, digits, - or _, starting with a letter or digit)');
    expect(errorOf({ ...wire(), cluster: 'c'.repeat(101) })).toMatch(/^record cluster "c{79}… is not a cluster name EKS allows/);
    expect(errorOf({ ...wire(), cluster: '-leading' })).toMatch(/is not a cluster name EKS allows/);
    expect(errorOf({ ...wire(), node: 'ip-10-0-0-1:8080' })).toBe('record node "ip-10-0-0-1:8080" is not a node name Kubernetes allows (a DNS-1123 subdomain: lower-case letters, digits, - and ., at most 253 characters)');
    expect(errorOf({ ...wire(), node: 'n'.repeat(3_000) })).toMatch(/^record node "n{79}… is not a node name Kubernetes allows/);
    expect(errorOf({ ...wire(), node: 'IP-10-0-0-1' })).toMatch(/is not a node name Kubernetes allows/);
    expect(errorOf({ ...wire(), node: `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}` })).toBe('accepted');
    expect(errorOf({ ...wire(), cluster: `Prod_EU-1${'x'.repeat(91)}` })).toBe('accepted');
  });

  it('rejects negative or implausible node figures: cores, MemTotal, a figure beyond 2^53', () => {
    expect(errorOf({ ...wire(), cores: -4 })).toBe('record cores must be an integer from 1 to 4096, got -4');
    expect(errorOf({ ...wire(), cores: 0 })).toBe('record cores must be an integer from 1 to 4096, got 0');
    expect(errorOf({ ...wire(), cores: 2.5 })).toBe('record cores must be an integer from 1 to 4096, got 2.5');
    expect(errorOf({ ...wire(), memTotalBytes: -1 })).toBe(`record memTotalBytes must be an integer from 1 to ${2 ** 48}, got -1`);
    const huge = wire();
    huge.cgroups.gauges.memoryUsageBytes[1] = 1e300;
    expect(errorOf(huge)).toBe(`record pods[0].gauges.memoryUsageBytes must be a number from 0 to ${Number.MAX_SAFE_INTEGER} when present, got 1e+300`);
    const negative = wire();
    negative.cgroups.deltas.cpuUsageNs[0] = -5;
    expect(errorOf(negative)).toBe(`record node.deltas.cpuUsageNs must be a number from 0 to ${Number.MAX_SAFE_INTEGER} when present, got -5`);
    const fs = wire();
    fs.filesystems[0].capacityBytes = -80;
    expect(errorOf(fs)).toBe(`record filesystems[0].capacityBytes must be a number from 0 to ${Number.MAX_SAFE_INTEGER} when present, got -80`);
  });

  it('rejects more pods, containers, interfaces, disks or filesystems than a node has, and too many host-network pod interfaces', () => {
    const many = (n: number) => {
      const record = toRecordFixture();
      record.pods = Array.from({ length: n }, (_, i) => ({ uid: `uid-${i}`, qos: 'BestEffort' as const, gauges: {}, containers: [] }));
      return overTheWire(record);
    };
    expect(errorOf(many(RECORD_LIMITS.maxPods))).toBe('accepted');
    expect(errorOf(many(10_000))).toBe('record has 10000 pods; a node has at most 1000');
    const disks = toRecordFixture();
    disks.disks = Array.from({ length: 257 }, (_, i) => ({ device: `nvme${i}n1` }));
    expect(errorOf(overTheWire(disks))).toBe('record has 257 disks; a node has at most 256');
    const containers = toRecordFixture();
    containers.pods[0].containers = Array.from({ length: 5_001 }, (_, i) => ({ id: `c${i}`, gauges: {} }));
    expect(errorOf(overTheWire(containers))).toBe('record has 5002 containers; a node has at most 5000');
    const hostNet = toRecordFixture();
    hostNet.net = Array.from({ length: 1_100 }, (_, i) => ({ name: `eni${i}` }));
    hostNet.pods = Array.from({ length: 30 }, (_, i) => ({ uid: `uid-${i}`, qos: 'BestEffort' as const, hostNetwork: true, gauges: {}, containers: [] }));
    expect(errorOf(overTheWire(hostNet))).toBe('record has 30 host-network pods and 1100 host interfaces, 33000 pod interfaces in all; a node has at most 32768');
  });

  it('rejects pod and container names Kubernetes does not allow, and overlong identifiers', () => {
    const record = toRecordFixture();
    record.pods[0].namespace = 'Shop';
    expect(errorOf(overTheWire(record))).toBe('record pods[0].namespace "Shop" is not a namespace Kubernetes allows (a DNS-1123 label)');
    record.pods[0].namespace = 'shop';
    record.pods[0].name = 'web_1';
    expect(errorOf(overTheWire(record))).toBe('record pods[0].name "web_1" is not a pod name Kubernetes allows (a DNS-1123 subdomain)');
    record.pods[0].name = 'web-1';
    record.pods[0].containers[0].name = 'a'.repeat(64);
    expect(errorOf(overTheWire(record))).toMatch(/^record pods\[0\]\.containers\[0\]\.name "a{64}" is not a container name Kubernetes allows/);
    record.pods[0].containers[0].name = 'app';
    record.pods[0].uid = 'u'.repeat(129);
    expect(errorOf(overTheWire(record))).toMatch(/^record pods\[0\]\.uid must be a string of 1 to 128 characters/);
    record.pods[0].uid = 'uid-web';
    expect(errorOf(overTheWire(record))).toBe('accepted');
  });

  it('checks every member of a schema 1.x record, which has no columns to check them', () => {
    expect(errorOf(legacy(() => undefined))).toBe('accepted');
    expect(errorOf(legacy((r) => (r.pods[0].containers[0].gauges = { memoryUsageBytes: '1' })))).toBe(
      `record pods[0].containers[0].gauges.memoryUsageBytes must be a number from 0 to ${Number.MAX_SAFE_INTEGER} when present, got "1"`,
    );
    expect(errorOf(legacy((r) => (r.pods[0].containers[0] = 'c1')))).toBe('record pods[0].containers[0] must be an object, got "c1"');
    expect(errorOf(legacy((r) => (r.pods[1].qos = 'Gold')))).toBe('record pods[1].qos must be Guaranteed, Burstable or BestEffort, got "Gold"');
    expect(errorOf(legacy((r) => (r.pods[0].net[0].deltas = { rxBytes: -1 })))).toBe(`record pods[0].net[0].deltas.rxBytes must be a number from 0 to ${Number.MAX_SAFE_INTEGER} when present, got -1`);
    expect(errorOf(legacy((r) => (r.net = [{ name: '' }])))).toBe('record net[0].name must be a string of 1 to 128 characters, got ""');
    expect(errorOf(legacy((r) => (r.pods[1].hostNetwork = 'yes')))).toBe('record pods[1].hostNetwork must be a boolean when present, got "yes"');
  });
});

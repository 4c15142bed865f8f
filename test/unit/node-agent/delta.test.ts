import type { NodeSample } from '../../../node-agent/collect/node-sample';
import { toNodeRecord } from '../../../node-agent/delta';
import { parseRecordJson, toRecordJson } from '../../../core/record/record-data';

const UID = 'a1b2c3d4-e5f6-4789-9abc-def012345678';
const CID = 'ab'.repeat(32);

function sample(monotonicMs: number, n: number, overrides: Partial<NodeSample> = {}): NodeSample {
  return {
    timeMs: 1_700_000_000_000 + monotonicMs,
    monotonicMs,
    cgroupVersion: 2,
    cores: 4,
    memTotalBytes: 16e9,
    root: { gauges: { memoryUsageBytes: 1000 + n, memoryWorkingSetBytes: 800 }, counters: { cpuUsageNs: 1e9 * n, memoryPgfault: 10 * n } },
    net: [{ name: 'eth0', counters: { rxBytes: 100 * n, txBytes: 50 * n } }],
    disks: [{ device: 'nvme0n1', serviceBytes: { read: 512 * n, write: 1024 * n }, serviced: { read: n, write: 2 * n } }],
    filesystems: [{ device: '/dev/nvme0n1p1', mountpoint: '/', fstype: 'xfs', capacityBytes: 100, usageBytes: 40, availableBytes: 60 }],
    pods: [{
      uid: UID, qos: 'Burstable', hostNetwork: false,
      cgroup: { gauges: { memoryUsageBytes: 500 }, counters: { cpuUsageNs: 1e8 * n, cpuThrottledPeriods: n } },
      net: [{ name: 'eth0', counters: { rxBytes: 10 * n } }],
      containers: [{ id: CID, runtime: 'containerd', cgroup: { gauges: { memoryUsageBytes: 400 }, counters: { cpuUsageNs: 9e7 * n } } }],
    }],
    readErrors: 0,
    podsVanished: 0,
    ...overrides,
  };
}
const identity = { cluster: 'prod', node: 'ip-10-0-1-2.ec2.internal' };

describe('toNodeRecord', () => {
  it('carries gauges only on the first sample after a start', () => {
    const { record, next } = toNodeRecord(undefined, sample(10_000, 1), identity);
    expect(record).not.toHaveProperty('elapsedMs');
    expect(record).not.toHaveProperty('deltas');
    expect(record.gauges).toEqual({ memoryUsageBytes: 1001, memoryWorkingSetBytes: 800 });
    expect(record.net).toEqual([{ name: 'eth0' }]);
    expect(record.disks).toEqual([{ device: 'nvme0n1' }]);
    expect(record.pods[0]).not.toHaveProperty('deltas');
    expect(record.pods[0].containers[0]).toEqual({ id: CID, runtime: 'containerd', gauges: { memoryUsageBytes: 400 } });
    expect(next.monotonicMs).toBe(10_000);
    expect(parseRecordJson(toRecordJson(record))).toEqual({ ok: true, value: record });
  });

  it('sends counter increases over the monotonic elapsed time for the node, interfaces, disks, pods and containers', () => {
    const first = toNodeRecord(undefined, sample(10_000, 1), identity);
    const { record } = toNodeRecord(first.next, sample(70_000, 3), identity);
    expect(record).toMatchObject({ cluster: 'prod', node: 'ip-10-0-1-2.ec2.internal', elapsedMs: 60_000, timeMs: 1_700_000_070_000 });
    expect(record.deltas).toEqual({ cpuUsageNs: 2e9, memoryPgfault: 20 });
    expect(record.net).toEqual([{ name: 'eth0', deltas: { rxBytes: 200, txBytes: 100 } }]);
    expect(record.disks).toEqual([{ device: 'nvme0n1', deltas: { serviceBytes: { read: 1024, write: 2048 }, serviced: { read: 2, write: 4 } } }]);
    expect(record.pods[0].deltas).toEqual({ cpuUsageNs: 2e8, cpuThrottledPeriods: 2 });
    expect(record.pods[0].net).toEqual([{ name: 'eth0', deltas: { rxBytes: 20 } }]);
    expect(record.pods[0].containers[0].deltas).toEqual({ cpuUsageNs: 1.8e8 });
  });

  it('gives no delta for a counter that went backwards and keeps the others', () => {
    const first = toNodeRecord(undefined, sample(10_000, 5), identity);
    const reset = sample(70_000, 6);
    reset.root.counters.cpuUsageNs = 1;
    reset.pods[0].containers[0].cgroup.counters.cpuUsageNs = 5;
    const { record } = toNodeRecord(first.next, reset, identity);
    expect(record.deltas).toEqual({ memoryPgfault: 10 });
    expect(record.pods[0].containers[0].deltas).toEqual({});
    expect(record.pods[0].deltas).toEqual({ cpuUsageNs: 1e8, cpuThrottledPeriods: 1 });
  });

  it('gives no deltas to a pod or container first seen in this sample', () => {
    const first = toNodeRecord(undefined, sample(10_000, 1, { pods: [] }), identity);
    const { record } = toNodeRecord(first.next, sample(70_000, 2), identity);
    expect(record.deltas).toBeDefined();
    expect(record.pods[0]).not.toHaveProperty('deltas');
    expect(record.pods[0].containers[0]).not.toHaveProperty('deltas');
  });

  it('sends gauges only when the monotonic clock did not advance', () => {
    const first = toNodeRecord(undefined, sample(10_000, 1), identity);
    const { record } = toNodeRecord(first.next, sample(10_000, 2), identity);
    expect(record).not.toHaveProperty('elapsedMs');
    expect(record).not.toHaveProperty('deltas');
  });

  it('carries the agent figures it is given', () => {
    const agent = { version: '0.1.0', collectionMs: 3.2, recordsSent: 1, retries: 0, dropped: 0, bufferedRecords: 0, rssBytes: 40e6, readErrors: 2, podsVanished: 1 };
    expect(toNodeRecord(undefined, sample(1, 1), { ...identity, agent }).record.agent).toEqual(agent);
  });
});

describe('toNodeRecord with the node-local identity', () => {
  const CID2 = 'cd'.repeat(32);
  const CID3 = 'ef'.repeat(32);
  /** A sample whose pod has a name and the given restart counts, and one container cgroup per [id, name]. */
  function named(monotonicMs: number, counts: [string, number][] | undefined, containers: [string, string | undefined][] = [[CID, 'api']]): NodeSample {
    const base = sample(monotonicMs, 1);
    return {
      ...base,
      disks: [{ ...base.disks[0], serial: 'vol0123456789abcdef0' }],
      pods: [{
        ...base.pods[0],
        namespace: 'payments',
        name: 'api-0',
        ...(counts ? { restartCounts: new Map(counts) } : {}),
        containers: containers.map(([id, name]) => ({ id, ...(name ? { name } : {}), cgroup: { gauges: { memoryUsageBytes: 400 }, counters: { cpuUsageNs: 9e7 } } })),
      }],
    };
  }
  const step = (samples: NodeSample[]) => {
    let previous: NodeSample | undefined;
    return samples.map((s) => {
      const { record, next } = toNodeRecord(previous, s, identity);
      previous = next;
      return record;
    });
  };

  it('carries names and serials, and no restart increase on a pod\'s first sample', () => {
    const [record] = step([named(10_000, [['api', 3]])]);
    expect(record.pods[0]).toMatchObject({ namespace: 'payments', name: 'api-0' });
    expect(record.pods[0]).not.toHaveProperty('restartsDelta');
    expect(record.pods[0].containers[0]).toEqual({ id: CID, name: 'api', gauges: { memoryUsageBytes: 400 } });
    expect(record.disks).toEqual([{ device: 'nvme0n1', serial: 'vol0123456789abcdef0' }]);
    expect(parseRecordJson(toRecordJson(record))).toEqual({ ok: true, value: record });
  });

  it('sends the increase per container name, also to the new container of a restart, and sums the pod\'s including containers without a cgroup', () => {
    const records = step([
      named(10_000, [['api', 1], ['envoy', 0], ['log-shipper', 4]], [[CID, 'api'], [CID2, 'envoy']]),
      // api restarted (new id CID3), log-shipper crash-looped twice and has no cgroup now.
      named(70_000, [['api', 2], ['envoy', 0], ['log-shipper', 6]], [[CID3, 'api'], [CID2, 'envoy']]),
      named(130_000, [['api', 2], ['envoy', 0], ['log-shipper', 6]], [[CID3, 'api'], [CID2, 'envoy']]),
    ]);
    expect(records[1].pods[0].restartsDelta).toBe(3);
    expect(records[1].pods[0].containers.map((c) => [c.id, c.restartsDelta])).toEqual([[CID3, 1], [CID2, 0]]);
    // The new container has no cgroup deltas yet: its cgroup is new.
    expect(records[1].pods[0].containers[0]).not.toHaveProperty('deltas');
    expect(records[2].pods[0].restartsDelta).toBe(0);
    expect(records[2].pods[0].containers.map((c) => c.restartsDelta)).toEqual([0, 0]);
    for (const record of records) expect(parseRecordJson(toRecordJson(record))).toEqual({ ok: true, value: record });
  });

  it('gives no negative increase when a count goes down, and counts nothing again when it comes back', () => {
    const records = step([
      named(10_000, [['api', 5]]),
      named(70_000, [['api', 2]]),
      named(130_000, [['api', 5]]),
      named(190_000, [['api', 6]]),
    ]);
    expect(records.map((r) => r.pods[0].restartsDelta)).toEqual([undefined, 0, 0, 1]);
  });

  it('keeps the count of a name missing from one sample, so a restart meanwhile is counted once when it is back', () => {
    const records = step([
      named(10_000, [['api', 1], ['envoy', 0]]),
      named(70_000, [['envoy', 0]]),
      named(130_000, [['api', 2], ['envoy', 0]]),
    ]);
    expect(records.map((r) => r.pods[0].restartsDelta)).toEqual([undefined, 0, 1]);
  });

  it('has no increase for a name first counted now, nor for a pod none of whose names was counted before', () => {
    const records = step([
      named(10_000, [['api', 0]], [[CID, 'api'], [CID2, 'debugger']]),
      named(70_000, [['api', 1], ['debugger', 0]], [[CID, 'api'], [CID2, 'debugger']]),
      named(130_000, [['worker', 0]], [[CID3, 'worker']]),
    ]);
    expect(records[1].pods[0].restartsDelta).toBe(1);
    expect(records[1].pods[0].containers.map((c) => c.restartsDelta)).toEqual([1, undefined]);
    expect(records[2].pods[0]).not.toHaveProperty('restartsDelta');
  });

  it('has no increase when the previous sample had no counts (the log layout was unreadable)', () => {
    const records = step([named(10_000, undefined), named(70_000, [['api', 1]]), named(130_000, [['api', 1]])]);
    expect(records.map((r) => r.pods[0].restartsDelta)).toEqual([undefined, undefined, 0]);
  });

  it('gives the increase of a name held by two containers (the old one not gone yet) to the pod only', () => {
    const records = step([
      named(10_000, [['api', 1]], [[CID, 'api']]),
      named(70_000, [['api', 2]], [[CID, 'api'], [CID3, 'api']]),
    ]);
    expect(records[1].pods[0].restartsDelta).toBe(1);
    expect(records[1].pods[0].containers.map((c) => c.restartsDelta)).toEqual([undefined, undefined]);
  });

  it('leaves the previous sample as it was', () => {
    const first = named(10_000, [['api', 5]]);
    const { next } = toNodeRecord(undefined, first, identity);
    const second = toNodeRecord(next, named(70_000, [['api', 2]]), identity);
    expect(first.pods[0].restartCounts).toEqual(new Map([['api', 5]]));
    expect(second.next.pods[0].restartCounts).toEqual(new Map([['api', 5]]));
  });
});

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

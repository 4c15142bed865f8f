import type { NodeMetadata, PodMetadata } from '../../core/node-metadata';
import type { NodeRecord, PodSample } from '../../core/record';

/** Hand-built inputs with round numbers so that expected values can be computed by hand. */

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;
export const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
export const idA1 = 'a1'.padEnd(64, '0');
export const idA2 = 'a2'.padEnd(64, '0');
export const idB1 = 'b1'.padEnd(64, '0');

/** Pod "web" (Deployment, 2 containers, limits set), pod "report" (CronJob's Job, no limits). 60 s interval, 4 cores, 16 GiB. */
export function toRecordFixture(cgroupVersion: 1 | 2 = 2): NodeRecord {
  const v1 = cgroupVersion === 1;
  const web: PodSample = {
    uid: 'uid-web',
    qos: 'Burstable',
    gauges: { memoryWorkingSetBytes: 512 * MiB, memoryUsageBytes: 600 * MiB, memoryRssBytes: 400 * MiB, memoryCacheBytes: 100 * MiB, memoryFailcnt: v1 ? 3 : 0 },
    deltas: { cpuUsageNs: 30e9, cpuUserNs: 20e9, cpuSystemNs: 10e9, memoryPgfault: 600, memoryPgmajfault: 6 },
    net: [{ name: 'eth0', deltas: { rxBytes: 1.2e6, txBytes: 0.6e6, rxPackets: 1200, txPackets: 600, rxDropped: 0, txDropped: 0, rxErrors: 0, txErrors: 0 } }],
    containers: [
      { id: idA1, runtime: 'containerd', gauges: { memoryWorkingSetBytes: 256 * MiB }, deltas: { cpuUsageNs: 18e9 } },
      { id: idA2, runtime: 'containerd', gauges: { memoryWorkingSetBytes: 128 * MiB }, deltas: { cpuUsageNs: 12e9 } },
    ],
  };
  const report: PodSample = {
    uid: 'uid-report',
    qos: 'BestEffort',
    gauges: { memoryWorkingSetBytes: 64 * MiB },
    deltas: { cpuUsageNs: 6e9 },
    hostNetwork: true,
    containers: [{ id: idB1, gauges: { memoryWorkingSetBytes: 60 * MiB }, deltas: { cpuUsageNs: 6e9 } }],
  };
  return {
    cluster: 'prod',
    node: 'ip-10-0-0-1.ec2.internal',
    timeMs: T0,
    elapsedMs: 60_000,
    cgroupVersion,
    cores: 4,
    memTotalBytes: 16 * GiB,
    gauges: {
      memoryUsageBytes: 10 * GiB,
      memoryWorkingSetBytes: 8 * GiB,
      memoryRssBytes: 6 * GiB,
      memoryCacheBytes: 3 * GiB,
      memoryMappedFileBytes: 256 * MiB,
      memorySwapBytes: 0,
      memoryMaxUsageBytes: v1 ? 12 * GiB : 0,
      memoryFailcnt: v1 ? 7 : 0,
    },
    deltas: { cpuUsageNs: 120e9, cpuUserNs: 90e9, cpuSystemNs: 30e9, memoryPgfault: 6000, memoryPgmajfault: 60 },
    net: [
      { name: 'eth0', deltas: { rxBytes: 6e6, txBytes: 3e6, rxPackets: 6000, txPackets: 3000, rxDropped: 6, txDropped: 0, rxErrors: 0, txErrors: 0 } },
      { name: 'eni1', deltas: { rxBytes: 0.6e6, txBytes: 0 } },
    ],
    disks: [
      {
        device: 'nvme0n1',
        deltas: v1
          ? { serviceBytes: { read: 6e6, write: 12e6, sync: 10e6, async: 8e6, total: 18e6 }, serviced: { read: 60, write: 120, sync: 100, async: 80, total: 180 } }
          : { serviceBytes: { read: 6e6, write: 12e6 }, serviced: { read: 60, write: 120 } },
      },
    ],
    filesystems: [{ device: '/dev/nvme0n1p1', mountpoint: '/', fstype: 'xfs', capacityBytes: 80 * GiB, usageBytes: 20 * GiB, availableBytes: 60 * GiB, inodes: 1000, inodesFree: 900 }],
    pods: [web, report],
  };
}

const container = (name: string, runtimeId: string | undefined, extra: Partial<PodMetadata['containers'][number]> = {}): PodMetadata['containers'][number] => ({
  name,
  runtimeId,
  runtime: runtimeId ? 'containerd' : undefined,
  requests: {},
  limits: {},
  state: 'Running',
  restartCount: 0,
  ...extra,
});

export function toMetadataFixture(): NodeMetadata {
  return {
    version: 1,
    cluster: 'prod',
    node: 'ip-10-0-0-1.ec2.internal',
    instanceId: 'i-0123456789abcdef0',
    instanceType: 'm5.xlarge',
    autoScalingGroup: 'eks-ng-1',
    capacity: { cpuMillicores: 4000, memoryBytes: 16 * GiB, pods: 58 },
    allocatable: { cpuMillicores: 3920, memoryBytes: 15 * GiB, pods: 58 },
    conditions: { Ready: 'True' },
    observedAtMs: T0 - 30_000,
    pods: [
      {
        uid: 'uid-web',
        name: 'web-7d9f8b6c5-x2x4q',
        namespace: 'shop',
        workloadName: 'web',
        owners: [{ kind: 'Deployment', name: 'web' }],
        labels: { app: 'web' },
        services: ['web-svc', 'web-internal'],
        phase: 'Running',
        conditions: { ready: 'True', scheduled: 'True' },
        restartDelta: 2,
        containers: [
          container('app', idA1, { requests: { cpuMillicores: 250, memoryBytes: 256 * MiB }, limits: { cpuMillicores: 500, memoryBytes: 512 * MiB }, restartDelta: 2, lastTerminationReason: 'OOMKilled' }),
          container('sidecar', idA2, { requests: { cpuMillicores: 250, memoryBytes: 256 * MiB }, limits: { cpuMillicores: 500, memoryBytes: 512 * MiB }, restartDelta: 0 }),
        ],
      },
      {
        uid: 'uid-report',
        name: 'report-28930120-abcde',
        namespace: 'batch',
        workloadName: 'report',
        owners: [{ kind: 'CronJob', name: 'report' }],
        labels: {},
        services: [],
        phase: 'Running',
        conditions: { ready: 'True', scheduled: 'True' },
        containers: [container('job', idB1, { requests: { cpuMillicores: 100 } })],
      },
      {
        uid: 'uid-done',
        name: 'migrate-abcde',
        namespace: 'shop',
        workloadName: 'migrate',
        owners: [{ kind: 'Job', name: 'migrate' }],
        labels: {},
        services: [],
        phase: 'Succeeded',
        conditions: { ready: 'False', scheduled: 'True' },
        containers: [container('migrate', undefined, { requests: { cpuMillicores: 1000, memoryBytes: GiB }, state: 'Terminated', stateReason: 'Completed' })],
      },
    ],
  };
}

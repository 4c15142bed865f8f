import { toCiRecords } from '../../../../lambdas/enricher/enrich';
import { createEnrichCache } from '../../../../lambdas/enricher/enrich-cache';
import { toMillicores, toRate } from '../../../../lambdas/enricher/formulas';
import { withUnchangedPods } from '../../../../core/node-metadata';
import { PROFILES } from '../../../../core/metrics/profiles';
import { createEmfEncoder } from '../../../../core/emf';
import type { CiRecord } from '../../../../core/ci-record';
import type { CiType } from '../../../../core/metrics/catalog';
import { expectValidEmf } from '../../../helpers/emf-validator';
import { GiB, MiB, T0, idA1, idB1, toMetadataFixture, toRecordFixture } from '../../../helpers/record-fixtures';

const classic = { profile: PROFILES.classic };
const enhanced = { profile: PROFILES.enhanced };
const ofType = <T extends CiType>(records: CiRecord[], type: T) => records.filter((r) => r.type === type) as CiRecord<T>[];
const podNamed = (records: CiRecord[], name: string) => ofType(records, 'Pod').find((r) => r.kubernetes?.pod_name === name) as CiRecord<'Pod'>;

// Every emitted record of every test passes the EMF validator under each built-in profile.
function validated(records: CiRecord[]): CiRecord[] {
  for (const profile of Object.values(PROFILES)) {
    const encoder = createEmfEncoder(profile);
    for (const r of records) expectValidEmf(encoder.encode(r));
  }
  return records;
}

describe('rates', () => {
  it('computes per-second rates and millicores over the elapsed time', () => {
    expect(toRate(600, 60_000)).toBe(10);
    expect(toMillicores(30e9, 60_000)).toBe(500);
  });
  it('gives no rate for zero elapsed time, a missing delta (counter reset) or a negative delta', () => {
    expect(toRate(600, 0)).toBeUndefined();
    expect(toRate(undefined, 60_000)).toBeUndefined();
    expect(toRate(-1, 60_000)).toBeUndefined();
    expect(toMillicores(1e9, undefined)).toBeUndefined();
  });
});

describe.each([1, 2] as const)('toCiRecords on cgroup v%s input', (cgroupVersion) => {
  const { records } = toCiRecords(toRecordFixture(cgroupVersion), toMetadataFixture(), classic, createEnrichCache());
  validated(records);

  it('emits one Node, NodeFS per filesystem, NodeDiskIO per device, NodeNet per interface, Pod/Container per sample, PodNet per pod interface', () => {
    const counts = records.reduce<Record<string, number>>((c, r) => ({ ...c, [r.type]: (c[r.type] ?? 0) + 1 }), {});
    // PodNet: web's eth0, and the host's eth0 and eni1 for report, on the host network.
    expect(counts).toEqual({ Node: 1, NodeFS: 1, NodeDiskIO: 1, NodeNet: 2, Pod: 2, PodNet: 3, Container: 3 });
  });

  it('computes the Node CPU, memory, network, request and count metrics by the catalog formulas', () => {
    const [node] = ofType(records, 'Node');
    expect(node.metrics).toMatchObject({
      node_cpu_usage_total: 2000, // 120 s of CPU over 60 s
      node_cpu_usage_user: 1500,
      node_cpu_usage_system: 500,
      node_cpu_utilization: 50, // 2000 / 4000
      node_cpu_limit: 4000,
      node_cpu_request: 600, // web 500 + report 100; the Succeeded pod is ignored
      node_cpu_reserved_capacity: 15,
      node_memory_working_set: 8 * GiB,
      node_memory_utilization: 50,
      node_memory_limit: 16 * GiB,
      node_memory_request: 512 * MiB,
      node_memory_reserved_capacity: (512 * MiB) / (16 * GiB) * 100,
      node_memory_pgfault: 100,
      node_memory_pgmajfault: 1,
      node_memory_hierarchical_pgfault: 100,
      node_memory_hierarchical_pgmajfault: 1,
      node_memory_failures_total: 101,
      node_network_rx_bytes: 110_000, // eth0 100 kB/s + eni1 10 kB/s
      node_network_tx_bytes: 50_000,
      node_network_total_bytes: 160_000,
      node_network_rx_dropped: 0.1,
      node_number_of_running_pods: 2,
      node_number_of_running_containers: 3,
      node_memory_failcnt: cgroupVersion === 1 ? 7 : 0,
    });
    expect(node.attributes).toEqual({
      ClusterName: 'prod',
      NodeName: 'ip-10-0-0-1.ec2.internal',
      InstanceId: 'i-0123456789abcdef0',
      InstanceType: 'm5.xlarge',
      AutoScalingGroupName: 'eks-ng-1',
    });
    expect(node.sources).toEqual(['cadvisor', '/proc', 'pod', 'calculated']);
    expect(node.kubernetes).toEqual({ host: 'ip-10-0-0-1.ec2.internal' });
    expect(node.timestampMs).toBe(T0);
  });

  it('computes NodeFS usage, utilization and inodes with device and fstype attributes', () => {
    const [fs] = ofType(records, 'NodeFS');
    expect(fs.metrics).toEqual({
      node_filesystem_usage: 20 * GiB,
      node_filesystem_capacity: 80 * GiB,
      node_filesystem_available: 60 * GiB,
      node_filesystem_utilization: 25,
      node_filesystem_inodes: 1000,
      node_filesystem_inodes_free: 900,
    });
    expect(fs.attributes).toMatchObject({ device: '/dev/nvme0n1p1', fstype: 'xfs' });
  });

  it('emits the disk operations the cgroup version reports (v2: read and write only)', () => {
    const [disk] = ofType(records, 'NodeDiskIO');
    expect(disk.attributes.device).toBe('/dev/nvme0n1');
    expect(disk.metrics.node_diskio_io_service_bytes_read).toBe(100_000);
    expect(disk.metrics.node_diskio_io_serviced_write).toBe(2);
    if (cgroupVersion === 1) expect(disk.metrics.node_diskio_io_service_bytes_total).toBe(300_000);
    else expect(Object.keys(disk.metrics).filter((k) => disk.metrics[k as keyof typeof disk.metrics] !== undefined).sort()).toEqual(['node_diskio_io_service_bytes_read', 'node_diskio_io_service_bytes_write', 'node_diskio_io_serviced_read', 'node_diskio_io_serviced_write']);
  });

  it('emits per-interface NodeNet rates with the interface attribute', () => {
    const eth0 = ofType(records, 'NodeNet').find((r) => r.attributes.interface === 'eth0');
    expect(eth0?.metrics).toMatchObject({ node_interface_network_rx_bytes: 100_000, node_interface_network_tx_bytes: 50_000, node_interface_network_total_bytes: 150_000 });
  });
});

describe('Pod records', () => {
  const { records } = toCiRecords(toRecordFixture(), toMetadataFixture(), classic, createEnrichCache());

  it('computes pod CPU and memory against the node capacity and the pod limits', () => {
    expect(podNamed(records, 'web-7d9f8b6c5-x2x4q').metrics).toMatchObject({
      pod_cpu_usage_total: 500,
      pod_cpu_utilization: 12.5,
      pod_cpu_request: 500,
      pod_cpu_reserved_capacity: 12.5,
      pod_cpu_limit: 1000,
      pod_cpu_utilization_over_pod_limit: 50,
      pod_memory_working_set: 512 * MiB,
      pod_memory_utilization: (512 * MiB) / (16 * GiB) * 100,
      pod_memory_request: 512 * MiB,
      pod_memory_limit: 1024 * MiB,
      pod_memory_utilization_over_pod_limit: 50,
      pod_network_rx_bytes: 20_000,
      pod_network_tx_bytes: 10_000,
      pod_network_total_bytes: 30_000,
      pod_number_of_containers: 2,
      pod_number_of_running_containers: 2,
      pod_number_of_container_restarts: 2,
      pod_memory_pgfault: 10,
    });
  });

  it('omits limits and over-limit ratios when a container sets no limit', () => {
    const report = podNamed(records, 'report-28930120-abcde');
    expect(report.metrics.pod_cpu_request).toBe(100);
    for (const absent of ['pod_cpu_limit', 'pod_cpu_utilization_over_pod_limit', 'pod_memory_limit', 'pod_memory_request', 'pod_number_of_container_restarts'] as const) {
      expect(report.metrics[absent]).toBeUndefined();
    }
  });

  it('gives a host-network pod the host interfaces as its network, in pod_network_* and PodNet events, as cAdvisor reads them', () => {
    const report = podNamed(records, 'report-28930120-abcde');
    expect(report.metrics).toMatchObject({ pod_network_rx_bytes: 110_000, pod_network_tx_bytes: 50_000, pod_network_total_bytes: 160_000, pod_network_rx_dropped: 0.1 });
    const nets = ofType(records, 'PodNet').filter((r) => r.kubernetes?.pod_id === 'uid-report');
    expect(nets.map((r) => [r.attributes.interface, r.attributes.PodName, r.metrics.pod_interface_network_rx_bytes])).toEqual([
      ['eth0', 'report', 100_000],
      ['eni1', 'report', 10_000],
    ]);
  });

  it('sets PodName from the resolved workload, Namespace, the first Service and pod_status', () => {
    const web = podNamed(records, 'web-7d9f8b6c5-x2x4q');
    expect(web.attributes).toMatchObject({ PodName: 'web', Namespace: 'shop', Service: 'web-svc', pod_status: 'Running' });
    expect(web.attributes.FullPodName).toBeUndefined();
    expect(web.kubernetes).toEqual({
      host: 'ip-10-0-0-1.ec2.internal',
      namespace_name: 'shop',
      pod_name: 'web-7d9f8b6c5-x2x4q',
      pod_id: 'uid-web',
      service_name: 'web-svc',
      labels: { app: 'web' },
      pod_owners: [{ owner_kind: 'Deployment', owner_name: 'web' }],
    });
    expect(web.sources).toEqual(['cadvisor', 'pod', 'calculated']);
  });

  it('leaves out Service, labels and owners when the pod has none', () => {
    const report = podNamed(records, 'report-28930120-abcde');
    expect(report.attributes.Service).toBeUndefined();
    expect(report.attributes.PodName).toBe('report');
    expect(report.kubernetes).not.toHaveProperty('service_name');
    expect(report.kubernetes).not.toHaveProperty('labels');
  });

  it('carries owners resolved by the poller: CronJob, StatefulSet (own name) and bare pods', () => {
    const metadata = toMetadataFixture();
    metadata.pods[0].owners = [{ kind: 'StatefulSet', name: 'db' }];
    metadata.pods[0].workloadName = 'web-7d9f8b6c5-x2x4q';
    metadata.pods[1].owners = [];
    const { records: out } = toCiRecords(toRecordFixture(), metadata, classic, createEnrichCache());
    expect(podNamed(out, 'web-7d9f8b6c5-x2x4q').kubernetes?.pod_owners).toEqual([{ owner_kind: 'StatefulSet', owner_name: 'db' }]);
    expect(podNamed(out, 'web-7d9f8b6c5-x2x4q').attributes.PodName).toBe('web-7d9f8b6c5-x2x4q');
    expect(podNamed(out, 'report-28930120-abcde').kubernetes).not.toHaveProperty('pod_owners');
    expect(podNamed(toCiRecords(toRecordFixture(), toMetadataFixture(), classic, createEnrichCache()).records, 'report-28930120-abcde').kubernetes?.pod_owners).toEqual([{ owner_kind: 'CronJob', owner_name: 'report' }]);
  });

  it('caps a pod request at the node capacity', () => {
    const metadata = toMetadataFixture();
    metadata.pods[1].containers[0].requests = { cpuMillicores: 10_000, memoryBytes: 64 * GiB };
    const { records: out } = toCiRecords(toRecordFixture(), metadata, classic, createEnrichCache());
    expect(podNamed(out, 'report-28930120-abcde').metrics).toMatchObject({ pod_cpu_request: 4000, pod_cpu_reserved_capacity: 100, pod_memory_request: 16 * GiB });
    expect(ofType(out, 'Node')[0].metrics.node_cpu_request).toBe(4500);
  });

  it('emits PodNet per pod interface without pod_status', () => {
    const [podNet] = ofType(records, 'PodNet');
    expect(podNet.attributes).toMatchObject({ interface: 'eth0', PodName: 'web', Namespace: 'shop' });
    expect(podNet.attributes.pod_status).toBeUndefined();
    expect(podNet.metrics).toMatchObject({ pod_interface_network_rx_bytes: 20_000, pod_interface_network_rx_packets: 20 });
  });
});

describe('Container records', () => {
  const { records } = toCiRecords(toRecordFixture(), toMetadataFixture(), classic, createEnrichCache());
  const app = ofType(records, 'Container').find((r) => r.kubernetes?.container_name === 'app') as CiRecord<'Container'>;

  it('computes container CPU and memory with its own requests and limits and restarts', () => {
    expect(app.metrics).toMatchObject({
      container_cpu_usage_total: 300,
      container_cpu_utilization: 7.5,
      container_cpu_limit: 500,
      container_cpu_request: 250,
      container_memory_working_set: 256 * MiB,
      container_memory_utilization: (256 * MiB) / (16 * GiB) * 100,
      container_memory_limit: 512 * MiB,
      container_memory_request: 256 * MiB,
      number_of_container_restarts: 2,
    });
    expect(app.metrics.container_cpu_utilization_over_container_limit).toBeUndefined();
  });

  it('puts the runtime id under the runtime key and the state attributes at the root', () => {
    expect(app.kubernetes).toMatchObject({ container_name: 'app', containerd: { container_id: idA1 }, pod_id: 'uid-web', pod_name: 'web-7d9f8b6c5-x2x4q' });
    expect(app.attributes).toMatchObject({ container_status: 'Running', container_last_termination_reason: 'OOMKilled', PodName: 'web' });
    const job = ofType(records, 'Container').find((r) => r.kubernetes?.container_name === 'job');
    expect(job?.kubernetes).toMatchObject({ containerd: { container_id: idB1 } });
  });
});

describe('enhanced profile', () => {
  const metadata = toMetadataFixture();
  metadata.pods[1].containers[0].state = 'Waiting';
  metadata.pods[1].containers[0].stateReason = 'ImagePullBackOff';
  const { records } = toCiRecords(toRecordFixture(), metadata, enhanced, createEnrichCache());
  validated(records);

  it('adds pod status and container status counts', () => {
    expect(podNamed(records, 'web-7d9f8b6c5-x2x4q').metrics).toMatchObject({
      pod_status_running: 1,
      pod_status_pending: 0,
      pod_status_succeeded: 0,
      pod_status_failed: 0,
      pod_status_ready: 1,
      pod_status_scheduled: 1,
      pod_status_unknown: 0,
      pod_container_status_running: 2,
      pod_container_status_waiting: 0,
      pod_container_status_terminated: 0,
      pod_container_status_terminated_reason_oom_killed: 1,
    });
    const report = podNamed(records, 'report-28930120-abcde');
    expect(report.metrics).toMatchObject({ pod_container_status_waiting: 1, pod_container_status_waiting_reason_image_pull_error: 1 });
    expect(report.metrics.pod_container_status_waiting_reason_crash_loop_back_off).toBeUndefined();
  });

  it('adds the over-container-limit ratios, FullPodName and ContainerName', () => {
    const app = ofType(records, 'Container').find((r) => r.kubernetes?.container_name === 'app') as CiRecord<'Container'>;
    expect(app.metrics).toMatchObject({ container_cpu_utilization_over_container_limit: 60, container_memory_utilization_over_container_limit: 50 });
    expect(app.attributes).toMatchObject({ FullPodName: 'web-7d9f8b6c5-x2x4q', ContainerName: 'app' });
  });
});

describe('edge cases', () => {
  it('emits gauges but no rates, and no NodeDiskIO/NodeNet/PodNet records, when elapsed time is zero', () => {
    const record = { ...toRecordFixture(), elapsedMs: 0 };
    const { records } = toCiRecords(record, toMetadataFixture(), classic, createEnrichCache());
    validated(records);
    const [node] = ofType(records, 'Node');
    expect(node.metrics.node_cpu_usage_total).toBeUndefined();
    expect(node.metrics.node_cpu_utilization).toBeUndefined();
    expect(node.metrics.node_network_total_bytes).toBeUndefined();
    expect(node.metrics.node_memory_working_set).toBe(8 * GiB);
    expect(records.filter((r) => ['NodeDiskIO', 'NodeNet', 'PodNet'].includes(r.type))).toHaveLength(0);
  });

  it('emits gauges only for the first record after an agent start (no elapsedMs, no deltas)', () => {
    const record = toRecordFixture();
    delete record.elapsedMs;
    delete record.deltas;
    const { records } = toCiRecords(record, toMetadataFixture(), classic, createEnrichCache());
    expect(ofType(records, 'Node')[0].metrics.node_cpu_usage_total).toBeUndefined();
    expect(podNamed(records, 'web-7d9f8b6c5-x2x4q').metrics.pod_memory_working_set).toBe(512 * MiB);
  });

  it('treats an absent counter delta (counter reset) as no rate for that counter only', () => {
    const record = toRecordFixture();
    delete record.deltas!.cpuUsageNs;
    const { records } = toCiRecords(record, toMetadataFixture(), classic, createEnrichCache());
    const [node] = ofType(records, 'Node');
    expect(node.metrics.node_cpu_usage_total).toBeUndefined();
    expect(node.metrics.node_cpu_usage_user).toBe(1500);
  });

  it('writes pods missing from the metadata without PodName or Namespace, and counts them', () => {
    const metadata = toMetadataFixture();
    metadata.pods = metadata.pods.filter((p) => p.uid !== 'uid-report');
    const result = toCiRecords(toRecordFixture(), metadata, classic, createEnrichCache());
    validated(result.records);
    expect(result.podsWithoutMetadata).toBe(1);
    const orphan = ofType(result.records, 'Pod').find((r) => r.kubernetes?.pod_id === 'uid-report') as CiRecord<'Pod'>;
    expect(orphan.attributes.PodName).toBeUndefined();
    expect(orphan.attributes.Namespace).toBeUndefined();
    expect(orphan.metrics.pod_cpu_usage_total).toBe(100);
    expect(orphan.metrics.pod_cpu_request).toBeUndefined();
    expect(ofType(result.records, 'Container').find((r) => r.kubernetes?.pod_id === 'uid-report')?.kubernetes).toEqual({ host: 'ip-10-0-0-1.ec2.internal', pod_id: 'uid-report', container_id: idB1 });
  });

  it('counts containers of a known pod that the metadata does not list', () => {
    const metadata = toMetadataFixture();
    metadata.pods[0].containers = metadata.pods[0].containers.slice(0, 1);
    const result = toCiRecords(toRecordFixture(), metadata, classic, createEnrichCache());
    expect(result.containersWithoutMetadata).toBe(1);
    expect(result.podsWithoutMetadata).toBe(0);
  });

  it('writes node-level events without instance attributes or request metrics when the node has no metadata document', () => {
    const result = toCiRecords(toRecordFixture(), undefined, classic, createEnrichCache());
    validated(result.records);
    expect(result.nodeWithoutMetadata).toBe(true);
    expect(result.podsWithoutMetadata).toBe(2);
    const [node] = ofType(result.records, 'Node');
    expect(node.attributes).toEqual({ ClusterName: 'prod', NodeName: 'ip-10-0-0-1.ec2.internal', AutoScalingGroupName: '' });
    expect(node.metrics.node_cpu_request).toBeUndefined();
    expect(node.metrics.node_cpu_utilization).toBe(50);
  });

  it('leaves out Service when the service attribute is switched off', () => {
    const { records } = toCiRecords(toRecordFixture(), toMetadataFixture(), { ...classic, serviceAttribute: false }, createEnrichCache());
    expect(podNamed(records, 'web-7d9f8b6c5-x2x4q').attributes.Service).toBeUndefined();
  });

  it('reuses the attribute objects of a pod while its metadata object lives, per profile', () => {
    const cache = createEnrichCache();
    const metadata = toMetadataFixture();
    const first = toCiRecords(toRecordFixture(), metadata, classic, cache).records;
    const again = toCiRecords({ ...toRecordFixture(), timeMs: T0 + 60_000 }, metadata, classic, cache).records;
    expect(podNamed(again, 'web-7d9f8b6c5-x2x4q').attributes).toBe(podNamed(first, 'web-7d9f8b6c5-x2x4q').attributes);
    expect(Object.isFrozen(podNamed(again, 'web-7d9f8b6c5-x2x4q').attributes)).toBe(true);
    const rich = toCiRecords(toRecordFixture(), metadata, enhanced, cache).records;
    const app = ofType(rich, 'Container').find((r) => r.kubernetes?.container_name === 'app');
    expect(app?.attributes.ContainerName).toBe('app');
    expect(podNamed(rich, 'web-7d9f8b6c5-x2x4q').attributes.FullPodName).toBe('web-7d9f8b6c5-x2x4q');
    expect(podNamed(toCiRecords(toRecordFixture(), metadata, classic, cache).records, 'web-7d9f8b6c5-x2x4q').attributes.FullPodName).toBeUndefined();
  });

  it('reuses the node-level attribute objects while the node attributes stay the same, across documents, and not across nodes', () => {
    const cache = createEnrichCache();
    const record = { ...toRecordFixture(), net: [{ name: 'eth0', deltas: { rxBytes: 600 } }, { name: 'eni0a1b2c3d4e5', deltas: { txBytes: 600 } }] };
    const metadata = toMetadataFixture();
    const first = toCiRecords(record, metadata, classic, cache).records;
    const again = toCiRecords({ ...record, timeMs: T0 + 60_000 }, metadata, classic, cache).records;
    for (const type of ['Node', 'NodeFS', 'NodeDiskIO', 'NodeNet'] as const) {
      expect(ofType(again, type).map((r) => r.attributes)).toEqual(ofType(first, type).map((r) => r.attributes));
      ofType(again, type).forEach((r, i) => expect(r.attributes).toBe(ofType(first, type)[i].attributes));
    }
    expect(ofType(again, 'NodeNet').map((r) => r.attributes.interface)).toEqual(['eth0', 'eni0a1b2c3d4e5']);
    expect(Object.isFrozen(ofType(again, 'NodeNet')[1].attributes)).toBe(true);
    const otherNode = toCiRecords({ ...record, node: 'ip-10-0-9-9.ec2.internal' }, metadata, classic, cache).records;
    expect(ofType(otherNode, 'Node')[0].attributes.NodeName).toBe('ip-10-0-9-9.ec2.internal');
    const rewritten = toCiRecords(record, { ...metadata, observedAtMs: metadata.observedAtMs + 60_000 }, classic, cache).records;
    ofType(rewritten, 'NodeNet').forEach((r, i) => expect(r.attributes).toBe(ofType(first, 'NodeNet')[i].attributes));
    const without = toCiRecords(record, undefined, classic, cache).records;
    expect(ofType(without, 'Node')[0].attributes).toEqual({ ClusterName: 'prod', NodeName: 'ip-10-0-0-1.ec2.internal', AutoScalingGroupName: '' });
    const otherAsg = toCiRecords(record, { ...metadata, autoScalingGroup: 'eks-ng-2' }, classic, cache).records;
    expect(ofType(otherAsg, 'Node')[0].attributes).not.toBe(ofType(first, 'Node')[0].attributes);
    expect(ofType(otherAsg, 'Node')[0].attributes.AutoScalingGroupName).toBe('eks-ng-2');
  });

  it('gives every record a memo for the encoder: one per attributes object, the same one while the metadata objects live', () => {
    const cache = createEnrichCache();
    const metadata = toMetadataFixture();
    const first = toCiRecords(toRecordFixture(), metadata, classic, cache).records;
    const again = toCiRecords({ ...toRecordFixture(), timeMs: T0 + 60_000 }, metadata, classic, cache).records;
    expect(again.map((r) => r.type)).toEqual(first.map((r) => r.type));
    again.forEach((r, i) => expect(r.memo).toBe(first[i].memo));
    expect(new Set(first.map((r) => r.memo)).size).toBe(first.length);
    expect(new Set(first.map((r) => r.attributes)).size).toBe(first.length);
    const without = toCiRecords(toRecordFixture(), undefined, classic, cache).records;
    expect(ofType(without, 'Node')[0].memo).toBeDefined();
    expect(ofType(without, 'Node')[0].memo).not.toBe(ofType(first, 'Node')[0].memo);
  });

  it('keeps the memos of the pods a changed document did not change (the reader keeps their objects)', () => {
    const cache = createEnrichCache();
    const before = toMetadataFixture();
    const first = toCiRecords(toRecordFixture(), before, classic, cache).records;
    const changed = toMetadataFixture();
    changed.pods[0].restartDelta = 5;
    const after = withUnchangedPods(changed, before);
    const again = toCiRecords({ ...toRecordFixture(), timeMs: T0 + 60_000 }, after, classic, cache).records;
    const memosOf = (records: CiRecord[], uid: string) => records.filter((r) => r.kubernetes?.pod_id === uid).map((r) => r.memo);
    const [changedUid, keptUid] = [before.pods[0].uid, before.pods[1].uid];
    expect(memosOf(again, keptUid).length).toBeGreaterThan(0);
    expect(memosOf(again, keptUid)).toEqual(memosOf(first, keptUid));
    memosOf(again, keptUid).forEach((memo, i) => expect(memo).toBe(memosOf(first, keptUid)[i]));
    memosOf(again, changedUid).forEach((memo, i) => expect(memo).not.toBe(memosOf(first, changedUid)[i]));
    expect(podNamed(again, 'web-7d9f8b6c5-x2x4q').metrics.pod_number_of_container_restarts).toBe(5);
  });

  it('rebuilds the attributes of kept pods when the node attributes change (a document gains its Auto Scaling group)', () => {
    const cache = createEnrichCache();
    const before = { ...toMetadataFixture(), autoScalingGroup: '' };
    const first = toCiRecords(toRecordFixture(), before, classic, cache).records;
    const after = withUnchangedPods({ ...toMetadataFixture(), autoScalingGroup: 'eks-ng-9' }, before);
    expect(after.pods[0]).toBe(before.pods[0]);
    const again = toCiRecords(toRecordFixture(), after, classic, cache).records;
    expect(podNamed(first, 'web-7d9f8b6c5-x2x4q').attributes.AutoScalingGroupName).toBe('');
    for (const r of again) expect(r.attributes.AutoScalingGroupName).toBe('eks-ng-9');
  });
});

describe('node-local identity (the agent names pods the document does not list yet)', () => {
  /** The fixture record with the agent's identity (schema 2.1) for every pod and container. */
  function withIdentity(): ReturnType<typeof toRecordFixture> {
    const record = toRecordFixture();
    record.pods[0] = { ...record.pods[0], namespace: 'shop', name: 'web-7d9f8b6c5-x2x4q', restartsDelta: 1 };
    record.pods[0].containers = record.pods[0].containers.map((c, i) => ({ ...c, name: i === 0 ? 'app' : 'sidecar', restartsDelta: i === 0 ? 1 : 0 }));
    record.pods[1] = { ...record.pods[1], namespace: 'batch', name: 'report-28930120-bcdfg', restartsDelta: 0 };
    record.pods[1].containers = record.pods[1].containers.map((c) => ({ ...c, name: 'job', restartsDelta: 0 }));
    return record;
  }

  it('names a pod the document does not list from the agent: Namespace, pod_name, container names, PodName by the fallback rule', () => {
    const result = toCiRecords(withIdentity(), undefined, classic, createEnrichCache());
    validated(result.records);
    expect(result).toMatchObject({ podsWithoutMetadata: 2, podsWithoutIdentity: 0 });
    const web = ofType(result.records, 'Pod').find((r) => r.kubernetes?.pod_id === 'uid-web') as CiRecord<'Pod'>;
    expect(web.attributes).toMatchObject({ Namespace: 'shop', PodName: 'web' });
    expect(web.kubernetes).toEqual({ host: 'ip-10-0-0-1.ec2.internal', namespace_name: 'shop', pod_name: 'web-7d9f8b6c5-x2x4q', pod_id: 'uid-web' });
    const report = ofType(result.records, 'Pod').find((r) => r.kubernetes?.pod_id === 'uid-report') as CiRecord<'Pod'>;
    expect(report.attributes.PodName).toBe('report');
    const app = ofType(result.records, 'Container').find((r) => r.kubernetes?.container_name === 'app') as CiRecord<'Container'>;
    expect(app.attributes).toMatchObject({ Namespace: 'shop', PodName: 'web' });
    expect(ofType(result.records, 'PodNet')[0].attributes).toMatchObject({ Namespace: 'shop', PodName: 'web', interface: 'eth0' });
  });

  it('gives such a pod the same dimension sets as a pod of the document (Service aside, which only the document knows)', () => {
    const encoder = createEmfEncoder(PROFILES.classic);
    const setsOf = (r: CiRecord) => [...new Set((JSON.parse(encoder.encode(r)) as { _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] } })._aws.CloudWatchMetrics.flatMap((d) => d.Dimensions).map((set) => set.join(',')))].sort();
    const fromAgent = ofType(toCiRecords(withIdentity(), toMetadataFixture(), classic, createEnrichCache()).records, 'Pod');
    const noDocPods = ofType(toCiRecords(withIdentity(), { ...toMetadataFixture(), pods: [] }, classic, createEnrichCache()).records, 'Pod');
    const report = (list: CiRecord<'Pod'>[]) => list.find((r) => r.kubernetes?.pod_id === 'uid-report') as CiRecord<'Pod'>;
    expect(setsOf(report(noDocPods))).toEqual(setsOf(report(fromAgent)));
    expect(setsOf(report(noDocPods))).toContain('ClusterName,Namespace,PodName');
  });

  it('takes restarts from the agent every interval, 0 when nothing restarted, and not from the document as well', () => {
    const metadata = toMetadataFixture(); // the document says web restarted twice since the poller's last run
    const { records } = toCiRecords(withIdentity(), metadata, classic, createEnrichCache());
    expect(podNamed(records, 'web-7d9f8b6c5-x2x4q').metrics.pod_number_of_container_restarts).toBe(1);
    expect(podNamed(records, 'report-28930120-abcde').metrics.pod_number_of_container_restarts).toBe(0);
    const restartsOf = (name: string) => ofType(records, 'Container').find((r) => r.kubernetes?.container_name === name)?.metrics.number_of_container_restarts;
    expect([restartsOf('app'), restartsOf('sidecar'), restartsOf('job')]).toEqual([1, 0, 0]);
  });

  it('writes no restarts on the first sample of a pod the agent names, and the poller fallback for a record without the log layout', () => {
    const first = withIdentity();
    delete first.pods[0].restartsDelta;
    delete first.pods[0].containers[0].restartsDelta;
    const { records } = toCiRecords(first, toMetadataFixture(), classic, createEnrichCache());
    expect(podNamed(records, 'web-7d9f8b6c5-x2x4q').metrics.pod_number_of_container_restarts).toBeUndefined();
    expect(ofType(records, 'Container').find((r) => r.kubernetes?.container_name === 'app')?.metrics.number_of_container_restarts).toBeUndefined();
    const legacy = toCiRecords(toRecordFixture(), toMetadataFixture(), classic, createEnrichCache()).records;
    expect(podNamed(legacy, 'web-7d9f8b6c5-x2x4q').metrics.pod_number_of_container_restarts).toBe(2);
  });

  it('counts the pods neither the document nor the agent names, and writes them under [ClusterName] sets only', () => {
    const result = toCiRecords(toRecordFixture(), { ...toMetadataFixture(), pods: [] }, classic, createEnrichCache());
    expect(result).toMatchObject({ podsWithoutMetadata: 2, podsWithoutIdentity: 2 });
    const pod = ofType(result.records, 'Pod')[0];
    expect(pod.attributes.PodName).toBeUndefined();
    expect(pod.kubernetes).toEqual({ host: 'ip-10-0-0-1.ec2.internal', pod_id: 'uid-web' });
  });
});

describe('the receiver rules (catalog section 9)', () => {
  it('caps a pod memory limit at MemTotal, as requests, so the over-limit ratio uses the capped limit', () => {
    const metadata = toMetadataFixture();
    metadata.pods[0].containers.forEach((c) => (c.limits = { cpuMillicores: 8_000, memoryBytes: 32 * GiB }));
    const { records } = toCiRecords(toRecordFixture(), metadata, classic, createEnrichCache());
    expect(podNamed(records, 'web-7d9f8b6c5-x2x4q').metrics).toMatchObject({
      pod_cpu_limit: 4000,
      pod_cpu_utilization_over_pod_limit: 12.5,
      pod_memory_limit: 16 * GiB,
      pod_memory_utilization_over_pod_limit: (512 * MiB) / (16 * GiB) * 100,
    });
  });

  it('writes requests, limits and reserved capacity only with the usage they go with: none of the CPU ones on a first sample', () => {
    const first = toRecordFixture();
    delete first.elapsedMs;
    delete first.deltas;
    first.pods.forEach((p) => {
      delete p.deltas;
      p.containers.forEach((c) => delete c.deltas);
    });
    const { records } = toCiRecords(first, toMetadataFixture(), classic, createEnrichCache());
    const [node] = ofType(records, 'Node');
    expect([node.metrics.node_cpu_request, node.metrics.node_cpu_reserved_capacity, node.metrics.node_cpu_limit]).toEqual([undefined, undefined, 4000]);
    expect(node.metrics.node_memory_request).toBe(512 * MiB);
    const web = podNamed(records, 'web-7d9f8b6c5-x2x4q');
    expect([web.metrics.pod_cpu_request, web.metrics.pod_cpu_limit, web.metrics.pod_cpu_reserved_capacity]).toEqual([undefined, undefined, undefined]);
    expect([web.metrics.pod_memory_request, web.metrics.pod_memory_limit]).toEqual([512 * MiB, 1024 * MiB]);
    const app = ofType(records, 'Container').find((r) => r.kubernetes?.container_name === 'app') as CiRecord<'Container'>;
    expect([app.metrics.container_cpu_limit, app.metrics.container_cpu_request, app.metrics.container_memory_limit]).toEqual([undefined, undefined, 512 * MiB]);
    const noWorkingSet = toRecordFixture();
    noWorkingSet.gauges = {};
    noWorkingSet.pods[0].gauges = {};
    const out = toCiRecords(noWorkingSet, toMetadataFixture(), classic, createEnrichCache()).records;
    expect(ofType(out, 'Node')[0].metrics.node_memory_request).toBeUndefined();
    expect(podNamed(out, 'web-7d9f8b6c5-x2x4q').metrics.pod_memory_limit).toBeUndefined();
    expect(podNamed(out, 'web-7d9f8b6c5-x2x4q').metrics.pod_cpu_limit).toBe(1000);
  });

  it('writes memory_max_usage 0 on cgroup v2 where the kernel has no memory.peak, for node, pod and container alike', () => {
    const record = toRecordFixture(2);
    delete record.gauges.memoryMaxUsageBytes;
    record.pods[1].gauges.memoryMaxUsageBytes = 70 * MiB;
    const { records } = toCiRecords(record, toMetadataFixture(), classic, createEnrichCache());
    expect(ofType(records, 'Node')[0].metrics.node_memory_max_usage).toBe(0);
    expect(podNamed(records, 'web-7d9f8b6c5-x2x4q').metrics.pod_memory_max_usage).toBe(0);
    expect(podNamed(records, 'report-28930120-abcde').metrics.pod_memory_max_usage).toBe(70 * MiB);
    // A container the agent read no memory usage of, and cgroup v1, get nothing in its place.
    expect(ofType(records, 'Container')[0].metrics.container_memory_max_usage).toBeUndefined();
    const v1 = toRecordFixture(1);
    expect(podNamed(toCiRecords(v1, toMetadataFixture(), classic, createEnrichCache()).records, 'web-7d9f8b6c5-x2x4q').metrics.pod_memory_max_usage).toBeUndefined();
  });

  it('names NodeDiskIO devices /dev/<name>, and keeps a major:minor device as it is', () => {
    const record = toRecordFixture();
    record.disks.push({ device: '259:7', deltas: { serviceBytes: { read: 60 }, serviced: { read: 1 } } });
    const devices = ofType(toCiRecords(record, toMetadataFixture(), classic, createEnrichCache()).records, 'NodeDiskIO').map((r) => r.attributes.device);
    expect(devices).toEqual(['/dev/nvme0n1', '259:7']);
  });

  it('sets EBSVolumeId on NodeFS and NodeDiskIO of EBS devices, from the disk serial or the block device mapping, a partition belonging to its disk', () => {
    const record = toRecordFixture();
    record.disks = [
      { device: 'nvme0n1', serial: 'vol0123456789abcdef0', deltas: { serviceBytes: { read: 60 }, serviced: { read: 1 } } },
      { device: 'xvdf', deltas: { serviceBytes: { read: 60 }, serviced: { read: 1 } } },
      { device: 'nvme1n1', serial: 'AWS1234567890ABCDEF', deltas: { serviceBytes: { read: 60 }, serviced: { read: 1 } } },
    ];
    record.filesystems = [
      { ...record.filesystems[0], device: '/dev/nvme0n1p1' },
      { ...record.filesystems[0], device: '/dev/xvdf', mountpoint: '/data' },
      { ...record.filesystems[0], device: 'tmpfs', fstype: 'tmpfs', mountpoint: '/run' },
    ];
    const metadata = { ...toMetadataFixture(), availabilityZone: 'us-east-1a', ebsVolumes: { '/dev/xvda': 'vol-0aaaaaaaaaaaaaaaa', '/dev/sdf': 'vol-0fffffffffffffff0' } };
    const { records } = toCiRecords(record, metadata, classic, createEnrichCache());
    validated(records);
    expect(ofType(records, 'NodeDiskIO').map((r) => [r.attributes.device, r.attributes.EBSVolumeId])).toEqual([
      ['/dev/nvme0n1', 'aws://us-east-1a/vol-0123456789abcdef0'],
      ['/dev/xvdf', 'aws://us-east-1a/vol-0fffffffffffffff0'],
      ['/dev/nvme1n1', undefined],
    ]);
    expect(ofType(records, 'NodeFS').map((r) => [r.attributes.device, r.attributes.EBSVolumeId])).toEqual([
      ['/dev/nvme0n1p1', 'aws://us-east-1a/vol-0123456789abcdef0'],
      ['/dev/xvdf', 'aws://us-east-1a/vol-0fffffffffffffff0'],
      ['tmpfs', undefined],
    ]);
    const noZone = toCiRecords(record, { ...metadata, availabilityZone: undefined }, classic, createEnrichCache()).records;
    expect(ofType(noZone, 'NodeFS').every((r) => r.attributes.EBSVolumeId === undefined)).toBe(true);
  });

  it('keeps a pod label map within the per-event budget, in the document order, and counts the pod', () => {
    const metadata = toMetadataFixture();
    metadata.pods[0].labels = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`label-${i}`, 'v'.repeat(60)]));
    const result = toCiRecords(toRecordFixture(), metadata, classic, createEnrichCache());
    expect(result.podsWithLabelsCut).toBe(1);
    const web = podNamed(result.records, 'web-7d9f8b6c5-x2x4q');
    const labels = web.kubernetes?.labels as Record<string, string>;
    expect(Buffer.byteLength(JSON.stringify(labels))).toBeLessThanOrEqual(4096);
    expect(Object.keys(labels)).toEqual(Array.from({ length: Object.keys(labels).length }, (_, i) => `label-${i}`));
    // {} and 10 labels of 73 bytes (`"label-0":"v…",`) and 45 of 74 make 4,062 bytes; the 56th would pass 4,096.
    expect(Object.keys(labels)).toHaveLength(55);
    const encoder = createEmfEncoder(PROFILES.classic);
    for (const r of result.records.filter((x) => x.kubernetes?.pod_id === 'uid-web')) expect(Buffer.byteLength(encoder.encode(r))).toBeLessThan(8 * 1024);
    expect(toCiRecords(toRecordFixture(), toMetadataFixture(), classic, createEnrichCache()).podsWithLabelsCut).toBe(0);
  });
});

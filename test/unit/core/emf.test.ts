import { createEmfEncoder, isLogOnlyDue, type EmfEvent } from '../../../core/emf';
import { newEncodingMemo, type CiRecord } from '../../../core/ci-record';
import { PROFILES, withLogOnlyEvery, type DeclarationProfile } from '../../../core/metrics/profiles';
import { CATALOG } from '../../../core/metrics/catalog';
import { expectValidEmf, toEmfProblems } from '../../helpers/emf-validator';
import { toMetricTriples } from '../../helpers/emf-triples';

const T = 1_764_000_000_000;
const nodeAttributes = { ClusterName: 'prod', NodeName: 'n1', InstanceId: 'i-1', InstanceType: 'm5.large', AutoScalingGroupName: '' };

const node: CiRecord<'Node'> = {
  type: 'Node',
  timestampMs: T,
  attributes: nodeAttributes,
  sources: ['cadvisor', '/proc', 'pod', 'calculated'],
  kubernetes: { host: 'n1' },
  metrics: { node_cpu_utilization: 12.5, node_cpu_usage_total: 500, node_cpu_limit: 4000, node_memory_rss: 42, node_number_of_running_pods: 3 },
};
const pod = (attributes: Record<string, string>): CiRecord<'Pod'> => ({
  type: 'Pod',
  timestampMs: T,
  attributes: { ...nodeAttributes, ...attributes },
  sources: ['cadvisor', 'pod', 'calculated'],
  kubernetes: { host: 'n1', pod_id: 'u1', labels: { app: 'web' } },
  metrics: { pod_cpu_utilization: 1.5, pod_cpu_reserved_capacity: 2, pod_number_of_container_restarts: 1, pod_memory_rss: 7 },
});
type Directive = { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit?: string }[] };
const directives = (doc: Record<string, unknown>) => (doc._aws as { CloudWatchMetrics: Directive[] }).CloudWatchMetrics;
const byMetric = (doc: Record<string, unknown>, name: string) => directives(doc).find((d) => d.Metrics.some((m) => m.Name === name));

describe('EMF encoder (classic profile)', () => {
  const encoder = createEmfEncoder(PROFILES.classic);

  it('writes every attribute and metric as a root member, Sources and kubernetes as JSON values', () => {
    const doc = expectValidEmf(encoder.encode(node));
    expect(doc).toMatchObject({ ...nodeAttributes, Type: 'Node', Version: '1', Timestamp: String(T), node_memory_rss: 42, node_cpu_limit: 4000 });
    expect(doc.Sources).toEqual(['cadvisor', '/proc', 'pod', 'calculated']);
    expect(doc.kubernetes).toEqual({ host: 'n1' });
    expect((doc._aws as { Timestamp: number }).Timestamp).toBe(T);
  });

  it('groups node metrics by matched declarations into two directives with sorted dimension sets', () => {
    const doc = expectValidEmf(encoder.encode(node));
    const ds = directives(doc);
    expect(ds).toHaveLength(2);
    const both = byMetric(doc, 'node_cpu_utilization') as Directive;
    expect(both.Namespace).toBe('ContainerInsights');
    expect(both.Dimensions).toEqual([['ClusterName', 'InstanceId', 'NodeName'], ['ClusterName']]);
    expect(both.Metrics).toEqual([{ Name: 'node_cpu_utilization', Unit: 'Percent' }, { Name: 'node_number_of_running_pods', Unit: 'Count' }]);
    const clusterOnly = byMetric(doc, 'node_cpu_usage_total') as Directive;
    expect(clusterOnly.Dimensions).toEqual([['ClusterName']]);
    // millicores have no CloudWatch unit: the Unit member is left out (None)
    expect(clusterOnly.Metrics).toEqual([{ Name: 'node_cpu_usage_total' }, { Name: 'node_cpu_limit' }]);
    expect(ds.flatMap((d) => d.Metrics.map((m) => m.Name))).not.toContain('node_memory_rss');
  });

  it('drops the dimension sets naming an attribute the record lacks (a pod without Service)', () => {
    const doc = expectValidEmf(encoder.encode(pod({ PodName: 'web', Namespace: 'shop' })));
    expect(byMetric(doc, 'pod_cpu_utilization')?.Dimensions).toEqual([['ClusterName', 'Namespace', 'PodName'], ['ClusterName', 'Namespace'], ['ClusterName']]);
    const withService = expectValidEmf(encoder.encode(pod({ PodName: 'web', Namespace: 'shop', Service: 'svc' })));
    expect(byMetric(withService, 'pod_cpu_utilization')?.Dimensions).toContainEqual(['ClusterName', 'Namespace', 'Service']);
    expect(byMetric(withService, 'pod_number_of_container_restarts')?.Dimensions).toEqual([['ClusterName', 'Namespace', 'PodName']]);
  });

  it('publishes nothing for a group whose every dimension set lacks a key', () => {
    const doc = expectValidEmf(encoder.encode(pod({})));
    expect(byMetric(doc, 'pod_number_of_container_restarts')).toBeUndefined();
    expect(byMetric(doc, 'pod_cpu_utilization')?.Dimensions).toEqual([['ClusterName']]);
  });

  it('writes the attributes of a record with a memo once: later records with that memo reuse them', () => {
    const memo = newEncodingMemo();
    const first = expectValidEmf(encoder.encode({ ...node, memo }));
    expect(first.NodeName).toBe('n1');
    expect(memo.prefix).toContain('"NodeName":"n1"');
    // The memo's promise is that the attributes stay the same; this record breaks it to show the reuse.
    const reused = expectValidEmf(encoder.encode({ ...node, attributes: { ...nodeAttributes, NodeName: 'n2' }, metrics: { node_cpu_limit: 8000 }, memo }));
    expect(reused).toMatchObject({ NodeName: 'n1', node_cpu_limit: 8000 });
    expect(reused.node_memory_rss).toBeUndefined();
    const withoutMemo = expectValidEmf(encoder.encode({ ...node, attributes: { ...nodeAttributes, NodeName: 'n2' } }));
    expect(withoutMemo.NodeName).toBe('n2');
  });

  it('writes a plain log event with Version "0" and no _aws when no metric is declared', () => {
    const container: CiRecord<'Container'> = { type: 'Container', timestampMs: T, attributes: nodeAttributes, sources: [], metrics: { container_cpu_usage_total: 3 } };
    const doc = expectValidEmf(encoder.encode(container));
    expect(doc._aws).toBeUndefined();
    expect(doc).toMatchObject({ Version: '0', container_cpu_usage_total: 3, Type: 'Container' });
  });

  it('drops non-finite metric values instead of writing null', () => {
    const doc = expectValidEmf(encoder.encode({ ...node, metrics: { node_cpu_utilization: Number.NaN, node_memory_rss: Number.POSITIVE_INFINITY, node_cpu_limit: 1 } }));
    expect(doc).not.toHaveProperty('node_cpu_utilization');
    expect(doc).not.toHaveProperty('node_memory_rss');
  });

  it('writes each metric value as String(value) does, in the metric object order, skipping undefined ones', () => {
    const metrics = { node_cpu_utilization: 0.1 + 0.2, node_memory_rss: 2 ** 53 + 2, node_cpu_limit: -0, node_memory_cache: undefined, node_memory_swap: 1e21, node_memory_usage: 1.5e-7 };
    const text = encoder.encode({ ...node, metrics });
    const members = Object.entries(metrics).filter(([, v]) => v !== undefined).map(([k, v]) => `"${k}":${String(v)}`);
    expect(text).toContain(`,${members.join(',')},"Version":"1"`);
    expect(expectValidEmf(text).node_cpu_utilization).toBe(0.1 + 0.2);
    const none = expectValidEmf(encoder.encode({ ...node, metrics: { node_memory_cache: undefined } }));
    expect(none).toMatchObject({ Type: 'Node', Version: '0' });
  });

  it('writes Type, Version and Timestamp itself, whatever attributes of those names a record carries', () => {
    const text = encoder.encode({ ...node, attributes: { ...nodeAttributes, Type: 'Pod', Version: '9', Timestamp: 'then' } });
    expect(expectValidEmf(text)).toMatchObject({ Type: 'Node', Version: '1', Timestamp: String(T), NodeName: 'n1' });
    for (const key of ['"Type":', '"Version":', '"Timestamp":"']) expect(text.split(key)).toHaveLength(2);
  });

  it('escapes attribute values that need JSON escaping', () => {
    const doc = expectValidEmf(encoder.encode({ ...node, attributes: { ...nodeAttributes, NodeName: 'n"1\\\n' } }));
    expect(doc.NodeName).toBe('n"1\\\n');
  });

  it('writes one line per event', () => {
    expect(encoder.encode(node)).not.toContain('\n');
  });
});

describe('EMF encoder limits and other profiles', () => {
  it('splits a directive of more than 100 metrics into directives of at most 100', () => {
    const profile: DeclarationProfile = { ...PROFILES.classic, name: 'all', declarations: [{ dimensions: [['ClusterName']], metricNameSelectors: ['^pod_'] }] };
    const metrics = Object.fromEntries(Object.keys(CATALOG.Pod).map((n, i) => [n, i]));
    const doc = expectValidEmf(createEmfEncoder(profile).encode({ type: 'Pod', timestampMs: T, attributes: nodeAttributes, sources: [], metrics }));
    expect(directives(doc).flatMap((d) => d.Metrics)).toHaveLength(Object.keys(CATALOG.Pod).length);
    const many = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`pod_x${i}`, i]));
    const big = expectValidEmf(createEmfEncoder(profile).encode({ type: 'Pod', timestampMs: T, attributes: nodeAttributes, sources: [], metrics: many as never }));
    expect(directives(big).map((d) => d.Metrics.length)).toEqual([100, 100, 50]);
  });

  it('enhanced publishes container metrics per container and node metrics per node', () => {
    const encoder = createEmfEncoder(PROFILES.enhanced);
    const container: CiRecord<'Container'> = {
      type: 'Container',
      timestampMs: T,
      attributes: { ...nodeAttributes, PodName: 'web', FullPodName: 'web-1', Namespace: 'shop', ContainerName: 'app' },
      sources: [],
      metrics: { container_cpu_utilization: 3, container_memory_rss: 9 },
    };
    const doc = expectValidEmf(encoder.encode(container));
    expect(byMetric(doc, 'container_cpu_utilization')?.Dimensions).toEqual([
      ['ClusterName'],
      ['ClusterName', 'ContainerName', 'FullPodName', 'Namespace', 'PodName'],
      ['ClusterName', 'ContainerName', 'Namespace', 'PodName'],
    ]);
    expect(byMetric(expectValidEmf(encoder.encode(node)), 'node_cpu_usage_total')?.Dimensions).toEqual([['ClusterName', 'InstanceId', 'NodeName'], ['ClusterName']]);
  });

  it('lists the metrics a profile publishes for a record', () => {
    expect(createEmfEncoder(PROFILES.classic).declaredMetrics(node).sort()).toEqual(['node_cpu_limit', 'node_cpu_usage_total', 'node_cpu_utilization', 'node_number_of_running_pods']);
  });
});

describe('EMF encoder (lean events)', () => {
  const lean = createEmfEncoder(PROFILES.lean);
  const classic = createEmfEncoder(PROFILES.classic);
  const interval = { timeMs: T, elapsedMs: 60_000 };
  const web = (uid: string, cpu: number, extra: Record<string, string> = {}): CiRecord<'Pod'> => ({
    ...pod({ PodName: 'web', Namespace: 'shop', Service: 'svc', ...extra }),
    kubernetes: { host: 'n1', pod_id: uid },
    metrics: { pod_cpu_utilization: cpu, pod_memory_utilization: cpu * 2, pod_cpu_reserved_capacity: 2, pod_number_of_container_restarts: 0, pod_memory_rss: 7 },
  });
  const container: CiRecord<'Container'> = { type: 'Container', timestampMs: T, attributes: { ...nodeAttributes, PodName: 'web', Namespace: 'shop' }, sources: [], metrics: { container_cpu_utilization: 3 } };
  const messages = (events: EmfEvent[]) => events.map((e) => e.message);

  it('writes a pod event with Type, its dimension members, its published metrics, Version and _aws only', () => {
    const doc = expectValidEmf(lean.encode(web('u1', 1.5)));
    expect(Object.keys(doc).sort()).toEqual(
      ['ClusterName', 'Namespace', 'PodName', 'Service', 'Type', 'Version', '_aws', 'pod_cpu_reserved_capacity', 'pod_cpu_utilization', 'pod_memory_utilization', 'pod_number_of_container_restarts'].sort(),
    );
    expect(doc).toMatchObject({ Type: 'Pod', ClusterName: 'prod', Namespace: 'shop', PodName: 'web', Service: 'svc', pod_cpu_utilization: 1.5, Version: '1' });
    expect((doc._aws as { Timestamp: number }).Timestamp).toBe(T);
    expect(toMetricTriples([lean.encode(web('u1', 1.5))])).toEqual(toMetricTriples([classic.encode(web('u1', 1.5))]));
  });

  it('keeps the instance type and Auto Scaling group on node events', () => {
    const doc = expectValidEmf(lean.encode(node));
    expect(Object.keys(doc).sort()).toEqual(
      ['AutoScalingGroupName', 'ClusterName', 'InstanceId', 'InstanceType', 'NodeName', 'Type', 'Version', '_aws', 'node_cpu_limit', 'node_cpu_usage_total', 'node_cpu_utilization', 'node_number_of_running_pods'].sort(),
    );
    expect(doc).toMatchObject({ InstanceType: 'm5.large', AutoScalingGroupName: '' });
  });

  it('writes the pods of one workload as one event of value arrays that gives CloudWatch the samples of one event per pod', () => {
    const records = [web('u1', 1.5), web('u2', 2.25), web('u3', 0)];
    const events = lean.encodeEvents(records, interval);
    expect(events).toHaveLength(1);
    const doc = expectValidEmf(events[0].message);
    expect(doc.pod_cpu_utilization).toEqual([1.5, 2.25, 0]);
    expect(doc.pod_number_of_container_restarts).toEqual([0, 0, 0]);
    expect(events[0].timestamp).toBe(T);
    expect(toMetricTriples(messages(events))).toEqual(toMetricTriples(records.map((r) => classic.encode(r))));
  });

  it('keeps pods apart whose dimension values differ, and a pod without metadata publishes under ClusterName only', () => {
    const bare = { ...web('u4', 4), attributes: { ...nodeAttributes } };
    const records = [web('u1', 1), web('u2', 2, { Service: 'other' }), web('u3', 3, { PodName: 'db-0' }), bare, { ...bare, metrics: { ...bare.metrics, pod_cpu_utilization: 5 } }];
    const events = lean.encodeEvents(records, interval);
    expect(events.map((e) => JSON.parse(e.message) as Record<string, unknown>).map((d) => [d.PodName, d.Service, d.pod_cpu_utilization])).toEqual([
      ['web', 'svc', 1],
      ['web', 'other', 2],
      ['db-0', 'svc', 3],
      [undefined, undefined, [4, 5]],
    ]);
    expect(toMetricTriples(messages(events))).toEqual(toMetricTriples(records.map((r) => classic.encode(r))));
  });

  it('starts another event when a metric holds 100 values', () => {
    const records = Array.from({ length: 230 }, (_, i) => web(`u${i}`, i));
    const events = lean.encodeEvents(records, interval);
    expect(events.map((e) => (JSON.parse(e.message) as { pod_cpu_utilization: number[] }).pod_cpu_utilization.length)).toEqual([100, 100, 30]);
    for (const e of events) expectValidEmf(e.message);
    expect(toMetricTriples(messages(events))).toEqual(toMetricTriples(records.map((r) => classic.encode(r))));
  });

  it('leaves out records that publish no metric', () => {
    expect(lean.encodeEvents([container, web('u1', 1)], interval).map((e) => (JSON.parse(e.message) as { Type: string }).Type)).toEqual(['Pod']);
  });

  it('writes records that publish no metric whole, in their place, on the intervals the period names', () => {
    const every = createEmfEncoder(withLogOnlyEvery(PROFILES.lean, 600_000));
    const due = { timeMs: 1_800_010_000, elapsedMs: 60_000 };
    const events = every.encodeEvents([container, web('u1', 1), container], due);
    expect(events.map((e) => e.message)).toEqual([classic.encode(container), lean.encode(web('u1', 1)), classic.encode(container)]);
    expect(every.encodeEvents([container], { timeMs: 1_800_070_000, elapsedMs: 60_000 })).toEqual([]);
    expect(lean.encode(container)).toBe(classic.encode(container));
  });

  it('names the due intervals without state: once per period for a node, and the first record of an agent', () => {
    const times = Array.from({ length: 30 }, (_, i) => 1_800_000_000 + 7_000 + i * 60_000);
    expect(times.filter((timeMs) => isLogOnlyDue({ timeMs, elapsedMs: 60_000 }, 600_000)).map((t) => (t - 1_800_007_000) / 60_000)).toEqual([0, 10, 20]);
    expect(isLogOnlyDue({ timeMs: 1_800_007_000 }, 600_000)).toBe(true);
    expect(isLogOnlyDue({ timeMs: 1_800_007_000 }, 0)).toBe(false);
  });

  it('writes every record as one event under the classic profile', () => {
    const records = [web('u1', 1), web('u2', 2), container];
    expect(classic.encodeEvents(records, interval)).toEqual(records.map((r) => ({ timestamp: T, message: classic.encode(r) })));
  });
});

describe('EMF validator', () => {
  it('rejects a dimension key that is not a string root member, a non-numeric target and an unknown unit', () => {
    const bad = JSON.stringify({
      Version: '1',
      ClusterName: 'c',
      m: 'x',
      n: 1,
      _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [['ClusterName', 'Missing']], Metrics: [{ Name: 'm' }, { Name: 'n', Unit: 'Millicores' }] }] },
    });
    const problems = toEmfProblems(bad);
    expect(problems).toHaveLength(3);
    expect(() => expectValidEmf(bad)).toThrow(/Missing/);
  });
  it('rejects more than 100 metrics in a directive', () => {
    const doc: Record<string, unknown> = { Version: '1', C: 'c' };
    const defs = Array.from({ length: 101 }, (_, i) => ((doc[`m${i}`] = i), { Name: `m${i}` }));
    doc._aws = { Timestamp: 1, CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [['C']], Metrics: defs }] };
    expect(toEmfProblems(JSON.stringify(doc))).toEqual(['CloudWatchMetrics[0] has 101 metrics (max 100)']);
  });
});

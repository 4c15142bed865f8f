import type { V1EndpointSlice, V1Node, V1Pod } from '@kubernetes/client-node';
import {
  isFailedNode,
  POLLER_NODE_NAME,
  toAvailabilityZone,
  toInstanceId,
  toNodeFacts,
  toOwnerLink,
  toPodFacts,
  toPollResult,
  toSliceFacts,
  toWorkloadFacts,
  type PollContext,
  type PollInput,
} from '../../../../lambdas/poller/poll';
import { createClusterModel } from '../../../../sim/cluster/cluster-model';
import { toKubeObjects } from '../../../../sim/kube/kube-objects';

const NOW = Date.UTC(2026, 10, 24, 16, 0, 0);
const ctx = (over: Partial<PollContext> = {}): PollContext => ({
  cluster: 'prod',
  nowMs: NOW,
  enhanced: false,
  autoScalingGroups: new Map([['i-0aaa', 'eks-ng-a']]),
  previousRestarts: new Map(),
  ...over,
});

const node = (name: string, conditions: Record<string, string>, providerID = 'aws:///us-east-1a/i-0aaa'): V1Node =>
  ({
    metadata: { name, labels: { 'node.kubernetes.io/instance-type': 'm5.large' } },
    spec: { providerID },
    status: { capacity: { cpu: '2', memory: '8Gi', pods: '29' }, allocatable: { cpu: '1930m', memory: '7Gi', pods: '29' }, conditions: Object.entries(conditions).map(([type, status]) => ({ type, status })) },
  }) as V1Node;

const pod = (name: string, namespace: string, nodeName: string | undefined, phase: string, extra: { owner?: [string, string]; restarts?: number; containerID?: string } = {}): V1Pod =>
  ({
    metadata: { name, namespace, uid: `uid-${name}`, labels: { app: name.split('-')[0] }, ...(extra.owner ? { ownerReferences: [{ kind: extra.owner[0], name: extra.owner[1] }] } : {}) },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'main', resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } } }] },
    status: {
      phase,
      qosClass: 'Burstable',
      conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }],
      containerStatuses: [
        {
          name: 'main',
          restartCount: extra.restarts ?? 0,
          containerID: extra.containerID ?? `containerd://${'a'.repeat(64)}`,
          state: phase === 'Running' ? { running: {} } : { terminated: { reason: 'Completed', exitCode: 0 } },
          lastState: extra.restarts ? { terminated: { reason: 'OOMKilled', exitCode: 137 } } : {},
        },
      ],
    },
  }) as unknown as V1Pod;

const slice = (service: string, namespace: string, endpoints: Array<[string, boolean | undefined, string?]>): V1EndpointSlice =>
  ({
    metadata: { name: `${service}-${endpoints.length}`, namespace, labels: { 'kubernetes.io/service-name': service } },
    endpoints: endpoints.map(([podName, ready, kind = 'Pod']) => ({ addresses: ['10.0.0.1'], conditions: ready === undefined ? {} : { ready }, targetRef: { kind, name: podName } })),
  }) as unknown as V1EndpointSlice;

function input(over: Partial<PollInput> = {}): PollInput {
  const warnings: string[] = [];
  return {
    nodes: [node('n1', { Ready: 'True', MemoryPressure: 'False', DiskPressure: 'False', PIDPressure: 'False' }), node('n2', { Ready: 'False', MemoryPressure: 'False', DiskPressure: 'True' }, 'aws:///us-east-1b/i-0bbb')].map((n) => toNodeFacts(n, warnings)),
    pods: [
      pod('web-abc12-x', 'shop', 'n1', 'Running', { owner: ['ReplicaSet', 'web-abc12'], restarts: 3 }),
      pod('web-abc12-y', 'shop', 'n2', 'Running', { owner: ['ReplicaSet', 'web-abc12'] }),
      pod('report-2900000000-z', 'batch', 'n1', 'Succeeded', { owner: ['Job', 'report-2900000000'] }),
      pod('pending-1', 'shop', undefined, 'Pending'),
    ].map((p) => toPodFacts(p, warnings)),
    slices: [slice('web', 'shop', [['web-abc12-x', true], ['web-abc12-y', false]]), slice('web', 'shop', [['web-abc12-y', undefined], ['web-abc12-x', true], ['external', true, 'Node']])].map(toSliceFacts),
    replicaSets: [{ namespace: 'shop', name: 'web-abc12', owner: 'web' }],
    jobs: [],
    workloads: [],
    ...over,
  };
}

describe('cluster records', () => {
  test('counts nodes and failed nodes by pressure conditions only, Ready not used', () => {
    const cluster = toPollResult(input(), ctx()).records.find((r) => r.type === 'Cluster');
    expect(cluster?.metrics).toEqual({ cluster_node_count: 2, cluster_failed_node_count: 1, cluster_number_of_running_pods: 2 });
    expect(cluster?.attributes).toEqual({ ClusterName: 'prod', NodeName: POLLER_NODE_NAME });
    expect(cluster?.sources).toEqual(['apiserver']);
    expect(cluster?.timestampMs).toBe(NOW);
  });

  test('treats an Unknown pressure condition as failed and a missing one as fine', () => {
    expect(isFailedNode({ PIDPressure: 'Unknown' })).toBe(true);
    expect(isFailedNode({ NetworkUnavailable: 'True' })).toBe(true);
    expect(isFailedNode({ Ready: 'False' })).toBe(false);
    expect(isFailedNode({})).toBe(false);
  });

  test('emits one ClusterNamespace record per namespace with running pods', () => {
    const ns = toPollResult(input(), ctx()).records.filter((r) => r.type === 'ClusterNamespace');
    expect(ns.map((r) => [r.attributes.Namespace, r.metrics, r.kubernetes])).toEqual([['shop', { namespace_number_of_running_pods: 2 }, { namespace_name: 'shop' }]]);
  });

  test('counts a service’s ready Pod endpoints across all its slices, each pod once, nil ready as ready', () => {
    const svc = toPollResult(input(), ctx()).records.filter((r) => r.type === 'ClusterService');
    expect(svc).toHaveLength(1);
    expect(svc[0].attributes).toMatchObject({ Service: 'web', Namespace: 'shop', ClusterName: 'prod' });
    expect(svc[0].kubernetes).toEqual({ namespace_name: 'shop', service_name: 'web' });
    // web-abc12-x ready in both slices (once), web-abc12-y not ready in one and nil (ready) in the other; the Node target is ignored.
    expect(svc[0].metrics).toEqual({ service_number_of_running_pods: 2 });
  });

  test('emits no ClusterService record for a service without ready endpoints', () => {
    const svc = toPollResult(input({ slices: [toSliceFacts(slice('idle', 'shop', [['web-abc12-x', false]]))] }), ctx()).records.filter((r) => r.type === 'ClusterService');
    expect(svc).toEqual([]);
  });
});

describe('records of a poll cut short', () => {
  const types = (result: ReturnType<typeof toPollResult>) => result.records.map((r) => r.type);

  test('leaves out the running pods, namespaces and nothing else when the pod list is incomplete', () => {
    const result = toPollResult(input({ cutShort: ['pods'] }), ctx());
    expect(result.records.find((r) => r.type === 'Cluster')?.metrics).toEqual({ cluster_node_count: 2, cluster_failed_node_count: 1 });
    expect(types(result)).toEqual(['Cluster', 'ClusterService']);
  });

  test('leaves out the node counts when the node list is incomplete, and the Cluster record when pods are incomplete too', () => {
    expect(toPollResult(input({ cutShort: ['nodes'] }), ctx()).records.find((r) => r.type === 'Cluster')?.metrics).toEqual({ cluster_number_of_running_pods: 2 });
    expect(types(toPollResult(input({ cutShort: ['nodes', 'pods'] }), ctx()))).toEqual(['ClusterService']);
  });

  test('leaves out the services when the EndpointSlice list is incomplete', () => {
    expect(types(toPollResult(input({ cutShort: ['endpointslices'] }), ctx()))).toEqual(['Cluster', 'ClusterNamespace']);
  });

  test('keeps the records of one object each: workloads and node status', () => {
    const workloads = [toWorkloadFacts({ metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 3 }, status: {} } as never, 'ClusterDeployment')];
    const result = toPollResult(input({ workloads, cutShort: ['pods', 'workloads'] }), ctx({ enhanced: true }));
    expect(types(result)).toEqual(['Cluster', 'ClusterService', 'ClusterDeployment', 'Node', 'Node']);
  });
});

describe('enhanced records', () => {
  const workloads = [
    toWorkloadFacts({ metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 3 }, status: { readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1 } } as never, 'ClusterDeployment'),
    toWorkloadFacts({ metadata: { name: 'agent', namespace: 'kube-system' }, status: { desiredNumberScheduled: 5, currentNumberScheduled: 5, numberAvailable: 4, numberUnavailable: 1 } } as never, 'ClusterDaemonSet'),
  ];

  test('adds workload records named by PodName and node status records only with the enhanced profile', () => {
    expect(toPollResult(input({ workloads }), ctx()).records.map((r) => r.type)).not.toContain('ClusterDeployment');
    const records = toPollResult(input({ workloads }), ctx({ enhanced: true })).records;
    const deployment = records.find((r) => r.type === 'ClusterDeployment');
    expect(deployment?.attributes).toMatchObject({ PodName: 'web', Namespace: 'shop' });
    expect(deployment?.metrics).toEqual({ replicas_desired: 3, replicas_ready: 2, status_replicas_available: 2, status_replicas_unavailable: 1 });
    expect(records.find((r) => r.type === 'ClusterDaemonSet')?.metrics).toEqual({ status_replicas_available: 4, status_replicas_unavailable: 1, replicas_desired: 5, replicas_ready: 5 });
    const nodes = records.filter((r) => r.type === 'Node');
    expect(nodes.map((r) => r.attributes)).toEqual([
      { ClusterName: 'prod', NodeName: 'n1', AutoScalingGroupName: 'eks-ng-a', InstanceId: 'i-0aaa', InstanceType: 'm5.large' },
      { ClusterName: 'prod', NodeName: 'n2', AutoScalingGroupName: '', InstanceId: 'i-0bbb', InstanceType: 'm5.large' },
    ]);
    expect(nodes[1].metrics).toMatchObject({ node_status_condition_ready: 0, node_status_condition_disk_pressure: 1, node_status_capacity_pods: 29, node_status_allocatable_pods: 29 });
    expect(nodes[0].kubernetes).toEqual({ host: 'n1' });
  });
});

describe('node documents', () => {
  test('groups scheduled pods by node with instance id, type, ASG, capacity and conditions', () => {
    const [n1, n2] = toPollResult(input(), ctx()).documents;
    expect(n1).toMatchObject({
      version: 1,
      cluster: 'prod',
      node: 'n1',
      instanceId: 'i-0aaa',
      instanceType: 'm5.large',
      autoScalingGroup: 'eks-ng-a',
      capacity: { cpuMillicores: 2000, memoryBytes: 8 * 1024 ** 3, pods: 29 },
      allocatable: { cpuMillicores: 1930, memoryBytes: 7 * 1024 ** 3, pods: 29 },
      conditions: { Ready: 'True', MemoryPressure: 'False' },
      observedAtMs: NOW,
    });
    expect(n1.pods.map((p) => p.name)).toEqual(['report-2900000000-z', 'web-abc12-x']);
    expect(n2.pods.map((p) => p.name)).toEqual(['web-abc12-y']);
    expect(n2.autoScalingGroup).toBe('');
  });

  test('describes each pod: owners resolved, services from slices, containers with runtime id, amounts, state and reasons', () => {
    const web = toPollResult(input(), ctx()).documents[0].pods.find((p) => p.name === 'web-abc12-x');
    expect(web).toMatchObject({
      uid: 'uid-web-abc12-x',
      namespace: 'shop',
      workloadName: 'web',
      owners: [{ kind: 'Deployment', name: 'web' }],
      services: ['web'],
      labels: { app: 'web' },
      phase: 'Running',
      qos: 'Burstable',
      conditions: { ready: 'True', scheduled: 'True' },
    });
    expect(web?.containers).toEqual([
      {
        name: 'main',
        runtime: 'containerd',
        runtimeId: 'a'.repeat(64),
        requests: { cpuMillicores: 250, memoryBytes: 64 * 1024 ** 2 },
        limits: { cpuMillicores: 1000, memoryBytes: 128 * 1024 ** 2 },
        state: 'Running',
        lastTerminationReason: 'OOMKilled',
        restartCount: 3,
      },
    ]);
    const job = toPollResult(input(), ctx()).documents[0].pods.find((p) => p.name.startsWith('report'));
    expect(job).toMatchObject({ workloadName: 'report', owners: [{ kind: 'CronJob', name: 'report' }], services: [] });
    expect(job?.containers[0]).toMatchObject({ state: 'Terminated', stateReason: 'Completed' });
  });

  test('names a pod\'s services from its ready endpoints only, as the Service attribute and the service count do', () => {
    const slices = [slice('web', 'shop', [['web-abc12-x', true], ['web-abc12-y', false]]), slice('admin', 'shop', [['web-abc12-y', false]])].map(toSliceFacts);
    const result = toPollResult(input({ slices }), ctx());
    const [n1, n2] = result.documents;
    expect(n1.pods.find((p) => p.name === 'web-abc12-x')?.services).toEqual(['web']);
    expect(n2.pods.find((p) => p.name === 'web-abc12-y')?.services).toEqual([]);
    expect(result.records.filter((r) => r.type === 'ClusterService').map((r) => [r.attributes.Service, r.metrics])).toEqual([['web', { service_number_of_running_pods: 1 }]]);
  });

  test('carries the availability zone of spec.providerID and the EBS volumes EC2 gave for the instance', () => {
    const ebsVolumes = new Map([['i-0aaa', { '/dev/xvda': 'vol-0123456789abcdef0', '/dev/xvdba': 'vol-0fedcba9876543210' }]]);
    const [n1, n2] = toPollResult(input(), ctx({ ebsVolumes })).documents;
    expect(n1).toMatchObject({ availabilityZone: 'us-east-1a', ebsVolumes: { '/dev/xvda': 'vol-0123456789abcdef0', '/dev/xvdba': 'vol-0fedcba9876543210' } });
    // i-0bbb was not resolved (yet): its document has the zone and no ebsVolumes member.
    expect(n2.availabilityZone).toBe('us-east-1b');
    expect('ebsVolumes' in n2).toBe(false);
    expect('ebsVolumes' in toPollResult(input(), ctx()).documents[0]).toBe(false);
  });

  test('sets restart deltas against the previous observation and leaves them out for new containers', () => {
    const first = toPollResult(input(), ctx());
    expect(first.restarts.get('uid-web-abc12-x/main')).toBe(3);
    expect(first.documents[0].pods.find((p) => p.name === 'web-abc12-x')?.restartDelta).toBeUndefined();

    const later = input({ pods: [toPodFacts(pod('web-abc12-x', 'shop', 'n1', 'Running', { owner: ['ReplicaSet', 'web-abc12'], restarts: 5 }))] });
    const second = toPollResult(later, ctx({ previousRestarts: first.restarts }));
    const web = second.documents[0].pods[0];
    expect(web.restartDelta).toBe(2);
    expect(web.containers[0].restartDelta).toBe(2);

    const reset = toPollResult(input({ pods: [toPodFacts(pod('web-abc12-x', 'shop', 'n1', 'Running', { restarts: 0 }))] }), ctx({ previousRestarts: second.restarts }));
    expect(reset.documents[0].pods[0].restartDelta).toBe(0);
  });

  test('leaves out an unparsable quantity and reports it as a warning', () => {
    const warnings: string[] = [];
    const bad = pod('odd', 'shop', 'n1', 'Running');
    bad.spec!.containers[0].resources = { requests: { cpu: 'lots', memory: '1Gi' } };
    const facts = toPodFacts(bad, warnings);
    expect(facts.containers[0].requests).toEqual({ memoryBytes: 1024 ** 3 });
    expect(warnings).toEqual([expect.stringMatching(/pod shop\/odd container main requests cpu: quantity "lots"/)]);
  });

  test('leaves out quantities beyond a double\'s reach instead of writing null, and warns', () => {
    const warnings: string[] = [];
    const bad = pod('huge', 'shop', 'n1', 'Running');
    bad.spec!.containers[0].resources = { requests: { cpu: 'NaN', memory: '9999999999999999999999999Ei' }, limits: { cpu: 'Infinity', memory: '1e400' } };
    const odd = node('n1', { Ready: 'True' });
    odd.status!.capacity = { cpu: '1e308', memory: '8Gi', pods: '29' };
    const facts = toPodFacts(bad, warnings);
    const nodeFacts = toNodeFacts(odd, warnings);
    expect([facts.containers[0].requests, facts.containers[0].limits, nodeFacts.capacity]).toEqual([{}, {}, { memoryBytes: 8 * 1024 ** 3, pods: 29 }]);
    expect(warnings).toEqual([
      expect.stringMatching(/pod shop\/huge container main requests cpu: quantity "NaN" is not a Kubernetes quantity/),
      expect.stringMatching(/pod shop\/huge container main requests memory: quantity "9999999999999999999999999Ei" is too large/),
      expect.stringMatching(/pod shop\/huge container main limits cpu: quantity "Infinity" is not a Kubernetes quantity/),
      expect.stringMatching(/pod shop\/huge container main limits memory: quantity "1e400" has exponent e400/),
      expect.stringMatching(/node n1 capacity cpu: quantity "1e308" is too large/),
    ]);
    const doc = toPollResult(input({ nodes: [nodeFacts], pods: [facts] }), ctx()).documents[0];
    expect(JSON.stringify(doc)).not.toContain('null');
  });

  test('gives an empty pod list to a node without pods and drops pods of unknown nodes with a warning', () => {
    const result = toPollResult(input({ pods: [toPodFacts(pod('stray', 'shop', 'n9', 'Running'))] }), ctx());
    expect(result.documents.map((d) => d.pods.length)).toEqual([0, 0]);
    expect(result.warnings).toEqual([expect.stringMatching(/1 pods name a node/)]);
  });
});

describe('facts', () => {
  test('reads the instance id from an AWS providerID only', () => {
    expect(toInstanceId('aws:///us-east-1a/i-0123456789abcdef0')).toBe('i-0123456789abcdef0');
    expect(toInstanceId('aws:///us-east-1a/fargate-ip-10-0-0-1')).toBeUndefined();
    expect(toInstanceId('gce://p/z/n')).toBeUndefined();
    expect(toInstanceId(undefined)).toBeUndefined();
  });

  test('reads the availability zone from an AWS providerID, Fargate included', () => {
    expect(toAvailabilityZone('aws:///eu-west-1c/i-0123456789abcdef0')).toBe('eu-west-1c');
    expect(toAvailabilityZone('aws:///us-east-1a/fargate-ip-10-0-0-1')).toBe('us-east-1a');
    expect(toAvailabilityZone('aws:////i-0123456789abcdef0')).toBeUndefined();
    expect(toAvailabilityZone('gce://p/z/n')).toBeUndefined();
    expect(toAvailabilityZone(undefined)).toBeUndefined();
  });

  test('links ReplicaSets to Deployments and Jobs to CronJobs through their owner references', () => {
    expect(toOwnerLink({ metadata: { name: 'rs', namespace: 'a', ownerReferences: [{ kind: 'Deployment', name: 'd' }] } } as never, 'Deployment')).toEqual({ namespace: 'a', name: 'rs', owner: 'd' });
    expect(toOwnerLink({ metadata: { name: 'j', namespace: 'a' } } as never, 'CronJob')).toEqual({ namespace: 'a', name: 'j' });
  });

  test('reduces a whole simulated cluster: every pod phase, pressure, slices split across several per service', () => {
    const sim = toKubeObjects(createClusterModel({ name: 'sim', nodeCount: 6, podsPerNode: 22, replicasPerDeployment: 5, maxEndpointsPerSlice: 2, pressureEvery: 3 }));
    const all = <T>(list: { count: number; make(i: number): unknown }) => Array.from({ length: list.count }, (_, i) => list.make(i) as T);
    const warnings: string[] = [];
    const pods = all<V1Pod>(sim.pods).map((p) => toPodFacts(p, warnings));
    expect(new Set(pods.map((p) => p.phase))).toEqual(new Set(['Running', 'Pending', 'Succeeded', 'Failed', 'Unknown']));
    const result = toPollResult(
      {
        nodes: all<V1Node>(sim.nodes).map((n) => toNodeFacts(n, warnings)),
        pods,
        slices: all<V1EndpointSlice>(sim.endpointslices).map(toSliceFacts),
        replicaSets: all<never>(sim.replicasets).map((rs) => toOwnerLink(rs, 'Deployment')),
        jobs: all<never>(sim.jobs).map((j) => toOwnerLink(j, 'CronJob')),
        workloads: [],
      },
      ctx({ cluster: 'sim' }),
    );
    expect(warnings).toEqual([]);
    expect(result.records.find((r) => r.type === 'Cluster')?.metrics).toMatchObject({ cluster_node_count: 6, cluster_failed_node_count: 2 });
    const docPods = result.documents.flatMap((d) => d.pods);
    expect(docPods).toHaveLength(pods.filter((p) => p.nodeName).length);
    expect(new Set(docPods.flatMap((p) => p.owners.map((o) => o.kind)))).toEqual(new Set(['DaemonSet', 'Deployment', 'StatefulSet', 'CronJob', 'Job']));
    const services = result.records.filter((r) => r.type === 'ClusterService');
    const slicesPerService = new Map<string, number>();
    for (const s of all<V1EndpointSlice>(sim.endpointslices)) {
      const name = s.metadata?.labels?.['kubernetes.io/service-name'] ?? '';
      slicesPerService.set(name, (slicesPerService.get(name) ?? 0) + 1);
    }
    const api = services.find((r) => r.attributes.Service === 'api-0');
    expect(slicesPerService.get('api-0')).toBe(3);
    const running = docPods.filter((p) => p.workloadName === 'api-0' && p.conditions.ready === 'True').length;
    expect(api?.metrics).toEqual({ service_number_of_running_pods: running });
    expect(docPods.some((p) => p.containers.some((c) => c.stateReason === 'CrashLoopBackOff'))).toBe(true);
  });
});

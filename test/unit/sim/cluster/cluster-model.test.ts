import { createClusterModel, toPodsOnHost, toSimAutoScalingGroup, toSimInstanceId, toSimNodeName, type SimPod } from '../../../../sim/cluster/cluster-model';

const podsOf = (model: ReturnType<typeof createClusterModel>): SimPod[] => Array.from({ length: model.description.nodeCount }, (_, n) => model.nodeState(n).pods).flat();

describe('cluster model', () => {
  const model = createClusterModel({ name: 'demo', nodeCount: 6, podsPerNode: 22, replicasPerDeployment: 5, pressureEvery: 3 });
  const pods = podsOf(model);

  it('places the DaemonSet pods first on every node, then Deployment, StatefulSet, CronJob, Job and bare pods in a pattern of 20', () => {
    const node0 = model.nodeState(0).pods;
    expect(node0.slice(0, 2).map((p) => [p.namespace, p.workloadName, p.hostNetwork])).toEqual([
      ['kube-system', 'aws-node', true],
      ['kube-system', 'kube-proxy', false],
    ]);
    const kinds = node0.slice(2).map((p) => p.owners[0]?.kind ?? 'none');
    expect(kinds).toEqual([...Array(14).fill('Deployment'), 'StatefulSet', 'StatefulSet', 'CronJob', 'CronJob', 'Job', 'none']);
  });

  it('resolves owners and the PodName as the poller does: ReplicaSet to Deployment, Job to CronJob, a StatefulSet pod by its own name', () => {
    const byKind = (kind: string) => pods.find((p) => p.controller?.kind === kind && (kind !== 'Job' || p.owners[0].kind === 'CronJob'))!;
    expect([byKind('ReplicaSet').controller!.name.startsWith(`${byKind('ReplicaSet').workloadName}-`), byKind('ReplicaSet').owners]).toEqual([true, [{ kind: 'Deployment', name: byKind('ReplicaSet').workloadName }]]);
    expect(byKind('Job')).toMatchObject({ workloadName: 'report-0', owners: [{ kind: 'CronJob', name: 'report-0' }], restartPolicy: 'OnFailure' });
    expect(byKind('StatefulSet')).toMatchObject({ name: 'db-0-0', workloadName: 'db-0-0', owners: [{ kind: 'StatefulSet', name: 'db-0' }], services: ['db-0'], qos: 'Guaranteed' });
    expect(pods.find((p) => p.name.startsWith('migrate-'))).toMatchObject({ workloadName: 'migrate', owners: [{ kind: 'Job', name: 'migrate-0' }] });
    expect(pods.find((p) => p.name.startsWith('debug-'))).toMatchObject({ workloadName: 'debug-0', owners: [], qos: 'BestEffort' });
  });

  it('has pods in every phase, crash-looping and OOM-killed containers, and a pod no node took', () => {
    expect(new Set(pods.map((p) => p.phase))).toEqual(new Set(['Running', 'Pending', 'Succeeded', 'Failed', 'Unknown']));
    expect(pods.find((p) => p.health === 'crashloop')!.containers[0]).toMatchObject({ state: 'waiting', reason: 'CrashLoopBackOff', restartCount: 7, lastTermination: { reason: 'Error', exitCode: 1 } });
    expect(pods.find((p) => p.health === 'oomkilled')!.containers[0]).toMatchObject({ state: 'running', restartCount: 2, lastTermination: { reason: 'OOMKilled', exitCode: 137 } });
    expect(pods.filter((p) => !p.scheduled).map((p) => [p.phase, p.ready])).toEqual([['Pending', 'False']]);
  });

  it('gives every pod and container its own id, and the same cluster for the same seed', () => {
    expect(new Set(pods.map((p) => p.uid)).size).toBe(pods.length);
    const ids = pods.flatMap((p) => p.containers.map((c) => c.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^[0-9a-f]{64}$/.test(id))).toBe(true);
    expect(podsOf(createClusterModel({ name: 'demo', nodeCount: 6, podsPerNode: 22, replicasPerDeployment: 5, pressureEvery: 3 }))).toEqual(pods);
    expect(podsOf(createClusterModel({ name: 'demo', nodeCount: 6, podsPerNode: 22, replicasPerDeployment: 5, pressureEvery: 3, seed: 2 }))[0].uid).not.toBe(pods[0].uid);
  });

  it('names nodes, instances and Auto Scaling groups by index, with a pressure condition on every pressureEvery-th node', () => {
    const nodes = Array.from({ length: model.nodes.count }, (_, i) => model.nodes.make(i));
    expect(nodes.map((n) => [n.name, n.instanceId, n.autoScalingGroup])[4]).toEqual([toSimNodeName(4), toSimInstanceId(4), toSimAutoScalingGroup('demo', toSimInstanceId(4))]);
    expect(nodes.map((n) => [n.instanceType, n.cores])).toEqual([['m5.large', 2], ['m6i.xlarge', 4], ['c6g.2xlarge', 8], ['m5.large', 2], ['m6i.xlarge', 4], ['c6g.2xlarge', 8]]);
    expect(nodes.map((n) => Object.entries(n.conditions).filter(([type, status]) => type !== 'Ready' && status !== 'False'))).toEqual([[], [['MemoryPressure', 'True']], [], [], [['DiskPressure', 'True']], []]);
  });

  it('lists this machine after the simulated nodes, without pods and in no Auto Scaling group', () => {
    const withLocal = createClusterModel({ name: 'demo', nodeCount: 2, podsPerNode: 4, localNode: { name: 'here', cores: 4, memTotalBytes: 16 * 1024 ** 3 } });
    expect(withLocal.nodes.count).toBe(3);
    expect(withLocal.nodeState(2)).toMatchObject({ name: 'here', local: true, cores: 4, autoScalingGroup: '', pods: [], capacity: { cpu: '4', memory: '16777216Ki' } });
  });

  it('fills a node up to containersPerNode with sidecars, keeping every QoS class', () => {
    const node = createClusterModel({ name: 'bench', nodeCount: 1, podsPerNode: 110, containersPerNode: 250, allRunning: true }).nodeState(0);
    const onHost = toPodsOnHost(node.pods);
    expect([onHost.length, onHost.reduce((n, p) => n + p.containers.length, 0)]).toEqual([110, 250]);
    expect(new Set(onHost.map((p) => p.qos))).toEqual(new Set(['Guaranteed', 'Burstable', 'BestEffort']));
    expect(onHost.flatMap((p) => p.containers).filter((c) => c.name.startsWith('sidecar-'))).toHaveLength(62);
  });

  it('puts on the host only the Running pods, each with its running containers', () => {
    const onHost = toPodsOnHost(pods);
    expect(onHost.every((p) => p.phase === 'Running' && p.containers.every((c) => c.state === 'running'))).toBe(true);
    expect(onHost.length).toBe(pods.filter((p) => p.phase === 'Running').length);
    const crashing = onHost.find((p) => p.health === 'crashloop' && p.owners[0].kind === 'Deployment')!;
    expect(crashing.containers.map((c) => c.name)).toEqual(['envoy']);
  });

  it('rejects containersPerNode below the containers of the workloads, and a pod slot outside the layout', () => {
    expect(() => createClusterModel({ name: 'x', nodeCount: 1, podsPerNode: 10, containersPerNode: 5 }).pod(0, 0)).toThrow(/containersPerNode 5 is fewer than the 18 containers of the workloads of node 0/);
    expect(() => model.pod(6, 0)).toThrow(/no pod slot 0 on node 6; expected node 0\.\.5, slot 0\.\.21/);
  });
});

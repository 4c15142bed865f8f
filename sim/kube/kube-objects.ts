import type { KubeObject } from '../../core/agent-manifest';
import type { JsonValue } from '../../core/json-value';
import { hasContainerStatuses, SIM_CREATED_MS, type ClusterModel, type LazyList, type PodRef, type SimContainer, type SimNode, type SimObjectRef, type SimPod, type SimPodStatus } from '../cluster/cluster-model';
import type { ClusterState } from '../cluster/cluster-state';
import { toHashHex, toNameSuffix, toUid } from '../cluster/random';
import type { KubeResource } from './kube-api-server';

/**
 * A simulated cluster as the Kubernetes API serves it: wire JSON of every resource the local API
 * server serves, made from the cluster model (sim/cluster) when a list page asks for it, so a
 * 150,000-pod cluster costs nothing until served. From a {@link ClusterState} the objects are those
 * of that moment (restarts, replaced pods, memory pressure): what the poller of `kinsight local`
 * reads matches what the agents read from the host trees.
 */

/** Every resource's objects, made on demand. */
export type KubeObjects = { readonly [R in KubeResource]: LazyList<KubeObject> };

// Few distinct times (the cluster's creation, the starts of replaced pods): each formatted once.
const isoTimes = new Map<number, string>();
const iso = (ms: number): string => {
  let text = isoTimes.get(ms);
  if (text === undefined) {
    if (isoTimes.size > 10_000) isoTimes.clear();
    isoTimes.set(ms, (text = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')));
  }
  return text;
};

const imageIds = new Map<string, string>();
const toImageId = (image: string): string => {
  let id = imageIds.get(image);
  if (id === undefined) imageIds.set(image, (id = `${image}@sha256:${toHashHex(image, 64)}`));
  return id;
};

const meta = (ref: SimObjectRef, extra: Record<string, JsonValue> = {}) => ({
  name: ref.name,
  ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}),
  uid: ref.uid,
  resourceVersion: '1',
  creationTimestamp: iso(SIM_CREATED_MS),
  ...extra,
});

function toContainerStatus(pod: SimPod, c: SimContainer): JsonValue {
  const started = iso(pod.startedAtMs);
  const containerID = `containerd://${c.id}`;
  const everStarted = c.state !== 'waiting' || c.lastTermination !== undefined;
  const state =
    c.state === 'running'
      ? { running: { startedAt: started } }
      : c.state === 'terminated'
        ? { terminated: { exitCode: c.exitCode ?? 0, reason: c.reason ?? 'Completed', startedAt: started, finishedAt: started, containerID } }
        : { waiting: { reason: c.reason ?? 'ContainerCreating', ...(c.reason === 'CrashLoopBackOff' ? { message: 'back-off 5m0s restarting failed container' } : {}) } };
  return {
    name: c.name,
    image: c.image,
    imageID: toImageId(c.image),
    ...(everStarted ? { containerID } : {}),
    restartCount: c.restartCount,
    started: c.state === 'running',
    ready: c.state === 'running',
    state,
    lastState: c.lastTermination ? { terminated: { exitCode: c.lastTermination.exitCode, reason: c.lastTermination.reason, startedAt: started, finishedAt: started, containerID } } : {},
  };
}

/** The Pod object of a simulated pod. */
export function toPodObject(pod: SimPod, node: SimNode): KubeObject {
  const created = iso(pod.startedAtMs);
  const conditions = [
    { type: 'PodScheduled', status: pod.scheduled ? 'True' : 'False', lastTransitionTime: created, ...(pod.scheduled ? {} : { reason: 'Unschedulable' }) },
    ...(pod.scheduled ? [{ type: 'Initialized', status: 'True', lastTransitionTime: created }] : []),
    ...(pod.scheduled ? [{ type: 'Ready', status: pod.ready, lastTransitionTime: created }] : []),
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      uid: pod.uid,
      resourceVersion: '1',
      creationTimestamp: created,
      labels: pod.labels,
      ...(pod.controller ? { ownerReferences: [{ ...pod.controller, controller: true, blockOwnerDeletion: true }] } : {}),
    },
    spec: {
      ...(pod.scheduled ? { nodeName: node.name } : {}),
      containers: pod.containers.map((c) => ({ name: c.name, image: c.image, resources: c.resources })),
      restartPolicy: pod.restartPolicy,
      serviceAccountName: 'default',
      ...(pod.hostNetwork ? { hostNetwork: true } : {}),
    },
    status: {
      phase: pod.phase,
      conditions,
      qosClass: pod.qos,
      ...(pod.scheduled ? { hostIP: node.ip, podIP: pod.hostNetwork ? node.ip : pod.ip, startTime: created } : {}),
      ...(hasContainerStatuses(pod) ? { containerStatuses: pod.containers.map((c) => toContainerStatus(pod, c)) } : {}),
    },
  };
}

const CONDITION_REASONS = {
  MemoryPressure: { False: 'KubeletHasSufficientMemory', True: 'KubeletHasInsufficientMemory', Unknown: 'NodeStatusUnknown' },
  DiskPressure: { False: 'KubeletHasNoDiskPressure', True: 'KubeletHasDiskPressure', Unknown: 'NodeStatusUnknown' },
  PIDPressure: { False: 'KubeletHasSufficientPID', True: 'KubeletHasInsufficientPID', Unknown: 'NodeStatusUnknown' },
  Ready: { True: 'KubeletReady', False: 'KubeletNotReady', Unknown: 'NodeStatusUnknown' },
} as const;

/** The Node object of a simulated node. */
export function toNodeObject(node: SimNode): KubeObject {
  const created = iso(SIM_CREATED_MS);
  const conditions = (Object.keys(CONDITION_REASONS) as Array<keyof typeof CONDITION_REASONS>).map((type) => {
    const status = node.conditions[type];
    return { type, status, reason: CONDITION_REASONS[type][status], lastHeartbeatTime: created, lastTransitionTime: created, message: `kubelet reports ${type}=${status}` };
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      uid: node.uid,
      resourceVersion: '1',
      creationTimestamp: created,
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': node.arch,
        'node.kubernetes.io/instance-type': node.instanceType,
        'topology.kubernetes.io/zone': node.zone,
        ...(node.local ? {} : { 'eks.amazonaws.com/nodegroup': `ng-${node.zone.slice(-1)}` }),
      },
    },
    spec: { providerID: `aws:///${node.zone}/${node.instanceId}` },
    status: {
      capacity: { ...node.capacity },
      allocatable: { ...node.allocatable },
      conditions,
      addresses: [
        { type: 'InternalIP', address: node.ip },
        { type: 'Hostname', address: node.name },
      ],
      nodeInfo: { kubeletVersion: 'v1.33.5-eks-1234567', containerRuntimeVersion: 'containerd://1.7.27', osImage: 'Amazon Linux 2023', architecture: node.arch, operatingSystem: 'linux' },
    },
  };
}

/** What the objects are made from: pods by place, nodes by index. */
interface ClusterView {
  readonly model: ClusterModel;
  node(index: number): SimNode;
  pod(ref: PodRef): SimPod;
  /** The pod without its containers, for the statuses of workloads and endpoint slices. */
  status(ref: PodRef): SimPodStatus;
}

const toView = (source: ClusterModel | ClusterState): ClusterView => {
  if ('model' in source) {
    const pod = ([n, s]: PodRef) => source.nodes[n].pods[s];
    return { model: source.model, node: (i) => source.nodes[i], pod, status: pod };
  }
  return { model: source, node: (i) => source.nodes.make(i), pod: ([n, s]) => source.pod(n, s), status: ([n, s]) => source.podStatus(n, s) };
};

/** Every resource's objects of a cluster: from its model (as it starts), or from a state of it. */
export function toKubeObjects(source: ClusterModel | ClusterState): KubeObjects {
  const view = toView(source);
  const { model } = view;
  const M = model.description.maxEndpointsPerSlice;
  const lazy = (count: number, make: (index: number) => KubeObject): LazyList<KubeObject> => ({ count, make });
  const readyOf = (pods: readonly PodRef[]): number => pods.reduce((n, ref) => n + (view.status(ref).ready === 'True' ? 1 : 0), 0);

  // Offsets of the first slice of each service: compact numbers, not objects.
  const services = model.services;
  const sliceStart = new Uint32Array(services.count + 1);
  for (let i = 0; i < services.count; i += 1) sliceStart[i + 1] = sliceStart[i] + Math.max(1, Math.ceil(services.make(i).pods.length / M));
  const serviceOfSlice = (index: number): number => {
    let lo = 0;
    let hi = services.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (sliceStart[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };

  return {
    namespaces: lazy(model.namespaces.count, (i) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(model.namespaces.make(i)), status: { phase: 'Active' } })),
    nodes: lazy(model.nodes.count, (i) => toNodeObject(view.node(i))),
    pods: lazy(model.description.nodeCount * model.description.podsPerNode, (i) => {
      const ref: PodRef = [Math.floor(i / model.description.podsPerNode), i % model.description.podsPerNode];
      return toPodObject(view.pod(ref), view.node(ref[0]));
    }),
    services: lazy(services.count, (i) => {
      const s = services.make(i);
      return {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta(s, { labels: { app: s.name } }),
        spec: { selector: { app: s.name }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], type: 'ClusterIP', clusterIP: s.clusterIP },
      };
    }),
    endpointslices: lazy(sliceStart[services.count], (index) => {
      const i = serviceOfSlice(index);
      const s = services.make(i);
      const k = index - sliceStart[i];
      return {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: meta({ name: `${s.name}-${toNameSuffix(`${s.uid}/eps/${k}`, 5)}`, namespace: s.namespace, uid: toUid(`${s.uid}/eps/${k}`) }, {
          labels: { 'kubernetes.io/service-name': s.name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
          ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: s.name, uid: s.uid, controller: true }],
        }),
        addressType: 'IPv4',
        endpoints: s.pods
          .slice(k * M, (k + 1) * M)
          .map((ref) => ({ ref, pod: view.status(ref) }))
          .filter(({ pod }) => pod.scheduled)
          .map(({ ref, pod }) => {
            const node = view.node(ref[0]);
            return {
              addresses: [pod.ip],
              conditions: { ready: pod.ready === 'True', serving: pod.ready === 'True', terminating: false },
              targetRef: { kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid },
              nodeName: node.name,
              zone: node.zone,
            };
          }),
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      };
    }),
    deployments: lazy(model.deployments.count, (d) => {
      const dep = model.deployments.make(d);
      const replicas = dep.pods.length;
      const ready = readyOf(dep.pods);
      return {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta(dep, { generation: 3 }),
        spec: { replicas, selector: { matchLabels: { app: dep.name } } },
        status: { replicas, readyReplicas: ready, availableReplicas: ready, unavailableReplicas: replicas - ready, updatedReplicas: replicas, observedGeneration: 3 },
      };
    }),
    replicasets: lazy(model.replicaSets.count, (i) => {
      const rs = model.replicaSets.make(i);
      const replicas = rs.pods.length;
      const ready = readyOf(rs.pods);
      return {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: meta(rs, {
          labels: { app: rs.deployment.name, 'pod-template-hash': rs.podTemplateHash },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: rs.deployment.name, uid: rs.deployment.uid, controller: true }],
        }),
        spec: { replicas, selector: { matchLabels: { app: rs.deployment.name, 'pod-template-hash': rs.podTemplateHash } } },
        status: { replicas, readyReplicas: ready, availableReplicas: ready, fullyLabeledReplicas: replicas },
      };
    }),
    daemonsets: lazy(model.daemonSets.count, (i) => {
      const ds = model.daemonSets.make(i);
      const desired = ds.pods.length;
      return {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: meta(ds),
        spec: { selector: { matchLabels: { 'k8s-app': ds.name } } },
        status: {
          desiredNumberScheduled: desired,
          currentNumberScheduled: desired,
          numberReady: desired,
          numberAvailable: desired,
          numberUnavailable: 0,
          numberMisscheduled: 0,
          updatedNumberScheduled: desired,
        },
      };
    }),
    statefulsets: lazy(model.statefulSets.count, (s) => {
      const sts = model.statefulSets.make(s);
      const replicas = sts.pods.length;
      const ready = readyOf(sts.pods);
      return {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: meta(sts),
        spec: { replicas, serviceName: sts.name, selector: { matchLabels: { app: sts.name } } },
        status: { replicas, readyReplicas: ready, availableReplicas: ready, currentReplicas: replicas, updatedReplicas: replicas },
      };
    }),
    jobs: lazy(model.jobs.count, (i) => {
      const job = model.jobs.make(i);
      const phase = view.status(job.pods[0]).phase;
      return {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: meta(job, {
          labels: { 'job-name': job.name },
          ...(job.cronJob ? { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: job.cronJob.name, uid: job.cronJob.uid, controller: true }] } : {}),
        }),
        spec: { completions: 1, parallelism: 1, backoffLimit: 6 },
        status: { active: phase === 'Running' ? 1 : 0, succeeded: phase === 'Succeeded' ? 1 : 0, failed: phase === 'Failed' ? 1 : 0, startTime: iso(SIM_CREATED_MS) },
      };
    }),
    cronjobs: lazy(model.cronJobs.count, (c) => ({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: meta(model.cronJobs.make(c)),
      spec: { schedule: '*/5 * * * *', concurrencyPolicy: 'Forbid', jobTemplate: { spec: { template: { spec: { containers: [] } } } } },
      status: { lastScheduleTime: iso(SIM_CREATED_MS) },
    })),
  };
}

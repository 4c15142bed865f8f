import { toNodeKey, type ContainerMetadata, type ContainerState, type NodeMetadata, type PodMetadata } from '../../../../core/node-metadata';
import { toContentHash, toMetadataItem, type NodeMetadataItem } from '../../../../core/node-metadata-item';
import type { CgroupDeltas, CgroupGauges, DiskDevice, Filesystem, NetInterface, NodeRecord, PodSample } from '../../../../core/record';

/**
 * A seeded random fleet for differential tests of the enricher: nodes whose pods start, stop,
 * restart, get relabelled and gain containers, whose attributes (instance id, type, Auto Scaling
 * group) change, whose agents restart (first samples without deltas) and whose interfaces, devices
 * and filesystems come and go; a poller that writes each node's metadata document as table items
 * (only when the content hash changed, plus refreshes), late, now and then not at all (documents
 * missing, expired); and a fake DynamoDB document client over those items for the metadata reader.
 * The same seed gives the same sequence.
 */

/** A seeded pseudo-random source (xorshift32): deterministic, not for anything but tests. */
export interface Random {
  /** In [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

export function createRandom(seed: number): Random {
  let x = seed >>> 0 || 0x9e3779b9;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, chance: (p) => next() < p, pick: (items) => items[int(items.length)] };
}

interface SimContainer {
  name: string;
  id: string;
  runtime: string | undefined;
  /** Whether the agent found the name in the runtime's state files. */
  agentKnowsName: boolean;
  state: ContainerState;
  stateReason: string | undefined;
  lastTerminationReason: string | undefined;
  restartCount: number;
  requests: { cpuMillicores?: number; memoryBytes?: number };
  limits: { cpuMillicores?: number; memoryBytes?: number };
}

interface SimPod extends Pick<PodMetadata, 'uid' | 'name' | 'namespace' | 'workloadName' | 'owners' | 'labels' | 'services' | 'phase'> {
  ready: string;
  hostNetwork: boolean;
  /** The host-side `eni` interface of the pod (VPC CNI), if any. */
  eni: string | undefined;
  /** Started pods have cgroups: the agent reports them. A Pending pod that has not started is only in the document. */
  started: boolean;
  containers: SimContainer[];
}

interface SimNode {
  cluster: string;
  node: string;
  instanceId: string | undefined;
  instanceType: string | undefined;
  autoScalingGroup: string;
  cores: number;
  memTotalBytes: number;
  pods: SimPod[];
  hostInterfaces: string[];
  disks: string[];
  filesystems: { device: string; fstype: string }[];
  /** The agent restarted: its next record has no elapsed time and no deltas. */
  agentRestarted: boolean;
  /** Polls skipped from now on (the document stays as it is, or missing). */
  pollerPausedSteps: number;
  /** Restart counts the poller saw at its previous run, by `<pod uid>/<container name>`. */
  observedRestarts: Map<string, number>;
  /**
   * A calm node keeps its attributes and its document, and has many short-lived pods: its view
   * lives long enough for its derived shapes (an `eni` interface per pod) to pile up.
   */
  calm: boolean;
}

/** What the fleet did at a step, for the test's account of what it exercised. */
export interface StepEvents {
  documentsWritten: number;
  documentsDeleted: number;
  documentsExpired: number;
}

const NAMESPACES = ['shop', 'batch', 'kube-system'];
const WORKLOADS = ['web', 'api', 'report', 'db', 'cache'];
const OWNER_KINDS = ['Deployment', 'StatefulSet', 'CronJob', 'DaemonSet'];
const WAITING_REASONS = ['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'CreateContainerError', 'StartError', 'ContainerCreating'];
const TERMINATION_REASONS = ['OOMKilled', 'Error', 'Completed'];
const INSTANCE_TYPES = ['m5.large', 'm6i.xlarge', 'c6g.2xlarge'];

/** A fleet of four nodes (two clusters, one node name in both), its metadata table and its clock. */
export function createRandomFleet(seed: number, options: { tableName: string; startMs: number; stepMs: number }) {
  const random = createRandom(seed);
  let serial = 0;
  const nextSerial = () => (serial += 1);
  const hex64 = () => {
    let out = '';
    while (out.length < 64) out += Math.floor(random.next() * 2 ** 32).toString(16).padStart(8, '0');
    return out;
  };
  const maybe = (p: number, value: () => number): number | undefined => (random.chance(p) ? value() : undefined);
  const amount = (): { cpuMillicores?: number; memoryBytes?: number } => {
    const a: { cpuMillicores?: number; memoryBytes?: number } = {};
    if (random.chance(0.6)) a.cpuMillicores = random.pick([50, 100, 250, 500, 1000, 9000]);
    if (random.chance(0.6)) a.memoryBytes = random.pick([64, 128, 256, 512, 40_000]) * 1024 ** 2;
    return a;
  };
  const labels = (): Record<string, string> => random.pick([() => ({}), () => ({ app: random.pick(WORKLOADS) }), () => ({ app: random.pick(WORKLOADS), tier: `t${random.int(3)}` })])();

  function newContainer(name: string): SimContainer {
    const state: ContainerState = random.pick(['Running', 'Running', 'Running', 'Waiting', 'Terminated']);
    return {
      name,
      id: hex64(),
      runtime: random.chance(0.85) ? random.pick(['containerd', 'containerd', 'docker']) : undefined,
      agentKnowsName: random.chance(0.7),
      state,
      stateReason: state === 'Waiting' ? random.pick(WAITING_REASONS) : state === 'Terminated' ? random.pick(TERMINATION_REASONS) : undefined,
      lastTerminationReason: random.chance(0.2) ? random.pick(TERMINATION_REASONS) : undefined,
      restartCount: random.int(3),
      requests: amount(),
      limits: amount(),
    };
  }

  function newPod(): SimPod {
    const n = nextSerial();
    const workload = random.pick(WORKLOADS);
    const hostNetwork = random.chance(0.15);
    const kind = random.chance(0.8) ? random.pick(OWNER_KINDS) : undefined;
    const started = random.chance(0.85);
    return {
      uid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      name: `${workload}-${n}`,
      namespace: random.pick(NAMESPACES),
      workloadName: kind === 'StatefulSet' || kind === undefined ? `${workload}-${n}` : workload,
      owners: kind ? [{ kind, name: workload }] : [],
      labels: labels(),
      services: random.pick([[], [`${workload}-svc`], [`${workload}-svc`, `${workload}-internal`]]),
      phase: started ? 'Running' : 'Pending',
      ready: started ? 'True' : 'False',
      hostNetwork,
      eni: !hostNetwork && random.chance(0.7) ? `eni${n.toString(16).padStart(11, '0')}` : undefined,
      started,
      containers: Array.from({ length: 1 + random.int(3) }, (_, i) => newContainer(['app', 'sidecar', 'proxy'][i])),
    };
  }

  function newNode(cluster: string, node: string, calm = false): SimNode {
    return {
      cluster,
      node,
      instanceId: `i-${hex64().slice(0, 17)}`,
      instanceType: random.pick(INSTANCE_TYPES),
      autoScalingGroup: random.pick(['', 'eks-ng-1']),
      cores: random.pick([2, 4, 8]),
      memTotalBytes: random.pick([8, 16, 32]) * 1024 ** 3,
      pods: Array.from({ length: 2 + random.int(5) }, newPod),
      hostInterfaces: ['eth0'],
      disks: ['nvme0n1'],
      filesystems: [{ device: '/dev/nvme0n1p1', fstype: 'xfs' }],
      agentRestarted: true,
      pollerPausedSteps: 0,
      observedRestarts: new Map(),
      calm,
    };
  }

  const nodes: SimNode[] = [newNode('prod', 'ip-10-0-0-1.ec2.internal', true), newNode('prod', 'ip-10-0-0-2.ec2.internal'), newNode('dev', 'ip-10-0-0-1.ec2.internal'), newNode('dev', 'ip-10-0-0-3.ec2.internal')];
  const table = new Map<string, NodeMetadataItem>();
  let nowMs = options.startMs;

  /** The node's pods and attributes change as a random step of a busy cluster. */
  function changeNode(n: SimNode): void {
    // About 6 pods a node (4 on calm ones), started and stopped all the time.
    if (random.chance(n.calm ? 0.6 : 0.25)) n.pods.push(newPod());
    if (random.chance(n.pods.length * (n.calm ? 0.15 : 0.04))) n.pods.splice(random.int(n.pods.length), 1);
    for (const pod of n.pods) {
      if (!pod.started && random.chance(0.5)) {
        pod.started = true;
        pod.phase = 'Running';
        pod.ready = 'True';
      }
      if (random.chance(0.06)) {
        const c = random.pick(pod.containers);
        c.id = hex64();
        c.restartCount += 1;
        c.lastTerminationReason = random.pick(TERMINATION_REASONS);
        c.state = random.pick(['Running', 'Waiting']);
        c.stateReason = c.state === 'Waiting' ? random.pick(WAITING_REASONS) : undefined;
      }
      if (random.chance(0.04)) pod.labels = labels();
      if (random.chance(0.03)) pod.services = random.pick([[], [`${pod.workloadName}-svc`], ['zz-svc', 'aa-svc']]);
      if (random.chance(0.03)) pod.phase = random.pick(['Running', 'Succeeded', 'Failed', 'Unknown']);
      if (random.chance(0.04)) pod.ready = random.pick(['True', 'False', 'Unknown']);
      if (random.chance(0.03) && pod.containers.length < 4) pod.containers.push(newContainer(`extra${nextSerial()}`));
      if (random.chance(0.03)) {
        const c = random.pick(pod.containers);
        c.agentKnowsName = !c.agentKnowsName;
      }
      if (random.chance(0.03)) {
        const c = random.pick(pod.containers);
        c.state = random.pick(['Running', 'Waiting', 'Terminated']);
        c.stateReason = c.state === 'Running' ? undefined : random.pick([...WAITING_REASONS, ...TERMINATION_REASONS]);
      }
    }
    if (!n.calm) {
      if (random.chance(0.04)) n.instanceId = random.chance(0.3) ? undefined : `i-${hex64().slice(0, 17)}`;
      if (random.chance(0.03)) n.instanceType = random.chance(0.2) ? undefined : random.pick(INSTANCE_TYPES);
      if (random.chance(0.04)) n.autoScalingGroup = random.pick(['', 'eks-ng-1', 'eks-ng-2']);
    }
    if (random.chance(0.06)) n.hostInterfaces = random.pick([['eth0'], ['eth0', 'ens6'], ['eth0', 'ens6', 'ens7'], ['ens5']]);
    // Devices whose names hold ':' (major:minor), filesystems whose device and fstype could run into each other.
    if (random.chance(0.04)) n.disks = random.pick([['nvme0n1'], ['nvme0n1', '259:3'], ['259:3', '259:4']]);
    if (random.chance(0.04)) n.filesystems = random.pick([[{ device: '/dev/nvme0n1p1', fstype: 'xfs' }], [{ device: 'a:b', fstype: 'c' }, { device: 'a', fstype: 'b:c' }], [{ device: '/dev/nvme1n1', fstype: 'ext4' }, { device: '/dev/nvme0n1p1', fstype: 'xfs' }]]);
    if (random.chance(0.03)) n.agentRestarted = true;
  }

  const gauges = (scale: number): CgroupGauges => ({
    memoryUsageBytes: maybe(0.95, () => random.int(scale)),
    memoryWorkingSetBytes: maybe(0.95, () => random.int(scale)),
    memoryRssBytes: maybe(0.8, () => random.int(scale)),
    memoryCacheBytes: maybe(0.8, () => random.int(scale)),
    memoryFailcnt: maybe(0.3, () => random.int(5)),
  });
  const deltas = (cpuNs: number): CgroupDeltas => ({
    cpuUsageNs: maybe(0.9, () => random.int(cpuNs)),
    cpuUserNs: maybe(0.8, () => random.int(cpuNs)),
    cpuSystemNs: maybe(0.8, () => random.int(cpuNs)),
    memoryPgfault: maybe(0.7, () => random.int(10_000)),
    memoryPgmajfault: maybe(0.7, () => random.int(100)),
  });
  const netInterface = (name: string, first: boolean): NetInterface =>
    first || random.chance(0.05)
      ? { name }
      : { name, deltas: { rxBytes: maybe(0.9, () => random.int(1e7)), txBytes: maybe(0.9, () => random.int(1e7)), rxPackets: maybe(0.7, () => random.int(1e4)), txPackets: maybe(0.7, () => random.int(1e4)), rxDropped: maybe(0.3, () => random.int(3)) } };

  /** The agent's record of the node at this step. */
  function toRecord(n: SimNode): NodeRecord {
    const first = n.agentRestarted;
    n.agentRestarted = false;
    const elapsedMs = first ? undefined : random.chance(0.03) ? 0 : options.stepMs + random.int(500);
    const pods: PodSample[] = n.pods
      .filter((p) => p.started)
      .map((p) => ({
        uid: p.uid,
        qos: random.pick(['Guaranteed', 'Burstable', 'BestEffort'] as const),
        gauges: gauges(2 ** 30),
        deltas: first ? undefined : deltas(60e9),
        hostNetwork: p.hostNetwork || undefined,
        net: p.hostNetwork ? undefined : [netInterface('eth0', first)],
        containers: p.containers.map((c) => ({ id: c.id, runtime: c.runtime, name: c.agentKnowsName ? c.name : undefined, gauges: gauges(2 ** 29), deltas: first ? undefined : deltas(30e9) })),
      }));
    const disks: DiskDevice[] = n.disks.map((device) =>
      first || random.chance(0.1) ? { device } : { device, deltas: { serviceBytes: { read: maybe(0.9, () => random.int(1e8)), write: maybe(0.9, () => random.int(1e8)) }, serviced: { read: maybe(0.9, () => random.int(1e4)), write: maybe(0.9, () => random.int(1e4)) } } },
    );
    const filesystems: Filesystem[] = n.filesystems.map((f) => ({ device: f.device, mountpoint: '/', fstype: f.fstype, capacityBytes: 80 * 2 ** 30, usageBytes: random.int(80 * 2 ** 30), availableBytes: random.int(60 * 2 ** 30), inodes: maybe(0.8, () => 1e6), inodesFree: maybe(0.8, () => random.int(1e6)) }));
    const interfaces = [...n.hostInterfaces, ...n.pods.filter((p) => p.started && p.eni !== undefined).map((p) => p.eni as string)];
    return {
      cluster: n.cluster,
      node: n.node,
      timeMs: nowMs,
      elapsedMs,
      cgroupVersion: random.pick([1, 2] as const),
      cores: n.cores,
      memTotalBytes: n.memTotalBytes,
      gauges: gauges(n.memTotalBytes),
      deltas: first ? undefined : deltas(n.cores * 60e9),
      net: interfaces.map((name) => netInterface(name, first)),
      disks,
      filesystems,
      pods,
    };
  }

  /** The poller's document of the node now (restart deltas against its previous run). */
  function toDocument(n: SimNode): NodeMetadata {
    const observed = new Map<string, number>();
    const pods: PodMetadata[] = n.pods.map((p) => {
      let podDelta: number | undefined = 0;
      const containers: ContainerMetadata[] = p.containers.map((c) => {
        const key = `${p.uid}/${c.name}`;
        const before = n.observedRestarts.get(key);
        observed.set(key, c.restartCount);
        const restartDelta = before === undefined ? undefined : c.restartCount - before;
        podDelta = podDelta === undefined || restartDelta === undefined ? undefined : podDelta + restartDelta;
        const m: ContainerMetadata = { name: c.name, requests: c.requests, limits: c.limits, restartCount: c.restartCount };
        if (p.started) {
          m.runtimeId = c.id;
          if (c.runtime) m.runtime = c.runtime;
        }
        m.state = c.state;
        if (c.stateReason) m.stateReason = c.stateReason;
        if (c.lastTerminationReason) m.lastTerminationReason = c.lastTerminationReason;
        if (restartDelta !== undefined) m.restartDelta = restartDelta;
        return m;
      });
      const pod: PodMetadata = {
        uid: p.uid,
        name: p.name,
        namespace: p.namespace,
        workloadName: p.workloadName,
        owners: p.owners,
        labels: { ...p.labels },
        services: p.services,
        phase: p.phase,
        conditions: { ready: p.ready, scheduled: 'True' },
        containers,
      };
      if (p.hostNetwork) pod.hostNetwork = true;
      if (podDelta !== undefined) pod.restartDelta = podDelta;
      return pod;
    });
    n.observedRestarts = observed;
    const doc: NodeMetadata = {
      version: 1,
      cluster: n.cluster,
      node: n.node,
      autoScalingGroup: n.autoScalingGroup,
      capacity: { cpuMillicores: n.cores * 1000, memoryBytes: n.memTotalBytes },
      allocatable: { cpuMillicores: n.cores * 1000 - 80, memoryBytes: n.memTotalBytes - 2 ** 30 },
      conditions: { Ready: 'True' },
      pods,
      observedAtMs: nowMs,
    };
    if (n.instanceId) doc.instanceId = n.instanceId;
    if (n.instanceType) doc.instanceType = n.instanceType;
    return doc;
  }

  /** The poller's run for a node: writes on a changed hash or a refresh; now and then stops for a while or lets the item expire. */
  function poll(n: SimNode, events: StepEvents): void {
    const key = toNodeKey(n.cluster, n.node);
    if (n.pollerPausedSteps > 0) {
      n.pollerPausedSteps -= 1;
      return;
    }
    if (!n.calm && random.chance(0.04)) {
      table.delete(key);
      n.pollerPausedSteps = 1 + random.int(3);
      events.documentsDeleted += 1;
      return;
    }
    if (!n.calm && random.chance(0.02)) {
      const item = table.get(key);
      if (item) {
        table.set(key, { ...item, ttl: Math.floor(nowMs / 1000) - 1 });
        n.pollerPausedSteps = 1 + random.int(2);
        events.documentsExpired += 1;
      }
      return;
    }
    if (random.chance(0.35)) return; // runs late: the records of this step see the previous document
    const doc = toDocument(n);
    const item = table.get(key);
    if (item === undefined || item.hash !== toContentHash(doc) || item.ttl * 1000 <= nowMs || random.chance(0.2)) {
      table.set(key, toMetadataItem(doc, nowMs, 600));
      events.documentsWritten += 1;
    }
  }

  return {
    now: () => nowMs,
    /** One step: time passes, every node changes, the poller runs; the records of the step, in a random order. */
    step(): { records: NodeRecord[]; events: StepEvents } {
      nowMs += options.stepMs;
      const events: StepEvents = { documentsWritten: 0, documentsDeleted: 0, documentsExpired: 0 };
      for (const n of nodes) {
        changeNode(n);
        poll(n, events);
      }
      const order = [...nodes];
      for (let i = order.length - 1; i > 0; i--) {
        const j = random.int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      return { records: order.map(toRecord), events };
    },
    /** A DynamoDB document client answering BatchGet from the table, as the metadata reader calls it. */
    client: {
      send: async (command: { input: { RequestItems?: Record<string, { Keys?: Record<string, unknown>[] }> } }) => {
        const keys = (command.input.RequestItems?.[options.tableName]?.Keys ?? []).map((k) => String(k.pk));
        return { Responses: { [options.tableName]: keys.filter((k) => table.has(k)).map((k) => table.get(k)) } };
      },
    },
  };
}

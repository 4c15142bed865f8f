/**
 * The node metadata document: what the poller learns from the Kubernetes API (and EC2) about one
 * node and its pods, and what the enricher joins to the agent's records. Stored in DynamoDB, one
 * item per node, key `<cluster>#<node>`. Documented in docs/node-metadata.md.
 */

/** The schema version of the document. */
export const NODE_METADATA_VERSION = 1;

/** Requests or limits of a container; absent fields are not set in the spec. */
export interface ResourceAmounts {
  cpuMillicores?: number;
  memoryBytes?: number;
}

/** Kubernetes container state. */
export type ContainerState = 'Running' | 'Waiting' | 'Terminated';

/** A regular (non-init) container of a pod. */
export interface ContainerMetadata {
  name: string;
  /** Runtime id without the scheme (`containerd://<id>` gives `<id>`); absent before the container started. */
  runtimeId?: string;
  /** The scheme of the status containerID: `containerd`, `docker`, `cri-o`. */
  runtime?: string;
  requests: ResourceAmounts;
  limits: ResourceAmounts;
  state?: ContainerState;
  /** Waiting or terminated reason. */
  stateReason?: string;
  /** lastState.terminated.reason. */
  lastTerminationReason?: string;
  restartCount: number;
  /** Restarts since the poller's previous observation; absent the first time the container is seen. */
  restartDelta?: number;
}

/** A resolved owner of a pod (ReplicaSet resolved to its Deployment, Job to its CronJob). */
export interface PodOwner {
  kind: string;
  name: string;
}

/** A pod bound to the node. */
export interface PodMetadata {
  uid: string;
  name: string;
  namespace: string;
  /** The `PodName` attribute: the workload name resolved from the owners (catalog section 3). */
  workloadName: string;
  owners: PodOwner[];
  labels: Record<string, string>;
  /** Services selecting the pod, sorted; the first is the `Service` attribute. */
  services: string[];
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  qos?: 'Guaranteed' | 'Burstable' | 'BestEffort';
  hostNetwork?: boolean;
  /** Ready and PodScheduled conditions as 'True' | 'False' | 'Unknown'. */
  conditions: { ready?: string; scheduled?: string };
  containers: ContainerMetadata[];
  /** Sum of the containers' restarts since the previous observation; absent the first time. */
  restartDelta?: number;
  /**
   * How many labels the poller cut from `labels` to keep the node's document within the item limit
   * (the largest labels of the largest label maps go first); absent when none was cut.
   */
  labelsCut?: number;
  /**
   * True when the poller also cut this pod's detail to keep the document within the item limit:
   * `owners` emptied, `services` kept to the first, containers without their reasons.
   */
  detailCut?: true;
}

/** One node and its pods. */
export interface NodeMetadata {
  version: typeof NODE_METADATA_VERSION;
  cluster: string;
  node: string;
  /** From spec.providerID `aws:///<az>/<instance-id>`. */
  instanceId?: string;
  /** Label node.kubernetes.io/instance-type. */
  instanceType?: string;
  /** EC2 tag aws:autoscaling:groupName; '' when the instance is in no group. */
  autoScalingGroup: string;
  /** The instance's availability zone, from spec.providerID `aws:///<az>/<instance-id>`. */
  availabilityZone?: string;
  /**
   * The instance's EBS volumes by the device name EC2 attached them under (`/dev/xvda` -> `vol-...`),
   * from EC2's block device mappings; with the agent's disk serials (NVMe devices name their volume)
   * they give the `EBSVolumeId` attribute of NodeFS and NodeDiskIO events. Absent when not resolved.
   */
  ebsVolumes?: Record<string, string>;
  capacity: { cpuMillicores?: number; memoryBytes?: number; pods?: number };
  allocatable: { cpuMillicores?: number; memoryBytes?: number; pods?: number };
  /** Node conditions by type (Ready, MemoryPressure, ...) with status 'True' | 'False' | 'Unknown'. */
  conditions: Record<string, string>;
  pods: PodMetadata[];
  /**
   * How many pods of the node the poller left out of `pods` because even cut down they would not
   * fit in the item limit (the largest go first); absent when none was.
   */
  podsCut?: number;
  /** When the poller observed this content, epoch ms. */
  observedAtMs: number;
}

/** The DynamoDB key of a node's document. */
export const toNodeKey = (cluster: string, node: string): string => `${cluster}#${node}`;

/**
 * A copy of `next` whose pods that have the same content as in `previous` (the previous read of the
 * node) are the previous objects; neither argument is changed. The enricher's metadata reader applies
 * it to every changed document it reads, and the enricher keys its per-pod objects and their JSON on
 * the pod objects: a document rewritten because one pod restarted or started leaves the node's other
 * pods warm.
 */
export function withUnchangedPods(next: NodeMetadata, previous: NodeMetadata): NodeMetadata {
  // Once per node and changed document (the enricher reads a node at most once per TTL): plain JSON comparison.
  const before = new Map(previous.pods.map((pod) => [pod.uid, pod]));
  const pods = next.pods.map((pod) => {
    const last = before.get(pod.uid);
    return last !== undefined && JSON.stringify(last) === JSON.stringify(pod) ? last : pod;
  });
  return { ...next, pods };
}

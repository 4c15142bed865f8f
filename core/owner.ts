/**
 * Resolution of a pod's owners to its workload, the `PodName` attribute of Container Insights
 * (catalog section 3): a ReplicaSet resolves to its Deployment, a Job to its CronJob, a
 * StatefulSet pod keeps its own name, a DaemonSet or ReplicationController pod takes the owner's.
 */

/** An ownerReference as read from the pod (`kind`, `name`). */
export interface OwnerReference {
  readonly kind?: string;
  readonly name?: string;
}

/** A resolved owner (kind Deployment or CronJob after resolution). */
export interface ResolvedOwner {
  readonly kind: string;
  readonly name: string;
}

/** What the resolver may look up in the lists the poller read; both return undefined when unknown. */
export interface OwnerLookup {
  /** The Deployment owning a ReplicaSet in a namespace. */
  deploymentOf(namespace: string, replicaSet: string): string | undefined;
  /** The CronJob owning a Job in a namespace. */
  cronJobOf(namespace: string, job: string): string | undefined;
}

/** Options of {@link resolveWorkload}. */
export interface ResolveOptions {
  /**
   * Keep full Job names and `kube-proxy-<suffix>` pod names instead of cutting them (the receiver's `prefer_full_pod_name`).
   * @default false
   */
  readonly preferFullPodName?: boolean;
}

/** The pod's resolved workload name and owners. */
export interface Workload {
  readonly workloadName: string;
  readonly owners: ResolvedOwner[];
}

const REPLICA_SET_SUFFIX = /^(.+)-[bcdfghjklmnpqrstvwxz2456789]{3,}$/;
const CRON_JOB_SUFFIX = /^(.+)-\d{10}$/;

/** The Deployment name a ReplicaSet name was generated from (`web-5d8f7c9b4f` -> `web`), or undefined. */
export function toDeploymentFromReplicaSetName(replicaSet: string): string | undefined {
  return REPLICA_SET_SUFFIX.exec(replicaSet)?.[1];
}

/** The CronJob name a Job name was generated from (`report-2900000000` -> `report`), or undefined. */
export function toCronJobFromJobName(job: string): string | undefined {
  return CRON_JOB_SUFFIX.exec(job)?.[1];
}

function resolveOne(owner: ResolvedOwner, namespace: string, lookup: OwnerLookup): ResolvedOwner {
  if (owner.kind === 'ReplicaSet') {
    const deployment = lookup.deploymentOf(namespace, owner.name) ?? toDeploymentFromReplicaSetName(owner.name);
    return deployment ? { kind: 'Deployment', name: deployment } : owner;
  }
  if (owner.kind === 'Job') {
    const cronJob = lookup.cronJobOf(namespace, owner.name) ?? toCronJobFromJobName(owner.name);
    return cronJob ? { kind: 'CronJob', name: cronJob } : owner;
  }
  return owner;
}

const cut = (name: string): string => name.split(/[.-]/)[0] || name;

/** Resolves a pod's workload name and owners; the first owner of a known kind decides the name. */
export function resolveWorkload(
  pod: { readonly name: string; readonly namespace: string; readonly ownerReferences?: readonly OwnerReference[] },
  lookup: OwnerLookup,
  options: ResolveOptions = {},
): Workload {
  const full = options.preferFullPodName ?? false;
  const refs = (pod.ownerReferences ?? []).filter((o): o is ResolvedOwner => Boolean(o.kind) && Boolean(o.name));
  const owners = refs.map((o) => resolveOne(o, pod.namespace, lookup));
  for (let i = 0; i < refs.length; i += 1) {
    const ref = refs[i];
    switch (ref.kind) {
      case 'ReplicaSet':
      case 'DaemonSet':
      case 'ReplicationController':
        return { workloadName: owners[i].name, owners };
      case 'Job':
        return { workloadName: owners[i].kind === 'CronJob' || full ? owners[i].name : cut(ref.name), owners };
      case 'StatefulSet':
        return { workloadName: pod.name, owners };
      default:
        break;
    }
  }
  const workloadName = !full && pod.name.startsWith('kube-proxy') ? 'kube-proxy' : pod.name;
  return { workloadName, owners };
}

/** The 5-character suffix Kubernetes appends to generated pod names (`generateName`), from the same alphabet as ReplicaSet hashes. */
const POD_NAME_SUFFIX = /^(.+)-[bcdfghjklmnpqrstvwxz2456789]{5}$/;
/** A CronJob's Job is named `<cronjob>-<scheduled time in minutes>`: 8 digits today, 10 in the receiver's rule. */
const SCHEDULED_JOB_SUFFIX = /^(.+)-\d{8,10}$/;
const toCronJobFromScheduledJobName = (job: string): string | undefined => SCHEDULED_JOB_SUFFIX.exec(job)?.[1];

/**
 * The workload name of a pod known by its name only (no owner references yet), by the receiver's
 * own fallback rules (catalog section 3): the generated pod suffix and then a ReplicaSet hash are
 * stripped (`web-5d8f7c9b4f-x7k2p` -> `web`, a DaemonSet's `aws-node-x7k2p` -> `aws-node`), a
 * CronJob's Job time too (`report-28930120-x7k2p` -> `report`); a name without a generated suffix
 * (a StatefulSet's `db-0`, a static or bare pod) is its own workload; `kube-proxy*` is `kube-proxy`
 * unless `preferFullPodName`. Once the poller has read the pod's owners, resolveWorkload decides.
 */
export function toWorkloadFromPodName(podName: string, options: ResolveOptions = {}): string {
  if (!(options.preferFullPodName ?? false) && podName.startsWith('kube-proxy')) return 'kube-proxy';
  const owner = POD_NAME_SUFFIX.exec(podName)?.[1];
  if (owner === undefined) return podName;
  return toDeploymentFromReplicaSetName(owner) ?? toCronJobFromScheduledJobName(owner) ?? owner;
}



import { createHash } from 'node:crypto';
import { parseDuration } from './duration';
import { ConfigError, toSnippet } from './errors';
import { DEPLOYED_AGENT_IMAGE } from './node-runtime';
import { POLLER_CLUSTER_ROLE, POLLER_GROUP, POLLER_RULES } from './poller-rbac';
import type { JsonValue } from './json-value';

/** A Kubernetes object as plain JSON: what `kubectl apply` and server-side apply take. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: JsonValue | undefined };
  readonly [key: string]: JsonValue | undefined;
}

/** CPU and memory of the agent container, as Kubernetes quantities. */
export interface AgentResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/**
 * A stock Node.js image of the deployed Node major (core/node-runtime.json): the agent is one bundled
 * file mounted from a ConfigMap, so no image build is needed.
 */
export const DEFAULT_AGENT_IMAGE = DEPLOYED_AGENT_IMAGE;

/** The namespace every namespaced kinsight object lives in. */
export const AGENT_NAMESPACE = 'kinsight';

/** Name shared by the agent's ServiceAccount, ConfigMap and DaemonSet. */
export const AGENT_NAME = 'kinsight-agent';

/**
 * Node flags of the agent process, chosen with `npm run bench:agent` (which runs the bundle with
 * exactly these flags): a 1 MiB young generation (the agent's garbage is short-lived, each cycle's
 * live set small), an old generation capped at 32 MiB (12 MiB committed, 7 MiB used after 60
 * cycles), no V8 helper threads (GC and compilation on the main thread: about 3 MiB less RSS and
 * less CPU per cycle than with helpers), and V8's lite mode: no optimizing compilers, so neither
 * their code in the node binary nor their output is ever paged in (Node 22: 58 MiB instead of
 * 72 MiB at 110 pods, for about 1.7 times the CPU of a cycle: tens of ms a minute).
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--max-old-space-size=32', '--single-threaded', '--lite-mode'];

/**
 * Requests and limits sized from the agent benchmark (110 pods, 250 containers per node, run with
 * {@link AGENT_NODE_FLAGS} on the image's Node 22): under 60 MiB RSS, peaks in the low 60s, and
 * tens of ms of CPU per 60 s cycle. The memory request leaves room for the kernel memory of the
 * files the agent keeps open (about 4 KiB each, charged to the pod on cgroup v2), the limit for
 * larger nodes; the CPU limit only slows a cycle down.
 */
export const DEFAULT_AGENT_RESOURCES: AgentResources = {
  requests: { cpu: '10m', memory: '80Mi' },
  limits: { cpu: '100m', memory: '128Mi' },
};

/** Where the host's root, /proc and cgroup tree appear inside the container (the agent's KINSIGHT_HOST_ROOT). */
export const AGENT_HOST_ROOT = '/host';

/** Pod-template annotation carrying the bundle's SHA-256, so a new bundle rolls the DaemonSet. */
export const BUNDLE_HASH_ANNOTATION = 'kinsight.io/agent-bundle-sha256';

/**
 * A ConfigMap holds at most 1 MiB of data.
 * @see https://kubernetes.io/docs/concepts/configuration/configmap/#motivation
 */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;

/**
 * The uid and gid the agent runs as by default: a user no other workload runs as. The agent sees
 * every process of the node (hostPID and the host's /proc), and a process can read the environment,
 * root filesystem and namespace links of the processes of its own uid and gid: as `nobody` (65534)
 * it could read those of every pod that also runs as nobody. 65529 is outside what distributions
 * assign (system users below 1000, people from 1000, systemd's dynamic users 61184-65519, nobody
 * 65534), is not a uid images commonly run as (0, 1000, 1001, 10001, 65532 of distroless, 65534),
 * and is below 65536, above which the kubelet maps the pods it runs in user namespaces. What it
 * reads, procfs and cgroupfs files, is world-readable: the value itself grants nothing.
 */
export const AGENT_USER_ID = 65529;

/** The gid the agent runs as by default (see {@link AGENT_USER_ID}): the uid's number. */
export const AGENT_GROUP_ID = AGENT_USER_ID;

/**
 * The agent's priority class: a node-critical DaemonSet is scheduled on a full node (lower pods are
 * preempted) instead of staying Pending, and is evicted last under node pressure.
 * @see https://kubernetes.io/docs/tasks/administer-cluster/guaranteed-scheduling-critical-addon-pods/
 */
export const AGENT_PRIORITY_CLASS = 'system-node-critical';

/** The pods' terminationGracePeriodSeconds: the time the kubelet waits after SIGTERM before SIGKILL. */
export const AGENT_TERMINATION_GRACE_SECONDS = 30;

/** What the agent keeps of the grace period for itself after its last flush (exit, logs). */
export const AGENT_SHUTDOWN_MARGIN_SECONDS = 5;

/** Where the kubelet writes pod logs by default (its `podLogsDir`). */
export const DEFAULT_POD_LOGS_DIR = '/var/log/pods';

/** The kubelet's links to the container logs (fixed path). */
export const CONTAINER_LOGS_DIR = '/var/log/containers';

/** Port of the agent's liveness endpoint, on 127.0.0.1 inside the pod. */
export const AGENT_HEALTH_PORT = 8089;

const BUNDLE_KEY = 'agent.js';
const BUNDLE_DIR = '/opt/kinsight';

/** What the agent's Kubernetes objects are rendered from. */
export interface AgentManifestOptions {
  /** EKS cluster name; the agent stamps it on every record. */
  readonly clusterName: string;
  /** Kinesis stream name the agent writes to. */
  readonly streamName: string;
  /** AWS region of the stream. */
  readonly region: string;
  /** The agent's esbuild bundle (JavaScript source), shipped in a ConfigMap. */
  readonly agentBundle: string;
  /**
   * Container image with a `node` binary. Pin it by digest (`repo:tag@sha256:...`, see isPinnedImage
   * in core/image-ref.ts): a tag alone is mutable.
   * @default DEFAULT_AGENT_IMAGE (public.ecr.aws/docker/library/node:22-alpine, pinned by digest in core/node-runtime.json)
   */
  readonly image?: string;
  /**
   * Collection interval, a duration the agent accepts (`60s`, `2m`).
   * @default '60s'
   */
  readonly interval?: string;
  /**
   * Namespace of the namespaced objects.
   * @default AGENT_NAMESPACE ('kinsight')
   */
  readonly namespace?: string;
  /**
   * Requests and limits of the agent container.
   * @default DEFAULT_AGENT_RESOURCES (10m/80Mi requests, 100m/128Mi limits)
   */
  readonly resources?: AgentResources;
  /**
   * Annotations of the ServiceAccount, e.g. `eks.amazonaws.com/role-arn` for IRSA.
   * @default none (EKS Pod Identity associates the role through the EKS API instead)
   */
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
  /**
   * The Secrets Manager secret (name or ARN) holding the cluster's record signing key, passed as
   * KINSIGHT_KEY_SECRET. The agent's role must be allowed `secretsmanager:GetSecretValue` on it.
   * @default none (the agents send unsigned records, which a fleet's enricher rejects)
   */
  readonly keySecret?: string;
  /**
   * The uid the agent runs as: one no other workload of the cluster uses.
   * @default AGENT_USER_ID (65529)
   */
  readonly runAsUser?: number;
  /**
   * The gid the agent runs as: one no other workload of the cluster uses.
   * @default AGENT_GROUP_ID (65529)
   */
  readonly runAsGroup?: number;
  /**
   * The kubelet's pod log directory (its `podLogsDir` setting), mounted read-only with
   * /var/log/containers for the node-local identity of pods.
   * @default DEFAULT_POD_LOGS_DIR ('/var/log/pods')
   */
  readonly podLogsDir?: string;
}

/** SHA-256 (hex) of the agent bundle: the rollout trigger and the applier's integrity check. */
export const toBundleSha256 = (bundle: string): string => createHash('sha256').update(bundle, 'utf8').digest('hex');

/** Largest uid and gid accepted: Linux ids are 32 bits, and 2^32-1 means "unchanged" to the kernel. */
const MAX_ID = 2 ** 31 - 1;
/** A Secrets Manager secret name or ARN, as the agent accepts it. */
const SECRET_ID = /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:)?[A-Za-z0-9/_+=.@-]{1,512}$/;

function check(options: AgentManifestOptions): void {
  const fail = (field: string, value: unknown, expected: string): never => {
    throw new ConfigError(`agent manifest: ${field} is "${toSnippet(value)}"; expected ${expected}`);
  };
  if (!options.clusterName) fail('clusterName', options.clusterName, 'the EKS cluster name; pass --cluster NAME');
  if (!options.streamName) fail('streamName', options.streamName, 'the Kinesis stream name; pass --stream NAME_OR_ARN');
  if (!options.region) fail('region', options.region, 'an AWS region such as eu-west-1; pass --region or set AWS_REGION');
  if (options.interval !== undefined && !parseDuration(options.interval).ok) fail('interval', options.interval, 'a duration such as 60s or 2m');
  for (const field of ['runAsUser', 'runAsGroup'] as const) {
    const id = options[field];
    if (id !== undefined && !(Number.isInteger(id) && id >= 1 && id <= MAX_ID)) fail(field, id, `an integer from 1 to ${MAX_ID} (not 0: the agent does not run as root), one no other workload uses`);
  }
  if (options.keySecret !== undefined && !SECRET_ID.test(options.keySecret)) fail('keySecret', options.keySecret, 'a Secrets Manager secret name or ARN');
  if (options.podLogsDir !== undefined && !(/^\/[\w./-]*[\w-]$/.test(options.podLogsDir) && !options.podLogsDir.split('/').includes('..'))) {
    fail('podLogsDir', options.podLogsDir, 'an absolute host path such as /var/log/pods');
  }
  const bytes = Buffer.byteLength(options.agentBundle, 'utf8');
  if (bytes === 0) fail('agentBundle', '(empty)', 'the bundled agent; run `npm run build` first');
  if (bytes >= CONFIGMAP_MAX_BYTES) {
    fail('agentBundle', `${bytes} bytes`, `under ${CONFIGMAP_MAX_BYTES} bytes (the ConfigMap limit); bundle with minify and fewer dependencies`);
  }
}

const labelsOf = (component: string): Record<string, string> => ({
  'app.kubernetes.io/name': component,
  'app.kubernetes.io/part-of': 'kinsight',
  'app.kubernetes.io/managed-by': 'kinsight',
});

function toDaemonSet(options: AgentManifestOptions, namespace: string, bundleSha256: string): KubeObject {
  const selector = { 'app.kubernetes.io/name': AGENT_NAME };
  const podLogsDir = options.podLogsDir ?? DEFAULT_POD_LOGS_DIR;
  // Read-only views of the host, each at its host path under the host root. The agent reads /proc and
  // the cgroup tree, the kubelet's pod log directories (names only, for the pods' identity), and
  // statfs()es every filesystem the host mounts (NodeFS): their mountpoints are not known before the
  // node runs, hence the root mount with HostToContainer propagation (node-agent/README.md).
  const hostMounts = [
    { name: 'host-root', hostPath: '/', mountPath: AGENT_HOST_ROOT, propagation: 'HostToContainer' },
    { name: 'host-proc', hostPath: '/proc', mountPath: `${AGENT_HOST_ROOT}/proc` },
    { name: 'host-cgroup', hostPath: '/sys/fs/cgroup', mountPath: `${AGENT_HOST_ROOT}/sys/fs/cgroup` },
    { name: 'host-pod-logs', hostPath: podLogsDir, mountPath: `${AGENT_HOST_ROOT}${podLogsDir}` },
    { name: 'host-container-logs', hostPath: CONTAINER_LOGS_DIR, mountPath: `${AGENT_HOST_ROOT}${CONTAINER_LOGS_DIR}` },
  ];
  const uid = options.runAsUser ?? AGENT_USER_ID;
  const gid = options.runAsGroup ?? AGENT_GROUP_ID;
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: AGENT_NAME, namespace, labels: labelsOf(AGENT_NAME) },
    spec: {
      selector: { matchLabels: selector },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } },
      template: {
        metadata: { labels: { ...labelsOf(AGENT_NAME), ...selector }, annotations: { [BUNDLE_HASH_ANNOTATION]: bundleSha256 } },
        spec: {
          serviceAccountName: AGENT_NAME,
          // The agent needs no Kubernetes credentials; Pod Identity and IRSA inject their own token volume.
          automountServiceAccountToken: false,
          // Pod network counters come from /proc/<pid>/net/dev of a process the agent finds in each pod's
          // cgroup.procs, and the kernel lists there only the processes of the reader's PID namespace:
          // without hostPID every cgroup.procs reads empty (measured: node-agent/README.md).
          hostPID: true,
          priorityClassName: AGENT_PRIORITY_CLASS,
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: 'eks.amazonaws.com/compute-type', operator: 'NotIn', values: ['fargate'] }] }],
              },
            },
          },
          tolerations: [{ operator: 'Exists' }],
          terminationGracePeriodSeconds: AGENT_TERMINATION_GRACE_SECONDS,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: uid,
            runAsGroup: gid,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'agent',
              image: options.image ?? DEFAULT_AGENT_IMAGE,
              command: ['node', ...AGENT_NODE_FLAGS, `${BUNDLE_DIR}/${BUNDLE_KEY}`],
              env: [
                { name: 'KINSIGHT_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                { name: 'KINSIGHT_CLUSTER_NAME', value: options.clusterName },
                { name: 'KINSIGHT_STREAM_NAME', value: options.streamName },
                { name: 'KINSIGHT_INTERVAL', value: options.interval ?? '60s' },
                { name: 'KINSIGHT_HOST_ROOT', value: AGENT_HOST_ROOT },
                { name: 'AWS_REGION', value: options.region },
                { name: 'KINSIGHT_HEALTH_PORT', value: String(AGENT_HEALTH_PORT) },
                // The last flush ends before the kubelet's SIGKILL.
                { name: 'KINSIGHT_SHUTDOWN_TIMEOUT', value: `${AGENT_TERMINATION_GRACE_SECONDS - AGENT_SHUTDOWN_MARGIN_SECONDS}s` },
                ...(options.keySecret ? [{ name: 'KINSIGHT_KEY_SECRET', value: options.keySecret }] : []),
                { name: 'KINSIGHT_POD_LOGS_DIR', value: podLogsDir },
                { name: 'AWS_EC2_METADATA_DISABLED', value: 'true' },
              ],
              // The endpoint listens on loopback only (no port on the pod IP), so the kubelet probes it by exec;
              // busybox wget is in the default alpine image (a custom image needs a wget too).
              livenessProbe: {
                exec: { command: ['wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${AGENT_HEALTH_PORT}/healthz`] },
                initialDelaySeconds: 30,
                periodSeconds: 30,
                timeoutSeconds: 5,
                failureThreshold: 3,
              },
              resources: {
                requests: { ...(options.resources ?? DEFAULT_AGENT_RESOURCES).requests },
                limits: { ...(options.resources ?? DEFAULT_AGENT_RESOURCES).limits },
              },
              securityContext: {
                readOnlyRootFilesystem: true,
                allowPrivilegeEscalation: false,
                privileged: false,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'agent-bundle', mountPath: BUNDLE_DIR, readOnly: true },
                ...hostMounts.map((m) => ({ name: m.name, mountPath: m.mountPath, readOnly: true, mountPropagation: m.propagation })),
              ],
            },
          ],
          volumes: [
            { name: 'agent-bundle', configMap: { name: AGENT_NAME, items: [{ key: BUNDLE_KEY, path: BUNDLE_KEY }] } },
            ...hostMounts.map((m) => ({ name: m.name, hostPath: { path: m.hostPath, type: 'Directory' } })),
          ],
        },
      },
    },
  };
}

/**
 * Renders every Kubernetes object of a cluster's kinsight installation, in apply order: the
 * namespace, the agent's ServiceAccount, the ConfigMap holding the agent bundle, the poller's
 * ClusterRole and its binding to the {@link POLLER_GROUP} group, and the agent DaemonSet.
 * Pure: the same options give the same objects, which `kinsight manifest` prints as YAML and the
 * CDK applier server-side-applies.
 * @throws ConfigError naming the bad option (empty names, a bad interval, a bundle over the ConfigMap limit).
 */
export function toAgentManifest(options: AgentManifestOptions): KubeObject[] {
  check(options);
  const namespace = options.namespace ?? AGENT_NAMESPACE;
  const bundleSha256 = toBundleSha256(options.agentBundle);
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      // hostPID and hostPath volumes are outside the Pod Security "baseline" level: a cluster that enforces
      // baseline by default would reject the agent pods, so the namespace states the level it needs.
      metadata: { name: namespace, labels: { ...labelsOf('kinsight'), 'pod-security.kubernetes.io/enforce': 'privileged' } },
    },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: AGENT_NAME,
        namespace,
        labels: labelsOf(AGENT_NAME),
        ...(options.serviceAccountAnnotations ? { annotations: { ...options.serviceAccountAnnotations } } : {}),
      },
      automountServiceAccountToken: false,
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: AGENT_NAME, namespace, labels: labelsOf(AGENT_NAME), annotations: { [BUNDLE_HASH_ANNOTATION]: bundleSha256 } },
      data: { [BUNDLE_KEY]: options.agentBundle },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: POLLER_CLUSTER_ROLE, labels: labelsOf(POLLER_CLUSTER_ROLE) },
      rules: POLLER_RULES.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: POLLER_CLUSTER_ROLE, labels: labelsOf(POLLER_CLUSTER_ROLE) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: POLLER_CLUSTER_ROLE },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: POLLER_GROUP }],
    },
    toDaemonSet(options, namespace, bundleSha256),
  ];
}

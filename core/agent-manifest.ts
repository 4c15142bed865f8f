import { createHash } from 'node:crypto';
import { parseDuration } from './duration';
import { ConfigError, toSnippet } from './errors';
import { DEPLOYED_AGENT_IMAGE } from './node-runtime';
import { POLLER_CLUSTER_ROLE, POLLER_GROUP, POLLER_RULES } from './poller-rbac';
import type { JsonValue } from './to-yaml';

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
 * live set small), an old generation capped at 32 MiB (12 MiB used after 100 cycles), and no V8
 * helper threads (GC and compilation on the main thread: about 3 MiB less RSS and less CPU per
 * cycle than with helpers, for a process that works a few tens of ms a minute).
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--max-old-space-size=32', '--single-threaded'];

/**
 * Requests and limits sized from the agent benchmark (110 pods, 250 containers per node, run with
 * {@link AGENT_NODE_FLAGS}): about 70 MiB RSS (the AWS SDK's Kinesis client is about 15 MiB of it)
 * and about 50 ms of CPU per 60 s cycle. The memory limit leaves room for larger nodes and the
 * kernel memory of the files the agent keeps open; the CPU limit only slows a cycle down.
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

/** The unprivileged user the agent runs as (`nobody`): procfs and cgroupfs files it reads are world-readable. */
export const AGENT_USER_ID = 65534;

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
   * Container image with a `node` binary.
   * @default DEFAULT_AGENT_IMAGE (core/node-runtime.json: node 22 on Alpine, pinned by digest)
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
   * The Secrets Manager secret holding the cluster's signing key (`toAgentKeySecretName(cluster)`),
   * set as the agent's KINSIGHT_KEY_SECRET.
   * @default none (the agent sends unsigned records)
   */
  readonly keySecretName?: string;
}

/** SHA-256 (hex) of the agent bundle: the rollout trigger and the applier's integrity check. */
export const toBundleSha256 = (bundle: string): string => createHash('sha256').update(bundle, 'utf8').digest('hex');

function check(options: AgentManifestOptions): void {
  const fail = (field: string, value: unknown, expected: string): never => {
    throw new ConfigError(`agent manifest: ${field} is "${toSnippet(value)}"; expected ${expected}`);
  };
  if (!options.clusterName) fail('clusterName', options.clusterName, 'the EKS cluster name; pass --cluster NAME');
  if (!options.streamName) fail('streamName', options.streamName, 'the Kinesis stream name; pass --stream NAME_OR_ARN');
  if (!options.region) fail('region', options.region, 'an AWS region such as eu-west-1; pass --region or set AWS_REGION');
  if (options.interval !== undefined && !parseDuration(options.interval).ok) fail('interval', options.interval, 'a duration such as 60s or 2m');
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
  // Read-only views of the host. The agent reads /proc and the cgroup tree, and statfs()es the host's
  // mounted filesystems under the host root (NodeFS), hence the root mount with HostToContainer propagation.
  const hostMounts = [
    { name: 'host-root', hostPath: '/', mountPath: AGENT_HOST_ROOT, propagation: 'HostToContainer' },
    { name: 'host-proc', hostPath: '/proc', mountPath: `${AGENT_HOST_ROOT}/proc` },
    { name: 'host-cgroup', hostPath: '/sys/fs/cgroup', mountPath: `${AGENT_HOST_ROOT}/sys/fs/cgroup` },
  ];
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
          // /proc/<pid>/net/dev of a process in each pod's cgroup gives pod network counters: host PIDs are needed.
          hostPID: true,
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: 'eks.amazonaws.com/compute-type', operator: 'NotIn', values: ['fargate'] }] }],
              },
            },
          },
          tolerations: [{ operator: 'Exists' }],
          terminationGracePeriodSeconds: 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: AGENT_USER_ID,
            runAsGroup: AGENT_USER_ID,
            fsGroup: AGENT_USER_ID,
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
                { name: 'AWS_EC2_METADATA_DISABLED', value: 'true' },
                ...(options.keySecretName ? [{ name: 'KINSIGHT_KEY_SECRET', value: options.keySecretName }] : []),
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

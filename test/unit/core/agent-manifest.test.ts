import {
  BUNDLE_HASH_ANNOTATION,
  DEFAULT_AGENT_IMAGE,
  toAgentManifest,
  toBundleSha256,
  type AgentManifestOptions,
  type KubeObject,
} from '../../../core/agent-manifest';
import { toApplierRbac, APPLIER_GROUP } from '../../../core/applier-rbac';
import { isPinnedImage } from '../../../core/image-ref';
import { POLLER_CLUSTER_ROLE, POLLER_GROUP, POLLER_RULES } from '../../../core/poller-rbac';

const options: AgentManifestOptions = {
  clusterName: 'prod-eu',
  streamName: 'kinsight-records',
  region: 'eu-west-1',
  agentBundle: 'console.log("agent");\n',
};

// Plain JSON views: the tests read the objects the way the API server does.
const asJson = (o: KubeObject): any => JSON.parse(JSON.stringify(o));
const find = (objects: KubeObject[], kind: string): any => asJson(objects.find((o) => o.kind === kind) as KubeObject);
const daemonSet = (opts: AgentManifestOptions = options): any => find(toAgentManifest(opts), 'DaemonSet');
const container = (opts?: AgentManifestOptions): any => daemonSet(opts).spec.template.spec.containers[0];

describe('toAgentManifest', () => {
  it('renders the namespace, service account, bundle ConfigMap, poller RBAC and DaemonSet in apply order', () => {
    expect(toAgentManifest(options).map((o) => o.kind)).toEqual([
      'Namespace',
      'ServiceAccount',
      'ConfigMap',
      'ClusterRole',
      'ClusterRoleBinding',
      'DaemonSet',
    ]);
  });

  it('puts the agent bundle in the ConfigMap and runs it with node, with the benchmarked node flags, from the mounted volume', () => {
    const objects = toAgentManifest(options);
    expect(find(objects, 'ConfigMap').data).toEqual({ 'agent.js': options.agentBundle });
    const c = container();
    expect(c.image).toBe(DEFAULT_AGENT_IMAGE);
    expect(c.command).toEqual(['node', '--max-semi-space-size=1', '--max-old-space-size=32', '--single-threaded', '--lite-mode', '/opt/kinsight/agent.js']);
    expect(c.volumeMounts).toContainEqual({ name: 'agent-bundle', mountPath: '/opt/kinsight', readOnly: true });
    expect(daemonSet().spec.template.spec.volumes).toContainEqual({
      name: 'agent-bundle',
      configMap: { name: 'kinsight-agent', items: [{ key: 'agent.js', path: 'agent.js' }] },
    });
  });

  it('annotates the pod template with the bundle hash so that a new bundle rolls the DaemonSet', () => {
    const before = daemonSet().spec.template.metadata.annotations[BUNDLE_HASH_ANNOTATION];
    const after = daemonSet({ ...options, agentBundle: 'console.log("v2");\n' }).spec.template.metadata.annotations[BUNDLE_HASH_ANNOTATION];
    expect(before).toBe(toBundleSha256(options.agentBundle));
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(after).not.toBe(before);
  });

  it('runs with host PIDs, read-only host mounts under /host and a hardened security context', () => {
    const spec = daemonSet().spec.template.spec;
    expect(spec.hostPID).toBe(true);
    expect(spec.hostNetwork).toBeUndefined();
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65529, runAsGroup: 65529, seccompProfile: { type: 'RuntimeDefault' } });
    const c = container();
    expect(c.securityContext).toEqual({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    });
    const hostPaths = Object.fromEntries(spec.volumes.filter((v: any) => v.hostPath).map((v: any) => [v.name, v.hostPath.path]));
    expect(Object.values(hostPaths).sort()).toEqual(['/', '/proc', '/sys/fs/cgroup', '/var/log/containers', '/var/log/pods']);
    for (const mount of c.volumeMounts) expect(mount.readOnly).toBe(true);
    const mountOf = (name: string): string => c.volumeMounts.find((m: any) => m.name === name).mountPath;
    expect(mountOf('host-proc')).toBe('/host/proc');
    expect(mountOf('host-cgroup')).toBe('/host/sys/fs/cgroup');
    expect(mountOf('host-root')).toBe('/host');
    expect(mountOf('host-pod-logs')).toBe('/host/var/log/pods');
    expect(mountOf('host-container-logs')).toBe('/host/var/log/containers');
  });

  it('runs as a dedicated uid and gid, 65529 unless told another', () => {
    expect(daemonSet().spec.template.spec.securityContext).toMatchObject({ runAsUser: 65529, runAsGroup: 65529 });
    expect(daemonSet({ ...options, runAsUser: 42424, runAsGroup: 42425 }).spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 42424, runAsGroup: 42425 });
    expect(daemonSet().spec.template.spec.securityContext).not.toHaveProperty('fsGroup');
  });

  it.each([
    ['root', { runAsUser: 0 }, /runAsUser is "0"; expected an integer from 1 to 2147483647 \(not 0/],
    ['a fraction', { runAsGroup: 1.5 }, /runAsGroup is "1.5"; expected an integer/],
    ['a uid beyond 31 bits', { runAsUser: 2 ** 31 }, /runAsUser is "2147483648"/],
  ])('rejects %s as the agent\'s uid or gid', (_name, ids, message) => {
    expect(() => toAgentManifest({ ...options, ...ids })).toThrow(message);
  });

  it('runs the default image pinned by its digest, and another image as given', () => {
    expect(container().image).toBe('public.ecr.aws/docker/library/node:22-alpine@sha256:8094c002d08262dba12645a3b4a15cd6cd627d30bc782f53229a2ec13ee22a00');
    expect(isPinnedImage(container().image)).toBe(true);
    expect(container({ ...options, image: 'registry.example.com/node:22' }).image).toBe('registry.example.com/node:22');
  });

  it('is node-critical, so that a full node schedules it instead of leaving it Pending', () => {
    expect(daemonSet().spec.template.spec.priorityClassName).toBe('system-node-critical');
  });

  it('gives the agent the grace period less 5 s to flush after SIGTERM', () => {
    const spec = daemonSet().spec.template.spec;
    expect(spec.terminationGracePeriodSeconds).toBe(30);
    expect(container().env).toContainEqual({ name: 'KINSIGHT_SHUTDOWN_TIMEOUT', value: '25s' });
  });

  it('passes the signing key secret when given, and mounts the kubelet\'s pod log directory it is told', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kinsight/prod-eu/record-key-AbC123';
    const c = container({ ...options, keySecret: arn, podLogsDir: '/data/kubelet/pods' });
    expect(c.env).toContainEqual({ name: 'KINSIGHT_KEY_SECRET', value: arn });
    expect(c.env).toContainEqual({ name: 'KINSIGHT_POD_LOGS_DIR', value: '/data/kubelet/pods' });
    expect(c.volumeMounts).toContainEqual({ name: 'host-pod-logs', mountPath: '/host/data/kubelet/pods', readOnly: true });
    expect(daemonSet({ ...options, podLogsDir: '/data/kubelet/pods' }).spec.template.spec.volumes).toContainEqual({ name: 'host-pod-logs', hostPath: { path: '/data/kubelet/pods', type: 'Directory' } });
    expect(container().env.map((e: any) => e.name)).not.toContain('KINSIGHT_KEY_SECRET');
  });

  it('rejects a key secret that is not a secret name or ARN', () => {
    expect(() => toAgentManifest({ ...options, keySecret: 'my key' })).toThrow(/keySecret is "my key"; expected a Secrets Manager secret name or ARN/);
  });

  it('rejects a pod log directory that is not an absolute host path', () => {
    expect(() => toAgentManifest({ ...options, podLogsDir: 'var/log/pods' })).toThrow(/podLogsDir is "var\/log\/pods"; expected an absolute host path/);
    expect(() => toAgentManifest({ ...options, podLogsDir: '/var/log/../../etc' })).toThrow(/podLogsDir/);
  });

  it('passes identity and settings through the environment, the node name from the downward API', () => {
    const env = Object.fromEntries(container({ ...options, interval: '30s' }).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      KINSIGHT_NODE_NAME: { fieldRef: { fieldPath: 'spec.nodeName' } },
      KINSIGHT_CLUSTER_NAME: 'prod-eu',
      KINSIGHT_STREAM_NAME: 'kinsight-records',
      KINSIGHT_INTERVAL: '30s',
      KINSIGHT_HOST_ROOT: '/host',
      AWS_REGION: 'eu-west-1',
      KINSIGHT_HEALTH_PORT: '8089',
    });
  });

  it('probes liveness on the agent health endpoint from inside the pod', () => {
    expect(container().livenessProbe.exec.command.join(' ')).toContain('http://127.0.0.1:8089/healthz');
  });

  it('requests 10m/80Mi and limits 100m/128Mi by default, and takes other sizes', () => {
    expect(container().resources).toEqual({ requests: { cpu: '10m', memory: '80Mi' }, limits: { cpu: '100m', memory: '128Mi' } });
    const resources = { requests: { cpu: '20m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } };
    expect(container({ ...options, resources }).resources).toEqual(resources);
  });

  it('labels the namespace with the Pod Security level that hostPID and hostPath need', () => {
    expect(find(toAgentManifest(options), 'Namespace').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'privileged' });
  });

  it('tolerates every taint and rolls out node by node in bounded steps', () => {
    const ds = daemonSet();
    expect(ds.spec.template.spec.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(ds.spec.updateStrategy.type).toBe('RollingUpdate');
    expect(ds.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'kinsight-agent' });
    expect(ds.spec.template.metadata.labels).toMatchObject(ds.spec.selector.matchLabels);
  });

  it('binds the poller ClusterRole, holding the poller rules, to the poller group', () => {
    const objects = toAgentManifest(options);
    expect(find(objects, 'ClusterRole')).toMatchObject({ metadata: { name: POLLER_CLUSTER_ROLE }, rules: POLLER_RULES });
    expect(find(objects, 'ClusterRoleBinding')).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: POLLER_CLUSTER_ROLE },
      subjects: [{ kind: 'Group', name: POLLER_GROUP }],
    });
  });

  it('annotates the service account for IRSA when asked, and places namespaced objects in the chosen namespace', () => {
    const objects = toAgentManifest({ ...options, namespace: 'obs', serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/a' } });
    expect(find(objects, 'ServiceAccount').metadata).toMatchObject({ namespace: 'obs', annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/a' } });
    expect(find(objects, 'Namespace').metadata.name).toBe('obs');
    expect(find(objects, 'DaemonSet').metadata.namespace).toBe('obs');
  });

  it('rejects an empty cluster name', () => {
    expect(() => toAgentManifest({ ...options, clusterName: '' })).toThrow(/clusterName is "".*--cluster/);
  });

  it('rejects an empty stream name', () => {
    expect(() => toAgentManifest({ ...options, streamName: '' })).toThrow(/streamName .*--stream/);
  });

  it('rejects an empty region', () => {
    expect(() => toAgentManifest({ ...options, region: '' })).toThrow(/region .*AWS_REGION/);
  });

  it('rejects an interval that is not a duration', () => {
    expect(() => toAgentManifest({ ...options, interval: '60' })).toThrow(/interval is "60"; expected a duration/);
  });

  it('rejects a missing bundle', () => {
    expect(() => toAgentManifest({ ...options, agentBundle: '' })).toThrow(/agentBundle .*npm run build/);
  });

  it('rejects a bundle too large for a ConfigMap', () => {
    expect(() => toAgentManifest({ ...options, agentBundle: 'x'.repeat(1024 * 1024) })).toThrow(/agentBundle is "1048576 bytes"; expected under/);
  });
});

describe('toApplierRbac', () => {
  it('grants the applier group create plus name-restricted rights on exactly the kinsight cluster-scoped objects', () => {
    const [role, binding] = toApplierRbac().map(asJson);
    expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: APPLIER_GROUP }]);
    for (const rule of role.rules) {
      if (!rule.verbs.includes('create')) expect(rule.resourceNames).toEqual(expect.arrayContaining([expect.stringMatching(/^kinsight/)]));
      expect(rule.resources).not.toContain('*');
      expect(rule.verbs).not.toContain('*');
    }
  });
});

import { toBundleSha256, type KubeObject } from '../../../../core/agent-manifest';
import type { ApplierConfig } from '../../../../lambdas/applier/applier-config';
import { ClusterGoneError, createApplier, type AgentResourceEvent } from '../../../../lambdas/applier/apply-agent';
import { KinsightError } from '../../../../core/errors';
import type { KubeObjectClient } from '../../../../lambdas/applier/kube-object-client';
import { toApplierRbac } from '../../../../core/applier-rbac';

const bundle = 'console.log("agent");\n';
const ROLE = 'arn:aws:iam::111111111111:role/Kinsight-AgentIdentityIrsaRoleprod-0123456789AB';
const PROVIDER = 'arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC';

/** What the stack baked in: two IRSA clusters, the narrow access mode. */
const config: ApplierConfig = {
  streamName: 'Kinsight-Stream-AbC',
  region: 'eu-west-1',
  image: 'public.ecr.aws/docker/library/node:22-alpine@sha256:' + 'e'.repeat(64),
  interval: '60s',
  agentIdentity: 'irsa',
  applierAccess: 'rbac-group',
  bundleSha256: toBundleSha256(bundle),
  clusters: new Map([
    ['prod', { oidcProviderArn: PROVIDER, irsaRoleArn: ROLE }],
    ['staging', { oidcProviderArn: PROVIDER, irsaRoleArn: ROLE.replace('prod', 'staging') }],
  ]),
};

/** A cluster that records what the applier does, with the bootstrap in place. */
function fakeCluster() {
  const calls: string[] = [];
  const applied: KubeObject[] = [];
  const bootstrap = new Map(toApplierRbac().map((o) => [`${o.kind}/${o.metadata.name}`, o]));
  const client: KubeObjectClient = {
    read: async (o) => {
      calls.push(`read ${o.kind}/${o.metadata.name}`);
      return bootstrap.get(`${o.kind}/${o.metadata.name}`);
    },
    apply: async (o) => {
      calls.push(`apply ${o.kind}/${o.metadata.name}`);
      applied.push(JSON.parse(JSON.stringify(o)));
    },
    remove: async (o) => {
      calls.push(`remove ${o.kind}/${o.metadata.name}`);
      return true;
    },
  };
  return { calls, applied, client };
}

function applierOn(cluster: ReturnType<typeof fakeCluster>, logs: string[] = [], baked: ApplierConfig = config) {
  const connected: string[] = [];
  const applier = createApplier({
    config: baked,
    connect: async (name) => {
      connected.push(name);
      return cluster.client;
    },
    readBundle: () => bundle,
    log: (message, fields) => logs.push(`${message} ${JSON.stringify(fields)}`),
    describeCluster: async (name) => ({ name, status: 'ACTIVE', authenticationMode: 'API', oidcIssuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC' }),
    podIdentityAgent: async () => undefined,
  });
  return { applier, connected };
}

const event = (RequestType: AgentResourceEvent['RequestType'], ResourceProperties: Record<string, unknown>, PhysicalResourceId?: string): AgentResourceEvent => ({
  RequestType,
  ResourceProperties,
  ...(PhysicalResourceId ? { PhysicalResourceId } : {}),
});

/** Everything an invoker could try to change, were the applier to read it. */
const HOSTILE = {
  Image: 'attacker.example/root-shell:latest',
  StreamName: 'someone-elses-stream',
  Region: 'us-east-1',
  Interval: '10s',
  ServiceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111111111111:role/Admin' },
  AgentIdentity: 'pod-identity',
  OidcProviderArn: 'arn:aws:iam::222222222222:oidc-provider/evil',
  BundleSha256: 'b'.repeat(64),
  ApplierAccess: 'cluster-admin',
  KeySecretName: 'kinsight/agent-key/payments',
  Namespace: 'kube-system',
};

describe('createApplier: the event names a cluster, the stack says the rest', () => {
  it('applies the same objects whatever else the event says: image, stream, region, annotations and the rest are ignored', async () => {
    const plain = fakeCluster();
    const hostile = fakeCluster();
    await applierOn(plain).applier(event('Create', { ClusterName: 'prod' }));
    const logs: string[] = [];
    await applierOn(hostile, logs).applier(event('Create', { ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:x', ClusterName: 'prod', ...HOSTILE }));
    expect(hostile.applied).toEqual(plain.applied);
    expect(hostile.calls).toEqual(plain.calls);
    expect(hostile.applied.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/kinsight', 'ServiceAccount/kinsight-agent', 'ConfigMap/kinsight-agent', 'DaemonSet/kinsight-agent']);
    const [, serviceAccount, , daemonSet] = hostile.applied as any[];
    expect(serviceAccount.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': ROLE });
    const container = daemonSet.spec.template.spec.containers[0];
    expect(container.image).toBe(config.image);
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'KINSIGHT_CLUSTER_NAME', value: 'prod' },
        { name: 'KINSIGHT_STREAM_NAME', value: 'Kinsight-Stream-AbC' },
        { name: 'AWS_REGION', value: 'eu-west-1' },
        { name: 'KINSIGHT_INTERVAL', value: '60s' },
        { name: 'KINSIGHT_KEY_SECRET', value: 'kinsight/agent-key/prod' },
      ]),
    );
    expect(logs.find((l) => l.startsWith('event properties ignored'))).toBe(
      `event properties ignored: the applier installs what its stack baked into it {"cluster":"prod","ignored":${JSON.stringify(Object.keys(HOSTILE))}}`,
    );
  });

  it('deletes the same objects whatever else a Delete event says', async () => {
    const plain = fakeCluster();
    const hostile = fakeCluster();
    await applierOn(plain).applier(event('Delete', { ClusterName: 'prod' }, 'kinsight-agent/prod'));
    await applierOn(hostile).applier(event('Delete', { ClusterName: 'prod', ...HOSTILE }, 'kinsight-agent/prod'));
    expect(hostile.calls).toEqual(plain.calls);
    expect(hostile.calls).toEqual(['remove DaemonSet/kinsight-agent', 'remove ConfigMap/kinsight-agent', 'remove ServiceAccount/kinsight-agent', 'remove Namespace/kinsight']);
  });

  it('gives each of its clusters that cluster\'s key secret and role, and nothing of another', async () => {
    const staging = fakeCluster();
    await applierOn(staging).applier(event('Create', { ClusterName: 'staging' }));
    const [, serviceAccount, , daemonSet] = staging.applied as any[];
    expect(serviceAccount.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': ROLE.replace('prod', 'staging') });
    expect(daemonSet.spec.template.spec.containers[0].env).toContainEqual({ name: 'KINSIGHT_KEY_SECRET', value: 'kinsight/agent-key/staging' });
  });

  it('runs the agents as the uid and gid the stack baked in, reading the pod log directory it names', async () => {
    const cluster = fakeCluster();
    await applierOn(cluster, [], { ...config, runAsUser: 61000, runAsGroup: 61001, podLogsDir: '/data/pods' }).applier(event('Create', { ClusterName: 'prod', RunAsUser: '0' }));
    const pod = (cluster.applied as any[])[3].spec.template.spec;
    expect([pod.securityContext.runAsUser, pod.securityContext.runAsGroup]).toEqual([61000, 61001]);
    expect(pod.volumes).toContainEqual({ name: 'host-pod-logs', hostPath: { path: '/data/pods', type: 'Directory' } });
    expect(pod.containers[0].env).toContainEqual({ name: 'KINSIGHT_POD_LOGS_DIR', value: '/data/pods' });
  });

  it('rejects a cluster that is not one of its own before connecting anywhere', async () => {
    const cluster = fakeCluster();
    const { applier, connected } = applierOn(cluster);
    await expect(applier(event('Create', { ClusterName: 'payments', ...HOSTILE }))).rejects.toThrow(/^cluster payments is not one of this applier's clusters \(prod, staging\); expected a cluster of its stack's fleet file$/);
    await expect(applier(event('Update', { ClusterName: 'payments' }, 'kinsight-agent/payments'))).rejects.toThrow(/not one of this applier's clusters/);
    expect(connected).toEqual([]);
    expect(cluster.calls).toEqual([]);
  });

  it('deletes nothing in a cluster that is not one of its own, and says so', async () => {
    const cluster = fakeCluster();
    const logs: string[] = [];
    const { applier, connected } = applierOn(cluster, logs);
    await expect(applier(event('Delete', { ClusterName: 'payments' }, 'kinsight-agent/payments'))).resolves.toEqual({ PhysicalResourceId: 'kinsight-agent/payments' });
    expect(connected).toEqual([]);
    expect(logs).toEqual(['not one of this applier\'s clusters, nothing deleted {"cluster":"payments"}']);
  });

  it('rejects an event without a cluster name', async () => {
    const { applier } = applierOn(fakeCluster());
    await expect(applier(event('Create', { Image: 'x' }))).rejects.toThrow(/^custom resource property ClusterName is .*; expected a cluster name$/);
    await expect(applier(event('Create', { ClusterName: ['prod'] }))).rejects.toThrow(/ClusterName is .*expected a cluster name/);
  });
});

describe('createApplier: a cluster that is gone', () => {
  const goneApplier = (logs: string[]) =>
    createApplier({
      config,
      connect: async (name) => {
        throw new ClusterGoneError(`EKS cluster ${name} does not exist`);
      },
      readBundle: () => bundle,
      log: (message, fields) => logs.push(`${message} ${JSON.stringify(fields)}`),
      describeCluster: async (name) => ({ name, status: 'ACTIVE', authenticationMode: 'API', oidcIssuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC' }),
      podIdentityAgent: async () => undefined,
    });

  it('is a KinsightError named for itself, with its cause', () => {
    const cause = new Error('ResourceNotFoundException');
    const error = new ClusterGoneError('EKS cluster prod does not exist', { cause });
    expect([error instanceof KinsightError, error.name, error.cause]).toEqual([true, 'ClusterGoneError', cause]);
  });

  it('deletes nothing and succeeds on Delete, saying so', async () => {
    const logs: string[] = [];
    await expect(goneApplier(logs)(event('Delete', { ClusterName: 'prod' }, 'kinsight-agent/prod'))).resolves.toEqual({ PhysicalResourceId: 'kinsight-agent/prod' });
    expect(logs).toEqual(['cluster gone, nothing to delete {"cluster":"prod"}']);
  });

  it('fails a Create with it', async () => {
    await expect(goneApplier([])(event('Create', { ClusterName: 'prod' }))).rejects.toThrow(new ClusterGoneError('EKS cluster prod does not exist'));
  });
});

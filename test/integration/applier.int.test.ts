import type { IncomingMessage, ServerResponse } from 'node:http';
import { toAgentManifest, toBundleSha256 } from '../../core/agent-manifest';
import { toKubeConfig } from '../../lambdas/common/kube-client';
import { ClusterGoneError, createApplier, PrerequisiteError, type AgentResourceEvent } from '../../lambdas/applier/apply-agent';
import { checkAuthenticationMode, checkPodIdentityAgent, toFailureText, type AddonFacts, type ClusterFacts } from '../../core/prerequisites';
import { createKubeObjectClient, FIELD_MANAGER } from '../../lambdas/applier/kube-object-client';
import { KubeStore, startKubeApiServer, type KubeApiServer } from '../../sim/kube/kube-api-server';

/** One write the API server received. */
interface Write {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly contentType: string | undefined;
  readonly body: any;
}

// API discovery for the six kinds the manifest holds, as a real API server answers it.
const DISCOVERY: Record<string, { name: string; kind: string; namespaced: boolean }[]> = {
  '/api/v1': [
    { name: 'namespaces', kind: 'Namespace', namespaced: false },
    { name: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
    { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
  ],
  '/apis/rbac.authorization.k8s.io/v1': [
    { name: 'clusterroles', kind: 'ClusterRole', namespaced: false },
    { name: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
  ],
  '/apis/apps/v1': [{ name: 'daemonsets', kind: 'DaemonSet', namespaced: true }],
};

const bundleV1 = 'console.log("agent v1");\n';
const bundleV2 = 'console.log("agent v2");\n';

const properties = (bundle: string, image = 'node:22-alpine'): Record<string, unknown> => ({
  ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:provider',
  ClusterName: 'prod-eu',
  StreamName: 'kinsight-records',
  Region: 'eu-west-1',
  Image: image,
  Interval: '60s',
  ServiceAccountAnnotations: {},
  BundleSha256: toBundleSha256(bundle),
});

describe('applier against a local Kubernetes API server', () => {
  let server: KubeApiServer;
  const writes: Write[] = [];
  const objects = new Map<string, any>();
  let forbidPatches = false;

  const send = (res: ServerResponse, code: number, body: unknown): true => {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return true;
  };
  const status = (code: number, reason: string) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code, message: reason });

  // Server-side apply and DELETE: the simulator's built-in routes serve lists and GETs only.
  const extraHandler = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    if (req.method === 'GET' && DISCOVERY[url.pathname]) {
      return send(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: url.pathname.replace(/^\/apis?\//, ''), resources: DISCOVERY[url.pathname].map((r) => ({ ...r, singularName: '', verbs: ['get', 'patch', 'delete'] })) });
    }
    if (req.method !== 'PATCH' && req.method !== 'DELETE') return false;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text ? JSON.parse(text) : undefined;
    writes.push({ method: req.method, path: url.pathname, query: url.searchParams, contentType: req.headers['content-type'], body });
    if (req.method === 'PATCH') {
      if (forbidPatches) return send(res, 403, status(403, 'Forbidden'));
      objects.set(url.pathname, body);
      return send(res, 200, body);
    }
    if (!objects.delete(url.pathname)) return send(res, 404, status(404, 'NotFound'));
    return send(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
  };

  const logs: string[] = [];
  // What EKS says about the cluster: ready unless a test says otherwise.
  let cluster: ClusterFacts | undefined;
  let addon: AddonFacts | undefined;
  const applierWith = (bundle: string, connect?: () => Promise<never>) =>
    createApplier({
      connect: connect ?? (async () => createKubeObjectClient(toKubeConfig({ server: server.url, caData: server.caPem, token: server.token }))),
      readBundle: () => bundle,
      log: (message, fields) => logs.push(`${message} ${JSON.stringify(fields)}`),
      describeCluster: async () => cluster,
      podIdentityAgent: async () => addon,
    });
  const event = (RequestType: AgentResourceEvent['RequestType'], props: Record<string, unknown>, PhysicalResourceId?: string): AgentResourceEvent => ({
    RequestType,
    ResourceProperties: props,
    ...(PhysicalResourceId ? { PhysicalResourceId } : {}),
  });

  beforeAll(async () => {
    server = await startKubeApiServer({ store: new KubeStore(), extraHandler });
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    writes.length = 0;
    forbidPatches = false;
    cluster = { name: 'prod-eu', status: 'ACTIVE', authenticationMode: 'API', oidcIssuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC' };
    addon = { status: 'ACTIVE', version: 'v1.3.4-eksbuild.1', issues: [] };
  });

  it('creates every object by server-side apply with the apply-patch content type, field manager kinsight and force', async () => {
    const result = await applierWith(bundleV1)(event('Create', properties(bundleV1)));
    expect(result.PhysicalResourceId).toBe('kinsight-agent/prod-eu');
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([
      'PATCH /api/v1/namespaces/kinsight',
      'PATCH /api/v1/namespaces/kinsight/serviceaccounts/kinsight-agent',
      'PATCH /api/v1/namespaces/kinsight/configmaps/kinsight-agent',
      'PATCH /apis/rbac.authorization.k8s.io/v1/clusterroles/kinsight-poller',
      'PATCH /apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kinsight-poller',
      'PATCH /apis/apps/v1/namespaces/kinsight/daemonsets/kinsight-agent',
    ]);
    for (const write of writes) {
      expect(write.contentType).toBe('application/apply-patch+yaml');
      expect(write.query.get('fieldManager')).toBe(FIELD_MANAGER);
      expect(write.query.get('force')).toBe('true');
    }
    // The client's serializer drops no field: every body is the rendered object, whole.
    const rendered = toAgentManifest({ clusterName: 'prod-eu', streamName: 'kinsight-records', region: 'eu-west-1', image: 'node:22-alpine', interval: '60s', agentBundle: bundleV1 });
    expect(writes.map((w) => w.body)).toEqual(JSON.parse(JSON.stringify(rendered)));
    expect(objects.get('/api/v1/namespaces/kinsight/configmaps/kinsight-agent').data['agent.js']).toBe(bundleV1);
    const ds = objects.get('/apis/apps/v1/namespaces/kinsight/daemonsets/kinsight-agent');
    expect(ds.spec.template.spec.hostPID).toBe(true);
    expect(ds.spec.template.spec.containers[0].env).toContainEqual({ name: 'KINSIGHT_CLUSTER_NAME', value: 'prod-eu' });
  });

  it('updates by applying again: a new bundle and image reach the ConfigMap and the DaemonSet rolls', async () => {
    const before = objects.get('/apis/apps/v1/namespaces/kinsight/daemonsets/kinsight-agent').spec.template.metadata.annotations;
    await applierWith(bundleV2)({ ...event('Update', properties(bundleV2, 'node:22.11-alpine'), 'kinsight-agent/prod-eu'), OldResourceProperties: properties(bundleV1) });
    expect(writes).toHaveLength(6);
    expect(writes.every((w) => w.method === 'PATCH' && w.contentType === 'application/apply-patch+yaml')).toBe(true);
    expect(objects.get('/api/v1/namespaces/kinsight/configmaps/kinsight-agent').data['agent.js']).toBe(bundleV2);
    const ds = objects.get('/apis/apps/v1/namespaces/kinsight/daemonsets/kinsight-agent');
    expect(ds.spec.template.spec.containers[0].image).toBe('node:22.11-alpine');
    expect(ds.spec.template.metadata.annotations).not.toEqual(before);
  });

  it('deletes every object in reverse order on Delete, and a second Delete finds them gone without failing', async () => {
    const props = properties(bundleV2);
    await applierWith(bundleV2)(event('Delete', props, 'kinsight-agent/prod-eu'));
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([
      'DELETE /apis/apps/v1/namespaces/kinsight/daemonsets/kinsight-agent',
      'DELETE /apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kinsight-poller',
      'DELETE /apis/rbac.authorization.k8s.io/v1/clusterroles/kinsight-poller',
      'DELETE /api/v1/namespaces/kinsight/configmaps/kinsight-agent',
      'DELETE /api/v1/namespaces/kinsight/serviceaccounts/kinsight-agent',
      'DELETE /api/v1/namespaces/kinsight',
    ]);
    expect(objects.size).toBe(0);
    writes.length = 0;
    await expect(applierWith(bundleV2)(event('Delete', props, 'kinsight-agent/prod-eu'))).resolves.toEqual({ PhysicalResourceId: 'kinsight-agent/prod-eu' });
    expect(writes).toHaveLength(6);
    expect(logs.filter((l) => l.startsWith('already gone'))).toHaveLength(6);
  });

  it('deletes nothing on the rollback Delete of a Create that failed (the physical id is not an installation)', async () => {
    await expect(applierWith(bundleV1)(event('Delete', properties(bundleV1), 'request-id-of-failed-create'))).resolves.toEqual({
      PhysicalResourceId: 'request-id-of-failed-create',
    });
    expect(writes).toHaveLength(0);
  });

  it('deletes nothing when the cluster itself no longer exists', async () => {
    const gone = async (): Promise<never> => {
      throw new ClusterGoneError('no cluster prod-eu');
    };
    await expect(applierWith(bundleV1, gone)(event('Delete', properties(bundleV1), 'kinsight-agent/prod-eu'))).resolves.toEqual({
      PhysicalResourceId: 'kinsight-agent/prod-eu',
    });
    expect(writes).toHaveLength(0);
  });

  it('fails a Create when the API server refuses the apply, naming the object and the bootstrap to run', async () => {
    forbidPatches = true;
    const failure = applierWith(bundleV1)(event('Create', properties(bundleV1)));
    await expect(failure).rejects.toThrow(/may not apply Namespace kinsight in cluster prod-eu \(403 Forbidden\).*kinsight manifest --applier-rbac/);
    await expect(failure).rejects.toMatchObject({ cause: { code: 403 } });
  });

  it('fails a Create on any other API error with that error', async () => {
    server.failNext(1, { status: 500, match: (path) => path.includes('/configmaps/') });
    await expect(applierWith(bundleV1)(event('Create', properties(bundleV1)))).rejects.toMatchObject({ code: 500 });
  });

  it('fails before touching the cluster when the packaged bundle is not the one the stack expects', async () => {
    await expect(applierWith(bundleV2)(event('Create', properties(bundleV1)))).rejects.toThrow(/bundle in the applier package has SHA-256 [0-9a-f]{64}, the stack expects/);
    expect(writes).toHaveLength(0);
  });

  it('refuses a cluster in CONFIG_MAP authentication mode before applying anything, with the doctor\'s message and fix', async () => {
    cluster = { ...cluster!, authenticationMode: 'CONFIG_MAP' };
    const doctor = checkAuthenticationMode('prod-eu', cluster);
    const failure = applierWith(bundleV1)(event('Create', properties(bundleV1)));
    await expect(failure).rejects.toThrow(PrerequisiteError);
    await expect(failure).rejects.toThrow(
      `cluster prod-eu is not ready for kinsight: authentication-mode: ${toFailureText(doctor)} (\`kinsight doctor --before-deploy\` checks this before a deploy)`,
    );
    expect(doctor.ok).toBe(false);
    expect(writes).toHaveLength(0);
  });

  it('refuses a Pod Identity cluster without the Pod Identity Agent add-on, on Update too', async () => {
    addon = undefined;
    const message = toFailureText(checkPodIdentityAgent('prod-eu', undefined, false));
    await expect(applierWith(bundleV1)(event('Create', properties(bundleV1)))).rejects.toThrow(`pod-identity-agent: ${message}`);
    await expect(applierWith(bundleV1)(event('Update', properties(bundleV1), 'kinsight-agent/prod-eu'))).rejects.toThrow(/^cluster prod-eu is not ready for kinsight: pod-identity-agent: the EKS Pod Identity Agent add-on/);
    expect(writes).toHaveLength(0);
  });

  it('refuses a cluster that does not exist or is not ACTIVE, naming both failures at once when two prerequisites miss', async () => {
    cluster = undefined;
    await expect(applierWith(bundleV1)(event('Create', properties(bundleV1)))).rejects.toThrow(/cluster-active: EKS cluster prod-eu does not exist in eu-west-1; fix: /);
    cluster = { name: 'prod-eu', status: 'ACTIVE', authenticationMode: 'CONFIG_MAP' };
    addon = { status: 'DEGRADED', issues: ['InsufficientNumberOfReplicas: 0 of 2 ready'] };
    await expect(applierWith(bundleV1)(event('Create', properties(bundleV1)))).rejects.toThrow(/authentication-mode: .* \| pod-identity-agent: eks-pod-identity-agent add-on is DEGRADED: InsufficientNumberOfReplicas/);
    expect(writes).toHaveLength(0);
  });

  it('checks an IRSA cluster\'s issuer against the OIDC provider of the stack, not the add-on', async () => {
    addon = undefined;
    const irsa = (arn: string) => ({ ...properties(bundleV1), AgentIdentity: 'irsa', OidcProviderArn: arn });
    await expect(applierWith(bundleV1)(event('Create', irsa('arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/XYZ')))).rejects.toThrow(
      /oidc-provider: oidcProviderArn names the issuer oidc\.eks\.eu-west-1\.amazonaws\.com\/id\/XYZ, but the cluster's issuer is oidc\.eks\.eu-west-1\.amazonaws\.com\/id\/ABC/,
    );
    expect(writes).toHaveLength(0);
    await expect(applierWith(bundleV1)(event('Create', irsa('arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC')))).resolves.toMatchObject({ PhysicalResourceId: 'kinsight-agent/prod-eu' });
    expect(writes).toHaveLength(6);
  });

  it('deletes without checking prerequisites (a cluster that lost one must still be cleaned up)', async () => {
    await applierWith(bundleV1)(event('Create', properties(bundleV1)));
    writes.length = 0;
    cluster = { ...cluster!, authenticationMode: 'CONFIG_MAP' };
    addon = undefined;
    await expect(applierWith(bundleV1)(event('Delete', properties(bundleV1), 'kinsight-agent/prod-eu'))).resolves.toEqual({ PhysicalResourceId: 'kinsight-agent/prod-eu' });
    expect(writes.every((w) => w.method === 'DELETE')).toBe(true);
    expect(writes).toHaveLength(6);
  });
});

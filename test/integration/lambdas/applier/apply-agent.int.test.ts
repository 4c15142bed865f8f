import type { IncomingMessage, ServerResponse } from 'node:http';
import { toBundleSha256, type KubeObject } from '../../../../core/agent-manifest';
import { toApplierRbac } from '../../../../core/applier-rbac';
import { toPollerRbac } from '../../../../core/poller-rbac';
import { toKubeConfig } from '../../../../lambdas/common/kube-client';
import type { ApplierConfig } from '../../../../lambdas/applier/applier-config';
import { ClusterGoneError, createApplier, PrerequisiteError, toAppliedObjects, type AgentResourceEvent } from '../../../../lambdas/applier/apply-agent';
import { checkAuthenticationMode, checkPodIdentityAgent, toFailureText, type AddonFacts, type ClusterFacts } from '../../../../core/prerequisites';
import { createKubeObjectClient, FIELD_MANAGER } from '../../../../lambdas/applier/kube-object-client';
import { KubeStore, startKubeApiServer, type KubeApiServer } from '../../../../sim/kube/kube-api-server';

/** One request the API server received beyond discovery. */
interface Write {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly contentType: string | undefined;
  readonly body: any;
}

// API discovery for the kinds the manifest and the bootstrap hold, as a real API server answers it.
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

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const pathOf = (object: KubeObject): string => `${RBAC}/${object.kind === 'ClusterRole' ? 'clusterroles' : 'clusterrolebindings'}/${object.metadata.name}`;

const bundleV1 = 'console.log("agent v1");\n';
const bundleV2 = 'console.log("agent v2");\n';

/** What the stack baked into the applier: one Pod Identity cluster, the narrow access mode. */
const configOf = (bundle: string, overrides: Partial<ApplierConfig> = {}): ApplierConfig => ({
  streamName: 'kinsight-records',
  region: 'eu-west-1',
  image: 'node:22-alpine',
  interval: '60s',
  agentIdentity: 'pod-identity',
  applierAccess: 'rbac-group',
  bundleSha256: toBundleSha256(bundle),
  clusters: new Map([['prod-eu', {}]]),
  ...overrides,
});

describe('applier against a local Kubernetes API server', () => {
  let server: KubeApiServer;
  const writes: Write[] = [];
  const objects = new Map<string, any>();
  let forbidPatches = false;
  let forbidReads = false;

  const send = (res: ServerResponse, code: number, body: unknown): true => {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return true;
  };
  const status = (code: number, reason: string) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code, message: reason });

  // Server-side apply, DELETE and GET of the RBAC objects: the simulator's built-in routes serve lists and GETs of its cluster only.
  const extraHandler = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    if (req.method === 'GET' && DISCOVERY[url.pathname]) {
      return send(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: url.pathname.replace(/^\/apis?\//, ''), resources: DISCOVERY[url.pathname].map((r) => ({ ...r, singularName: '', verbs: ['get', 'patch', 'delete'] })) });
    }
    if (req.method === 'GET' && url.pathname.startsWith(`${RBAC}/`)) {
      writes.push({ method: 'GET', path: url.pathname, query: url.searchParams, contentType: undefined, body: undefined });
      if (forbidReads) return send(res, 403, status(403, 'Forbidden'));
      const found = objects.get(url.pathname);
      return found ? send(res, 200, found) : send(res, 404, status(404, 'NotFound'));
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
  /** What a cluster administrator applied once: the bootstrap of `kinsight manifest --applier-rbac`. */
  const bootstrap = () => {
    for (const object of toApplierRbac()) objects.set(pathOf(object), JSON.parse(JSON.stringify(object)));
  };

  const logs: string[] = [];
  // What EKS says about the cluster: ready unless a test says otherwise.
  let cluster: ClusterFacts | undefined;
  let addon: AddonFacts | undefined;
  const applierWith = (bundle: string, config: ApplierConfig = configOf(bundle), connect?: () => Promise<never>) =>
    createApplier({
      config,
      connect: connect ?? (async () => createKubeObjectClient(toKubeConfig({ server: server.url, caData: server.caPem, token: server.token }))),
      readBundle: () => bundle,
      log: (message, fields) => logs.push(`${message} ${JSON.stringify(fields)}`),
      describeCluster: async () => cluster,
      podIdentityAgent: async () => addon,
    });
  const event = (RequestType: AgentResourceEvent['RequestType'], PhysicalResourceId?: string): AgentResourceEvent => ({
    RequestType,
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:provider', ClusterName: 'prod-eu', Revision: 'r1' },
    ...(PhysicalResourceId ? { PhysicalResourceId } : {}),
  });
  const changes = () => writes.filter((w) => w.method !== 'GET');

  beforeAll(async () => {
    server = await startKubeApiServer({ store: new KubeStore(), extraHandler });
    bootstrap();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    writes.length = 0;
    forbidPatches = false;
    forbidReads = false;
    cluster = { name: 'prod-eu', status: 'ACTIVE', authenticationMode: 'API', oidcIssuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC' };
    addon = { status: 'ACTIVE', version: 'v1.3.4-eksbuild.1', issues: [] };
  });

  it('checks the RBAC bootstrap, then creates the agent\'s objects by server-side apply with the apply-patch content type, field manager kinsight and force', async () => {
    const result = await applierWith(bundleV1)(event('Create'));
    expect(result.PhysicalResourceId).toBe('kinsight-agent/prod-eu');
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([
      `GET ${RBAC}/clusterroles/kinsight-applier`,
      `GET ${RBAC}/clusterrolebindings/kinsight-applier`,
      `GET ${RBAC}/clusterroles/kinsight-poller`,
      `GET ${RBAC}/clusterrolebindings/kinsight-poller`,
      'PATCH /api/v1/namespaces/kinsight',
      'PATCH /api/v1/namespaces/kinsight/serviceaccounts/kinsight-agent',
      'PATCH /api/v1/namespaces/kinsight/configmaps/kinsight-agent',
      'PATCH /apis/apps/v1/namespaces/kinsight/daemonsets/kinsight-agent',
    ]);
    for (const write of changes()) {
      expect(write.contentType).toBe('application/apply-patch+yaml');
      expect(write.query.get('fieldManager')).toBe(FIELD_MANAGER);
      expect(write.query.get('force')).toBe('true');
    }
    // The client's serializer drops no field: every body is the rendered object, whole.
    expect(changes().map((w) => w.body)).toEqual(JSON.parse(JSON.stringify(toAppliedObjects(configOf(bundleV1), 'prod-eu', bundleV1, true))));
    expect(objects.get('/api/v1/namespaces/kinsight/configmaps/kinsight-agent').data['agent.js']).toBe(bundleV1);
    const ds = objects.get('/apis/apps/v1/namespaces/kinsight/daemonsets/kinsight-agent');
    expect(ds.spec.template.spec.hostPID).toBe(true);
    expect(ds.spec.template.spec.containers[0].env).toEqual(
      expect.arrayContaining([
        { name: 'KINSIGHT_CLUSTER_NAME', value: 'prod-eu' },
        { name: 'KINSIGHT_STREAM_NAME', value: 'kinsight-records' },
        { name: 'KINSIGHT_KEY_SECRET', value: 'kinsight/agent-key/prod-eu' },
      ]),
    );
  });

  it('updates by applying again: a new bundle and image in the applier\'s settings reach the ConfigMap and the DaemonSet rolls', async () => {
    const before = objects.get('/apis/apps/v1/namespaces/kinsight/daemonsets/kinsight-agent').spec.template.metadata.annotations;
    await applierWith(bundleV2, configOf(bundleV2, { image: 'node:22.11-alpine' }))(event('Update', 'kinsight-agent/prod-eu'));
    expect(changes()).toHaveLength(4);
    expect(changes().every((w) => w.method === 'PATCH' && w.contentType === 'application/apply-patch+yaml')).toBe(true);
    expect(objects.get('/api/v1/namespaces/kinsight/configmaps/kinsight-agent').data['agent.js']).toBe(bundleV2);
    const ds = objects.get('/apis/apps/v1/namespaces/kinsight/daemonsets/kinsight-agent');
    expect(ds.spec.template.spec.containers[0].image).toBe('node:22.11-alpine');
    expect(ds.spec.template.metadata.annotations).not.toEqual(before);
  });

  it('deletes its objects in reverse order on Delete, leaves the bootstrap\'s, and a second Delete finds them gone without failing', async () => {
    await applierWith(bundleV2)(event('Delete', 'kinsight-agent/prod-eu'));
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([
      'DELETE /apis/apps/v1/namespaces/kinsight/daemonsets/kinsight-agent',
      'DELETE /api/v1/namespaces/kinsight/configmaps/kinsight-agent',
      'DELETE /api/v1/namespaces/kinsight/serviceaccounts/kinsight-agent',
      'DELETE /api/v1/namespaces/kinsight',
    ]);
    expect([...objects.keys()].sort()).toEqual(toApplierRbac().map(pathOf).sort());
    writes.length = 0;
    await expect(applierWith(bundleV2)(event('Delete', 'kinsight-agent/prod-eu'))).resolves.toEqual({ PhysicalResourceId: 'kinsight-agent/prod-eu' });
    expect(writes).toHaveLength(4);
    expect(logs.filter((l) => l.startsWith('already gone'))).toHaveLength(4);
  });

  it('with applierAccess cluster-admin, applies and deletes the poller\'s ClusterRole and binding itself, without reading any bootstrap', async () => {
    const admin = configOf(bundleV1, { applierAccess: 'cluster-admin' });
    await applierWith(bundleV1, admin)(event('Create'));
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([
      'PATCH /api/v1/namespaces/kinsight',
      'PATCH /api/v1/namespaces/kinsight/serviceaccounts/kinsight-agent',
      'PATCH /api/v1/namespaces/kinsight/configmaps/kinsight-agent',
      `PATCH ${RBAC}/clusterroles/kinsight-poller`,
      `PATCH ${RBAC}/clusterrolebindings/kinsight-poller`,
      'PATCH /apis/apps/v1/namespaces/kinsight/daemonsets/kinsight-agent',
    ]);
    writes.length = 0;
    await applierWith(bundleV1, admin)(event('Delete', 'kinsight-agent/prod-eu'));
    expect(writes.map((w) => `${w.method} ${w.path}`)).toContain(`DELETE ${RBAC}/clusterroles/kinsight-poller`);
    bootstrap();
  });

  it('deletes nothing on the rollback Delete of a Create that failed (the physical id is not an installation)', async () => {
    await expect(applierWith(bundleV1)(event('Delete', 'request-id-of-failed-create'))).resolves.toEqual({ PhysicalResourceId: 'request-id-of-failed-create' });
    expect(writes).toHaveLength(0);
  });

  it('deletes nothing when the cluster itself no longer exists', async () => {
    const gone = async (): Promise<never> => {
      throw new ClusterGoneError('no cluster prod-eu');
    };
    await expect(applierWith(bundleV1, configOf(bundleV1), gone)(event('Delete', 'kinsight-agent/prod-eu'))).resolves.toEqual({ PhysicalResourceId: 'kinsight-agent/prod-eu' });
    expect(writes).toHaveLength(0);
  });

  it('fails a Create when the API server refuses the apply, naming the object and the bootstrap to run', async () => {
    forbidPatches = true;
    const failure = applierWith(bundleV1)(event('Create'));
    await expect(failure).rejects.toThrow(/may not apply Namespace kinsight in cluster prod-eu \(403 Forbidden\).*kinsight manifest --applier-rbac/);
    await expect(failure).rejects.toMatchObject({ cause: { code: 403 } });
  });

  it('fails a Create on any other API error with that error', async () => {
    server.failNext(1, { status: 500, match: (path) => path.includes('/configmaps/') });
    await expect(applierWith(bundleV1)(event('Create'))).rejects.toMatchObject({ code: 500 });
  });

  it('fails before touching the cluster when the packaged bundle is not the one its settings name', async () => {
    await expect(applierWith(bundleV2, configOf(bundleV1))(event('Create'))).rejects.toThrow(/bundle in the applier package has SHA-256 [0-9a-f]{64}, its settings expect/);
    expect(writes).toHaveLength(0);
  });

  describe('the RBAC bootstrap (applierAccess rbac-group)', () => {
    afterEach(() => bootstrap());

    it('fails before applying anything when the bootstrap was never applied, naming each missing object and the command', async () => {
      for (const object of toApplierRbac()) objects.delete(pathOf(object));
      const failure = applierWith(bundleV1)(event('Create'));
      await expect(failure).rejects.toThrow(PrerequisiteError);
      await expect(failure).rejects.toThrow(
        /^cluster prod-eu's RBAC bootstrap for the applier is missing or outdated: ClusterRole kinsight-applier does not exist; ClusterRoleBinding kinsight-applier does not exist; ClusterRole kinsight-poller does not exist; ClusterRoleBinding kinsight-poller does not exist; fix: .*kinsight manifest --applier-rbac \| kubectl apply --server-side --force-conflicts -f -/,
      );
      expect(changes()).toHaveLength(0);
    });

    it('fails when the bootstrap may not be read: an older one, which let the applier write the poller\'s role', async () => {
      forbidReads = true;
      await expect(applierWith(bundleV1)(event('Create'))).rejects.toThrow(/ClusterRole kinsight-applier may not be read \(403 Forbidden: no bootstrap, or one from an older kinsight\)/);
      expect(changes()).toHaveLength(0);
    });

    it('fails when the poller\'s role in the cluster grants other rules than this kinsight\'s', async () => {
      const [role] = toPollerRbac();
      objects.set(pathOf(role), { ...JSON.parse(JSON.stringify(role)), rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] }] });
      await expect(applierWith(bundleV1)(event('Create'))).rejects.toThrow(/bootstrap for the applier is missing or outdated: ClusterRole kinsight-poller grants other rules than this kinsight's bootstrap; fix:/);
      expect(changes()).toHaveLength(0);
    });

    it('accepts a bootstrap whose rules the API server returned in another order, with other labels', async () => {
      const [role] = toApplierRbac();
      const rules = [...(role.rules as unknown[])].reverse();
      objects.set(pathOf(role), { ...JSON.parse(JSON.stringify(role)), rules, metadata: { name: role.metadata.name, labels: { by: 'hand' }, resourceVersion: '7' } });
      await expect(applierWith(bundleV1)(event('Create'))).resolves.toMatchObject({ PhysicalResourceId: 'kinsight-agent/prod-eu' });
      expect(changes()).toHaveLength(4);
    });
  });

  it('refuses a cluster in CONFIG_MAP authentication mode before applying anything, with the doctor\'s message and fix', async () => {
    cluster = { ...cluster!, authenticationMode: 'CONFIG_MAP' };
    const doctor = checkAuthenticationMode('prod-eu', cluster);
    const failure = applierWith(bundleV1)(event('Create'));
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
    await expect(applierWith(bundleV1)(event('Create'))).rejects.toThrow(`pod-identity-agent: ${message}`);
    await expect(applierWith(bundleV1)(event('Update', 'kinsight-agent/prod-eu'))).rejects.toThrow(/^cluster prod-eu is not ready for kinsight: pod-identity-agent: the EKS Pod Identity Agent add-on/);
    expect(writes).toHaveLength(0);
  });

  it('refuses a cluster that does not exist or is not ACTIVE, naming both failures at once when two prerequisites miss', async () => {
    cluster = undefined;
    await expect(applierWith(bundleV1)(event('Create'))).rejects.toThrow(/cluster-active: EKS cluster prod-eu does not exist in eu-west-1; fix: /);
    cluster = { name: 'prod-eu', status: 'ACTIVE', authenticationMode: 'CONFIG_MAP' };
    addon = { status: 'DEGRADED', issues: ['InsufficientNumberOfReplicas: 0 of 2 ready'] };
    await expect(applierWith(bundleV1)(event('Create'))).rejects.toThrow(/authentication-mode: .* \| pod-identity-agent: eks-pod-identity-agent add-on is DEGRADED: InsufficientNumberOfReplicas/);
    expect(writes).toHaveLength(0);
  });

  it('checks an IRSA cluster\'s issuer against the OIDC provider of its settings, not the add-on, and annotates the service account with the cluster\'s role', async () => {
    addon = undefined;
    const role = 'arn:aws:iam::111111111111:role/Kinsight-AgentIdentityIrsaRoleprodeu-ABC';
    const irsa = (provider: string) => configOf(bundleV1, { agentIdentity: 'irsa', clusters: new Map([['prod-eu', { oidcProviderArn: provider, irsaRoleArn: role }]]) });
    await expect(applierWith(bundleV1, irsa('arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/XYZ'))(event('Create'))).rejects.toThrow(
      /oidc-provider: oidcProviderArn names the issuer oidc\.eks\.eu-west-1\.amazonaws\.com\/id\/XYZ, but the cluster's issuer is oidc\.eks\.eu-west-1\.amazonaws\.com\/id\/ABC/,
    );
    expect(writes).toHaveLength(0);
    await expect(applierWith(bundleV1, irsa('arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC'))(event('Create'))).resolves.toMatchObject({
      PhysicalResourceId: 'kinsight-agent/prod-eu',
    });
    expect(changes()).toHaveLength(4);
    expect(objects.get('/api/v1/namespaces/kinsight/serviceaccounts/kinsight-agent').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': role });
  });

  it('deletes without checking prerequisites or the bootstrap (a cluster that lost one must still be cleaned up)', async () => {
    await applierWith(bundleV1)(event('Create'));
    writes.length = 0;
    cluster = { ...cluster!, authenticationMode: 'CONFIG_MAP' };
    addon = undefined;
    forbidReads = true;
    await expect(applierWith(bundleV1)(event('Delete', 'kinsight-agent/prod-eu'))).resolves.toEqual({ PhysicalResourceId: 'kinsight-agent/prod-eu' });
    expect(writes.every((w) => w.method === 'DELETE')).toBe(true);
    expect(writes).toHaveLength(4);
  });
});

import { request } from 'node:https';
import { createClusterModel, toSimNodeName } from '../../../../sim/cluster/cluster-model';
import { KUBE_RESOURCES, KubeStore, startKubeApiServer, type KubeApiServer } from '../../../../sim/kube/kube-api-server';
import { toKubeObjects } from '../../../../sim/kube/kube-objects';

/** GET over HTTPS trusting only the server's test CA. */
function get(server: KubeApiServer, path: string, token = server.token): Promise<{ status: number; body: Record<string, any> }> {
  return new Promise((resolve, reject) => {
    request(`${server.url}${path}`, { ca: server.caPem, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, any> }));
    })
      .on('error', reject)
      .end();
  });
}

describe('local Kubernetes API server', () => {
  let server: KubeApiServer;
  const cluster = createClusterModel({ name: 'sim', nodeCount: 4, podsPerNode: 10, replicasPerDeployment: 4, maxEndpointsPerSlice: 2 });
  beforeAll(async () => {
    server = await startKubeApiServer({
      store: new KubeStore(toKubeObjects(cluster)),
      extraHandler: (req, res) => {
        if (req.method !== 'PATCH') return false;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ applied: req.url }));
        return true;
      },
    });
  });
  afterAll(() => server.close());

  test('serves every resource with pagination: limit, metadata.continue, remainingItemCount, stable resourceVersion', async () => {
    const names: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const { status, body } = await get(server, `/api/v1/pods?limit=15${cont ? `&continue=${cont}` : ''}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: server.store.resourceVersion } });
      names.push(...body.items.map((p: { metadata: { name: string } }) => p.metadata.name));
      cont = body.metadata.continue;
      if (cont) expect(body.metadata.remainingItemCount).toBe(40 - names.length);
      pages += 1;
    } while (cont);
    expect(pages).toBe(3);
    expect(new Set(names).size).toBe(40);
    for (const resource of KUBE_RESOURCES) expect(server.store.count(resource)).toBeGreaterThan(0);
    const slices = await get(server, '/apis/discovery.k8s.io/v1/endpointslices');
    expect(slices.body.kind).toBe('EndpointSliceList');
    expect(slices.body.items.every((s: { endpoints: unknown[] }) => s.endpoints.length <= 2)).toBe(true);
  });

  test('answers 410 Gone for an expired continue token and 401 for a bad token', async () => {
    const first = await get(server, '/api/v1/nodes?limit=1');
    server.expireContinueTokens();
    const expired = await get(server, `/api/v1/nodes?limit=1&continue=${first.body.metadata.continue}`);
    expect(expired).toMatchObject({ status: 410, body: { kind: 'Status', reason: 'Expired', code: 410 } });
    expect(await get(server, '/api/v1/nodes', 'wrong')).toMatchObject({ status: 401, body: { reason: 'Unauthorized' } });
  });

  test('serves single objects, namespaced lists and equality selectors, 404 otherwise', async () => {
    const node = await get(server, `/api/v1/nodes/${toSimNodeName(2)}`);
    expect(node.body.metadata.name).toBe(toSimNodeName(2));
    const inKubeSystem = await get(server, '/api/v1/namespaces/kube-system/pods');
    expect(inKubeSystem.body.items).toHaveLength(8);
    const onNode = await get(server, `/api/v1/pods?fieldSelector=spec.nodeName%3D${toSimNodeName(1)}`);
    expect(onNode.body.items.every((p: { spec: { nodeName: string } }) => p.spec.nodeName === toSimNodeName(1))).toBe(true);
    const labelled = await get(server, '/api/v1/pods?labelSelector=k8s-app%3Daws-node');
    expect(labelled.body.items).toHaveLength(4);
    expect((await get(server, '/api/v1/namespaces/none/pods/nothing')).status).toBe(404);
    expect((await get(server, '/apis/apps/v1/widgets')).status).toBe(404);
  });

  test('injects 500s and hands other methods to the extra handler', async () => {
    server.failNext(1, { match: (p) => p.startsWith('/api/v1/nodes') });
    expect((await get(server, '/api/v1/nodes')).status).toBe(500);
    expect((await get(server, '/api/v1/nodes')).status).toBe(200);
    const patched = await new Promise<string>((resolve, reject) => {
      request(`${server.url}/apis/apps/v1/namespaces/x/daemonsets/a?fieldManager=kinsight`, { method: 'PATCH', ca: server.caPem, headers: { authorization: `Bearer ${server.token}` } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end('{}');
    });
    expect(JSON.parse(patched)).toEqual({ applied: '/apis/apps/v1/namespaces/x/daemonsets/a?fieldManager=kinsight' });
  });

  test('serves changes to its store: upserts bump the resourceVersion, removals disappear', async () => {
    const before = Number(server.store.resourceVersion);
    const pod = server.store.list('pods')[0];
    const stored = server.store.upsert('pods', { ...pod, metadata: { ...pod.metadata, labels: { changed: 'yes' } } });
    expect(Number(stored.metadata.resourceVersion)).toBe(before + 1);
    const read = await get(server, `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`);
    expect(read.body.metadata.labels).toEqual({ changed: 'yes' });
    expect(server.store.remove('pods', pod.metadata.namespace, pod.metadata.name)).toBe(true);
    expect((await get(server, `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`)).status).toBe(404);
  });

  test('with cachePages, serves cached pages until the store changes', async () => {
    const cachedServer = await startKubeApiServer({ store: new KubeStore(toKubeObjects(cluster)), cachePages: true });
    const first = await get(cachedServer, '/api/v1/nodes?limit=2');
    expect((await get(cachedServer, '/api/v1/nodes?limit=2')).body).toEqual(first.body);
    const node = cachedServer.store.list('nodes')[0];
    cachedServer.store.upsert('nodes', { ...node, metadata: { ...node.metadata, labels: { fresh: 'true' } } });
    const after = await get(cachedServer, '/api/v1/nodes?limit=2');
    expect(after.body.metadata.resourceVersion).toBe(cachedServer.store.resourceVersion);
    expect(after.body.items.some((n: { metadata: { labels: Record<string, string> } }) => n.metadata.labels.fresh === 'true')).toBe(true);
    await cachedServer.close();
  });
});

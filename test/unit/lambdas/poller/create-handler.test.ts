import { DescribeClusterCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { createHandler, describePollError, toMemoryAdvice, toPollDocumentsLine, toPollPartialLine, toPollSuccessLine, toPollUndersizedLine } from '../../../../lambdas/poller/create-handler';
import type { PollOptions } from '../../../../lambdas/poller/create-poller';
import { createEksConnector } from '../../../../lambdas/poller/eks-connector';
import { KinsightError } from '../../../../core/errors';
import { KubeApiError } from '../../../../lambdas/poller/kube-lists';

describe('describePollError', () => {
  test.each([
    [new KubeApiError(401, 'GET /api/v1/nodes answered 401'), /refused the token \(401 Unauthorized\)/],
    [new KubeApiError(403, 'forbidden'), /403 Forbidden.*kinsight-poller ClusterRole/],
    [new KubeApiError(503, 'unavailable'), /answered 503/],
    [Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }), /timed out/],
    [Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }), /unreachable \(ECONNREFUSED\)/],
  ])('explains %s in words an operator can act on', (error, expected) => {
    expect(describePollError(error)).toMatch(expected);
  });

  test('gives an API error of another status as the request, the status and the server\'s message', () => {
    expect(describePollError(new KubeApiError(404, 'GET /apis/discovery.k8s.io/v1/endpointslices answered 404: the server could not find the requested resource'))).toBe(
      'GET /apis/discovery.k8s.io/v1/endpointslices answered 404: the server could not find the requested resource',
    );
  });
});

describe('KubeApiError', () => {
  test('is a KinsightError named for its class, with the HTTP status as its code', () => {
    const error = new KubeApiError(403, 'GET /api/v1/pods answered 403: forbidden');
    expect(error).toBeInstanceOf(KinsightError);
    expect(error).toMatchObject({ name: 'KubeApiError', code: 403, message: 'GET /api/v1/pods answered 403: forbidden' });
  });
});

describe('createHandler', () => {
  const summary = { cluster: 'c', nodes: 1, pods: 2, records: 3, documentsWritten: 1, documentsDeleted: 0, documentsCut: 0, documentsRejected: 0, listRequests: 5, rebuiltState: false, warnings: [], durationMs: 7, phasesMs: { list: 4, build: 2, write: 1 }, partial: false, cutShort: [] };

  test('polls the cluster named by the event at the injected time and logs one line', async () => {
    const calls: Array<[string, number]> = [];
    const lines: string[] = [];
    const handler = createHandler({
      poll: async (cluster, nowMs) => {
        calls.push([cluster, nowMs]);
        return { ...summary, cluster };
      },
      logger: { info: (m) => lines.push(m), error: (m) => lines.push(m) },
      now: () => 1234,
      countFailure: () => undefined,
      countDocuments: (cluster) => lines.push(`documents of ${cluster} counted`),
    });
    await expect(handler({ cluster: 'blue' })).resolves.toMatchObject({ cluster: 'blue', documentsWritten: 1 });
    expect(calls).toEqual([['blue', 1234]]);
    // Nothing cut or refused: no document count.
    expect(lines).toEqual(['poll done']);
  });

  test('counts each successful poll of a cluster once, and a failed one as no success', async () => {
    const successes: string[] = [];
    const failures: string[] = [];
    let fail = false;
    const handler = createHandler({
      poll: async (cluster) => {
        if (fail) throw new Error('boom');
        return { ...summary, cluster };
      },
      logger: { info: () => undefined, error: () => undefined },
      now: () => 0,
      countFailure: (cluster) => failures.push(cluster),
      countSuccess: (cluster) => successes.push(cluster),
    });
    await handler({ cluster: 'blue' });
    fail = true;
    await expect(handler({ cluster: 'blue' })).rejects.toThrow(/poll of cluster "blue" failed/);
    expect(successes).toEqual(['blue']);
    expect(failures).toEqual(['blue']);
  });

  test('warns with the counts and the documents named when documents were cut to fit or refused, and counts them', async () => {
    const warns: Array<[string, Record<string, unknown> | undefined]> = [];
    const counted: Array<[string, number, number]> = [];
    const documentWarnings = [
      'node n1: document cut to fit the item limit (389000 bytes stored): labels of pod shop/noisy: 7000 of 8001 cut',
      'node n2: DynamoDB refused its document (Item size has exceeded the maximum allowed size); the other documents were written, and the next poll tries it again',
    ];
    const handler = createHandler({
      poll: async (cluster) => ({ ...summary, cluster, documentsCut: 1, documentsRejected: 1, warnings: ['pod shop/odd container main requests cpu: quantity "lots" is not a Kubernetes quantity', ...documentWarnings] }),
      logger: { info: () => undefined, warn: (m, extra) => warns.push([m, extra]), error: () => undefined },
      now: () => 0,
      countFailure: () => undefined,
      countDocuments: (cluster, cut, rejected) => counted.push([cluster, cut, rejected]),
    });
    await handler({ cluster: 'blue' });
    expect(counted).toEqual([['blue', 1, 1]]);
    expect(warns).toEqual([
      [
        'node documents cut to fit the item limit or refused by DynamoDB: the other documents were written',
        expect.objectContaining({ cluster: 'blue', documentsCut: 1, documentsRejected: 1, documents: documentWarnings }),
      ],
    ]);
  });

  test('writes a successful poll as the pipeline metric PollSuccesses of the cluster', () => {
    const doc = JSON.parse(toPollSuccessLine('blue', 1234));
    expect(doc).toEqual({
      Cluster: 'blue',
      PollSuccesses: 1,
      _aws: { Timestamp: 1234, CloudWatchMetrics: [{ Namespace: 'kinsight', Dimensions: [['Cluster']], Metrics: [{ Name: 'PollSuccesses', Unit: 'Count' }] }] },
    });
  });

  test('bounds the poll by the invocation\'s remaining time minus the margin', async () => {
    const calls: Array<PollOptions | undefined> = [];
    const handler = createHandler({
      poll: async (cluster, _nowMs, options) => {
        calls.push(options);
        return { ...summary, cluster };
      },
      logger: { info: () => undefined, error: () => undefined },
      now: () => 1_000_000,
      countFailure: () => undefined,
      deadlineMarginMs: 2500,
    });
    await handler({ cluster: 'blue' }, { getRemainingTimeInMillis: () => 59_000 });
    await handler({ cluster: 'blue' });
    expect(calls).toEqual([{ deadlineMs: 1_056_500 }, {}]);
  });

  test('warns and counts a poll the deadline cut short, naming the cluster and what was cut', async () => {
    const lines: Array<[string, string, Record<string, unknown> | undefined]> = [];
    const partials: Array<[string, readonly string[]]> = [];
    const handler = createHandler({
      poll: async (cluster) => ({ ...summary, cluster, partial: true, cutShort: ['pods', 'documents'] }),
      logger: { info: (m, e) => lines.push(['info', m, e]), warn: (m, e) => lines.push(['warn', m, e]), error: (m, e) => lines.push(['error', m, e]) },
      now: () => 0,
      countFailure: () => undefined,
      countPartial: (cluster, cutShort) => partials.push([cluster, cutShort]),
    });
    await expect(handler({ cluster: 'blue' }, { getRemainingTimeInMillis: () => 60_000 })).resolves.toMatchObject({ partial: true });
    expect(partials).toEqual([['blue', ['pods', 'documents']]]);
    expect(lines.map(([level, message]) => [level, message])).toEqual([
      ['info', 'poll done'],
      ['warn', 'poll cut short by the invocation deadline: it wrote what it had'],
    ]);
    expect(lines[1][2]).toMatchObject({ cluster: 'blue', cutShort: ['pods', 'documents'], remainingMs: 60_000 });
  });

  test('warns and counts a cluster whose node count needs more memory than the function has', async () => {
    const undersized: Array<[string, number, number]> = [];
    const warnings: Array<Record<string, unknown> | undefined> = [];
    const handlerWith = (memoryMb: number | undefined) =>
      createHandler({
        poll: async (cluster) => ({ ...summary, cluster, nodes: 3200 }),
        logger: { info: () => undefined, error: (_m, e) => warnings.push(e) },
        now: () => 0,
        countFailure: () => undefined,
        countUndersized: (cluster, nodes, neededMb) => undersized.push([cluster, nodes, neededMb]),
        ...(memoryMb === undefined ? {} : { memoryMb }),
      });
    await handlerWith(1024)({ cluster: 'big' });
    await handlerWith(1769)({ cluster: 'big' });
    await handlerWith(undefined)({ cluster: 'big' });
    expect(undersized).toEqual([['big', 3200, 1769]]);
    expect(warnings).toEqual([expect.objectContaining({ cluster: 'big', nodes: 3200, memoryMb: 1024, sizedForNodes: 2500, advice: expect.stringContaining('"nodes": 3200') })]);
  });

  test('rejects an event whose cluster is not a non-empty string', async () => {
    const handler = createHandler({ poll: async () => summary, logger: { info: () => undefined, error: () => undefined }, now: () => 0, countFailure: () => undefined });
    await expect(handler({ cluster: 42 })).rejects.toThrow(/poller event has no cluster name: \{"cluster":42\}/);
  });
});

describe('createEksConnector', () => {
  const eks = mockClient(EKSClient);
  afterEach(() => eks.reset());
  afterAll(() => eks.restore());
  const tokens = { getToken: async () => 'k8s-aws-v1.token' };

  test('caches DescribeCluster answers for an hour', async () => {
    eks.on(DescribeClusterCommand).resolves({ cluster: { endpoint: 'https://abc.eks.amazonaws.com', certificateAuthority: { data: Buffer.from('-----BEGIN CERTIFICATE-----').toString('base64') } } });
    const connect = createEksConnector({ eks: new EKSClient({ region: 'us-east-1' }), tokens, requestTimeoutMs: 1000 });
    await connect('c', 0);
    await connect('c', 3_599_999);
    expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(1);
    await connect('c', 3_600_000);
    expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(2);
  });

  test('fails with the cluster name when the cluster does not exist', async () => {
    eks.on(DescribeClusterCommand).rejects(new ResourceNotFoundException({ message: 'No cluster found for name: ghost.', $metadata: {} }));
    const connect = createEksConnector({ eks: new EKSClient({ region: 'us-east-1' }), tokens, requestTimeoutMs: 1000 });
    await expect(connect('ghost', 0)).rejects.toThrow(/EKS cluster "ghost" does not exist/);
  });

  test('fails when the cluster has no endpoint yet', async () => {
    eks.on(DescribeClusterCommand).resolves({ cluster: { status: 'CREATING' } });
    const connect = createEksConnector({ eks: new EKSClient({ region: 'us-east-1' }), tokens, requestTimeoutMs: 1000 });
    await expect(connect('new', 0)).rejects.toThrow(/no endpoint or certificate authority \(status CREATING\)/);
  });
});

describe('toMemoryAdvice', () => {
  test.each([
    [1000, 512, undefined],
    [1001, 512, { neededMb: 1024, capacityNodes: 1000 }],
    [2500, 1024, undefined],
    [5000, 1024, { neededMb: 1769, capacityNodes: 2500 }],
    [10_000, 1769, { neededMb: 3008, capacityNodes: 5000 }],
    [12_000, 3008, undefined],
  ])('%d nodes in %d MB: %j', (nodes, memoryMb, expected) => {
    expect(toMemoryAdvice(nodes, memoryMb)).toEqual(expected);
  });
});

describe('pipeline metric lines of the poller', () => {
  const published = (line: string) => {
    const doc = JSON.parse(line);
    return { directive: doc._aws.CloudWatchMetrics[0], doc };
  };

  test('PollPartial by cluster, with what was cut short logged beside it', () => {
    const { directive, doc } = published(toPollPartialLine('blue', ['pods', 'documents'], 5));
    expect(directive).toEqual({ Namespace: 'kinsight', Dimensions: [['Cluster']], Metrics: [{ Name: 'PollPartial', Unit: 'Count' }] });
    expect(doc).toMatchObject({ Cluster: 'blue', PollPartial: 1, cutShort: 'pods,documents' });
  });

  test('PollDocumentsCut and PollDocumentsRejected by cluster, in one line', () => {
    const { directive, doc } = published(toPollDocumentsLine('blue', 3, 0, 5));
    expect(directive).toEqual({ Namespace: 'kinsight', Dimensions: [['Cluster']], Metrics: [{ Name: 'PollDocumentsCut', Unit: 'Count' }, { Name: 'PollDocumentsRejected', Unit: 'Count' }] });
    expect(doc).toMatchObject({ Cluster: 'blue', PollDocumentsCut: 3, PollDocumentsRejected: 0 });
  });

  test('PollUndersized by cluster, with the node count and the memory it needs logged beside it', () => {
    const { directive, doc } = published(toPollUndersizedLine('big', 3200, 1769, 5));
    expect(directive).toEqual({ Namespace: 'kinsight', Dimensions: [['Cluster']], Metrics: [{ Name: 'PollUndersized', Unit: 'Count' }] });
    expect(doc).toMatchObject({ Cluster: 'big', PollUndersized: 1, nodes: '3200', neededMb: '1769' });
  });
});

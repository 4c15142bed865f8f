import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKinesisPort, type KinesisPort, type KinesisPortOptions } from '../../../../node-agent/ship/kinesis-port';
import { createProducer } from '../../../../node-agent/ship/producer';
import { createSigningClock } from '../../../../node-agent/ship/signing-clock';
import { signRequest, type SigV4Credentials } from '../../../../node-agent/ship/sigv4';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface PutRecordsBody {
  StreamName: string;
  Records: { Data: string; PartitionKey: string }[];
}

/** A local endpoint speaking the Kinesis JSON 1.1 protocol: `reply` decides each answer. */
async function startKinesis(reply: (body: PutRecordsBody, n: number) => { status: number; json: unknown }): Promise<{ endpoint: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const { status, json } = reply(JSON.parse(body) as PutRecordsBody, seen.length);
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const CREDENTIALS: SigV4Credentials = { accessKeyId: 'ASIALOCAL', secretAccessKey: 'local/secret', sessionToken: 'local-session' };
const DATE = new Date('2026-11-29T18:12:49Z');
const stored = (n: number) => ({ SequenceNumber: String(n), ShardId: 'shardId-000000000000' });

describe('createKinesisPort against a local Kinesis JSON endpoint', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });
  const portFor = (endpoint: string, overrides: Partial<KinesisPortOptions> = {}): KinesisPort => {
    const port = createKinesisPort({ streamName: 'records', region: 'eu-west-1', endpoint, credentials: async () => CREDENTIALS, now: () => DATE, ...overrides });
    cleanups.push(() => port.close());
    return port;
  };
  const kinesis = async (reply: Parameters<typeof startKinesis>[0]) => {
    const k = await startKinesis(reply);
    cleanups.push(k.close);
    return k;
  };

  it('sends a signed PutRecords (POST /, target header, JSON 1.1, base64 data) that verifies with the signer', async () => {
    const k = await kinesis((body) => ({ status: 200, json: { FailedRecordCount: 0, Records: body.Records.map((_r, i) => stored(i)) } }));
    const data = new Uint8Array([9, 8, 7, 0, 255, 1, 2]).subarray(3, 6);
    await expect(portFor(k.endpoint).putRecords([{ data, partitionKey: 'prod/ip-10-0-1-2' }])).resolves.toEqual([{}]);
    const [seen] = k.seen;
    expect(seen).toMatchObject({ method: 'POST', url: '/', headers: { 'x-amz-target': 'Kinesis_20131202.PutRecords', 'content-type': 'application/x-amz-json-1.1', 'x-amz-security-token': 'local-session' } });
    expect(JSON.parse(seen.body)).toEqual({ StreamName: 'records', Records: [{ Data: Buffer.from([0, 255, 1]).toString('base64'), PartitionKey: 'prod/ip-10-0-1-2' }] });
    // Verify as the service would: sign again what arrived, with the same secret, and compare.
    const signedNames = /SignedHeaders=([^,]+)/.exec(String(seen.headers.authorization))?.[1].split(';') ?? [];
    expect(signedNames).toEqual(['content-type', 'host', 'x-amz-date', 'x-amz-security-token', 'x-amz-target']);
    const received = Object.fromEntries(signedNames.filter((n) => n !== 'host' && n !== 'x-amz-date' && n !== 'x-amz-security-token').map((n) => [n, String(seen.headers[n])]));
    const expected = signRequest({ method: 'POST', host: String(seen.headers.host), path: seen.url, headers: received, body: seen.body }, { credentials: CREDENTIALS, region: 'eu-west-1', service: 'kinesis', date: DATE });
    expect(seen.headers['x-amz-date']).toBe('20261129T181249Z');
    expect(seen.headers.authorization).toBe(expected.authorization);
    expect(seen.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIALOCAL\/20261129\/eu-west-1\/kinesis\/aws4_request, /);
  });

  it('retries only the entries of a partial failure (FailedRecordCount > 0) through the producer', async () => {
    const k = await kinesis((body, n) =>
      n === 1
        ? { status: 200, json: { FailedRecordCount: 1, Records: [stored(1), { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' }, stored(2)] } }
        : { status: 200, json: { FailedRecordCount: 0, Records: body.Records.map((_r, i) => stored(3 + i)) } },
    );
    const producer = createProducer({ port: portFor(k.endpoint), random: () => 0, sleep: async () => undefined, now: () => 0 });
    for (const n of [1, 2, 3]) producer.enqueue({ data: Buffer.from([n]), partitionKey: 'c/n' });
    await expect(producer.flush()).resolves.toEqual({ sent: 3, remaining: 0 });
    const bodies = k.seen.map((s) => JSON.parse(s.body) as PutRecordsBody);
    expect(bodies.map((b) => b.Records.map((r) => Buffer.from(r.Data, 'base64')[0]))).toEqual([[1, 2, 3], [2]]);
    expect(bodies[1].StreamName).toBe('records');
    expect(producer.stats()).toMatchObject({ retries: 1, sent: 3 });
  });

  it('maps per-entry errors in request order and reports a missing result entry as a failure of that entry', async () => {
    const k = await kinesis(() => ({ status: 200, json: { FailedRecordCount: 1, Records: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' }] } }));
    await expect(portFor(k.endpoint).putRecords([{ data: Buffer.from([1]), partitionKey: 'k' }, { data: Buffer.from([2]), partitionKey: 'k' }])).resolves.toEqual([
      { errorCode: 'InternalFailure', errorMessage: 'Internal service failure.' },
      { errorCode: 'MissingResult', errorMessage: 'PutRecords returned 1 results for 2 entries' },
    ]);
  });

  it('fails with the error type and message of a 400 answer', async () => {
    const k = await kinesis(() => ({ status: 400, json: { __type: 'ResourceNotFoundException', message: 'Stream records under account 000000000000 not found.' } }));
    await expect(portFor(k.endpoint).putRecords([{ data: Buffer.from([1]), partitionKey: 'k' }])).rejects.toThrow(
      'PutRecords to stream records failed: HTTP 400 ResourceNotFoundException: Stream records under account 000000000000 not found.',
    );
  });

  it('fails with the short error type of a namespaced __type and a capitalised Message', async () => {
    const k = await kinesis(() => ({ status: 403, json: { __type: 'com.amazon.coral.service#ExpiredTokenException', Message: 'The security token included in the request is expired' } }));
    await expect(portFor(k.endpoint).putRecords([{ data: Buffer.from([1]), partitionKey: 'k' }])).rejects.toThrow(/HTTP 403 ExpiredTokenException: The security token included in the request is expired$/);
  });

  it('fails the call when credentials cannot be had, without sending anything', async () => {
    const k = await kinesis(() => ({ status: 200, json: { Records: [] } }));
    const port = portFor(k.endpoint, { credentials: async () => Promise.reject(new Error('STS AssumeRoleWithWebIdentity failed: HTTP 400 InvalidIdentityToken')) });
    await expect(port.putRecords([{ data: Buffer.from([1]), partitionKey: 'k' }])).rejects.toThrow(/InvalidIdentityToken/);
    expect(k.seen).toEqual([]);
  });

  it('signs again at once with the service time when Kinesis refuses a clock 9 minutes slow ("Signature expired")', async () => {
    // Kinesis' own answer to a request dated outside its 5-minute window, with its Date header.
    const serviceMs = DATE.getTime() + 9 * 60_000;
    const toAmz = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const seen: string[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const amzDate = String(req.headers['x-amz-date']);
        seen.push(amzDate);
        const signedMs = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
        const headers = { 'content-type': 'application/x-amz-json-1.1', date: new Date(serviceMs).toUTCString() };
        if (Math.abs(signedMs - serviceMs) > 5 * 60_000) {
          res.writeHead(400, headers).end(JSON.stringify({ __type: 'InvalidSignatureException', message: `Signature expired: ${amzDate} is now earlier than ${toAmz(serviceMs - 5 * 60_000)} (${toAmz(serviceMs)} - 5 min.)` }));
        } else {
          res.writeHead(200, headers).end(JSON.stringify({ FailedRecordCount: 0, Records: [stored(1)] }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
    const clock = createSigningClock(() => DATE.getTime());
    const retries: unknown[] = [];
    const port = portFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { clock, onRetry: (e) => retries.push(e) });
    await expect(port.putRecords([{ data: Buffer.from([1]), partitionKey: 'k' }])).resolves.toEqual([{}]);
    expect(seen).toEqual(['20261129T181249Z', '20261129T182149Z']);
    expect(clock.offsetMs()).toBe(9 * 60_000);
    expect(retries).toEqual([{ reason: 'clock-skew', service: 'kinesis', offsetMs: 9 * 60_000 }]);
  });

  it('asks for fresh credentials once on ExpiredTokenException and sends again', async () => {
    const k = await kinesis((_body, n) =>
      n === 1 ? { status: 400, json: { __type: 'ExpiredTokenException', message: 'The security token included in the request is expired' } } : { status: 200, json: { FailedRecordCount: 0, Records: [stored(1)] } },
    );
    const port = portFor(k.endpoint, { refreshCredentials: async () => ({ ...CREDENTIALS, sessionToken: 'fresh-session' }) });
    await expect(port.putRecords([{ data: Buffer.from([1]), partitionKey: 'k' }])).resolves.toEqual([{}]);
    expect(k.seen.map((s) => s.headers['x-amz-security-token'])).toEqual(['local-session', 'fresh-session']);
  });

  it('fails the call within the request timeout when the endpoint does not answer', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
    const port = portFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { requestTimeoutMs: 100 });
    await expect(port.putRecords([{ data: Buffer.from([1]), partitionKey: 'k' }])).rejects.toThrow(/POST http:\/\/127.0.0.1:\d+\/ timed out after 100 ms/);
  });
});

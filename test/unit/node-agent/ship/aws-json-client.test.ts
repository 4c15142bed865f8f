import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAwsJsonClient, type AwsJsonClient, type AwsJsonClientOptions } from '../../../../node-agent/ship/aws-json-client';
import { createSigningClock } from '../../../../node-agent/ship/signing-clock';
import type { SigV4Credentials } from '../../../../node-agent/ship/sigv4';
import { startSecretsManagerServer, type LocalSecretsManager } from '../../../../sim/aws/secrets-manager-server';

const SERVICE_TIME = Date.parse('2026-11-29T18:00:00Z');
const MINUTE = 60_000;
const KEYS: SigV4Credentials = { accessKeyId: 'AKIDAGENT', secretAccessKey: 'agent/secret+key' };
const GET = 'secretsmanager.GetSecretValue';
const body = JSON.stringify({ SecretId: 'kinsight/prod', VersionStage: 'AWSCURRENT' });

describe('createSigningClock', () => {
  it('keeps the local time until a service is 5 minutes or more away, then signs with the service time', () => {
    let local = SERVICE_TIME - 7 * MINUTE;
    const clock = createSigningClock(() => local);
    expect(clock.update(new Date(SERVICE_TIME - 3 * MINUTE).toUTCString())).toBe(false);
    expect(clock.offsetMs()).toBe(0);
    expect(clock.update(undefined)).toBe(false);
    expect(clock.update('not a date')).toBe(false);
    expect(clock.update(new Date(SERVICE_TIME).toUTCString())).toBe(true);
    expect(clock.offsetMs()).toBe(7 * MINUTE);
    local += 1000;
    expect(clock.date().toISOString()).toBe('2026-11-29T18:00:01.000Z');
    // Once corrected, the same service time is no skew any more.
    expect(clock.update(new Date(SERVICE_TIME + 1000).toUTCString())).toBe(false);
  });
});

describe('createAwsJsonClient against a service that enforces a 5-minute window on X-Amz-Date', () => {
  let sm: LocalSecretsManager;
  const clients: AwsJsonClient[] = [];
  beforeAll(async () => {
    sm = await startSecretsManagerServer({ now: () => SERVICE_TIME, principals: [KEYS, ...[1, 2, 3].map((n) => ({ accessKeyId: `ASIATEMP${n}`, secretAccessKey: `temp${n}`, sessionToken: `token-${n}` }))] });
    sm.createSecret('kinsight/prod', JSON.stringify({ key: 'k'.repeat(64) }));
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await sm.close();
  });
  const clientAt = (localMs: number, overrides: Partial<AwsJsonClientOptions> = {}) => {
    const retries: unknown[] = [];
    const clock = createSigningClock(() => localMs);
    const client = createAwsJsonClient({ service: 'secretsmanager', region: 'us-east-1', endpoint: sm.endpoint, credentials: async () => KEYS, clock, onRetry: (e) => retries.push(e), ...overrides });
    clients.push(client);
    return { client, clock, retries };
  };
  const answersSince = (from: number) => sm.requests.slice(from).map((r) => r.error ?? r.status);

  it('corrects a clock 7 minutes slow from the Date of the "Signature expired" answer and signs again at once', async () => {
    const from = sm.requests.length;
    const { client, clock, retries } = clientAt(SERVICE_TIME - 7 * MINUTE);
    await expect(client.call(GET, body, 'GetSecretValue')).resolves.toContain('"SecretString"');
    expect(answersSince(from)).toEqual(['InvalidSignatureException', 200]);
    expect(clock.offsetMs()).toBe(7 * MINUTE);
    expect(retries).toEqual([{ reason: 'clock-skew', service: 'secretsmanager', offsetMs: 7 * MINUTE }]);
    // The next call is signed with the corrected time straight away.
    await client.call(GET, body, 'GetSecretValue');
    expect(answersSince(from)).toEqual(['InvalidSignatureException', 200, 200]);
  });

  it('corrects a clock 10 minutes fast ("Signature not yet current")', async () => {
    const from = sm.requests.length;
    const { client, clock } = clientAt(SERVICE_TIME + 10 * MINUTE);
    await expect(client.call(GET, body, 'GetSecretValue')).resolves.toContain('"VersionId"');
    expect(answersSince(from)).toEqual(['InvalidSignatureException', 200]);
    expect(clock.offsetMs()).toBe(-10 * MINUTE);
  });

  it('sends within the window unchanged: a clock 4 minutes off is accepted and kept', async () => {
    const from = sm.requests.length;
    const { client, clock, retries } = clientAt(SERVICE_TIME - 4 * MINUTE);
    await client.call(GET, body, 'GetSecretValue');
    expect(answersSince(from)).toEqual([200]);
    expect(clock.offsetMs()).toBe(0);
    expect(retries).toEqual([]);
  });

  it('fails a signature that does not verify at once, without a retry, when the clock is right', async () => {
    const from = sm.requests.length;
    const { client } = clientAt(SERVICE_TIME, { credentials: async () => ({ ...KEYS, secretAccessKey: 'wrong' }) });
    await expect(client.call(GET, body, 'GetSecretValue of kinsight/prod')).rejects.toThrow(
      /^GetSecretValue of kinsight\/prod failed: HTTP 400 InvalidSignatureException: The request signature we calculated does not match/,
    );
    expect(answersSince(from)).toEqual(['InvalidSignatureException']);
  });

  const session = (n: number): SigV4Credentials => ({ accessKeyId: `ASIATEMP${n}`, secretAccessKey: `temp${n}`, sessionToken: `token-${n}` });

  it('asks for fresh credentials once when the session token expired, and signs again with them', async () => {
    sm.expireSessionToken('token-1');
    const from = sm.requests.length;
    let fresh = 0;
    const { client, retries } = clientAt(SERVICE_TIME, {
      credentials: async () => session(1),
      refreshCredentials: async () => {
        fresh += 1;
        return session(2);
      },
    });
    await expect(client.call(GET, body, 'GetSecretValue')).resolves.toContain('"SecretString"');
    expect(fresh).toBe(1);
    expect(sm.requests.slice(from).map((r) => [r.accessKeyId, r.error ?? r.status])).toEqual([['ASIATEMP1', 'ExpiredTokenException'], ['ASIATEMP2', 200]]);
    expect(retries).toEqual([{ reason: 'expired-token', service: 'secretsmanager', offsetMs: 0 }]);
  });

  it('fails when the fresh credentials are expired too, after one refresh', async () => {
    sm.expireSessionToken('token-3');
    const from = sm.requests.length;
    let fresh = 0;
    const { client } = clientAt(SERVICE_TIME, {
      credentials: async () => session(3),
      refreshCredentials: async () => {
        fresh += 1;
        return session(3);
      },
    });
    await expect(client.call(GET, body, 'GetSecretValue')).rejects.toThrow(/HTTP 400 ExpiredTokenException: The security token included in the request is expired$/);
    expect(fresh).toBe(1);
    expect(answersSince(from)).toEqual(['ExpiredTokenException', 'ExpiredTokenException']);
  });
});

describe('createAwsJsonClient against other answers', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.closeAllConnections(), s.close(() => resolve())))));
  });
  const serve = async (handler: Parameters<typeof createServer>[1]): Promise<string> => {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const client = (endpoint: string) => createAwsJsonClient({ service: 'kinesis', region: 'us-east-1', endpoint, credentials: async () => KEYS, clock: createSigningClock() });

  it('describes an answer that is not an AWS error by its size and type, never by its content', async () => {
    const endpoint = await serve((_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html>secret-looking gateway page</html>'));
    const c = client(endpoint);
    await expect(c.call('Kinesis_20131202.PutRecords', '{}', 'PutRecords')).rejects.toThrow(
      'PutRecords failed: HTTP 502 UnknownError: an answer that is not an AWS error (40 bytes, content-type text/html)',
    );
    c.close();
  });

  it('aborts a request in flight when its signal aborts', async () => {
    let received = 0;
    const endpoint = await serve(() => void (received += 1));
    const c = client(endpoint);
    const controller = new AbortController();
    const call = c.call('Kinesis_20131202.PutRecords', '{}', 'PutRecords', controller.signal);
    await new Promise<void>((resolve) => {
      const poll = () => (received > 0 ? resolve() : setImmediate(poll));
      poll();
    });
    controller.abort(new Error('shutdown budget of 25000 ms spent'));
    await expect(call).rejects.toThrow(/POST http:\/\/127\.0\.0\.1:\d+\/ aborted \(shutdown budget of 25000 ms spent\)/);
    await expect(c.call('Kinesis_20131202.PutRecords', '{}', 'PutRecords', controller.signal)).rejects.toThrow(/aborted before it was sent/);
    c.close();
  });
});

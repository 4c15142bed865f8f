import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../../core/errors';
import { createCredentialProvider, NO_CREDENTIALS_MESSAGE, type CredentialProviderOptions } from '../../../../node-agent/ship/credentials';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local credentials endpoint (Pod Identity agent or STS): answers with `reply`, records each request. */
async function startEndpoint(reply: (seen: Seen, n: number) => { status: number; body: string; contentType?: string }): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(request);
      const { status, body, contentType } = reply(request, seen.length);
      res.writeHead(status, contentType ? { 'content-type': contentType } : {}).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const T0 = Date.parse('2026-11-29T18:00:00Z');
const HOUR = 3_600_000;
const podIdentityBody = (n: number, expiresAtMs: number) =>
  JSON.stringify({ AccessKeyId: `ASIAPOD${n}`, SecretAccessKey: `secret${n}`, Token: `token${n}`, AccountId: '123456789012', Expiration: new Date(expiresAtMs).toISOString() });
const stsBody = (n: number, expiresAtMs: number) => `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:kinsight:agent</SubjectFromWebIdentityToken>
    <Credentials>
      <AccessKeyId>ASIASTS${n}</AccessKeyId>
      <SecretAccessKey>s3cr&amp;t/${n}</SecretAccessKey>
      <SessionToken>FwoGZXIvYXdz${n}+/=</SessionToken>
      <Expiration>${new Date(expiresAtMs).toISOString().replace('.000', '')}</Expiration>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>`;

describe('createCredentialProvider', () => {
  let dir: string;
  const endpoints: { close: () => Promise<void> }[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kinsight-credentials-'));
  });
  afterAll(async () => {
    await Promise.all(endpoints.map((e) => e.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  const endpoint = async (reply: Parameters<typeof startEndpoint>[0]) => {
    const e = await startEndpoint(reply);
    endpoints.push(e);
    return e;
  };
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const options = (env: NodeJS.ProcessEnv, clock: { ms: number } = { ms: T0 }): CredentialProviderOptions => ({ env, region: 'eu-west-1', node: 'ip-10-0-1-2.eu-west-1.compute.internal', now: () => clock.ms });

  it('takes keys and session token from the environment first, even when other sources are configured', async () => {
    const provider = createCredentialProvider(
      options({ AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: 'envsecret', AWS_SESSION_TOKEN: 'envtoken', AWS_WEB_IDENTITY_TOKEN_FILE: '/nowhere', AWS_ROLE_ARN: 'arn:aws:iam::1:role/r' }),
    );
    expect(provider.source).toBe('environment');
    await expect(provider.get()).resolves.toEqual({ accessKeyId: 'AKIAENV', secretAccessKey: 'envsecret', sessionToken: 'envtoken' });
  });

  it('gets Pod Identity credentials with the token of the file, refreshes them 5 minutes before expiry and re-reads the token file', async () => {
    const pod = await endpoint((_seen, n) => ({ status: 200, body: podIdentityBody(n, T0 + n * HOUR) }));
    const tokenFile = file('pod-token', 'eyJ-first\n');
    const clock = { ms: T0 };
    const provider = createCredentialProvider(options({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${pod.url}/v1/credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile }, clock));
    expect(provider.source).toBe('pod-identity');
    await expect(provider.get()).resolves.toEqual({ accessKeyId: 'ASIAPOD1', secretAccessKey: 'secret1', sessionToken: 'token1', expiresAtMs: T0 + HOUR });
    clock.ms = T0 + HOUR - 5 * 60_000 - 1;
    await expect(provider.get()).resolves.toMatchObject({ accessKeyId: 'ASIAPOD1' });
    expect(pod.seen).toHaveLength(1);
    writeFileSync(tokenFile, 'eyJ-rotated');
    clock.ms = T0 + HOUR - 5 * 60_000;
    await expect(provider.get()).resolves.toMatchObject({ accessKeyId: 'ASIAPOD2', expiresAtMs: T0 + 2 * HOUR });
    expect(pod.seen.map((s) => [s.method, s.url, s.headers.authorization])).toEqual([
      ['GET', '/v1/credentials', 'eyJ-first'],
      ['GET', '/v1/credentials', 'eyJ-rotated'],
    ]);
  });

  it('sends AWS_CONTAINER_AUTHORIZATION_TOKEN when there is no token file, and concurrent callers share one request', async () => {
    const pod = await endpoint((_seen, n) => ({ status: 200, body: podIdentityBody(n, T0 + HOUR) }));
    const provider = createCredentialProvider(options({ AWS_CONTAINER_CREDENTIALS_FULL_URI: pod.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'Basic abc' }));
    const all = await Promise.all([provider.get(), provider.get(), provider.get()]);
    expect(all.map((c) => c.accessKeyId)).toEqual(['ASIAPOD1', 'ASIAPOD1', 'ASIAPOD1']);
    expect(pod.seen.map((s) => s.headers.authorization)).toEqual(['Basic abc']);
  });

  it('assumes the IRSA role with the projected token at the STS endpoint (form POST, default session name) and parses the XML credentials', async () => {
    const sts = await endpoint((_seen, n) => ({ status: 200, body: stsBody(n, T0 + HOUR) }));
    const tokenFile = file('irsa-token', 'eyJhbGciOiJSUzI1NiJ9.irsa\n');
    const clock = { ms: T0 };
    const provider = createCredentialProvider(
      options({ AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/kinsight-agent', AWS_ENDPOINT_URL_STS: sts.url, AWS_ACCESS_KEY_ID: 'only-the-key' }, clock),
    );
    expect(provider.source).toBe('web-identity');
    await expect(provider.get()).resolves.toEqual({ accessKeyId: 'ASIASTS1', secretAccessKey: 's3cr&t/1', sessionToken: 'FwoGZXIvYXdz1+/=', expiresAtMs: T0 + HOUR });
    expect(sts.seen[0]).toMatchObject({ method: 'POST', url: '/', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } });
    expect(sts.seen[0].headers.authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(sts.seen[0].body))).toEqual({
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      RoleArn: 'arn:aws:iam::123456789012:role/kinsight-agent',
      RoleSessionName: 'kinsight-agent-ip-10-0-1-2.eu-west-1.compute.internal',
      WebIdentityToken: 'eyJhbGciOiJSUzI1NiJ9.irsa',
    });
    clock.ms = T0 + HOUR - 60_000;
    await expect(provider.get()).resolves.toMatchObject({ accessKeyId: 'ASIASTS2' });
    expect(sts.seen).toHaveLength(2);
  });

  it('uses AWS_ROLE_SESSION_NAME when set', async () => {
    const sts = await endpoint((_seen, n) => ({ status: 200, body: stsBody(n, T0 + HOUR) }));
    const provider = createCredentialProvider(
      options({ AWS_WEB_IDENTITY_TOKEN_FILE: file('irsa-token-2', 't'), AWS_ROLE_ARN: 'arn:aws:iam::1:role/r', AWS_ROLE_SESSION_NAME: 'my-session', AWS_ENDPOINT_URL_STS: sts.url }),
    );
    await provider.get();
    expect(new URLSearchParams(sts.seen[0].body).get('RoleSessionName')).toBe('my-session');
  });

  it('keeps using the cached credentials while an early refresh fails, until they expire', async () => {
    const pod = await endpoint((_seen, n) => (n === 1 ? { status: 200, body: podIdentityBody(n, T0 + HOUR) } : n <= 3 ? { status: 503, body: 'agent restarting' } : { status: 200, body: podIdentityBody(n, T0 + 2 * HOUR) }));
    const clock = { ms: T0 };
    const provider = createCredentialProvider(options({ AWS_CONTAINER_CREDENTIALS_FULL_URI: pod.url }, clock));
    await expect(provider.get()).resolves.toMatchObject({ accessKeyId: 'ASIAPOD1' });
    clock.ms = T0 + HOUR - 60_000;
    await expect(provider.get()).resolves.toMatchObject({ accessKeyId: 'ASIAPOD1' });
    expect(pod.seen).toHaveLength(2);
    clock.ms = T0 + HOUR;
    await expect(provider.get()).rejects.toThrow(/failed: HTTP 503, 16 bytes, content-type none$/);
    await expect(provider.get()).resolves.toMatchObject({ accessKeyId: 'ASIAPOD4', expiresAtMs: T0 + 2 * HOUR });
  });

  it('fails with the STS error code, status, size and content type, and tries again on the next call', async () => {
    const sts = await endpoint((_seen, n) =>
      n === 1
        ? { status: 400, body: '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Token &quot;expired&quot;</Message></Error></ErrorResponse>', contentType: 'text/xml' }
        : { status: 200, body: stsBody(n, T0 + HOUR) },
    );
    const provider = createCredentialProvider(options({ AWS_WEB_IDENTITY_TOKEN_FILE: file('irsa-token-3', 't'), AWS_ROLE_ARN: 'arn:aws:iam::1:role/r', AWS_ENDPOINT_URL_STS: sts.url }));
    await expect(provider.get()).rejects.toThrow(/AssumeRoleWithWebIdentity .* failed: InvalidIdentityToken \(HTTP 400, 142 bytes, content-type text\/xml\)$/);
    await expect(provider.get()).resolves.toMatchObject({ accessKeyId: 'ASIASTS2' });
  });

  it('fails with the status, size and content type of a Pod Identity error, and when the endpoint is unreachable', async () => {
    const pod = await endpoint(() => ({ status: 500, body: 'agent not ready', contentType: 'text/plain' }));
    await expect(createCredentialProvider(options({ AWS_CONTAINER_CREDENTIALS_FULL_URI: pod.url })).get()).rejects.toThrow(/container credentials endpoint .* failed: HTTP 500, 15 bytes, content-type text\/plain$/);
    const gone = await startEndpoint(() => ({ status: 200, body: '' }));
    await gone.close();
    await expect(createCredentialProvider(options({ AWS_CONTAINER_CREDENTIALS_FULL_URI: gone.url })).get()).rejects.toThrow(/container credentials endpoint .* failed: .*ECONNREFUSED/);
  });

  it.each([
    ['cut short', (body: string) => body.slice(0, body.indexOf('secret1') + 5)],
    ['without a session token and with a bad Expiration', () => JSON.stringify({ SecretAccessKey: 'secret1', Expiration: 'secret1-not-a-date' })],
    ['with a bad Expiration', () => JSON.stringify({ AccessKeyId: 'ASIAPOD1', SecretAccessKey: 'secret1', Expiration: 'secret1-not-a-date' })],
  ])('fails without quoting a byte of a Pod Identity answer %s', async (_name, mangle) => {
    const body = mangle(podIdentityBody(1, T0 + HOUR));
    const pod = await endpoint(() => ({ status: 200, body, contentType: 'application/json' }));
    const failure = await createCredentialProvider(options({ AWS_CONTAINER_CREDENTIALS_FULL_URI: pod.url })).get().then(
      () => new Error('resolved'),
      (error: Error) => error,
    );
    expect(failure.message).toMatch(/container credentials endpoint .* (returned|failed)/);
    expect(failure.message).not.toMatch(/secre|ASIAPOD|token1/);
    expect(JSON.stringify(failure)).not.toMatch(/secre/);
  });

  it('fails without quoting an STS answer that lacks the credentials', async () => {
    const sts = await endpoint(() => ({ status: 200, body: stsBody(1, T0 + HOUR).replace(/<SessionToken>.*<\/SessionToken>/, ''), contentType: 'text/xml' }));
    const provider = createCredentialProvider(options({ AWS_WEB_IDENTITY_TOKEN_FILE: file('irsa-token-4', 't'), AWS_ROLE_ARN: 'arn:aws:iam::1:role/r', AWS_ENDPOINT_URL_STS: sts.url }));
    await expect(provider.get()).rejects.toThrow(/returned no complete Credentials \(HTTP 200, \d+ bytes, content-type text\/xml\)$/);
  });

  it('asks the source again on refresh whatever the cache holds, one request for concurrent callers', async () => {
    const pod = await endpoint((_seen, n) => ({ status: 200, body: podIdentityBody(n, T0 + HOUR) }));
    const provider = createCredentialProvider(options({ AWS_CONTAINER_CREDENTIALS_FULL_URI: pod.url }));
    await expect(provider.get()).resolves.toMatchObject({ accessKeyId: 'ASIAPOD1' });
    const refreshed = await Promise.all([provider.refresh(), provider.refresh()]);
    expect(refreshed.map((c) => c.accessKeyId)).toEqual(['ASIAPOD2', 'ASIAPOD2']);
    await expect(provider.get()).resolves.toMatchObject({ accessKeyId: 'ASIAPOD2' });
    expect(pod.seen).toHaveLength(2);
  });

  it('fails naming the token file when it cannot be read', async () => {
    const provider = createCredentialProvider(options({ AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'missing'), AWS_ROLE_ARN: 'arn:aws:iam::1:role/r', AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9' }));
    await expect(provider.get()).rejects.toThrow(/cannot read the web identity token file .*missing \(ENOENT\)/);
  });

  it('fails naming every variable looked at when no source is configured', async () => {
    const provider = createCredentialProvider(options({ AWS_ACCESS_KEY_ID: 'key-without-secret', AWS_EC2_METADATA_DISABLED: 'true' }));
    expect(provider.source).toBeUndefined();
    await expect(provider.get()).rejects.toThrow(ConfigError);
    await expect(provider.get()).rejects.toThrow(NO_CREDENTIALS_MESSAGE);
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE']) {
      expect(NO_CREDENTIALS_MESSAGE).toContain(name);
    }
  });

  it('rejects a web identity token file without AWS_ROLE_ARN', () => {
    expect(() => createCredentialProvider(options({ AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/token' }))).toThrow(/AWS_WEB_IDENTITY_TOKEN_FILE is set .* but AWS_ROLE_ARN is not/);
  });

  it('rejects a plain http credentials URI outside loopback and the Pod Identity agent', () => {
    expect(() => createCredentialProvider(options({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://10.0.0.1/creds' }))).toThrow(/AWS_CONTAINER_CREDENTIALS_FULL_URI "http:\/\/10.0.0.1\/creds" is not an https URL/);
    expect(createCredentialProvider(options({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials' })).source).toBe('pod-identity');
  });
});

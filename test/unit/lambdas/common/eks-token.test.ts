import { createEksToken, createEksTokenSource, EKS_TOKEN_PREFIX, EKS_TOKEN_REUSE_MS } from '../../../../lambdas/common/eks-token';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session-token' };
const NOW = Date.UTC(2026, 10, 24, 16, 0, 0);

const decode = (token: string): URL => {
  expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
  const body = token.slice(EKS_TOKEN_PREFIX.length);
  expect(body).toMatch(/^[A-Za-z0-9_-]+$/);
  return new URL(Buffer.from(body, 'base64url').toString('utf8'));
};

describe('createEksToken', () => {
  test('presigns STS GetCallerIdentity on the regional endpoint with the cluster header signed and a 60 s expiry', async () => {
    const url = decode(await createEksToken('prod-1', { region: 'eu-west-1', credentials, nowMs: NOW }));
    expect(url.protocol).toBe('https:');
    expect(url.hostname).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    const q = url.searchParams;
    expect(q.get('Action')).toBe('GetCallerIdentity');
    expect(q.get('Version')).toBe('2011-06-15');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Expires')).toBe('60');
    expect(q.get('X-Amz-Date')).toBe('20261124T160000Z');
    expect(q.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(q.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20261124/eu-west-1/sts/aws4_request');
    expect(q.get('X-Amz-Security-Token')).toBe('session-token');
    expect(q.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  test('binds the signature to the cluster name', async () => {
    const a = decode(await createEksToken('prod-1', { region: 'eu-west-1', credentials, nowMs: NOW }));
    const b = decode(await createEksToken('prod-2', { region: 'eu-west-1', credentials, nowMs: NOW }));
    expect(a.searchParams.get('X-Amz-Signature')).not.toBe(b.searchParams.get('X-Amz-Signature'));
  });

  test('stays under the 4096-byte token limit EKS enforces', async () => {
    expect((await createEksToken('a-cluster-with-a-long-name', { region: 'ap-southeast-2', credentials, nowMs: NOW })).length).toBeLessThan(4096);
  });

  test('accepts a credential provider function', async () => {
    const url = decode(await createEksToken('c', { region: 'us-east-1', credentials: async () => ({ accessKeyId: 'AKIDPROVIDED', secretAccessKey: 's' }), nowMs: NOW }));
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDPROVIDED\//);
  });
});

describe('createEksTokenSource', () => {
  test('reuses a token until the reuse period ends, then signs a new one at the new time', async () => {
    const source = createEksTokenSource({ region: 'us-east-1', credentials });
    const first = await source.getToken('c1', NOW);
    expect(await source.getToken('c1', NOW + EKS_TOKEN_REUSE_MS - 1)).toBe(first);
    const renewed = await source.getToken('c1', NOW + EKS_TOKEN_REUSE_MS);
    expect(renewed).not.toBe(first);
    expect(decode(renewed).searchParams.get('X-Amz-Date')).toBe('20261124T161300Z');
    expect(EKS_TOKEN_REUSE_MS).toBeLessThan(14 * 60 * 1000);
  });

  test('keeps one token per cluster', async () => {
    const source = createEksTokenSource({ region: 'us-east-1', credentials });
    expect(await source.getToken('c1', NOW)).not.toBe(await source.getToken('c2', NOW));
  });

  test('forgets the token of the least recently polled cluster beyond maxClusters', async () => {
    const source = createEksTokenSource({ region: 'us-east-1', credentials, maxClusters: 1 });
    const first = await source.getToken('c1', NOW);
    await source.getToken('c2', NOW);
    const again = await source.getToken('c1', NOW + 1000);
    expect(again).not.toBe(first);
    expect(decode(again).searchParams.get('X-Amz-Date')).toBe('20261124T160001Z');
  });
});


import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { startSecretsManagerServer, type LocalSecretsManager } from '../../../../sim/aws/secrets-manager-server';

const NOW = Date.parse('2026-11-29T18:00:00Z');
const AGENT_A = { accessKeyId: 'AKIDCLUSTERA', secretAccessKey: 'secret-a', secrets: ['kinsight/cluster-a'] };
const ADMIN = { accessKeyId: 'AKIDADMIN', secretAccessKey: 'admin' };
const AGENT_B = { accessKeyId: 'ASIACLUSTERB', secretAccessKey: 'secret-b', sessionToken: 'token-b', secrets: ['kinsight/cluster-b'] };

interface Answer {
  status: number;
  date: string | null;
  json: Record<string, unknown>;
}

/** A GetSecretValue request signed by the AWS SDK's signer (not the agent's), as any SDK client sends it. */
async function call(endpoint: string, input: unknown, options: { credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }; date?: number; target?: string; unsigned?: boolean; body?: string } = {}): Promise<Answer> {
  const url = new URL(endpoint);
  const body = options.body ?? JSON.stringify(input);
  const headers: Record<string, string> = { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': options.target ?? 'secretsmanager.GetSecretValue' };
  const signer = new SignatureV4({ credentials: options.credentials ?? AGENT_A, region: 'us-east-1', service: 'secretsmanager', sha256: Sha256, applyChecksum: false });
  const signed = options.unsigned ? { headers } : await signer.sign({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: {}, headers, body }, { signingDate: new Date(options.date ?? NOW) });
  const res = await fetch(endpoint, { method: 'POST', headers: signed.headers, body });
  return { status: res.status, date: res.headers.get('date'), json: (await res.json()) as Record<string, unknown> };
}

describe('the local Secrets Manager', () => {
  let sm: LocalSecretsManager;
  let arnA: string;
  let v1: string;
  beforeAll(async () => {
    sm = await startSecretsManagerServer({ now: () => NOW, principals: [AGENT_A, AGENT_B, ADMIN] });
    ({ arn: arnA, versionId: v1 } = sm.createSecret('kinsight/cluster-a', '{"key":"a1"}'));
    sm.createSecret('kinsight/cluster-b', '{"key":"b1"}');
  });
  afterAll(async () => {
    await sm.close();
  });

  it('answers GetSecretValue by name or ARN with the AWSCURRENT version, JSON 1.1 and its clock in Date', async () => {
    const byName = await call(sm.endpoint, { SecretId: 'kinsight/cluster-a' });
    expect(byName).toEqual({
      status: 200,
      date: 'Sun, 29 Nov 2026 18:00:00 GMT',
      json: { ARN: arnA, Name: 'kinsight/cluster-a', VersionId: v1, SecretString: '{"key":"a1"}', VersionStages: ['AWSCURRENT'], CreatedDate: NOW / 1000 },
    });
    expect(arnA).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:kinsight\/cluster-a-[A-Za-z0-9]{6}$/);
    expect((await call(sm.endpoint, { SecretId: arnA })).json.VersionId).toBe(v1);
  });

  it('rotates: the new version takes AWSCURRENT, the old one keeps AWSPREVIOUS, the one before loses its labels', async () => {
    const v2 = sm.rotate('kinsight/cluster-a', '{"key":"a2"}');
    const v3 = sm.rotate('kinsight/cluster-a', '{"key":"a3"}');
    expect((await call(sm.endpoint, { SecretId: 'kinsight/cluster-a' })).json).toMatchObject({ VersionId: v3, SecretString: '{"key":"a3"}', VersionStages: ['AWSCURRENT'] });
    expect((await call(sm.endpoint, { SecretId: 'kinsight/cluster-a', VersionStage: 'AWSPREVIOUS' })).json).toMatchObject({ VersionId: v2, VersionStages: ['AWSPREVIOUS'] });
    expect((await call(sm.endpoint, { SecretId: 'kinsight/cluster-a', VersionId: v1 })).json).toMatchObject({ VersionId: v1, VersionStages: [] });
    expect((await call(sm.endpoint, { SecretId: 'kinsight/cluster-a', VersionId: v2, VersionStage: 'AWSCURRENT' })).json).toEqual({
      __type: 'InvalidRequestException',
      Message: 'You provided a VersionStage that is not associated to the provided VersionId.',
    });
  });

  it.each([
    ['an unknown secret', { SecretId: 'kinsight/nowhere' }, { credentials: ADMIN }, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret."],
    ['an unknown secret to a principal without access', { SecretId: 'kinsight/nowhere' }, {}, 'AccessDeniedException', /on resource: kinsight\/nowhere because/],
    ['an unknown stage', { SecretId: 'kinsight/cluster-a', VersionStage: 'AWSPENDING' }, {}, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label: AWSPENDING"],
    ['an unknown version', { SecretId: 'kinsight/cluster-a', VersionId: 'v-0' }, {}, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret value for VersionId: v-0"],
    ['another cluster\'s secret', { SecretId: 'kinsight/cluster-b' }, {}, 'AccessDeniedException', /^User: arn:aws:sts::000000000000:assumed-role\/kinsight-agent\/AKIDCLUSTERA is not authorized to perform: secretsmanager:GetSecretValue on resource: kinsight\/cluster-b because/],
    ['an unknown access key', { SecretId: 'kinsight/cluster-a' }, { credentials: { accessKeyId: 'AKIDNOBODY', secretAccessKey: 'x' } }, 'UnrecognizedClientException', 'The security token included in the request is invalid.'],
    ['a wrong secret access key', { SecretId: 'kinsight/cluster-a' }, { credentials: { ...AGENT_A, secretAccessKey: 'guess' } }, 'InvalidSignatureException', /^The request signature we calculated does not match/],
    ['a request dated 6 minutes ago', { SecretId: 'kinsight/cluster-a' }, { date: NOW - 6 * 60_000 }, 'InvalidSignatureException', 'Signature expired: 20261129T175400Z is now earlier than 20261129T175500Z (20261129T180000Z - 5 min.)'],
    ['a request dated 6 minutes ahead', { SecretId: 'kinsight/cluster-a' }, { date: NOW + 6 * 60_000 }, 'InvalidSignatureException', 'Signature not yet current: 20261129T180600Z is still later than 20261129T180500Z (20261129T180000Z + 5 min.)'],
    ['an unsigned request', { SecretId: 'kinsight/cluster-a' }, { unsigned: true }, 'MissingAuthenticationTokenException', 'Missing Authentication Token'],
    ['an unknown operation', { SecretId: 'kinsight/cluster-a' }, { target: 'secretsmanager.DeleteSecret' }, 'UnknownOperationException', ''],
    ['a body that is not JSON', undefined, { body: 'SecretId=x' }, 'SerializationException', 'Start of structure or map found where not expected.'],
  ])('answers %s as the service does (HTTP 400, __type and Message)', async (_name, input, options, type, message) => {
    const answer = await call(sm.endpoint, input, options);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ __type: type, Message: message instanceof RegExp ? expect.stringMatching(message) : message });
  });

  it('needs the session token of temporary credentials and answers ExpiredTokenException once it expired', async () => {
    expect((await call(sm.endpoint, { SecretId: 'kinsight/cluster-b' }, { credentials: AGENT_B })).json.SecretString).toBe('{"key":"b1"}');
    expect((await call(sm.endpoint, { SecretId: 'kinsight/cluster-b' }, { credentials: { ...AGENT_B, sessionToken: 'other' } })).json.__type).toBe('UnrecognizedClientException');
    sm.expireSessionToken('token-b');
    expect(await call(sm.endpoint, { SecretId: 'kinsight/cluster-b' }, { credentials: AGENT_B })).toMatchObject({ status: 400, json: { __type: 'ExpiredTokenException', Message: 'The security token included in the request is expired' } });
  });

  it('answers the next calls with an injected error, then normally, and records every answer', async () => {
    sm.failNext({ status: 500, type: 'InternalServiceError', message: 'An error occurred on the server side.' });
    sm.failNext({ type: 'ThrottlingException', message: 'Rate exceeded' });
    const from = sm.requests.length;
    expect(await call(sm.endpoint, { SecretId: 'kinsight/cluster-a' })).toMatchObject({ status: 500, json: { __type: 'InternalServiceError' } });
    expect(await call(sm.endpoint, { SecretId: 'kinsight/cluster-a' })).toMatchObject({ status: 400, json: { __type: 'ThrottlingException', Message: 'Rate exceeded' } });
    expect((await call(sm.endpoint, { SecretId: 'kinsight/cluster-a' })).status).toBe(200);
    expect(sm.requests.slice(from)).toEqual([
      { operation: 'GetSecretValue', input: {}, accessKeyId: 'AKIDCLUSTERA', status: 500, error: 'InternalServiceError' },
      { operation: 'GetSecretValue', input: {}, accessKeyId: 'AKIDCLUSTERA', status: 400, error: 'ThrottlingException' },
      { operation: 'GetSecretValue', input: { SecretId: 'kinsight/cluster-a' }, accessKeyId: 'AKIDCLUSTERA', status: 200 },
    ]);
  });
});

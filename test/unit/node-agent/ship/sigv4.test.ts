import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { signRequest, type SigV4Credentials, type SigV4Request } from '../../../../node-agent/ship/sigv4';

/** The reference: the SDK's own signer, as the AWS SDK for JavaScript signs a request. */
async function smithyAuthorization(request: SigV4Request, credentials: SigV4Credentials, region: string, service: string, date: Date): Promise<Record<string, string>> {
  const signer = new SignatureV4({ credentials, region, service, sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(
    { method: request.method, protocol: 'https:', hostname: request.host, path: request.path, query: { ...request.query }, headers: { ...request.headers, host: request.host }, body: request.body },
    { signingDate: date },
  );
  return signed.headers;
}

const KEYS: SigV4Credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SESSION: SigV4Credentials = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'c2VjcmV0/+=', sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==' };

const putRecords = (body: string): SigV4Request => ({
  method: 'POST',
  host: 'kinesis.eu-west-1.amazonaws.com',
  path: '/',
  headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Kinesis_20131202.PutRecords' },
  body,
});

const CASES: { name: string; request: SigV4Request; credentials: SigV4Credentials; region: string; service: string; date: Date }[] = [
  { name: 'PutRecords with long-term keys', request: putRecords('{"StreamName":"records","Records":[{"Data":"H4sI","PartitionKey":"c/n"}]}'), credentials: KEYS, region: 'eu-west-1', service: 'kinesis', date: new Date('2026-11-29T18:12:49Z') },
  { name: 'PutRecords with a session token', request: putRecords('{"StreamName":"records","Records":[]}'), credentials: SESSION, region: 'eu-west-1', service: 'kinesis', date: new Date('2026-01-01T00:00:00.999Z') },
  { name: 'an empty body on the last second of a day', request: { ...putRecords(''), method: 'GET' }, credentials: SESSION, region: 'ap-southeast-2', service: 'kinesis', date: new Date('2025-12-31T23:59:59Z') },
  { name: 'a binary body', request: { ...putRecords(''), body: new Uint8Array([0, 255, 1, 128, 10]) }, credentials: KEYS, region: 'us-east-1', service: 'kinesis', date: new Date('2026-06-15T12:00:00Z') },
  {
    name: 'a path with segments to encode, a query and header values with spaces, on a non-default port',
    request: { method: 'GET', host: '127.0.0.1:4567', path: '/a/./b/../c d/é/', query: { Version: '2011-06-15', Action: 'GetCallerIdentity', 'x y': 'a/b+c*' }, headers: { 'X-Custom': '  two   spaces  ' }, body: '' },
    credentials: KEYS,
    region: 'us-west-2',
    service: 'sts',
    date: new Date('2026-03-08T09:30:00Z'),
  },
];

describe('signRequest', () => {
  it.each(CASES)('produces the Authorization header of the SDK signer for $name', async ({ request, credentials, region, service, date }) => {
    const expected = await smithyAuthorization(request, credentials, region, service, date);
    const headers = signRequest(request, { credentials, region, service, date });
    expect(headers.authorization).toBe(expected.authorization);
    expect(headers['x-amz-date']).toBe(expected['x-amz-date']);
    expect(headers['x-amz-security-token']).toBe(credentials.sessionToken);
  });

  it('returns the given headers lower-cased with host and the date, and a scope of day, region and service', () => {
    const headers = signRequest(putRecords('{}'), { credentials: KEYS, region: 'eu-west-1', service: 'kinesis', date: new Date('2026-11-29T18:12:49.500Z') });
    expect(headers).toMatchObject({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.PutRecords', host: 'kinesis.eu-west-1.amazonaws.com', 'x-amz-date': '20261129T181249Z' });
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261129\/eu-west-1\/kinesis\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/);
    expect(headers).not.toHaveProperty('x-amz-security-token');
  });

  it('gives a different signature when one byte of the body changes', () => {
    const scope = { credentials: KEYS, region: 'eu-west-1', service: 'kinesis', date: new Date('2026-11-29T18:12:49Z') };
    expect(signRequest(putRecords('{"a":1}'), scope).authorization).not.toBe(signRequest(putRecords('{"a":2}'), scope).authorization);
  });
});

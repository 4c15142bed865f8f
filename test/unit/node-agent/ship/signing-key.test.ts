import { createLogger } from '../../../../node-agent/log';
import { createAwsJsonClient, type AwsJsonClient } from '../../../../node-agent/ship/aws-json-client';
import { createSigningClock } from '../../../../node-agent/ship/signing-clock';
import { createSigningKeySource, parseSecretValue, type SigningKeySource } from '../../../../node-agent/ship/signing-key';
import { startSecretsManagerServer, type LocalSecretsManager } from '../../../../sim/aws/secrets-manager-server';

const HOUR = 3_600_000;
const KEY_1 = 'K1'.repeat(32);
const KEY_2 = 'K2'.repeat(32);
const AGENT = { accessKeyId: 'AKIDAGENTPROD', secretAccessKey: 'agent-secret', secrets: ['kinsight/prod', 'kinsight/short'] };

describe('parseSecretValue', () => {
  const answer = (secretString: unknown, versionId: unknown = 'v-1') => JSON.stringify({ ARN: 'arn', Name: 'n', VersionId: versionId, SecretString: secretString, VersionStages: ['AWSCURRENT'] });

  it('reads the VersionId as the key id and the UTF-8 bytes of "key" as the secret', () => {
    expect(parseSecretValue(answer(JSON.stringify({ key: KEY_1 })))).toEqual({ ok: true, key: { id: 'v-1', secret: Buffer.from(KEY_1, 'utf8') } });
  });

  it.each([
    ['an answer that is not JSON', `{"SecretString":"{\\"key\\":\\"${KEY_1}`, /^the answer is not JSON \(\d+ bytes\)$/],
    ['no VersionId', answer(JSON.stringify({ key: KEY_1 }), null), /^the answer has no VersionId of 1-64 printable ASCII characters/],
    ['a binary secret', JSON.stringify({ VersionId: 'v-1', SecretBinary: 'AAEC' }), /^version v-1 has no SecretString \(a binary secret\?\)/],
    ['a SecretString that is not JSON', answer(`key=${KEY_1}`), /^the SecretString of version v-1 is not JSON \(68 characters\); expected \{"key": "<64 random characters>"\}$/],
    ['a key that is too short', answer(JSON.stringify({ key: KEY_1.slice(0, 31) })), /^the SecretString of version v-1 has no "key" string of at least 32 characters \(31 characters\)/],
    ['a key that is not a string', answer(JSON.stringify({ key: 42 })), /has no "key" string of at least 32 characters \(number\)/],
  ])('rejects %s without a byte of the secret in the reason', (_name, body, reason) => {
    const parsed = parseSecretValue(body);
    expect(parsed).toEqual({ ok: false, error: expect.stringMatching(reason) });
    expect(JSON.stringify(parsed)).not.toMatch(/K1K1/);
  });
});

describe('createSigningKeySource against the local Secrets Manager', () => {
  let sm: LocalSecretsManager;
  let v1: string;
  let client: AwsJsonClient;
  beforeAll(async () => {
    sm = await startSecretsManagerServer({ principals: [AGENT] });
    ({ versionId: v1 } = sm.createSecret('kinsight/prod', JSON.stringify({ key: KEY_1 })));
    sm.createSecret('kinsight/other', JSON.stringify({ key: KEY_2 }));
    client = createAwsJsonClient({ service: 'secretsmanager', region: 'us-east-1', endpoint: sm.endpoint, credentials: async () => AGENT, clock: createSigningClock() });
  });
  afterAll(async () => {
    client.close();
    await sm.close();
  });

  const source = (secretId: string, clock: { ms: number }): { keys: SigningKeySource; lines: string[]; logs: () => Record<string, unknown>[] } => {
    const lines: string[] = [];
    const keys = createSigningKeySource({ secretId, client, now: () => clock.ms, log: createLogger((line) => void lines.push(line), () => 0) });
    return { keys, lines, logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  };

  it('fetches the AWSCURRENT version at the first call, then not again before the refresh is due', async () => {
    const clock = { ms: 0 };
    const { keys, logs } = source('kinsight/prod', clock);
    expect(keys.current()).toBeUndefined();
    const from = sm.requests.length;
    await keys.refreshIfDue();
    expect(keys.current()).toEqual({ id: v1, secret: Buffer.from(KEY_1) });
    clock.ms = HOUR - 1;
    await keys.refreshIfDue();
    expect(sm.requests.slice(from).map((r) => r.input)).toEqual([{ SecretId: 'kinsight/prod', VersionStage: 'AWSCURRENT' }]);
    expect(logs()).toEqual([expect.objectContaining({ level: 'info', message: 'signing key fetched', secret: 'kinsight/prod', keyId: v1 })]);
    expect(keys.stats()).toEqual({ fetches: 1, failures: 0, keyId: v1 });
  });

  it('picks up a rotation at the next refresh, an hour later by default', async () => {
    const clock = { ms: 0 };
    const { keys, logs } = source('kinsight/prod', clock);
    await keys.refreshIfDue();
    const before = keys.current()?.id;
    const v2 = sm.rotate('kinsight/prod', JSON.stringify({ key: KEY_2 }));
    await keys.refreshIfDue();
    expect(keys.current()?.id).toBe(before);
    clock.ms = HOUR;
    await keys.refreshIfDue();
    expect(keys.current()).toEqual({ id: v2, secret: Buffer.from(KEY_2) });
    expect(logs().at(-1)).toMatchObject({ level: 'info', message: 'signing key rotated', keyId: v2, previousKeyId: before });
  });

  it('keeps the key held when a refresh fails, logs and counts the failure, and tries again a minute later', async () => {
    const clock = { ms: 0 };
    const { keys, logs, lines } = source('kinsight/prod', clock);
    await keys.refreshIfDue();
    const held = keys.current();
    clock.ms = HOUR;
    sm.failNext({ status: 500, type: 'InternalServiceError', message: 'An error occurred on the server side.' });
    await keys.refreshIfDue();
    expect(keys.current()).toBe(held);
    expect(logs().at(-1)).toEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'signing key refresh failed; the key held stays in use',
        error: 'GetSecretValue of the signing key secret kinsight/prod failed: HTTP 500 InternalServiceError: An error occurred on the server side.',
        failures: 1,
        keyId: held?.id,
      }),
    );
    const from = sm.requests.length;
    clock.ms = HOUR + 59_999;
    await keys.refreshIfDue();
    expect(sm.requests.length).toBe(from);
    clock.ms = HOUR + 60_000;
    await keys.refreshIfDue();
    expect(sm.requests.length).toBe(from + 1);
    expect(keys.stats()).toMatchObject({ fetches: 2, failures: 1 });
    expect(lines.join('\n')).not.toMatch(/K1K1|K2K2|SecretString/);
  });

  it('holds no key while it is denied another cluster\'s secret, says records wait, and tries at every call', async () => {
    const clock = { ms: 0 };
    const { keys, logs } = source('kinsight/other', clock);
    await keys.refreshIfDue();
    await keys.refreshIfDue();
    expect(keys.current()).toBeUndefined();
    expect(keys.stats()).toEqual({ fetches: 0, failures: 2 });
    expect(logs()).toEqual([
      expect.objectContaining({ level: 'error', message: 'signing key not fetched; records wait in the buffer', error: expect.stringMatching(/HTTP 400 AccessDeniedException: User: .* is not authorized to perform: secretsmanager:GetSecretValue on resource: kinsight\/other/), failures: 1 }),
      expect.objectContaining({ level: 'error', failures: 2 }),
    ]);
  });

  it('logs neither the key nor the answer when a secret holds no usable key', async () => {
    sm.createSecret('kinsight/short', JSON.stringify({ key: 'K1K1-too-short' }));
    const clock = { ms: 0 };
    const { keys, logs, lines } = source('kinsight/short', clock);
    await keys.refreshIfDue();
    expect(keys.current()).toBeUndefined();
    expect(logs()).toEqual([
      expect.objectContaining({
        message: 'signing key not fetched; records wait in the buffer',
        error: expect.stringMatching(/^GetSecretValue of the signing key secret kinsight\/short: the SecretString of version [0-9a-f-]{36} has no "key" string of at least 32 characters \(14 characters\);/),
      }),
    ]);
    expect(lines.join('\n')).not.toMatch(/K1K1|SecretString"/);
  });
});

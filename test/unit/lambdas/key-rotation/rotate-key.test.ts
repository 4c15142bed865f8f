import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  type DescribeSecretCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { parseAgentKeySecret } from '../../../../core/agent-key';
import { createKeyRotation, RotationError, type RotationEvent } from '../../../../lambdas/key-rotation/rotate-key';
import { toRandomAgentKey } from '../../../../lambdas/key-rotation/random-key';

const ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:kinsight/agent-key/prod-eu-AbCdEf';
const CURRENT = 'v1-current';
const TOKEN = 'v2-pending';
const NEW_KEY = 'N'.repeat(64);

const described = (overrides: Partial<DescribeSecretCommandOutput> = {}): Partial<DescribeSecretCommandOutput> => ({
  ARN,
  Name: 'kinsight/agent-key/prod-eu',
  RotationEnabled: true,
  VersionIdsToStages: { [CURRENT]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] },
  ...overrides,
});

describe('the agent key rotation, step by step against a mocked SecretsManagerClient', () => {
  const sm = mockClient(SecretsManagerClient);
  const logs: string[] = [];
  const rotate = createKeyRotation({ client: new SecretsManagerClient({ region: 'eu-west-1' }), randomKey: () => NEW_KEY, log: (message) => logs.push(message) });
  const event = (Step: string, ClientRequestToken = TOKEN): RotationEvent => ({ SecretId: ARN, ClientRequestToken, Step });
  beforeEach(() => {
    sm.reset();
    logs.length = 0;
    sm.on(DescribeSecretCommand).resolves(described());
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionStage: 'AWSCURRENT' }).resolves({ VersionId: CURRENT, SecretString: JSON.stringify({ key: 'C'.repeat(64) }) });
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: TOKEN, VersionStage: 'AWSPENDING' }).rejects(new ResourceNotFoundException({ message: 'no such version', $metadata: {} }));
  });
  afterAll(() => sm.restore());

  it('createSecret writes a new random key as the token\'s version, labelled AWSPENDING, in the shape the agents and the enricher parse', async () => {
    await rotate(event('createSecret'));
    const puts = sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input);
    expect(puts).toEqual([{ SecretId: ARN, ClientRequestToken: TOKEN, SecretString: `{"key":"${NEW_KEY}"}`, VersionStages: ['AWSPENDING'] }]);
    const parsed = parseAgentKeySecret(puts[0].SecretString);
    expect(parsed.ok && Buffer.from(parsed.value).toString('utf8')).toBe(NEW_KEY);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });

  it('createSecret retried after it wrote the pending key writes nothing again', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: TOKEN, VersionStage: 'AWSPENDING' }).resolves({ VersionId: TOKEN, SecretString: `{"key":"${NEW_KEY}"}` });
    await rotate(event('createSecret'));
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(logs).toEqual(['pending key already written']);
  });

  it('createSecret fails on any other error reading the pending version, writing nothing', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN, VersionId: TOKEN, VersionStage: 'AWSPENDING' }).rejects(new Error('throttled'));
    await expect(rotate(event('createSecret'))).rejects.toThrow('throttled');
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('setSecret and testSecret change nothing', async () => {
    await rotate(event('setSecret'));
    await rotate(event('testSecret'));
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('finishSecret moves AWSCURRENT from the old version to the new one (Secrets Manager labels the old one AWSPREVIOUS)', async () => {
    await rotate(event('finishSecret'));
    expect(sm.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN, RemoveFromVersionId: CURRENT },
    ]);
  });

  it('does nothing at any step once the token\'s version is current (a retried finishSecret)', async () => {
    sm.on(DescribeSecretCommand).resolves(described({ VersionIdsToStages: { [TOKEN]: ['AWSCURRENT', 'AWSPENDING'], [CURRENT]: ['AWSPREVIOUS'] } }));
    for (const step of ['createSecret', 'finishSecret']) await rotate(event(step));
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });

  it('rejects a secret that is not an agent key, whatever it is named in the event', async () => {
    sm.on(DescribeSecretCommand).resolves(described({ Name: 'prod/database-password' }));
    await expect(rotate(event('createSecret'))).rejects.toThrow(new RotationError('secret prod/database-password is not an agent key; this function rotates only secrets named kinsight/agent-key/<cluster>'));
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('rejects a secret without rotation enabled, a token the secret does not have, and a version that is not pending', async () => {
    sm.on(DescribeSecretCommand).resolves(described({ RotationEnabled: false }));
    await expect(rotate(event('createSecret'))).rejects.toThrow(/does not have rotation enabled/);
    sm.on(DescribeSecretCommand).resolves(described());
    await expect(rotate(event('finishSecret', 'v9-unknown'))).rejects.toThrow(/has no version v9-unknown to rotate to/);
    sm.on(DescribeSecretCommand).resolves(described({ VersionIdsToStages: { [CURRENT]: ['AWSCURRENT'], [TOKEN]: ['AWSPREVIOUS'] } }));
    await expect(rotate(event('finishSecret'))).rejects.toThrow(/version v2-pending of secret kinsight\/agent-key\/prod-eu is not pending \(stages: AWSPREVIOUS\); expected AWSPENDING/);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });

  it('rejects an unknown step before calling Secrets Manager', async () => {
    await expect(rotate(event('deleteSecret'))).rejects.toThrow(/rotation step is deleteSecret; expected one of createSecret, setSecret, testSecret, finishSecret/);
    expect(sm.calls()).toHaveLength(0);
  });
});

describe('toRandomAgentKey', () => {
  it('draws each character of the key from the 62 letters and digits', () => {
    const draws: number[] = [];
    const key = toRandomAgentKey(4, (max) => {
      draws.push(max);
      return [0, 25, 26, 61][draws.length - 1];
    });
    expect(key).toBe('AZa9');
    expect(draws).toEqual([62, 62, 62, 62]);
  });

  it('gives 64 letters and digits by default, a different key each time', () => {
    const [a, b] = [toRandomAgentKey(), toRandomAgentKey()];
    expect(a).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(b).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(a).not.toBe(b);
  });
});

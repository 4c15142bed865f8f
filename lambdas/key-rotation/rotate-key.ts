import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { AGENT_KEY_MEMBER, AGENT_KEY_SECRET_PREFIX } from '../../core/agent-key';
import { ConfigError, KinsightError, toSnippet } from '../../core/errors';

/**
 * The event Secrets Manager invokes a rotation function with, once per step.
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
 */
export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: string;
}

/** The four steps of a Secrets Manager rotation. */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

/** What the rotation talks to. */
export interface KeyRotationDeps {
  /** Secrets Manager (DescribeSecret, GetSecretValue, PutSecretValue, UpdateSecretVersionStage). */
  readonly client: Pick<SecretsManagerClient, 'send'>;
  /** A new key, at least MIN_AGENT_KEY_CHARS (core/agent-key.ts) characters: lambdas/key-rotation/random-key.ts. */
  randomKey(): string;
  /** One structured log line. */
  log(message: string, fields: Record<string, unknown>): void;
}

/** A rotation step that cannot go on: Secrets Manager marks the rotation failed and retries it later. */
export class RotationError extends KinsightError {}

/**
 * The rotation of an agent key secret, as a Secrets Manager rotation function:
 * - createSecret: a new random key as the version of the event's token, labelled AWSPENDING (once:
 *   a retried step finds it and writes nothing);
 * - setSecret, testSecret: nothing, the key is only a shared secret between the agents and the enricher;
 * - finishSecret: AWSCURRENT moves to the new version, and Secrets Manager moves AWSPREVIOUS to the
 *   old one. Agents pick the new key up at their next hourly read; until then the enricher still
 *   accepts the previous one, so no record is lost.
 * It refuses any secret outside `kinsight/agent-key/` and any token that is not the secret's pending version.
 */
export function createKeyRotation(deps: KeyRotationDeps): (event: RotationEvent) => Promise<void> {
  const { client } = deps;
  return async (event) => {
    const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
    if (!(ROTATION_STEPS as readonly string[]).includes(step)) throw new ConfigError(`rotation step is ${toSnippet(step)}; expected one of ${ROTATION_STEPS.join(', ')}`);
    const secret = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
    if (!secret.Name?.startsWith(AGENT_KEY_SECRET_PREFIX)) {
      throw new RotationError(`secret ${toSnippet(secret.Name ?? secretId)} is not an agent key; this function rotates only secrets named ${AGENT_KEY_SECRET_PREFIX}<cluster>`);
    }
    if (!secret.RotationEnabled) throw new RotationError(`secret ${secret.Name} does not have rotation enabled; expected its rotation schedule to invoke this function`);
    const versions = secret.VersionIdsToStages ?? {};
    const stages = versions[token];
    if (!stages) throw new RotationError(`secret ${secret.Name} has no version ${toSnippet(token)} to rotate to`);
    const fields = { secret: secret.Name, step, version: token };
    if (stages.includes('AWSCURRENT')) {
      deps.log('version already current, nothing to do', fields);
      return;
    }
    if (!stages.includes('AWSPENDING')) throw new RotationError(`version ${token} of secret ${secret.Name} is not pending (stages: ${stages.join(', ') || 'none'}); expected AWSPENDING`);

    if (step === 'createSecret') {
      // The current version must exist: rotating a secret nobody could read would hide the real problem.
      await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
      try {
        await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: 'AWSPENDING' }));
        deps.log('pending key already written', fields);
        return;
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
      await client.send(
        new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: token, SecretString: JSON.stringify({ [AGENT_KEY_MEMBER]: deps.randomKey() }), VersionStages: ['AWSPENDING'] }),
      );
      deps.log('pending key written', fields);
      return;
    }
    if (step === 'setSecret' || step === 'testSecret') {
      deps.log('nothing to do: the key is shared by the agents and the enricher only', fields);
      return;
    }
    const current = Object.entries(versions).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT', MoveToVersionId: token, ...(current ? { RemoveFromVersionId: current } : {}) }));
    deps.log('key rotated: the new version is current, the old one previous', { ...fields, previous: current });
  };
}

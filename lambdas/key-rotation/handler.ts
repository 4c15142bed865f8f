// Composition root of the agent key rotation Lambda (the rotation function of every agent key secret).
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createKeyRotation } from './rotate-key';
import { toRandomAgentKey } from './random-key';

const client = new SecretsManagerClient({});

/** Secrets Manager's rotation entry point. */
export const handler = createKeyRotation({
  client,
  randomKey: () => toRandomAgentKey(),
  log: (message, fields) => console.log(JSON.stringify({ level: 'INFO', message, ...fields })),
});

import { AGENT_KEY_MEMBER, toAgentKeySecretName } from '../../core/agent-key';
import { toRandomAgentKey } from '../../lambdas/key-rotation/random-key';
import { startSecretsManagerServer } from '../../sim/aws/secrets-manager-server';

/** Where the agents of the local pipeline read their cluster's signing key, and as whom. */
export interface LocalKeySecret {
  /** The local Secrets Manager (sim/aws/secrets-manager-server.ts). */
  readonly endpoint: string;
  readonly region: string;
  /** `kinsight/agent-key/<cluster>`, holding `{"key":"<64 letters and digits>"}` as the stack and the rotation write it. */
  readonly secretId: string;
  /** The agents' credentials: they may read that secret only, as Pod Identity scopes a fleet's agents. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** The local Secrets Manager of one cluster's key, with what its agents and its enricher are given. */
export interface KeySecrets {
  readonly agents: LocalKeySecret;
  readonly enricherCredentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  close(): Promise<void>;
}

/**
 * The local Secrets Manager as a fleet's stack sets it up for one cluster: the secret
 * `kinsight/agent-key/<cluster>` holding a fresh key in the form the rotation writes, the agents'
 * principal allowed that secret only (in a fleet, through the Pod Identity session tag), the
 * enricher's every secret (its policy allows every `kinsight/agent-key/*`; this server holds no other).
 */
export async function startKeySecrets(cluster: string): Promise<KeySecrets> {
  const secretId = toAgentKeySecretName(cluster);
  const agent = { accessKeyId: 'KINSIGHTLOCALAGENT', secretAccessKey: 'kinsight-local-agent' };
  const enricher = { accessKeyId: 'KINSIGHTLOCALENRICHER', secretAccessKey: 'kinsight-local-enricher' };
  const service = await startSecretsManagerServer({
    principals: [
      { ...agent, secrets: [secretId], arn: `arn:aws:sts::000000000000:assumed-role/kinsight-agent/${cluster}` },
      { ...enricher, arn: 'arn:aws:sts::000000000000:assumed-role/kinsight-enricher/local' },
    ],
  });
  service.createSecret(secretId, JSON.stringify({ [AGENT_KEY_MEMBER]: toRandomAgentKey() }));
  return { agents: { endpoint: service.endpoint, region: service.region, secretId, credentials: agent }, enricherCredentials: enricher, close: () => service.close() };
}

import { RemovalPolicy, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AGENT_KEY_MEMBER, toAgentKeySecretName } from '../../../core/agent-key';

/**
 * Days between two rotations of an agent key. Agents read their key again every hour and the
 * enricher accepts the previous version too: any interval well above an hour loses no record, and
 * 30 days keeps the rotations (and their Lambda invocations) rare.
 */
export const AGENT_KEY_ROTATION_DAYS = 30;

/** Characters of a generated key: letters and digits, about 381 bits. */
export const AGENT_KEY_CHARS = 64;

/** Props of {@link AgentKeySecret}. */
export interface AgentKeySecretProps {
  /** The cluster whose agents sign with this key. */
  readonly clusterName: string;
  /** The fleet's key rotation function (AgentKeyRotation). */
  readonly rotationFunctionArn: string;
  /**
   * Days between rotations.
   * @default AGENT_KEY_ROTATION_DAYS (30)
   */
  readonly rotationDays?: number;
}

/**
 * One cluster's signing key: a Secrets Manager secret named `kinsight/agent-key/<cluster>`
 * (core/agent-key.ts) holding `{"key":"<64 letters and digits>"}`, generated at creation, encrypted
 * with the AWS managed key `aws/secretsmanager` (readers need no KMS grant; IAM on the secret is the
 * boundary), rotated every {@link AGENT_KEY_ROTATION_DAYS} days, never at deploy. Removing the cluster
 * deletes it at once (CloudFormation deletes secrets without a recovery window): records still
 * signed with it are refused from then on.
 */
export class AgentKeySecret extends Construct {
  /** The secret. */
  readonly secret: secretsmanager.Secret;
  /** Its rotation schedule. */
  readonly rotation: secretsmanager.CfnRotationSchedule;

  constructor(scope: Construct, id: string, props: AgentKeySecretProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: toAgentKeySecretName(props.clusterName),
      description: `kinsight: the key the agents of EKS cluster ${props.clusterName} sign their records with`,
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: AGENT_KEY_MEMBER, passwordLength: AGENT_KEY_CHARS, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.rotation = new secretsmanager.CfnRotationSchedule(this, 'Rotation', {
      secretId: this.secret.secretArn,
      rotationLambdaArn: props.rotationFunctionArn,
      rotationRules: { automaticallyAfterDays: props.rotationDays ?? AGENT_KEY_ROTATION_DAYS },
      // The first version is fresh: rotating it at creation would only race the agents' first read.
      rotateImmediatelyOnUpdate: false,
    });
  }
}

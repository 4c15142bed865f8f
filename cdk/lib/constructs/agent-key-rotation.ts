import { Duration, Stack, aws_iam as iam, aws_lambda as lambda, type aws_lambda as lambdaTypes } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { toAgentKeySecretsArn } from '../agent-key-arns';
import { KinsightFunction } from '../kinsight-function';

/** Props of {@link AgentKeyRotation}. */
export interface AgentKeyRotationProps {
  /**
   * Handler file, relative to the project root.
   * @default 'lambdas/key-rotation/handler.ts'
   */
  readonly entry?: string;
}

/**
 * The Lambda that rotates the agents' signing keys (lambdas/key-rotation/), one for the whole fleet:
 * each cluster's key secret (AgentKeySecret, in its group's nested stack) has a rotation schedule
 * naming it. Secrets Manager may invoke it for the fleet's key secrets only (one permission, the
 * secrets' ARN pattern as source: a permission per secret would outgrow the function's 20 KB policy),
 * and it may read and write those secrets' versions and nothing else.
 */
export class AgentKeyRotation extends Construct {
  /** The rotation function. */
  readonly function: lambdaTypes.Function;
  /** Secrets Manager's permission to invoke it: rotation schedules must come after it. */
  readonly permission: lambda.CfnPermission;

  constructor(scope: Construct, id: string, props: AgentKeyRotationProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.function = new KinsightFunction(this, 'Function', {
      entry: props.entry ?? 'lambdas/key-rotation/handler.ts',
      memorySize: 256,
      timeout: Duration.seconds(30),
    });
    const secrets = toAgentKeySecretsArn(this);
    // The four rotation steps: read the secret's stages, read its current and pending values, write the
    // pending version, move AWSCURRENT. No GetRandomPassword: the key comes from node:crypto.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        resources: [secrets],
      }),
    );
    this.permission = new lambda.CfnPermission(this, 'SecretsManagerInvoke', {
      action: 'lambda:InvokeFunction',
      functionName: this.function.functionArn,
      principal: 'secretsmanager.amazonaws.com',
      sourceAccount: stack.account,
      sourceArn: secrets,
    });
  }
}

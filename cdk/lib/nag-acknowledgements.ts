import { Stack, Token, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { toPerformanceLogGroup } from '../../core/limits';
import { LAMBDA_RUNTIME_NAME } from '../../core/node-runtime';
import { POD_IDENTITY_AGENT_ADDON } from '../../core/prerequisites';
import type { FleetStack } from './fleet-stack';

const BASIC_EXECUTION = 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';
const VPC_EXECUTION = 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]';

/** The id cdk-nag gives a wildcard finding on the log groups named `logGroupName` (every performance log group, or one cluster's). */
function toLogGroupFinding(scope: IConstruct, logGroupName: string): string {
  const stack = Stack.of(scope);
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  return `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:${region}:${account}:log-group:${logGroupName}:*]`;
}

/** The id cdk-nag gives the finding on every agent key secret's ARN, `kinsight/agent-key/*`. */
const AGENT_KEY_SECRETS = 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:kinsight/agent-key/*]';

const POLLER_LOG_GROUPS_REASON =
  'The Container Insights performance log groups of the account, /aws/containerinsights/*/performance: a role holds 10,240 characters of inline policy, not one ARN per cluster of a large fleet. A poller writes only for clusters it may describe (eks:DescribeCluster is granted per cluster): any other fails before a write.';
const ENRICHER_LOG_GROUPS_REASON =
  'Only when the fleet\'s performance log group ARNs would not fit in the 10,240 characters of the role\'s inline policy (cdk/lib/performance-log-groups.ts); smaller fleets get one ARN per cluster.';

/**
 * The cdk-nag AwsSolutions findings kinsight accepts, each scoped to the constructs it arises on and
 * carrying its reason. Anything else fails the synth until it is fixed or acknowledged here.
 */
export function acknowledgeNagFindings(stack: FleetStack): void {
  Validations.of(stack).acknowledge(
    {
      id: BASIC_EXECUTION,
      reason: 'Every Lambda (ours and the Provider framework) uses the AWS-managed basic execution policy to write its own logs; it grants logs only.',
    },
    {
      id: 'AwsSolutions-L1',
      reason: `The functions pin ${LAMBDA_RUNTIME_NAME} on purpose, the deployed Node major named once in core/node-runtime.json (Lambda runtime, bundle target, DaemonSet image); moving on is a deliberate one-line upgrade.`,
    },
  );
  Validations.of(stack.stream).acknowledge({
    id: 'AwsSolutions-KDS3',
    reason: 'The stream uses a customer-managed key on purpose: key rotation, a key policy we control, and CloudTrail records of every use.',
  });
  Validations.of(stack.enricher).acknowledge(
    { id: 'AwsSolutions-SQS3', reason: 'This queue is itself the on-failure destination (dead-letter queue) of the enricher event source.' },
    { id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: 'Added by CDK so the event source can send to the KMS-encrypted failure queue; limited to the one key.' },
    { id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: 'Added by CDK so the event source can send to the KMS-encrypted failure queue; limited to the one key.' },
    { id: toLogGroupFinding(stack.enricher, toPerformanceLogGroup('*')), reason: ENRICHER_LOG_GROUPS_REASON },
    {
      id: AGENT_KEY_SECRETS,
      reason: 'The enricher verifies each record with the key of the cluster the record names: it reads every agent key secret (kinsight/agent-key/<cluster>), nothing else of Secrets Manager. Fleet membership is "has a key secret", so no cluster list has to fit its policy or environment.',
    },
    ...stack.clusterNames.map((name) => ({
      id: toLogGroupFinding(stack.enricher, toPerformanceLogGroup(name)),
      reason: 'The log streams of this cluster\'s performance log group (":*"): PutLogEvents and CreateLogStream act on streams, which the enricher names after nodes.',
    })),
  );
  Validations.of(stack.keyRotation).acknowledge({
    id: AGENT_KEY_SECRETS,
    reason: 'The rotation function of every cluster\'s signing key: the four rotation steps on the agent key secrets (kinsight/agent-key/<cluster>) only, one function for the fleet (a policy with one ARN per secret would not fit 400 clusters). It refuses any other secret.',
  });
  for (const poller of stack.pollers) {
    Validations.of(poller).acknowledge(
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'ec2:DescribeTags (the Auto Scaling group tag of each node) and ec2:DescribeInstances (the EBS volumes of each node) support no resource-level permissions: AWS requires Resource "*". Both only read.' },
      { id: VPC_EXECUTION, reason: 'A poller of a private cluster runs in its VPC: the AWS-managed policy manages the function network interfaces (ec2 ENI actions that need Resource "*").' },
      { id: toLogGroupFinding(poller, toPerformanceLogGroup('*')), reason: POLLER_LOG_GROUPS_REASON },
    );
  }
  for (const group of stack.groups.values()) {
    // CDK's LogRetention provider, one per nested stack: it sets the retention of the performance log groups it creates or adopts.
    for (const logRetention of group.node.children.filter((c) => c.node.id.startsWith('LogRetention'))) {
      Validations.of(logRetention).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'CDK\'s LogRetention provider: logs:PutRetentionPolicy and logs:DeleteRetentionPolicy on "*", as CDK defines it; it only sets the retention of the clusters\' performance log groups.',
      });
    }
  }
  for (const installer of stack.installers) {
    const fn = Stack.of(installer).getLogicalId(installer.function.node.defaultChild as CfnElement);
    Validations.of(installer).acknowledge(
      { id: `AwsSolutions-IAM5[Resource::<${fn}.Arn>:*]`, reason: 'The Provider framework invokes any version of the applier function (the ":*" qualifier); that one function only.' },
      { id: VPC_EXECUTION, reason: 'An applier of a private cluster runs in its VPC: the AWS-managed policy manages the function network interfaces.' },
      ...[...installer.installations.keys()].map((cluster) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:eks:<AWS::Region>:<AWS::AccountId>:addon/${cluster}/${POD_IDENTITY_AGENT_ADDON}/*]`,
        reason: `An add-on ARN ends in an id EKS generates: the "*" matches only the ${POD_IDENTITY_AGENT_ADDON} add-on of cluster ${cluster} (DescribeAddon before applying; Create/DeleteAddon with installPodIdentityAgent).`,
      })),
    );
  }
}

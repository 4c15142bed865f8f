import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { AGENT_KEY_SECRET_PREFIX, toAgentKeySecretName } from '../../core/agent-key';

/**
 * The IAM resource of one cluster's key secret: its name and the `-` plus six characters Secrets
 * Manager appends to every secret ARN. Exactly six `?`: the pattern of cluster `prod` cannot match
 * the secret of `prod-eu` (`prod-eu-AbCdEf` has nine characters after `prod-`).
 * @param cluster a cluster name, or `${aws:PrincipalTag/eks-cluster-name}` (EKS Pod Identity's session tag)
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html
 */
export function toAgentKeySecretArn(scope: IConstruct, cluster: string): string {
  return Stack.of(scope).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${toAgentKeySecretName(cluster)}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/** The IAM resource of every agent key secret of the account and region (`kinsight/agent-key/*`). */
export function toAgentKeySecretsArn(scope: IConstruct): string {
  return Stack.of(scope).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${AGENT_KEY_SECRET_PREFIX}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/**
 * The session tag EKS Pod Identity puts on the agent role's session: the cluster the pod runs in.
 * The others it sets are `eks-cluster-arn`, `kubernetes-namespace`, `kubernetes-service-account`,
 * `kubernetes-pod-name` and `kubernetes-pod-uid`.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html
 */
export const POD_IDENTITY_CLUSTER_TAG = 'eks-cluster-name';

import { Stack, aws_eks as eks, aws_iam as iam, type aws_kinesis as kinesis, type aws_kms as kms } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AGENT_NAME, AGENT_NAMESPACE } from '../../../core/agent-manifest';
import { POD_IDENTITY_CLUSTER_TAG, toAgentKeySecretArn } from '../agent-key-arns';
import type { AgentIdentity as AgentIdentityMode, ClusterConfig } from '../fleet-config';
import { toConstructId } from '../to-construct-id';

/** Props of {@link AgentIdentity}. */
export interface AgentIdentityProps {
  /** The one stream the agents may write to. */
  readonly stream: kinesis.IStream;
  /** The stream's key. */
  readonly encryptionKey: kms.IKey;
  /** The fleet's clusters; with IRSA each needs its oidcProviderArn. */
  readonly clusters: readonly ClusterConfig[];
  /**
   * How pods get the role.
   * @default 'pod-identity'
   */
  readonly mode?: AgentIdentityMode;
}

/**
 * The agent's AWS identity: kinesis:PutRecords on the one stream, kms:GenerateDataKey on its key, and
 * secretsmanager:GetSecretValue on its own cluster's key secret, nothing else. What makes a record
 * count as its cluster's is that signing key (docs/operations.md, threat model): an agent may read
 * its cluster's key and no other.
 *
 * EKS Pod Identity (the default): one role, one association per cluster. The role trusts the Pod
 * Identity service only for this account, this region's clusters, and the agent's namespace and
 * service account (session tags checked as request tags); the key it may read is named by the
 * session's `eks-cluster-name` tag, which EKS sets from the association's cluster. IRSA: one role per
 * cluster, trusting that cluster's OIDC issuer for the agent's service account, allowed that
 * cluster's key only.
 */
export class AgentIdentity extends Construct {
  /** The role of each cluster's agents, by cluster name. */
  readonly roles = new Map<string, iam.IRole>();
  /** The Pod Identity association of each cluster, by cluster name (none with IRSA). */
  readonly associations = new Map<string, eks.CfnPodIdentityAssociation>();
  private readonly mode: AgentIdentityMode;

  constructor(scope: Construct, id: string, props: AgentIdentityProps) {
    super(scope, id);
    this.mode = props.mode ?? 'pod-identity';
    const stack = Stack.of(this);
    const permissions = (keySecretArn: string) =>
      new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({ actions: ['kinesis:PutRecords'], resources: [props.stream.streamArn] }),
          // Writing to a KMS-encrypted stream needs a data key from the stream's key.
          new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [props.encryptionKey.keyArn] }),
          // The signing key of its own cluster (encrypted with the AWS managed key aws/secretsmanager: no KMS grant needed).
          new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [keySecretArn] }),
        ],
      });
    if (this.mode === 'pod-identity') {
      const role = new iam.Role(this, 'PodIdentityRole', {
        description: 'kinsight agent (EKS Pod Identity): PutRecords on the kinsight stream, its own cluster\'s signing key',
        assumedBy: new iam.SessionTagsPrincipal(
          new iam.ServicePrincipal('pods.eks.amazonaws.com', {
            conditions: {
              StringEquals: {
                'aws:SourceAccount': stack.account,
                'aws:RequestTag/kubernetes-namespace': AGENT_NAMESPACE,
                'aws:RequestTag/kubernetes-service-account': AGENT_NAME,
              },
              // A cluster of this account and region: a cluster of another region may carry the name of a fleet cluster.
              StringLike: { 'aws:RequestTag/eks-cluster-arn': stack.formatArn({ service: 'eks', resource: 'cluster', resourceName: '*' }) },
            },
          }),
        ),
        inlinePolicies: { PutRecords: permissions(toAgentKeySecretArn(this, `\${aws:PrincipalTag/${POD_IDENTITY_CLUSTER_TAG}}`)) },
      });
      for (const cluster of props.clusters) {
        const association = new eks.CfnPodIdentityAssociation(this, `Association${toConstructId(cluster.name)}`, {
          clusterName: cluster.name,
          namespace: AGENT_NAMESPACE,
          serviceAccount: AGENT_NAME,
          roleArn: role.roleArn,
        });
        this.associations.set(cluster.name, association);
        this.roles.set(cluster.name, role);
      }
      return;
    }
    const serviceAccount = `system:serviceaccount:${AGENT_NAMESPACE}:${AGENT_NAME}`;
    for (const cluster of props.clusters) {
      const providerArn = cluster.oidcProviderArn as string;
      const issuer = providerArn.slice(providerArn.indexOf('oidc-provider/') + 'oidc-provider/'.length);
      const role = new iam.Role(this, `IrsaRole${toConstructId(cluster.name)}`, {
        description: `kinsight agent (IRSA) of cluster ${cluster.name}: PutRecords on the kinsight stream`,
        assumedBy: new iam.FederatedPrincipal(
          providerArn,
          { StringEquals: { [`${issuer}:sub`]: serviceAccount, [`${issuer}:aud`]: 'sts.amazonaws.com' } },
          'sts:AssumeRoleWithWebIdentity',
        ),
        inlinePolicies: { PutRecords: permissions(toAgentKeySecretArn(this, cluster.name)) },
      });
      this.roles.set(cluster.name, role);
    }
  }

  /** The name of a cluster's IRSA role (resolved at deploy), which the applier turns into the ServiceAccount's annotation; none with Pod Identity. */
  irsaRoleName(clusterName: string): string | undefined {
    const role = this.roles.get(clusterName);
    return this.mode === 'irsa' && role ? role.roleName : undefined;
  }
}

import { aws_eks as eks, aws_iam as iam, type aws_kinesis as kinesis, type aws_kms as kms } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AGENT_NAME, AGENT_NAMESPACE } from '../../../core/agent-manifest';
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
 * The agent's AWS identity: kinesis:PutRecords on the one stream and kms:GenerateDataKey on its key,
 * nothing else. EKS Pod Identity (one role, one association per cluster) by default; IRSA (one role
 * per cluster, trusting that cluster's OIDC issuer for the agent's service account) as an option.
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
    const permissions = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({ actions: ['kinesis:PutRecords'], resources: [props.stream.streamArn] }),
        // Writing to a KMS-encrypted stream needs a data key from the stream's key.
        new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [props.encryptionKey.keyArn] }),
      ],
    });
    const serviceAccount = `system:serviceaccount:${AGENT_NAMESPACE}:${AGENT_NAME}`;
    if (this.mode === 'pod-identity') {
      const role = new iam.Role(this, 'PodIdentityRole', {
        description: 'kinsight agent (EKS Pod Identity): PutRecords on the kinsight stream',
        assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal('pods.eks.amazonaws.com')),
        inlinePolicies: { PutRecords: permissions },
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
        inlinePolicies: { PutRecords: permissions },
      });
      this.roles.set(cluster.name, role);
    }
  }

  /** Annotations of the agent's ServiceAccount in a cluster: the role ARN with IRSA, none with Pod Identity. */
  serviceAccountAnnotations(clusterName: string): Record<string, string> | undefined {
    const role = this.roles.get(clusterName);
    return this.mode === 'irsa' && role ? { 'eks.amazonaws.com/role-arn': role.roleArn } : undefined;
  }
}

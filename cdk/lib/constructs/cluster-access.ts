import { Stack, aws_eks as eks, type aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AGENT_NAMESPACE } from '../../../core/agent-manifest';
import { APPLIER_GROUP } from '../../../core/applier-rbac';
import { POLLER_GROUP } from '../../../core/poller-rbac';
import type { ApplierAccess } from '../fleet-config';

/** Props of {@link ClusterAccess}. */
export interface ClusterAccessProps {
  /** The EKS cluster (authentication mode API or API_AND_CONFIG_MAP). */
  readonly clusterName: string;
  /** The poller's execution role. */
  readonly pollerRole: iam.IRole;
  /** The applier's execution role. */
  readonly applierRole: iam.IRole;
  /**
   * What the applier may do in the cluster.
   * @default 'rbac-group'
   */
  readonly applierAccess?: ApplierAccess;
}

/**
 * The EKS access entries of one cluster. The poller's role joins the {@link POLLER_GROUP} group, bound by the
 * agent manifest to a get/list-only ClusterRole: no access policy, because AmazonEKSViewPolicy lacks nodes
 * and AmazonEKSAdminViewPolicy reads Secrets. The applier's role gets AmazonEKSAdminPolicy scoped to the
 * kinsight namespace plus the {@link APPLIER_GROUP} group (cluster-scoped rights limited by name, bootstrapped
 * once), or, only when asked, AmazonEKSClusterAdminPolicy.
 */
export class ClusterAccess extends Construct {
  /** The poller's entry. */
  readonly pollerEntry: eks.CfnAccessEntry;
  /** The applier's entry. */
  readonly applierEntry: eks.CfnAccessEntry;

  constructor(scope: Construct, id: string, props: ClusterAccessProps) {
    super(scope, id);
    const partition = Stack.of(this).partition;
    const policyArn = (name: string): string => `arn:${partition}:eks::aws:cluster-access-policy/${name}`;
    this.pollerEntry = new eks.CfnAccessEntry(this, 'Poller', {
      clusterName: props.clusterName,
      principalArn: props.pollerRole.roleArn,
      type: 'STANDARD',
      kubernetesGroups: [POLLER_GROUP],
    });
    const clusterAdmin = props.applierAccess === 'cluster-admin';
    this.applierEntry = new eks.CfnAccessEntry(this, 'Applier', {
      clusterName: props.clusterName,
      principalArn: props.applierRole.roleArn,
      type: 'STANDARD',
      ...(clusterAdmin ? {} : { kubernetesGroups: [APPLIER_GROUP] }),
      accessPolicies: [
        clusterAdmin
          ? { policyArn: policyArn('AmazonEKSClusterAdminPolicy'), accessScope: { type: 'cluster' } }
          : { policyArn: policyArn('AmazonEKSAdminPolicy'), accessScope: { type: 'namespace', namespaces: [AGENT_NAMESPACE] } },
      ],
    });
  }
}

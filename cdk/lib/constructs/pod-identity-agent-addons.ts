import { CustomResource, Stack, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { POD_IDENTITY_ADDON_RESOURCE_TYPE, POD_IDENTITY_AGENT_ADDON } from '../../../core/prerequisites';
import { toConstructId } from '../to-construct-id';
import type { AgentInstaller } from './agent-installer';

/** Props of {@link PodIdentityAgentAddons}. */
export interface PodIdentityAgentAddonsProps {
  /** The installer of these clusters: its applier function serves the add-on resources too. */
  readonly installer: AgentInstaller;
  /** The clusters whose add-on is ensured. */
  readonly clusterNames: readonly string[];
}

/**
 * Fleet option `installPodIdentityAgent`: one `Custom::KinsightPodIdentityAgent` per cluster, served by
 * the applier, that installs the EKS Pod Identity Agent add-on where the cluster has none and removes
 * only an add-on it installed; a cluster's own add-on is never changed. Each agent installation waits
 * for it. (Why not `AWS::EKS::Addon`: cdk/README.md.)
 */
export class PodIdentityAgentAddons extends Construct {
  /** The add-on resource of each cluster, by cluster name. */
  readonly addons = new Map<string, CustomResource>();

  constructor(scope: Construct, id: string, props: PodIdentityAgentAddonsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const clusterArns = props.clusterNames.map((name) => stack.formatArn({ service: 'eks', resource: 'cluster', resourceName: name }));
    const addonArns = props.clusterNames.map((name) => stack.formatArn({ service: 'eks', resource: 'addon', resourceName: `${name}/${POD_IDENTITY_AGENT_ADDON}/*` }));
    props.installer.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['eks:CreateAddon'], resources: [...clusterArns, ...addonArns] }));
    props.installer.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['eks:DeleteAddon'], resources: addonArns }));
    for (const name of props.clusterNames) {
      const addon = new CustomResource(this, `Addon${toConstructId(name)}`, {
        serviceToken: props.installer.provider.serviceToken,
        resourceType: POD_IDENTITY_ADDON_RESOURCE_TYPE,
        properties: { ClusterName: name },
      });
      this.addons.set(name, addon);
      props.installer.installations.get(name)?.node.addDependency(addon);
    }
  }
}

/**
 * The one change a fleet deployed with the single-stack layout (kinsight 0.2) needs before its
 * first deploy with cluster groups in nested stacks: its agent installations (`Custom::KinsightAgent`)
 * leave the root template then, and CloudFormation deletes a resource that leaves a template with
 * the DeletionPolicy of the template that had it. For these, deleting runs the applier's delete,
 * which removes the agent from the cluster; the nested stack's new installation is created (and has
 * applied the agent) before, so the agents would be gone once the deploy finishes. With
 * DeletionPolicy Retain set first, leaving the template deletes nothing.
 */

/** A CloudFormation template, as `aws cloudformation get-template` gives it (JSON). */
export interface CfnTemplate {
  readonly Resources: Record<string, { readonly Type: string; readonly DeletionPolicy?: string; readonly UpdateReplacePolicy?: string; readonly [key: string]: unknown }>;
  readonly [key: string]: unknown;
}

/** Resource types retained before the upgrade. */
export const RETAINED_BEFORE_UPGRADE = ['Custom::KinsightAgent'] as const;

/**
 * The deployed template with `DeletionPolicy` and `UpdateReplacePolicy` Retain on each resource of
 * {@link RETAINED_BEFORE_UPGRADE}, everything else as it was: deployed, it changes no resource.
 * @returns the template and the logical ids it changed.
 */
export function toRetainedTemplate(deployed: CfnTemplate): { template: CfnTemplate; retained: string[] } {
  const retained: string[] = [];
  const resources = Object.fromEntries(
    Object.entries(deployed.Resources).map(([id, resource]) => {
      if (!(RETAINED_BEFORE_UPGRADE as readonly string[]).includes(resource.Type) || (resource.DeletionPolicy === 'Retain' && resource.UpdateReplacePolicy === 'Retain')) return [id, resource];
      retained.push(id);
      return [id, { ...resource, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' }];
    }),
  );
  return { template: { ...deployed, Resources: resources }, retained };
}

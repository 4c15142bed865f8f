import type { FleetConfig } from '../../cdk/lib/fleet-config';
import type { CheckResult } from '../../core/prerequisites';

/** The checks of the fleet file and of the account and region, before a deploy. */
export const ACCOUNT_CHECKS = { fleetFile: 'fleet-file', cdkBootstrap: 'cdk-bootstrap' } as const;

/** The name of the stack `cdk bootstrap` deploys. */
export const DEFAULT_TOOLKIT_STACK = 'CDKToolkit';

/**
 * Stack states in which the bootstrap resources are usable.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html
 */
const USABLE_STACK_STATES = ['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE'];

/** The fleet file is valid: the CDK app's own validation passed (fleet) or failed (error message). */
export function checkFleetFile(source: string, fleet: FleetConfig | { readonly error: string }): CheckResult {
  const check = ACCOUNT_CHECKS.fleetFile;
  if ('error' in fleet) return { cluster: null, check, ok: false, message: fleet.error, fix: 'correct the fleet file (fields: cdk/README.md; example: fleet.example.json)' };
  const n = fleet.clusters.length;
  return { cluster: null, check, ok: true, message: `${source}: ${n} cluster${n === 1 ? '' : 's'}, agent identity ${fleet.agentIdentity}, applier access ${fleet.applierAccess}` };
}

/** The CDK bootstrap stack exists in a usable state. @param status undefined when the stack does not exist. */
export function checkCdkBootstrap(stackName: string, status: string | undefined, region: string): CheckResult {
  const check = ACCOUNT_CHECKS.cdkBootstrap;
  if (status === undefined) {
    return { cluster: null, check, ok: false, message: `the CDK bootstrap stack ${stackName} does not exist in ${region}`, fix: `npx cdk bootstrap aws://<account>/${region} (once per account and region)` };
  }
  if (!USABLE_STACK_STATES.includes(status)) {
    return { cluster: null, check, ok: false, message: `the CDK bootstrap stack ${stackName} is ${status}`, fix: `see its events in the CloudFormation console; if it failed to create, delete it and run npx cdk bootstrap again` };
  }
  return { cluster: null, check, ok: true, message: `the CDK bootstrap stack ${stackName} is ${status}` };
}

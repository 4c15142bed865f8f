import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { KubeConfig } from '@kubernetes/client-node';
import type { FleetConfig } from '../../cdk/lib/fleet-config';
import { ConfigError } from '../../core/errors';
import type { CheckResult } from '../../core/prerequisites';
import { createDeploymentReader, createMetricReads, createPrerequisiteReads } from './aws-reads';
import { createKubeReads } from './kube-reads';
import { createLogStreamReader } from './log-stream-reader';
import { createStreamReader } from './stream-reader';
import { runDoctor, type DoctorScope } from './run-doctor';

/**
 * The composition root of `kinsight doctor` against AWS: the SDK clients of the user's credentials
 * in the region, the user's kubeconfig, the checks. doctor-command.ts loads this module only when the
 * doctor runs, so that the other commands do not pay for these clients at start.
 */

/** The region of the SDK's configuration chain (environment, profile), or undefined. */
export async function readProfileRegion(): Promise<string | undefined> {
  const probe = new EKSClient({});
  try {
    return await probe.config.region();
  } catch {
    // No region anywhere in the SDK's chain: the caller says how to give one.
    return undefined;
  } finally {
    probe.destroy();
  }
}

function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
  } catch (error) {
    throw new ConfigError(`cannot read kubeconfig "${path ?? '(default)'}": ${(error as Error).message}; expected a readable kubeconfig file (YAML or JSON)`, { cause: error });
  }
  return kc;
}

/** What {@link runAwsDoctor} checks, and where. */
export interface AwsDoctorOptions {
  readonly fleet: FleetConfig;
  readonly region: string;
  readonly scope: DoctorScope;
  /** `--context CLUSTER=CONTEXT` values. */
  readonly contexts: ReadonlyMap<string, string>;
  /** @default KUBECONFIG or ~/.kube/config */
  readonly kubeconfig?: string;
  readonly toolkitStackName: string;
  /** The kinsight stack (cdk context kinsightStackName). */
  readonly stackName: string;
  readonly nowMs: number;
}

/** Runs the doctor's checks of a valid fleet against AWS and the clusters' API servers. */
export async function runAwsDoctor(options: AwsDoctorOptions): Promise<CheckResult[]> {
  const { region } = options;
  const kc = options.scope === 'before-deploy' ? undefined : loadKubeConfig(options.kubeconfig);
  const clients = {
    eks: new EKSClient({ region }),
    iam: new IAMClient({ region }),
    ec2: new EC2Client({ region }),
    cloudFormation: new CloudFormationClient({ region }),
    cloudWatch: new CloudWatchClient({ region }),
    logs: new CloudWatchLogsClient({ region }),
    kinesis: new KinesisClient({ region }),
  };
  try {
    return await runDoctor(
      { fleet: options.fleet, region, scope: options.scope, toolkitStackName: options.toolkitStackName, nowMs: options.nowMs },
      {
        aws: createPrerequisiteReads(clients),
        ...(kc
          ? {
              pipeline: {
                logStreams: createLogStreamReader(clients.logs),
                agent: createKubeReads(kc, options.contexts),
                metrics: createMetricReads(clients.cloudWatch),
                deployment: createDeploymentReader(clients.cloudFormation, options.stackName, createStreamReader(clients.kinesis)),
              },
            }
          : {}),
      },
    );
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}

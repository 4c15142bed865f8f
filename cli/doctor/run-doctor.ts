import type { FleetConfig, PrivateEndpoint } from '../../cdk/lib/fleet-config';
import { parseDuration } from '../../core/duration';
import { toSnippet } from '../../core/errors';
import { toPerformanceLogGroup } from '../../core/limits';
import {
  checkAuthenticationMode,
  checkClusterActive,
  checkOidcProvider,
  checkPodIdentityAgent,
  type AddonFacts,
  type CheckResult,
  type ClusterFacts,
  type OidcProviderFacts,
} from '../../core/prerequisites';
import { POLLER_NODE_NAME } from '../../lambdas/poller/poll';
import { checkCdkBootstrap } from './account-checks';
import { checkPrivateEndpoint, checkRegionalServices, type NetworkFacts } from './network-checks';
import {
  checkAgentDaemonSet,
  checkEnricher,
  checkStack,
  checkStream,
  checkPoller,
  checkSilentNodes,
  toExpectedNodes,
  type AgentRead,
  type DeploymentFacts,
  type EnricherCounts,
  type LogStreamFacts,
} from './pipeline-checks';

/** What DescribeCluster said, with the fields the network and Kubernetes checks read. */
export interface ClusterDetails extends ClusterFacts {
  readonly arn?: string;
  /** The API server URL. */
  readonly endpoint?: string;
  readonly vpcId?: string;
  readonly endpointPrivateAccess?: boolean;
  /** The cluster security group and the additional ones. */
  readonly securityGroupIds: readonly string[];
}

/** The AWS reads of the checks before a deploy (cli/doctor/aws-reads.ts; plain objects in tests). */
export interface PrerequisiteReads {
  /** undefined when the cluster does not exist. */
  describeCluster(name: string): Promise<ClusterDetails | undefined>;
  /** undefined when the cluster has no Pod Identity Agent add-on. */
  podIdentityAgent(cluster: string): Promise<AddonFacts | undefined>;
  /** undefined when IAM has no such provider. */
  oidcProvider(arn: string): Promise<OidcProviderFacts | undefined>;
  network(placement: PrivateEndpoint, cluster: ClusterDetails): Promise<NetworkFacts>;
  /** A CloudFormation stack's status; undefined when it does not exist. */
  stackStatus(name: string): Promise<string | undefined>;
}

/** Pipeline metrics (CloudWatch GetMetricData); absent where there are none (local mode). */
export interface MetricReads {
  enricherCounts(windowMs: number, nowMs: number): Promise<EnricherCounts>;
  /** The time of the last successful poll of each cluster within the search window. */
  lastPollSuccess(clusters: readonly string[], searchMs: number, nowMs: number): Promise<ReadonlyMap<string, number>>;
}

/** The reads of the pipeline checks. */
export interface PipelineReads {
  /** The streams of a log group; undefined when the group does not exist. */
  logStreams(logGroup: string): Promise<LogStreamFacts[] | undefined>;
  /** The agent's DaemonSet and pods in a cluster. */
  agent(cluster: string, details: ClusterDetails | undefined): Promise<AgentRead>;
  readonly metrics?: MetricReads;
  /** The kinsight stack and its stream (the local pipeline: its stream only). */
  deployment(): Promise<DeploymentFacts>;
}

/** Which checks to run. */
export type DoctorScope = 'all' | 'before-deploy' | 'pipeline';

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  readonly fleet: FleetConfig;
  readonly region: string;
  readonly scope: DoctorScope;
  /** @default 'CDKToolkit' */
  readonly toolkitStackName: string;
  readonly nowMs: number;
  /** Window of the enricher's counters. @default 1 hour */
  readonly metricsWindowMs?: number;
  /** How far back a successful poll is searched. @default 3 hours */
  readonly pollSearchMs?: number;
}

const HOUR_MS = 3_600_000;

/** Why a read failed, in one line: the SDK's error name and message, or the error's. */
export function describeReadError(error: unknown): string {
  const e = error as { name?: string; message?: string; Code?: string } | null;
  const name = e?.name && e.name !== 'Error' ? `${e.name}: ` : '';
  return toSnippet(`${name}${e?.message ?? String(error)}`, 300);
}

/** What to do about a read that threw: credentials, network, or (the rest) permissions. */
function toReadFix(error: unknown): string {
  const e = error as { name?: string; code?: string; cause?: { code?: string } } | null;
  if (e?.name === 'CredentialsProviderError') return 'give the doctor AWS credentials (AWS_PROFILE, aws sso login, or the AWS_ACCESS_KEY_ID variables)';
  const code = e?.code ?? e?.cause?.code;
  if (code && /^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN)$/.test(code)) return 'check the network path to the AWS endpoints (proxy, firewall, AWS_ENDPOINT_URL)';
  return 'the doctor reads with your AWS credentials and kubeconfig: see "kinsight doctor" in docs/operations.md for the read permissions it needs';
}

/** The failed result of a check whose read threw. */
function unreadable(cluster: string | null, check: string, error: unknown): CheckResult {
  return { cluster, check, ok: false, message: `could not check: ${describeReadError(error)}`, fix: toReadFix(error) };
}

async function guarded(cluster: string | null, check: string, run: () => Promise<CheckResult | CheckResult[]>): Promise<CheckResult[]> {
  try {
    const r = await run();
    return Array.isArray(r) ? r : [r];
  } catch (error) {
    return [unreadable(cluster, check, error)];
  }
}

/**
 * Runs the checks of a fleet, cluster by cluster, and returns one result per check in the order they
 * are printed: the account's, then each cluster's prerequisites and pipeline, then the enricher's.
 * A read that fails makes its check fail with the reason; the other checks go on. Nothing is written.
 */
export async function runDoctor(options: DoctorOptions, reads: { readonly aws?: PrerequisiteReads; readonly pipeline?: PipelineReads }): Promise<CheckResult[]> {
  const { fleet, region, nowMs } = options;
  const before = options.scope !== 'pipeline' && reads.aws;
  const after = options.scope !== 'before-deploy' && reads.pipeline;
  const results: CheckResult[] = [];
  if (before) results.push(...(await guarded(null, 'cdk-bootstrap', async () => checkCdkBootstrap(options.toolkitStackName, await reads.aws!.stackStatus(options.toolkitStackName), region))));

  if (after) {
    results.push(
      ...(await guarded(null, 'stream', async () => {
        const deployment = await reads.pipeline!.deployment();
        if (!deployment.stack) return checkStream(deployment.stream);
        const stack = checkStack(deployment.stack, region);
        // A stack that is missing, failed or busy says it all: a stream line would only repeat it.
        return stack.ok ? [stack, checkStream(deployment.stream)] : [stack];
      })),
    );
  }

  const interval = parseDuration(fleet.interval);
  const intervalMs = interval.ok ? interval.value : 60_000;
  const searchMs = options.pollSearchMs ?? 3 * HOUR_MS;
  let lastPolls: ReadonlyMap<string, number> | undefined;
  if (after && reads.pipeline!.metrics) {
    try {
      lastPolls = await reads.pipeline!.metrics.lastPollSuccess(fleet.clusters.map((c) => c.name), searchMs, nowMs);
    } catch (error) {
      results.push(unreadable(null, 'poller', error));
    }
  }

  for (const cluster of fleet.clusters) {
    const name = cluster.name;
    let details: ClusterDetails | undefined;
    if (reads.aws) {
      try {
        details = await reads.aws.describeCluster(name);
        results.push(checkClusterActive(name, details, region));
      } catch (error) {
        results.push(unreadable(name, 'cluster-active', error));
        continue;
      }
      // Without the cluster, every other check would only repeat that it is missing.
      if (!details || details.status !== 'ACTIVE') continue;
    }
    if (before && details) {
      const aws = reads.aws!;
      const found = details;
      results.push(checkAuthenticationMode(name, found));
      if (fleet.agentIdentity === 'pod-identity') {
        results.push(...(await guarded(name, 'pod-identity-agent', async () => checkPodIdentityAgent(name, await aws.podIdentityAgent(name), fleet.installPodIdentityAgent))));
      } else {
        const arn = cluster.oidcProviderArn as string;
        results.push(...(await guarded(name, 'oidc-provider', async () => checkOidcProvider(name, arn, found, await aws.oidcProvider(arn)))));
      }
      const placement = cluster.private;
      if (placement) {
        results.push(
          ...(await guarded(name, 'private-endpoint', async () => {
            const network = await aws.network(placement, found);
            return [checkPrivateEndpoint(name, placement, network), checkRegionalServices(name, placement, network, region)];
          })),
        );
      }
    }
    if (after) {
      const pipeline = reads.pipeline!;
      const agent = await pipeline.agent(name, details).catch((error: unknown): AgentRead => ({ kind: 'unreadable', message: `could not read the agent: ${describeReadError(error)}`, fix: 'check the kubeconfig context of the cluster (--context)' }));
      results.push(checkAgentDaemonSet(name, agent));
      const logGroup = toPerformanceLogGroup(name);
      let streams: LogStreamFacts[] | undefined;
      try {
        streams = await pipeline.logStreams(logGroup);
        const expected = agent.kind === 'found' ? toExpectedNodes(agent.pods) : undefined;
        results.push(checkSilentNodes(name, logGroup, streams, expected, intervalMs, nowMs, [POLLER_NODE_NAME]));
      } catch (error) {
        results.push(unreadable(name, 'silent-nodes', error));
      }
      if (lastPolls) {
        results.push(checkPoller(name, lastPolls.get(name), nowMs, 'metric kinsight/PollSuccesses', searchMs));
      } else if (!pipeline.metrics && streams) {
        // No metrics (local mode): the poller's own log stream, written on every successful poll, tells the time.
        const stream = streams.find((s) => s.name === POLLER_NODE_NAME);
        const last = stream ? Math.max(stream.lastEventMs ?? -Infinity, stream.lastIngestionMs ?? -Infinity) : -Infinity;
        results.push(checkPoller(name, Number.isFinite(last) ? last : undefined, nowMs, `log stream ${POLLER_NODE_NAME}`, searchMs));
      }
    }
  }

  if (after && reads.pipeline!.metrics) {
    const windowMs = options.metricsWindowMs ?? HOUR_MS;
    results.push(...(await guarded(null, 'enricher', async () => checkEnricher(await reads.pipeline!.metrics!.enricherCounts(windowMs, nowMs), windowMs))));
  }
  return results;
}

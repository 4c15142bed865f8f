import { AGENT_NAME, AGENT_NAMESPACE } from '../../core/agent-manifest';
import type { CheckResult } from '../../core/prerequisites';

/**
 * Whether the deployed pipeline runs: pure checks over what the Kubernetes API, CloudWatch Logs and
 * CloudWatch metrics said. They answer "why are there no metrics?": agents not running, agents
 * running but silent, records the enricher rejects, a poller that no longer succeeds.
 */

/** The check names of this file. */
export const PIPELINE_CHECKS = {
  stack: 'stack',
  stream: 'stream',
  agentDaemonSet: 'agent-daemonset',
  silentNodes: 'silent-nodes',
  enricher: 'enricher',
  poller: 'poller',
} as const;

/** A node is silent when its last record is older than this many agent intervals. */
export const SILENT_AFTER_INTERVALS = 2;

/** A poller whose last success is older than this is failing (it runs every minute). */
export const POLLER_STALE_MS = 5 * 60_000;

/** The parts of a Kubernetes Pod the checks read (the API's JSON). */
export interface PodJson {
  readonly metadata?: { readonly name?: string };
  readonly spec?: { readonly nodeName?: string };
  readonly status?: {
    readonly phase?: string;
    readonly startTime?: string | Date;
    readonly conditions?: readonly { readonly type?: string; readonly status?: string; readonly reason?: string; readonly message?: string }[];
    readonly containerStatuses?: readonly {
      readonly ready?: boolean;
      readonly state?: { readonly waiting?: { readonly reason?: string; readonly message?: string }; readonly terminated?: { readonly reason?: string; readonly exitCode?: number } };
      readonly lastState?: { readonly terminated?: { readonly reason?: string; readonly exitCode?: number } };
    }[];
  };
}

/** The parts of the agent's DaemonSet the checks read. */
export interface DaemonSetJson {
  readonly status?: { readonly desiredNumberScheduled?: number; readonly numberReady?: number };
}

/** What the Kubernetes API said about the agent in one cluster. */
export type AgentRead =
  | { readonly kind: 'found'; readonly daemonSet: DaemonSetJson; readonly pods: readonly PodJson[] }
  | { readonly kind: 'missing' }
  /** The API could not be asked (no context, refused credentials, unreachable). */
  | { readonly kind: 'unreadable'; readonly message: string; readonly fix: string };

/** One log stream of a performance log group. */
export interface LogStreamFacts {
  readonly name: string;
  readonly lastEventMs?: number;
  readonly lastIngestionMs?: number;
}

/** What Kinesis DescribeStreamSummary said about the pipeline's stream. */
export interface StreamFacts {
  readonly name: string;
  /** `ACTIVE`, `CREATING`, `UPDATING`, `DELETING`. */
  readonly status?: string;
  /** `ON_DEMAND` or `PROVISIONED`. */
  readonly mode?: string;
  readonly openShards?: number;
}

/** The kinsight stack (none in local mode) and the stream the agents write to (undefined: not found). */
export interface DeploymentFacts {
  readonly stack?: { readonly name: string; readonly status?: string };
  readonly stream?: StreamFacts;
}

/** The enricher's counters over a window (CloudWatch metrics of the pipeline namespace). */
export interface EnricherCounts {
  readonly records: number;
  readonly poison: number;
  readonly failedRecords: number;
}

/**
 * The kinsight stack is deployed and not failed or busy.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html
 */
export function checkStack(stack: { readonly name: string; readonly status?: string }, region: string): CheckResult {
  const check = PIPELINE_CHECKS.stack;
  if (!stack.status) {
    return { cluster: null, check, ok: false, message: `the kinsight stack ${stack.name} does not exist in ${region}`, fix: 'npx cdk deploy -c kinsightConfig=<fleet file> (a stack of another name: --stack-name)' };
  }
  if (/_IN_PROGRESS$/.test(stack.status)) {
    return { cluster: null, check, ok: false, message: `the kinsight stack ${stack.name} is ${stack.status}`, fix: 'run the doctor again once the stack operation has finished' };
  }
  if (/FAILED$/.test(stack.status) || stack.status === 'ROLLBACK_COMPLETE' || stack.status === 'DELETE_COMPLETE') {
    return { cluster: null, check, ok: false, message: `the kinsight stack ${stack.name} is ${stack.status}`, fix: 'its events in the CloudFormation console name the resource that failed (a Custom::KinsightAgent names the cluster and the missing prerequisite)' };
  }
  return { cluster: null, check, ok: true, message: `the kinsight stack ${stack.name} is ${stack.status}` };
}

/** The stream the agents write to exists and is ACTIVE. */
export function checkStream(stream: StreamFacts | undefined): CheckResult {
  const check = PIPELINE_CHECKS.stream;
  if (!stream) return { cluster: null, check, ok: false, message: 'the kinsight stack has no Kinesis stream', fix: 'deploy the stack again (npx cdk deploy): the stream is one of its resources' };
  const shape = [stream.mode, stream.openShards === undefined ? undefined : `${stream.openShards} open shard${stream.openShards === 1 ? '' : 's'}`].filter(Boolean).join(', ');
  if (stream.status !== 'ACTIVE') {
    return { cluster: null, check, ok: false, message: `Kinesis stream ${stream.name} is ${stream.status ?? 'of unknown status'}; expected ACTIVE`, fix: 'wait until it is ACTIVE (aws kinesis describe-stream-summary); agents cannot write meanwhile' };
  }
  return { cluster: null, check, ok: true, message: `Kinesis stream ${stream.name} is ACTIVE${shape ? ` (${shape})` : ''}` };
}

const isReady = (pod: PodJson): boolean =>
  pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Why a pod is not ready, in the words of its status: `CrashLoopBackOff: back-off ...; last exit Error (1)`. */
export function toPodReason(pod: PodJson): string {
  const status = pod.status ?? {};
  const unscheduled = (status.conditions ?? []).find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled) return `${status.phase ?? 'Pending'}: ${unscheduled.message ?? unscheduled.reason ?? 'not scheduled'}`;
  const container = (status.containerStatuses ?? []).find((c) => !c.ready) ?? status.containerStatuses?.[0];
  const waiting = container?.state?.waiting;
  const terminated = container?.state?.terminated;
  const last = container?.lastState?.terminated;
  const now = waiting ? `${waiting.reason ?? 'Waiting'}${waiting.message ? `: ${waiting.message}` : ''}` : terminated ? `Terminated ${terminated.reason ?? ''} (${terminated.exitCode ?? '?'})`.replace('  ', ' ') : `${status.phase ?? 'Unknown'}, not ready`;
  return last ? `${now}; last exit ${last.reason ?? 'unknown'} (${last.exitCode ?? '?'})` : now;
}

/** Milliseconds as a short age: `45 s`, `14 min`, `3 h`, `2 d`. */
export function toAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 2 * 3600) return `${Math.round(s / 60)} min`;
  if (s < 2 * 86_400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

const MAX_LISTED = 5;
const list = (items: readonly string[]): string => (items.length > MAX_LISTED ? `${items.slice(0, MAX_LISTED).join(', ')} and ${items.length - MAX_LISTED} more` : items.join(', '));

/** The agent's DaemonSet exists and every pod it wants is ready; names the pods that are not, and why. */
export function checkAgentDaemonSet(cluster: string, read: AgentRead): CheckResult {
  const check = PIPELINE_CHECKS.agentDaemonSet;
  const ds = `DaemonSet ${AGENT_NAMESPACE}/${AGENT_NAME}`;
  if (read.kind === 'unreadable') return { cluster, check, ok: false, message: read.message, fix: read.fix };
  if (read.kind === 'missing') {
    return { cluster, check, ok: false, message: `${ds} does not exist`, fix: 'deploy the stack (npx cdk deploy), or apply `kinsight manifest` (docs/operations.md)' };
  }
  const desired = read.daemonSet.status?.desiredNumberScheduled ?? 0;
  const ready = read.daemonSet.status?.numberReady ?? 0;
  if (desired === 0) {
    return { cluster, check, ok: false, message: `${ds} schedules no pod: no Linux EC2 node matches it`, fix: 'the agent runs on Linux EC2 nodes (not Fargate); add such a node group' };
  }
  const notReady = read.pods.filter((p) => !isReady(p)).map((p) => `${p.metadata?.name ?? '?'} on ${p.spec?.nodeName ?? 'no node'} (${toPodReason(p)})`);
  if (ready < desired || notReady.length > 0) {
    return {
      cluster,
      check,
      ok: false,
      message: `${ds}: ${ready}/${desired} pods ready${notReady.length > 0 ? `; not ready: ${list(notReady)}` : ''}`,
      fix: `kubectl -n ${AGENT_NAMESPACE} describe pod <pod>; kubectl -n ${AGENT_NAMESPACE} logs <pod> --previous ("no AWS credentials": the Pod Identity association or add-on was missing when the pod started; delete the pod once they exist)`,
    };
  }
  return { cluster, check, ok: true, message: `${ds}: ${ready}/${desired} pods ready` };
}

/** Where the agent should be running: a node and since when (its pod's start). */
export interface ExpectedNode {
  readonly node: string;
  readonly sinceMs?: number;
}

/** The nodes of the agent's pods, each with its pod's start time. */
export function toExpectedNodes(pods: readonly PodJson[]): ExpectedNode[] {
  return pods
    .filter((p) => p.spec?.nodeName)
    .map((p) => {
      const start = p.status?.startTime;
      const sinceMs = start === undefined ? undefined : new Date(start).getTime();
      return { node: p.spec!.nodeName!, ...(sinceMs !== undefined && Number.isFinite(sinceMs) ? { sinceMs } : {}) };
    });
}

/** Streams of the last hour count as nodes when the Kubernetes API could not say which nodes run the agent. */
const RECENT_STREAM_MS = 3_600_000;

/**
 * Every node that runs the agent wrote a record within {@link SILENT_AFTER_INTERVALS} intervals:
 * the last event (or ingestion) time of its log stream in the performance log group.
 * @param streams undefined when the log group does not exist.
 * @param expected the nodes of the agent's pods; undefined when the API could not be read (then the
 *   streams written in the last hour stand for the nodes).
 * @param otherStreams streams of the group that are no node's (the poller's).
 */
export function checkSilentNodes(
  cluster: string,
  logGroup: string,
  streams: readonly LogStreamFacts[] | undefined,
  expected: readonly ExpectedNode[] | undefined,
  intervalMs: number,
  nowMs: number,
  otherStreams: readonly string[],
): CheckResult {
  const check = PIPELINE_CHECKS.silentNodes;
  if (!streams) {
    return { cluster, check, ok: false, message: `log group ${logGroup} does not exist`, fix: 'deploy the stack (npx cdk deploy): it creates the group, and the enricher writes there once records arrive' };
  }
  const thresholdMs = SILENT_AFTER_INTERVALS * intervalMs;
  const lastOf = new Map<string, number>();
  for (const s of streams) {
    if (otherStreams.includes(s.name)) continue;
    const last = Math.max(s.lastEventMs ?? -Infinity, s.lastIngestionMs ?? -Infinity);
    if (Number.isFinite(last)) lastOf.set(s.name, last);
  }
  const nodes: ExpectedNode[] = expected
    ? [...expected]
    : [...lastOf.entries()].filter(([, last]) => nowMs - last <= RECENT_STREAM_MS).map(([node]) => ({ node }));
  if (nodes.length === 0) {
    return { cluster, check, ok: false, message: `no node wrote to ${logGroup} in the last hour`, fix: 'see the agent-daemonset line: no agent runs, or none of them can write (credentials, network)' };
  }
  const silent: string[] = [];
  const ages: number[] = [];
  for (const { node, sinceMs } of nodes.sort((a, b) => a.node.localeCompare(b.node))) {
    const last = lastOf.get(node);
    // An agent that started less than the threshold ago has not had the time to be heard.
    if (sinceMs !== undefined && nowMs - sinceMs <= thresholdMs && (last === undefined || last < sinceMs)) continue;
    if (last === undefined) silent.push(`${node} (no record)`);
    else if (nowMs - last > thresholdMs) silent.push(`${node} (last record ${toAge(nowMs - last)} ago)`);
    else ages.push(nowMs - last);
  }
  const source = expected ? '' : ' (nodes: the log streams of the last hour; the Kubernetes API was not read)';
  if (silent.length > 0) {
    return {
      cluster,
      check,
      ok: false,
      message: `${silent.length} of ${nodes.length} nodes silent for more than ${SILENT_AFTER_INTERVALS} intervals (${toAge(thresholdMs)}): ${list(silent)}${source}`,
      fix: `their agents do not run or their records do not arrive: see agent-daemonset; \`kubectl -n ${AGENT_NAMESPACE} logs <pod on the node>\` shows PutRecords errors (credentials: Pod Identity association and add-on, or the IRSA role); then the enricher line`,
    };
  }
  const heard = ages.length > 0 ? `, oldest last record ${toAge(Math.max(...ages))} ago` : '';
  return { cluster, check, ok: true, message: `every node's agent wrote within ${SILENT_AFTER_INTERVALS} intervals (${nodes.length} nodes${heard})${source}` };
}

/** The enricher read records in the window and counted none poison or failed. */
export function checkEnricher(counts: EnricherCounts, windowMs: number): CheckResult {
  const check = PIPELINE_CHECKS.enricher;
  const window = `in the last ${toAge(windowMs)}`;
  if (counts.records === 0) {
    return {
      cluster: null,
      check,
      ok: false,
      message: `the enricher read no record ${window}`,
      fix: 'no agent writes (see agent-daemonset and silent-nodes), or its Kinesis event source mapping is disabled: aws lambda list-event-source-mappings',
    };
  }
  if (counts.poison > 0 || counts.failedRecords > 0) {
    return {
      cluster: null,
      check,
      ok: false,
      message: `the enricher counted ${counts.poison} poison and ${counts.failedRecords} failed records of ${counts.records} ${window}`,
      fix: "its log group names each reason (poison: records it can never read, dropped; failed: retried, then sent to the failure queue); see docs/enricher.md",
    };
  }
  return { cluster: null, check, ok: true, message: `the enricher read ${counts.records} records ${window}, none poison or failed` };
}

/**
 * The poller succeeded within {@link POLLER_STALE_MS}.
 * @param lastSuccessMs undefined when no success is on record.
 * @param source where the time comes from, for the message.
 */
export function checkPoller(cluster: string, lastSuccessMs: number | undefined, nowMs: number, source: string, searchedMs: number): CheckResult {
  const check = PIPELINE_CHECKS.poller;
  const fix =
    'the poller\'s log group names the reason of each failed poll (metric kinsight/PollFailures); usual causes: its EKS access entry, the kinsight-poller ClusterRole binding, the network of a private endpoint';
  if (lastSuccessMs === undefined) return { cluster, check, ok: false, message: `no successful poll in the last ${toAge(searchedMs)} (${source})`, fix };
  if (nowMs - lastSuccessMs > POLLER_STALE_MS) return { cluster, check, ok: false, message: `last successful poll ${toAge(nowMs - lastSuccessMs)} ago (${source})`, fix };
  return { cluster, check, ok: true, message: `last successful poll ${toAge(nowMs - lastSuccessMs)} ago (${source})` };
}

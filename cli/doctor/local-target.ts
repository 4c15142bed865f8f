import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { parseFleetConfig } from '../../cdk/lib/fleet-config';
import { AGENT_NAME, AGENT_NAMESPACE } from '../../core/agent-manifest';
import { parseDuration } from '../../core/duration';
import { ConfigError } from '../../core/errors';
import type { CheckResult } from '../../core/prerequisites';
import { toKubeConfig } from '../../lambdas/common/kube-client';
import type { KubeObject } from '../../core/agent-manifest';
import type { ClusterState } from '../../sim/cluster/cluster-state';
import type { ExtraKubeObjects, LocalEndpoints, LocalPipeline } from '../local/local-pipeline';
import { parseFlags } from '../parse-flags';
import { createLogStreamReader } from './log-stream-reader';
import { createStreamReader } from './stream-reader';
import { createKubeReads } from './kube-reads';
import { runDoctor } from './run-doctor';

/**
 * `kinsight doctor --local DIR`: the doctor's pipeline checks against the pipeline `kinsight local
 * --out DIR` runs (npm start). The local pipeline writes where its services listen to
 * `DIR/.kinsight-local.json`; the doctor reads the local CloudWatch Logs endpoint and the local
 * Kubernetes API server (and its Kinesis stream) from there, exactly as it reads AWS and EKS. There are no
 * CloudWatch metrics locally: the poller's last success comes from its log stream, and the enricher's
 * counters are not checked.
 */

/** The file, in the local pipeline's output folder, that says where its services listen. */
export const LOCAL_TARGET_FILE = '.kinsight-local.json';

/** What that file holds. */
export interface LocalTarget {
  readonly cluster: string;
  readonly intervalMs: number;
  readonly endpoints: LocalEndpoints;
}

/** Writes the target file of a running local pipeline; returns what removes it (at stop). */
export function writeLocalTarget(pipeline: Pick<LocalPipeline, 'outDir' | 'cluster' | 'endpoints' | 'status'>): () => void {
  const path = join(pipeline.outDir, LOCAL_TARGET_FILE);
  const target: LocalTarget = { cluster: pipeline.cluster, intervalMs: pipeline.status().intervalMs, endpoints: pipeline.endpoints };
  writeFileSync(path, `${JSON.stringify(target, null, 2)}\n`, { mode: 0o600 });
  return () => rmSync(path, { force: true });
}

/** Reads the target file of the local pipeline writing to `dir`. */
export function readLocalTarget(dir: string): LocalTarget {
  const path = join(resolve(dir), LOCAL_TARGET_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`no local pipeline writes to ${resolve(dir)} (${path} is missing); start one with npm start (kinsight local --out ${dir})`, { cause: error });
  }
  const target = JSON.parse(text) as LocalTarget;
  if (typeof target?.cluster !== 'string' || typeof target.intervalMs !== 'number' || typeof target.endpoints?.logs !== 'string' || typeof target.endpoints.kube?.server !== 'string') {
    throw new ConfigError(`${path} is not the file of a local pipeline; restart npm start`);
  }
  return target;
}

/** The pipeline checks of the local pipeline writing to `dir`, at `nowMs`. */
export async function runLocalDoctor(dir: string, nowMs: number): Promise<CheckResult[]> {
  const target = readLocalTarget(dir);
  const { endpoints } = target;
  const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 };
  const logs = new CloudWatchLogsClient({ ...local, endpoint: endpoints.logs });
  // kinesalite speaks HTTP/1.1 only.
  const kinesis = new KinesisClient({ ...local, endpoint: endpoints.kinesis, requestHandler: new NodeHttpHandler() });
  const readStream = createStreamReader(kinesis);
  // The local pipeline's intervals go below the fleet file's 10 s minimum: the fleet is the cluster, with that interval.
  const fleet = { ...parseFleetConfig({ clusters: [{ name: target.cluster }] }, LOCAL_TARGET_FILE), interval: `${target.intervalMs}ms` };
  const kc = toKubeConfig({ server: endpoints.kube.server, caData: endpoints.kube.caPem, token: endpoints.kube.token, name: target.cluster });
  try {
    return await runDoctor(
      { fleet, region: 'local', scope: 'pipeline', toolkitStackName: '', nowMs },
      {
        pipeline: {
          logStreams: createLogStreamReader(logs),
          agent: createKubeReads(kc, new Map()),
          // No stack locally: the stream is the pipeline's own.
          deployment: async () => {
            const stream = await readStream(endpoints.streamName);
            return stream ? { stream } : {};
          },
        },
      },
    );
  } finally {
    logs.destroy();
    kinesis.destroy();
  }
}

/** When the pipeline started: the agent pods' start time. */
const toIso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The agent's DaemonSet and one Running, Ready pod per node of the simulated cluster, as the API
 * server of a cluster with kinsight deployed shows them (a stopped local agent keeps its pod: the
 * case of an agent whose every PutRecords fails, which only the silent-nodes check sees).
 */
export function toLocalAgentObjects(startedMs: number): (state: ClusterState) => ExtraKubeObjects {
  const started = toIso(startedMs);
  return (state) => {
    const n = state.nodes.length;
    const labels = { 'app.kubernetes.io/name': AGENT_NAME, 'app.kubernetes.io/part-of': 'kinsight' };
    const daemonSet: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: AGENT_NAME, namespace: AGENT_NAMESPACE, uid: 'ds-kinsight-agent', labels },
      spec: { selector: { matchLabels: { 'app.kubernetes.io/name': AGENT_NAME } } },
      status: { desiredNumberScheduled: n, currentNumberScheduled: n, numberReady: n, numberAvailable: n, updatedNumberScheduled: n },
    };
    const pods: KubeObject[] = state.nodes.map((node, i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${AGENT_NAME}-${(i + 10).toString(36)}x${i}`, namespace: AGENT_NAMESPACE, uid: `pod-kinsight-agent-${i}`, labels },
      spec: { nodeName: node.name },
      status: {
        phase: 'Running',
        startTime: started,
        conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'agent', ready: true, started: true, restartCount: 0, state: { running: { startedAt: started } } }],
      },
    }));
    return { daemonsets: [daemonSet], pods };
  };
}

/** The flag of `kinsight local` that stops one node's agent: `--stop-agent NODE[@TIME]`. */
export const STOP_AGENT_USAGE = '  --stop-agent NODE[@TIME]  stop that node\'s agent after TIME (default 3 intervals): the node goes silent, see kinsight doctor --local';

/** Splits `kinsight local`'s argv into its own flags and `--stop-agent NODE[@TIME]` (parsed here). */
export function takeStopAgentFlag(argv: readonly string[]): { readonly rest: string[]; readonly stop?: { readonly node: string; readonly afterMs?: number } } {
  const at = argv.findIndex((a) => a === '--stop-agent' || a.startsWith('--stop-agent='));
  if (at < 0) return { rest: [...argv] };
  const inline = argv[at].startsWith('--stop-agent=');
  const { 'stop-agent': value } = parseFlags('local', inline ? [argv[at]] : argv.slice(at, at + 2), { 'stop-agent': { type: 'string' } });
  const rest = [...argv.slice(0, at), ...argv.slice(at + (inline ? 1 : 2))];
  const [node, time] = (value ?? '').split('@');
  if (!node) throw new ConfigError('--stop-agent needs a node name, such as --stop-agent ip-10-0-0-5.ec2.internal@30s');
  if (time === undefined) return { rest, stop: { node } };
  const parsed = parseDuration(time);
  if (!parsed.ok) throw new ConfigError(`--stop-agent ${value}: ${parsed.error}`);
  return { rest, stop: { node, afterMs: parsed.value } };
}

/**
 * The doctor's part of `kinsight local`: writes the target file, stops the agent `--stop-agent` names
 * when its time comes; returns what undoes both (at stop).
 */
export function startLocalDoctorHooks(pipeline: LocalPipeline, stop: { readonly node: string; readonly afterMs?: number } | undefined, report: (line: string) => void): () => void {
  const removeTarget = writeLocalTarget(pipeline);
  let timer: NodeJS.Timeout | undefined;
  if (stop) {
    const afterMs = stop.afterMs ?? 3 * pipeline.status().intervalMs;
    timer = setTimeout(() => {
      if (pipeline.stopAgent(stop.node)) report(`kinsight local: stopped the agent of ${stop.node}: the node is silent from now on (kinsight doctor --local ${pipeline.outDir})`);
      else report(`kinsight local: --stop-agent: no node ${stop.node}; nodes: ${pipeline.state().nodes.map((n) => n.name).join(', ')}`);
    }, afterMs);
    timer.unref();
  }
  return () => {
    clearTimeout(timer);
    removeTarget();
  };
}

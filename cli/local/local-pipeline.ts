import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisStreamEvent } from 'aws-lambda';
import { ConfigError } from '../../core/errors';
import { DEFAULT_PROFILE_NAME, PROFILES, type DeclarationProfile, type ProfileName } from '../../core/metrics/profiles';
import { DEFAULT_MAX_RECORD_BYTES, parseRecordData, readRecordEnvelope } from '../../core/record/record-data';
import { createLocalMetadataTable, createLocalStream, startDynalite, startKinesalite, toLocalClientConfig, type LocalService } from '../../sim/aws/local-aws';
import { createKinesisEventSource, type KinesisBatchHandler, type KinesisEventSource } from '../../sim/aws/kinesis-event-source';
import { KubeStore, startKubeApiServer, type KubeApiServer, type KubeResource } from '../../sim/kube/kube-api-server';
import type { KubeObject } from '../../core/agent-manifest';
import type { HostTree } from '../../sim/node/host-tree';
import { createNodeHostTree, syncHostTree } from '../../sim/node/node-host-tree';
import { toKubeObjects, type KubeObjects } from '../../sim/kube/kube-objects';
import { syncKubeStore } from '../../sim/kube/sync-kube-store';
import { advanceClusterState, createClusterState, type ClusterState } from '../../sim/cluster/cluster-state';
import { startDashboardServer, type DashboardServer, type PipelineStatus } from './dashboard/dashboard-server';
import { createEmfFileTail } from './dashboard/emf-file-tail';
import { startKeySecrets, type LocalKeySecret } from './local-key-secret';

/** One node's agent as the pipeline drives it: one collect-and-ship per interval. */
export interface LocalAgent {
  /** Collects one sample at `nowMs` and ships its record; resolves to the records put into Kinesis. */
  runOnce(nowMs: number): Promise<number>;
  /** Stops the agent (its final flush). @default nothing to stop */
  close?(): Promise<void>;
}

/** What an agent of the local pipeline is given. */
export interface LocalAgentOptions {
  readonly cluster: string;
  readonly node: string;
  /** `/` for this machine, a generated host tree for a simulated node. */
  readonly hostRoot: string;
  readonly kinesis: KinesisClient;
  /** The local Kinesis endpoint (kinesalite): the agent sends its own signed requests there. */
  readonly kinesisEndpoint: string;
  readonly streamName: string;
  /** The cluster's signing key secret on the local Secrets Manager, and the agents' credentials. */
  readonly keySecret: LocalKeySecret;
  readonly intervalMs: number;
  /** Where warnings go (the progress output). @default dropped */
  readonly report?: (line: string) => void;
}

/** What the pipeline reads from each enricher invocation's counters (the handler's InvocationSummary). */
export interface LocalEnricherSummary {
  /** Records acknowledged without being written. */
  readonly poison: number;
  /** Of the poison, the records unsigned, forged or signed with a key their cluster does not have (EnricherUnverified). */
  readonly unverified?: number;
}

/** The poller of one cluster as its schedule fires it. */
export interface LocalPoller {
  runOnce(nowMs: number): Promise<void>;
}

/** What the poller of the local pipeline is given. */
export interface LocalPollerOptions {
  readonly cluster: string;
  /** The local API server: URL, CA (PEM) and bearer token. */
  readonly kube: { readonly server: string; readonly caData: string; readonly token: string };
  readonly dynamo: DynamoDBClient;
  readonly tableName: string;
  readonly logs: CloudWatchLogsClient;
  /** Where warnings and errors go (the progress output). */
  readonly report: (line: string) => void;
  /** The Auto Scaling group of an instance (what EC2 tags would say). */
  readonly toAutoScalingGroup: (instanceId: string) => string;
  /** @default classic */
  readonly profile?: DeclarationProfile;
}

/** What the enricher of the local pipeline is given. */
export interface LocalEnricherOptions {
  readonly dynamo: DynamoDBClient;
  readonly tableName: string;
  readonly logs: CloudWatchLogsClient;
  /**
   * The local Secrets Manager as the enricher's principal, which may read every agent key secret:
   * the enricher then requires signed records and verifies them with the clusters' keys, as a fleet's does.
   * @default none: unsigned records are accepted (bench:fleet, whose generated records are unsigned; `kinsight local` always passes one)
   */
  readonly secretsManager?: SecretsManagerClient;
  /** How long a metadata document may be reused: shorter than the interval, so pod changes show up in the next cycle. */
  readonly metadataCacheTtlMs: number;
  /** Where warnings and errors go (the progress output). */
  readonly report: (line: string) => void;
  /** The profile it writes with. @default classic */
  readonly profile?: DeclarationProfile;
  /**
   * Receives the EMF bytes of each batch by profile: the written profile's, and what the other
   * built-in profiles would write for the same records (encoded, not written).
   * @default not measured
   */
  readonly onBytes?: (bytesByProfile: Readonly<Record<string, number>>) => void;
  /** Receives the counters of each invocation of the enricher that writes. @default not read */
  readonly onSummary?: (summary: LocalEnricherSummary) => void;
}

/** A local CloudWatch Logs endpoint that persists events under `dir` as log group / log stream `.jsonl`. */
export interface LocalLogsService extends LocalService {}

/**
 * The real parts the pipeline runs, built by the composition root (`kinsight local`) from the
 * agent, poller and enricher modules; tests pass the same.
 */
export interface LocalPipelineDeps {
  readonly createAgent: (options: LocalAgentOptions) => LocalAgent;
  readonly createPoller: (options: LocalPollerOptions) => LocalPoller;
  readonly createEnricher: (options: LocalEnricherOptions) => KinesisBatchHandler;
  readonly startLogsServer: (dir: string) => Promise<LocalLogsService>;
}

/** Options of {@link startLocalPipeline}. */
export interface LocalPipelineOptions {
  /** @default 'kinsight-local' */
  readonly cluster?: string;
  /** Simulated nodes besides this machine. @default 2 */
  readonly nodes?: number;
  /** Pods per simulated node, its two DaemonSet pods included. @default 8 */
  readonly podsPerNode?: number;
  /** Agent interval and poller schedule. @default 10000 */
  readonly intervalMs?: number;
  /** Where EMF files go, as log group / log stream `.jsonl`. @default './kinsight-out' */
  readonly outDir?: string;
  /** Dashboard port on 127.0.0.1; 0 picks a free one. @default 8787 */
  readonly port?: number;
  /** Serve the dashboard. @default true */
  readonly dashboard?: boolean;
  /** Run this machine's real agent (host root `/`) as one node. @default true */
  readonly localNode?: boolean;
  /** This machine's node name. @default 'local-node' */
  readonly localNodeName?: string;
  /** This machine's CPUs and memory, for its Node object. @default 2 cores, 8 GiB */
  readonly localCapacity?: { readonly cores: number; readonly memTotalBytes: number };
  /** The cycle from which one simulated node is under memory pressure. @default 6 */
  readonly memoryPressureFromCycle?: number;
  /** Per container and cycle probability that a running container of a simulated node restarts. @default 0.03 */
  readonly restartProbability?: number;
  /** Per simulated node and cycle probability that a Deployment pod stops and a new one takes its place. @default 0.15 */
  readonly churnProbability?: number;
  /** Stop after this many cycles. @default run until stopped */
  readonly cycles?: number;
  /** Stop after this long. @default run until stopped */
  readonly durationMs?: number;
  /** Enricher event source: records per invocation. @default 100 */
  readonly batchSize?: number;
  /** Enricher event source: batching window. @default 500 */
  readonly maxBatchingWindowMs?: number;
  /** Seed of the simulated workload. @default 1 */
  readonly seed?: number;
  /** The enricher's and poller's profile. @default 'classic' */
  readonly profile?: ProfileName;
  /** Where the progress lines go. @default discarded */
  readonly onProgress?: (line: string) => void;
  /** @default Date.now */
  readonly now?: () => number;
  /** Waits between cycles; resolves early when the signal aborts. @default a timer */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Stops the pipeline when aborted (Ctrl-C). @default never */
  readonly stopSignal?: AbortSignal;
  /** More API objects of the simulated cluster, synced with its own every interval (the agent's DaemonSet for `kinsight doctor --local`). @default none */
  readonly extraKubeObjects?: (state: ClusterState) => ExtraKubeObjects;
}

/** API objects added to the simulated cluster's own, by resource. */
export type ExtraKubeObjects = Partial<Record<KubeResource, readonly KubeObject[]>>;

/** Where the local services of a running pipeline listen (what `kinsight doctor --local` reads). */
export interface LocalEndpoints {
  readonly kinesis: string;
  readonly streamName: string;
  readonly logs: string;
  readonly kube: { readonly server: string; readonly caPem: string; readonly token: string };
}

/** Figures of one cycle. */
export interface CycleReport {
  readonly cycle: number;
  /** When the agents sampled (the records' and their events' time), ms. */
  readonly atMs: number;
  readonly recordsIn: number;
  readonly eventsOut: number;
  /** Largest agent-sample-to-file lag of the cycle's records, ms. */
  readonly lagMs?: number;
  /** Records the enricher acknowledged without writing them (poison), this cycle. */
  readonly poisonRecords: number;
  /** Of those, the records it could not verify: unsigned, forged, or signed with a key their cluster does not have. */
  readonly unverifiedRecords: number;
  readonly events: readonly string[];
}

/** A running local pipeline. */
export interface LocalPipeline {
  /** The dashboard URL, when served. */
  readonly dashboardUrl?: string;
  readonly outDir: string;
  readonly cluster: string;
  /** The simulated cluster as of the last cycle. */
  readonly state: () => ClusterState;
  readonly status: () => PipelineStatus;
  /** Resolves when the cycles end (bound reached or stopped), with each cycle's figures. */
  readonly done: Promise<CycleReport[]>;
  /** Where its Kinesis, CloudWatch Logs and Kubernetes API servers listen. */
  readonly endpoints: LocalEndpoints;
  /**
   * From the next cycle on, the node's agent sends nothing (the node goes silent, as when every
   * PutRecords of an agent fails). False when no agent has that node name.
   */
  stopAgent(node: string): boolean;
  /** Stops after the cycle in flight and releases everything. */
  stop(): Promise<CycleReport[]>;
}

const STREAM = 'kinsight-records';
const TABLE = 'kinsight-metadata';

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolveSleep) => {
    if (signal.aborted) return resolveSleep();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolveSleep();
    }
    signal.addEventListener('abort', done, { once: true });
  });

// Records are gzip-compressed JSON in a signed envelope; the lag is measured from the sample time the
// agent wrote. Only a measurement: the envelope is opened, not verified (the enricher verifies).
function toSampleTimes(event: KinesisStreamEvent): number[] {
  const times: number[] = [];
  for (const record of event.Records) {
    // A record that cannot be read is the enricher's to reject (poison); it has no lag to report.
    const envelope = readRecordEnvelope(Buffer.from(record.kinesis.data, 'base64'));
    const parsed = envelope.ok ? parseRecordData(envelope.value.payload, DEFAULT_MAX_RECORD_BYTES) : envelope;
    if (parsed.ok) times.push(parsed.value.timeMs);
  }
  return times;
}

/**
 * Starts the whole pipeline on this machine: kinesalite and dynalite on loopback, a local Secrets
 * Manager holding the cluster's signing key, a local Kubernetes API server serving the simulated
 * cluster, one real agent per node (this machine's `/` plus generated host trees) signing its
 * records with that key, the real poller every interval, the real enricher driven like Lambda's
 * event source mapping and verifying every record, EMF files under `outDir`, and the dashboard.
 */
export async function startLocalPipeline(options: LocalPipelineOptions, deps: LocalPipelineDeps): Promise<LocalPipeline> {
  const cluster = options.cluster ?? 'kinsight-local';
  const intervalMs = options.intervalMs ?? 10_000;
  const outDir = resolve(options.outDir ?? 'kinsight-out');
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const progress = options.onProgress ?? (() => undefined);
  const includeLocal = options.localNode ?? true;
  const localName = options.localNodeName ?? 'local-node';
  const profile = PROFILES[options.profile ?? DEFAULT_PROFILE_NAME];
  mkdirSync(outDir, { recursive: true });

  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        progress(`kinsight local: cleanup step failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };

  try {
    const [kinesisService, dynamoService] = await Promise.all([startKinesalite(), startDynalite()]);
    cleanups.push(() => kinesisService.close(), () => dynamoService.close());
    const logsService = await deps.startLogsServer(outDir);
    cleanups.push(() => logsService.close());
    const kinesis = new KinesisClient({ ...toLocalClientConfig(kinesisService.endpoint), requestHandler: new NodeHttpHandler() });
    const dynamo = new DynamoDBClient(toLocalClientConfig(dynamoService.endpoint));
    const logs = new CloudWatchLogsClient({ ...toLocalClientConfig(logsService.endpoint), maxAttempts: 1 }); // as in the Lambdas: the log writer alone retries
    cleanups.push(() => kinesis.destroy(), () => dynamo.destroy(), () => logs.destroy());
    await createLocalStream(kinesis, STREAM, 2);
    await createLocalMetadataTable(dynamo, TABLE);
    // Closed after the agents (cleanups run in reverse): their final flush may still read the key.
    const keySecrets = await startKeySecrets(cluster);
    cleanups.push(() => keySecrets.close());
    // As the enricher Lambda builds it: the key store owns the retries of GetSecretValue.
    const secretsManager = new SecretsManagerClient({ endpoint: keySecrets.agents.endpoint, region: keySecrets.agents.region, credentials: keySecrets.enricherCredentials, maxAttempts: 1 });
    cleanups.push(() => secretsManager.destroy());

    // No node starts under pressure: the one memory pressure of local mode comes at memoryPressureFromCycle.
    let sim = createClusterState(
      {
        name: cluster,
        nodeCount: options.nodes ?? 2,
        podsPerNode: options.podsPerNode ?? 8,
        seed: options.seed,
        pressureEvery: 0,
        localNode: includeLocal ? { name: localName, ...(options.localCapacity ?? { cores: 2, memTotalBytes: 8 * 1024 ** 3 }) } : undefined,
      },
      now(),
    );

    const toObjects = (state: ClusterState): KubeObjects => {
      const objects: Record<string, KubeObjects[KubeResource]> = { ...toKubeObjects(state) };
      for (const [resource, extra] of Object.entries(options.extraKubeObjects?.(state) ?? {}) as Array<[KubeResource, readonly KubeObject[]]>) {
        const base = objects[resource];
        objects[resource] = { count: base.count + extra.length, make: (i) => (i < base.count ? base.make(i) : extra[i - base.count]) };
      }
      return objects as KubeObjects;
    };
    const kubeStore = new KubeStore();
    syncKubeStore(kubeStore, toObjects(sim));
    const kube: KubeApiServer = await startKubeApiServer({ store: kubeStore });
    cleanups.push(() => kube.close());

    const treesDir = mkdtempSync(join(tmpdir(), 'kinsight-hosts-'));
    cleanups.push(() => rmSync(treesDir, { recursive: true, force: true }));
    const trees = new Map<string, HostTree>();
    sim.nodes.filter((n) => !n.local).forEach((node, i) => trees.set(node.name, createNodeHostTree(treesDir, node, i)));

    const agentNodes = sim.nodes.map((node) => node.name);
    const stoppedAgents = new Set<string>();
    const agents = sim.nodes.map((node) =>
      deps.createAgent({
        cluster,
        node: node.name,
        hostRoot: node.local ? '/' : trees.get(node.name)!.root,
        kinesis,
        kinesisEndpoint: kinesisService.endpoint,
        streamName: STREAM,
        keySecret: keySecrets.agents,
        intervalMs,
        report: progress,
      }),
    );
    cleanups.push(() => Promise.all(agents.map((agent) => agent.close?.())).then(() => undefined));
    const poller = deps.createPoller({
      cluster,
      kube: { server: kube.url, caData: kube.caPem, token: kube.token },
      dynamo,
      tableName: TABLE,
      logs,
      report: progress,
      // This machine is in no Auto Scaling group; the simulated nodes are in the cluster's node group.
      toAutoScalingGroup: (instanceId) => sim.nodes.find((n) => n.instanceId === instanceId)?.autoScalingGroup ?? '',
      profile,
    });
    const bytesByProfile: Record<string, number> = {};
    let cyclePoison = 0;
    let cycleUnverified = 0;
    const enricher = deps.createEnricher({
      dynamo,
      tableName: TABLE,
      logs,
      secretsManager,
      metadataCacheTtlMs: Math.floor(intervalMs / 2),
      report: progress,
      profile,
      onBytes: (bytes) => {
        for (const [name, n] of Object.entries(bytes)) bytesByProfile[name] = (bytesByProfile[name] ?? 0) + n;
      },
      onSummary: (summary) => {
        cyclePoison += summary.poison;
        cycleUnverified += summary.unverified ?? 0;
      },
    });

    let lastLagMs: number | undefined;
    let cycleLagMs: number | undefined;
    const measured: KinesisBatchHandler = async (event) => {
      const result = await enricher(event);
      const done = now();
      for (const t of toSampleTimes(event)) cycleLagMs = Math.max(cycleLagMs ?? 0, done - t);
      return result;
    };
    const source: KinesisEventSource = createKinesisEventSource({
      client: kinesis,
      streamName: STREAM,
      handler: measured,
      batchSize: options.batchSize ?? 100,
      maxBatchingWindowMs: options.maxBatchingWindowMs ?? 500,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 3,
      onFailure: (failure) => progress(`kinsight local: ${failure.records.length} records of ${failure.shardId} sent to the on-failure destination after ${failure.attempts} attempts`),
    });

    const tail = createEmfFileTail(outDir, (file, message) => progress(`kinsight local: ${file}: ${message}`));
    await tail.read(); // events of an earlier run in the same folder are not this run's output
    let recordsIn = 0;
    let eventsOut = 0;
    let cycles = 0;

    let dashboard: DashboardServer | undefined;
    const status = (): PipelineStatus => ({
      cluster,
      nodes: sim.nodes.length,
      pods: sim.nodes.reduce((s, n) => s + n.pods.filter((p) => p.scheduled).length, 0),
      intervalMs,
      cycles,
      recordsIn,
      eventsOut,
      lagMs: lastLagMs,
      outDir,
      profile: profile.name,
      bytesByProfile: { ...bytesByProfile },
    });
    if (options.dashboard ?? true) {
      const port = options.port ?? 8787;
      try {
        // sinceMs: the folder may hold an earlier run's files; only this run is charted.
        dashboard = await startDashboardServer({ dir: outDir, port, periodMs: Math.min(60_000, intervalMs), now, status, sinceMs: now() });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        throw new ConfigError(`dashboard port ${port} on 127.0.0.1 is already in use; pass --port <another port> (or --port 0 for any free one)`, { cause: error });
      }
      cleanups.push(() => dashboard!.close());
    }

    const stopper = new AbortController();
    options.stopSignal?.addEventListener('abort', () => stopper.abort(), { once: true });
    if (options.stopSignal?.aborted) stopper.abort();
    const startedMs = now();
    const reports: CycleReport[] = [];

    const runCycle = async (cycle: number): Promise<CycleReport> => {
      const cycleNow = now();
      let events: string[] = [];
      if (cycle > 0) {
        const previous = sim;
        sim = advanceClusterState(sim, cycleNow, {
          memoryPressureFromStep: options.memoryPressureFromCycle ?? 6,
          restartProbability: options.restartProbability,
          churnProbability: options.churnProbability,
        });
        events = [...sim.events];
        for (const node of sim.nodes) {
          const tree = trees.get(node.name);
          const was = previous.nodes.find((n) => n.name === node.name);
          if (tree && was) syncHostTree(tree, was, node, (cycleNow - previous.nowMs) / 1000);
        }
        syncKubeStore(kubeStore, toObjects(sim));
      }
      cycleLagMs = undefined;
      cyclePoison = 0;
      cycleUnverified = 0;
      const sent = await Promise.all(agents.map((agent, i) => (stoppedAgents.has(agentNodes[i]) ? 0 : agent.runOnce(cycleNow))));
      // The enricher reads this cycle's records before the poller writes this cycle's documents: a pod
      // that started in this cycle is named by its node's agent alone, as a production node's first
      // record of a new pod usually is (the poll comes once a minute).
      await source.drain();
      await poller.runOnce(cycleNow);
      const written = (await tail.read()).length;
      const report: CycleReport = {
        cycle,
        atMs: cycleNow,
        recordsIn: sent.reduce((a, b) => a + b, 0),
        eventsOut: written,
        lagMs: cycleLagMs,
        poisonRecords: cyclePoison,
        unverifiedRecords: cycleUnverified,
        events,
      };
      recordsIn += report.recordsIn;
      eventsOut += written;
      if (cycleLagMs !== undefined) lastLagMs = cycleLagMs;
      cycles = cycle + 1;
      return report;
    };

    const loop = async (): Promise<CycleReport[]> => {
      for (let cycle = 0; ; cycle++) {
        if (stopper.signal.aborted) break;
        if (options.cycles !== undefined && cycle >= options.cycles) break;
        if (options.durationMs !== undefined && now() - startedMs >= options.durationMs) break;
        const started = now();
        try {
          const report = await runCycle(cycle);
          reports.push(report);
          const lag = report.lagMs === undefined ? '-' : `${(report.lagMs / 1000).toFixed(1)} s`;
          progress(
            `[${new Date(started).toISOString().slice(11, 19)}] cycle ${cycle + 1}: ${report.recordsIn} records in, ${report.eventsOut} events out, ` +
              (report.poisonRecords > 0 ? `${report.poisonRecords} poison (${report.unverifiedRecords} unverified), ` : '') +
              `lag ${lag}` +
              ` (total ${recordsIn} in, ${eventsOut} out)${dashboard ? `  ${dashboard.url}` : ''}`,
          );
          for (const event of report.events) progress(`  ${event}`);
        } catch (error) {
          progress(`kinsight local: cycle ${cycle + 1} failed, going on: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        }
        const last = options.cycles !== undefined && cycle + 1 >= options.cycles;
        if (!last) await sleep(Math.max(0, started + intervalMs - now()), stopper.signal);
      }
      await cleanup();
      return reports;
    };
    const done = loop();

    return {
      dashboardUrl: dashboard?.url,
      outDir,
      cluster,
      state: () => sim,
      status,
      done,
      endpoints: { kinesis: kinesisService.endpoint, streamName: STREAM, logs: logsService.endpoint, kube: { server: kube.url, caPem: kube.caPem, token: kube.token } },
      stopAgent: (node) => agentNodes.includes(node) && (stoppedAgents.add(node), true),
      stop: async () => {
        stopper.abort();
        return done;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createEmfEncoder } from '../../core/emf';
import { PROFILES, type DeclarationProfile } from '../../core/metrics/profiles';
import type { AgentConfig } from '../../node-agent/agent-config';
import { collectNode, createCollectMemory } from '../../node-agent/collect/collect-node';
import { createHostReader } from '../../node-agent/collect/host-reader';
import type { Logger } from '../../node-agent/log';
import { runAgent } from '../../node-agent/run-agent';
import { createShipping } from '../../node-agent/ship/shipping';
import { toKubeConfig } from '../../lambdas/common/kube-client';
import { createLogWriter, type LogWriteResult, type LogWriter } from '../../lambdas/common/log-writer';
import { createAgentKeyStore } from '../../lambdas/enricher/agent-keys';
import { createHandler, type EnricherLogger } from '../../lambdas/enricher/create-handler';
import { createMetadataReader } from '../../lambdas/enricher/metadata-reader';
import { createHandler as createPollerHandler } from '../../lambdas/poller/create-handler';
import { createPoller } from '../../lambdas/poller/create-poller';
import { createEmfEventWriter } from '../../lambdas/poller/emf-event-writer';
import { createKubeLists } from '../../lambdas/poller/kube-lists';
import { createMetadataStore } from '../../lambdas/poller/metadata-store';
import { startCloudWatchLogsServer } from '../../sim/aws/cloudwatch-logs-server';
import type { KinesisBatchHandler } from '../../sim/aws/kinesis-event-source';
import type { LocalAgent, LocalAgentOptions, LocalEnricherOptions, LocalPipelineDeps, LocalPoller, LocalPollerOptions } from './local-pipeline';

/**
 * The real parts `kinsight local` runs (agent loop, poller handler, enricher handler, CloudWatch
 * Logs endpoint), adapted to what the local pipeline drives. The composition root of local mode
 * besides cli/local.ts: the only place that knows which module implements which part.
 */

/** The agent's interval as far as its flush deadline is concerned. */
const MIN_FLUSH_INTERVAL_MS = 10_000;
/** The signing region of the agents' PutRecords (kinesalite accepts any). */
const KINESIS_REGION = 'us-east-1';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One node's agent, in process: the agent's own loop (`runAgent`: collect, delta, agent stats,
 * producer with its bounded buffer and retries), whose wait between cycles is the pipeline's
 * tick instead of a timer, so that every agent samples once per pipeline cycle. It ships as the
 * agent does (createShipping, as start-agent.ts builds it): its own signed PutRecords over HTTP to
 * kinesalite (which checks the request signature's form, not its value), and each record signed
 * with its cluster's key, read from the local Secrets Manager with the agents' credentials.
 */
export function createLocalAgent(options: LocalAgentOptions): LocalAgent {
  const host = createHostReader(options.hostRoot);
  // What earlier cycles saw (containers, the log layout's restart counts), kept as the agent keeps it.
  const memory = createCollectMemory();
  const stop = new AbortController();
  let nowMs = 0;
  let release: (() => void) | undefined;
  let cycle: { resolve: (sent: number) => void; reject: (error: Error) => void } | undefined;
  let sentBefore = 0;
  let loop: Promise<unknown> | undefined;
  const finishCycle = (error?: Error): void => {
    const current = cycle;
    cycle = undefined;
    if (!current) return;
    if (error) return current.reject(error);
    const sent = shipping.producer.stats().sent;
    current.resolve(sent - sentBefore);
    sentBefore = sent;
  };
  const log: Logger = {
    info: () => undefined,
    warn: (message, fields) => options.report?.(`agent ${options.node}: ${message} ${JSON.stringify(fields ?? {})}`),
    error: (message, fields) => {
      if (message === 'cycle failed') finishCycle(new Error(`agent ${options.node}: ${String(fields?.error ?? message)}`));
      else options.report?.(`agent ${options.node}: ${message} ${JSON.stringify(fields ?? {})}`);
    },
  };
  const config: AgentConfig = {
    hostRoot: options.hostRoot,
    cluster: options.cluster,
    node: options.node,
    dryRun: false,
    once: false,
    // The agent gives its flush 80 % of the interval; a demo interval of 1 s on a busy machine is too
    // short for that, and the pipeline's tick (not this value) decides when the next cycle runs.
    intervalMs: Math.max(options.intervalMs, MIN_FLUSH_INTERVAL_MS),
    streamName: options.streamName,
    endpoint: options.kinesisEndpoint,
    region: KINESIS_REGION,
    bufferRecords: 60,
    shutdownMs: 5_000,
    keySecret: options.keySecret.secretId,
    keyRegion: options.keySecret.region,
  };
  const credentials = async () => options.keySecret.credentials;
  const shipping = createShipping({
    config,
    streamName: options.streamName,
    region: KINESIS_REGION,
    credentials: { get: credentials, refresh: credentials },
    secretsManagerEndpoint: options.keySecret.endpoint,
    sleep,
    log,
  });
  return {
    runOnce(at) {
      nowMs = at;
      const done = new Promise<number>((resolve, reject) => (cycle = { resolve, reject }));
      if (!loop) {
        loop = runAgent(config, {
          collect: (t) => collectNode(host, t, memory),
          producer: shipping.producer,
          ...(shipping.signingKey ? { signingKey: shipping.signingKey } : {}),
          print: () => undefined,
          log,
          now: () => nowMs,
          monotonic: () => performance.now(),
          // The agent's wait between cycles ends at the pipeline's next tick (or at stop).
          sleep: (_ms, signal) =>
            new Promise<void>((resolve) => {
              release = resolve;
              signal.addEventListener('abort', () => resolve(), { once: true });
            }),
          rssBytes: () => process.memoryUsage().rss,
          stopSignal: stop.signal,
          onCycle: () => finishCycle(),
        });
      } else {
        const next = release;
        release = undefined;
        next?.();
      }
      return done;
    },
    async close() {
      stop.abort();
      await loop;
      shipping.close();
    },
  };
}

/** A logger that keeps the per-invocation info lines out of the progress output and shows warnings and errors. */
const toLogger = (report: (line: string) => void, component: string): EnricherLogger => ({
  info: () => undefined,
  warn: (message, extra) => report(`${component} warning: ${message}${extra ? ` ${JSON.stringify(extra)}` : ''}`),
  error: (message, extra) => report(`${component} error: ${message}${extra ? ` ${JSON.stringify(extra)}` : ''}`),
});

const bytesOf = (events: readonly { message: string }[]): number => events.reduce((sum, e) => sum + Buffer.byteLength(e.message, 'utf8'), 0);

/** A writer that only counts the bytes of the events it is given, as if every one was written. */
function toCountingWriter(count: (bytes: number) => void): LogWriter {
  const result = (events: number): LogWriteResult => ({ written: events, droppedTooOld: 0, droppedTooNew: 0, droppedTooLarge: 0, rejected: 0, calls: 0, retries: 0, created: 0 });
  return {
    write: async (_group, _stream, events) => {
      count(bytesOf(events));
      return result(events.length);
    },
    writeMany: async (batches) =>
      batches.map((b) => {
        count(bytesOf(b.events));
        return { ok: true as const, result: result(b.events.length) };
      }),
  };
}

/**
 * The real enricher over the local DynamoDB table and CloudWatch Logs endpoint, with the profile
 * asked for (classic by default). Given the local Secrets Manager, it requires signed records and
 * verifies them with the agents' keys (createAgentKeyStore, as the Lambda's handler.ts builds it):
 * an unsigned or forged record is poison, counted as unverified. With `onBytes`, the same batches
 * also go through an enricher of each other built-in profile whose writer only counts bytes: the
 * dashboard shows what each profile would write for the same records.
 */
export function createLocalEnricher(options: LocalEnricherOptions): KinesisBatchHandler {
  const profile = options.profile ?? PROFILES.classic;
  const metadata = createMetadataReader({
    client: DynamoDBDocumentClient.from(options.dynamo),
    tableName: options.tableName,
    cacheTtlMs: options.metadataCacheTtlMs,
    onBadItem: (key, reason) => options.report(`enricher: metadata item ${key} unusable: ${reason}`),
  });
  const logger = toLogger(options.report, 'enricher');
  const trust = options.secretsManager
    ? {
        requireSignature: true,
        // One store for the enricher and its byte-counting shadows: the shadows find the keys it read.
        keys: createAgentKeyStore({
          client: options.secretsManager,
          onError: (cluster, reason) => options.report(`enricher warning: agent key of cluster ${cluster} not available: ${reason}`),
        }),
      }
    : { requireSignature: false };
  const onBytes = options.onBytes;
  const logs = createLogWriter({ client: options.logs });
  if (!onBytes) return createHandler({ writer: logs, metadata, profile, logger, ...trust, onSummary: options.onSummary });
  let bytes: Record<string, number> = {};
  const add = (name: string) => (n: number) => void (bytes[name] = (bytes[name] ?? 0) + n);
  const countWritten = add(profile.name);
  const writer: LogWriter = {
    write: (group, stream, events) => {
      countWritten(bytesOf(events));
      return logs.write(group, stream, events);
    },
    writeMany: (batches) => {
      for (const b of batches) countWritten(bytesOf(b.events));
      return logs.writeMany(batches);
    },
  };
  const main = createHandler({ writer, metadata, profile, logger, ...trust, onSummary: options.onSummary });
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const shadows = Object.values(PROFILES)
    .filter((p: DeclarationProfile) => p.name !== profile.name)
    .map((p) => ({ name: p.name, handler: createHandler({ writer: toCountingWriter(add(p.name)), metadata, profile: p, logger: quiet, ...trust }) }));
  return async (event) => {
    bytes = {};
    const response = await main(event);
    for (const shadow of shadows) {
      // A measurement only: its failure must not fail (and so re-deliver) a batch the real enricher wrote.
      await shadow.handler(event).catch((error: unknown) => options.report(`enricher: bytes of profile ${shadow.name} not measured: ${(error as Error).message}`));
    }
    onBytes(bytes);
    return response;
  };
}

/** Per-request timeout of the poller's Kubernetes API calls. */
const KUBE_REQUEST_TIMEOUT_MS = 10_000;

/**
 * The real poller (its Lambda handler, with the pipeline's profile) against the local API server: the
 * connector skips EKS DescribeCluster and the STS token (the local server gives URL, CA and token
 * directly) and the Auto Scaling groups come from the simulation instead of EC2 tags.
 */
export function createLocalPoller(options: LocalPollerOptions): LocalPoller {
  const profile = options.profile ?? PROFILES.classic;
  const encoder = createEmfEncoder(profile);
  const poll = createPoller({
    connect: async (cluster) => createKubeLists(toKubeConfig({ ...options.kube, name: cluster }), KUBE_REQUEST_TIMEOUT_MS),
    autoScalingGroups: { resolve: async (instanceIds) => new Map(instanceIds.map((id) => [id, options.toAutoScalingGroup(id)])) },
    store: createMetadataStore({ client: DynamoDBDocumentClient.from(options.dynamo), tableName: options.tableName }),
    writeEvents: createEmfEventWriter({ writer: createLogWriter({ client: options.logs }), encoderOf: () => encoder }),
    isEnhanced: () => profile.enhancedMetrics,
  });
  let nowMs = 0;
  const handler = createPollerHandler({
    poll,
    logger: { info: () => undefined, error: (message, extra) => options.report(`poller error: ${message}${extra ? ` ${JSON.stringify(extra)}` : ''}`) },
    now: () => nowMs,
    countFailure: () => undefined,
  });
  return {
    async runOnce(at) {
      nowMs = at;
      try {
        const summary = await handler({ cluster: options.cluster });
        for (const warning of summary.warnings.slice(0, 3)) options.report(`poller warning: ${warning}`);
      } catch (error) {
        // Logged by the handler; the schedule fires again next interval, as EventBridge would.
        void error;
      }
    },
  };
}

/** The real agent, poller, enricher and CloudWatch Logs endpoint, as `kinsight local` runs them. */
export function createLocalPipelineDeps(): LocalPipelineDeps {
  return {
    createAgent: createLocalAgent,
    createPoller: createLocalPoller,
    createEnricher: createLocalEnricher,
    startLogsServer: (dir) => startCloudWatchLogsServer({ persistDir: dir, retainEvents: false }),
  };
}

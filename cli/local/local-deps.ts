import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createEmfEncoder } from '../../core/emf';
import { PROFILES } from '../../core/metrics/profiles';
import type { AgentConfig } from '../../node-agent/agent-config';
import { collectNode } from '../../node-agent/collect/collect-node';
import { createHostReader } from '../../node-agent/collect/host-reader';
import type { Logger } from '../../node-agent/log';
import { runAgent } from '../../node-agent/run-agent';
import { createKinesisPort } from '../../node-agent/ship/kinesis-port';
import { createProducer } from '../../node-agent/ship/producer';
import { toKubeConfig } from '../../lambdas/common/kube-client';
import { createLogWriter } from '../../lambdas/common/log-writer';
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One node's agent, in process: the agent's own loop (`runAgent`: collect, delta, agent stats,
 * producer with its bounded buffer and retries), whose wait between cycles is the pipeline's
 * tick instead of a timer, so that every agent samples once per pipeline cycle.
 */
export function createLocalAgent(options: LocalAgentOptions): LocalAgent {
  const host = createHostReader(options.hostRoot);
  // The agent's own signed PutRecords over HTTP, to kinesalite (which checks the signature's form, not its value).
  const kinesis = createKinesisPort({ streamName: options.streamName, region: 'us-east-1', endpoint: options.kinesisEndpoint, credentials: async () => ({ accessKeyId: 'local', secretAccessKey: 'local' }) });
  const producer = createProducer({ port: kinesis, random: Math.random, sleep, now: () => performance.now() });
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
    const sent = producer.stats().sent;
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
    bufferRecords: 60,
    shutdownMs: 5_000,
  };
  return {
    runOnce(at) {
      nowMs = at;
      const done = new Promise<number>((resolve, reject) => (cycle = { resolve, reject }));
      if (!loop) {
        loop = runAgent(config, {
          collect: (t) => collectNode(host, t),
          producer,
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
      kinesis.close();
    },
  };
}

/** A logger that keeps the per-invocation info lines out of the progress output and shows warnings and errors. */
const toLogger = (report: (line: string) => void, component: string): EnricherLogger => ({
  info: () => undefined,
  warn: (message, extra) => report(`${component} warning: ${message}${extra ? ` ${JSON.stringify(extra)}` : ''}`),
  error: (message, extra) => report(`${component} error: ${message}${extra ? ` ${JSON.stringify(extra)}` : ''}`),
});

/** The real enricher (classic profile) over the local DynamoDB table and CloudWatch Logs endpoint. */
export function createLocalEnricher(options: LocalEnricherOptions): KinesisBatchHandler {
  return createHandler({
    writer: createLogWriter({ client: options.logs }),
    metadata: createMetadataReader({
      client: DynamoDBDocumentClient.from(options.dynamo),
      tableName: options.tableName,
      cacheTtlMs: options.metadataCacheTtlMs,
      onBadItem: (key, reason) => options.report(`enricher: metadata item ${key} unusable: ${reason}`),
    }),
    profile: PROFILES.classic,
    logger: toLogger(options.report, 'enricher'),
    requireSignature: false,
  });
}

/** Per-request timeout of the poller's Kubernetes API calls. */
const KUBE_REQUEST_TIMEOUT_MS = 10_000;

/**
 * The real poller (its Lambda handler, classic profile) against the local API server: the
 * connector skips EKS DescribeCluster and the STS token (the local server gives URL, CA and token
 * directly) and the Auto Scaling groups come from the simulation instead of EC2 tags.
 */
export function createLocalPoller(options: LocalPollerOptions): LocalPoller {
  const encoder = createEmfEncoder(PROFILES.classic);
  const poll = createPoller({
    connect: async (cluster) => createKubeLists(toKubeConfig({ ...options.kube, name: cluster }), KUBE_REQUEST_TIMEOUT_MS),
    autoScalingGroups: { resolve: async (instanceIds) => new Map(instanceIds.map((id) => [id, options.toAutoScalingGroup(id)])) },
    store: createMetadataStore({ client: DynamoDBDocumentClient.from(options.dynamo), tableName: options.tableName }),
    writeEvents: createEmfEventWriter({ writer: createLogWriter({ client: options.logs }), encoderOf: () => encoder }),
    isEnhanced: () => false,
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

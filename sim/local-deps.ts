import { collectNode } from '../node-agent/collect/collect-node';
import { createHostReader } from '../node-agent/collect/host-reader';
import type { NodeSample } from '../node-agent/collect/node-sample';
import { toNodeRecord } from '../node-agent/delta';
import { toKinesisEntry } from '../node-agent/ship/encode-record';
import { createKinesisPort } from '../node-agent/ship/kinesis-port';
import { createProducer } from '../node-agent/ship/producer';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PROFILES } from '../core/metrics/profiles';
import { createLogWriter } from '../lambdas/common/log-writer';
import { createHandler, type EnricherLogger } from '../lambdas/enricher/create-handler';
import { createMetadataReader } from '../lambdas/enricher/metadata-reader';
import { createEmfEncoder } from '../core/emf';
import { toKubeConfig } from '../lambdas/common/kube-client';
import { createHandler as createPollerHandler } from '../lambdas/poller/create-handler';
import { createPoller } from '../lambdas/poller/create-poller';
import { createEmfEventWriter } from '../lambdas/poller/emf-event-writer';
import { createKubeLists } from '../lambdas/poller/kube-lists';
import { createMetadataStore } from '../lambdas/poller/metadata-store';
import { startCloudWatchLogsServer } from './cloudwatch-logs-server';
import type { KinesisBatchHandler } from './kinesis-event-source';
import type { LocalAgent, LocalAgentOptions, LocalEnricherOptions, LocalPipelineDeps, LocalPoller, LocalPollerOptions } from './local-pipeline';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One node's agent, in process: the agent's own collect, delta and producer steps (what
 * `node-agent/run-agent.ts` runs on a timer), driven once per pipeline cycle.
 */
function createLocalAgent(options: LocalAgentOptions): LocalAgent {
  const host = createHostReader(options.hostRoot);
  const producer = createProducer({ port: createKinesisPort(options.kinesis, options.streamName), random: Math.random, sleep, now: () => performance.now() });
  let previous: NodeSample | undefined;
  return {
    async runOnce(nowMs) {
      const sample = collectNode(host, nowMs);
      const step = toNodeRecord(previous, sample, { cluster: options.cluster, node: options.node });
      previous = step.next;
      producer.enqueue(toKinesisEntry(step.record));
      const flushed = await producer.flush();
      return flushed.sent;
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

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
import { startCloudWatchLogsServer } from './cloudwatch-logs-server';
import type { KinesisBatchHandler } from './kinesis-event-source';
import type { LocalAgent, LocalAgentOptions, LocalEnricherOptions, LocalPipelineDeps } from './local-pipeline';

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

/** The real agent, poller, enricher and CloudWatch Logs endpoint, as `kinsight local` runs them. */
export function createLocalPipelineDeps(): LocalPipelineDeps {
  return {
    createAgent: createLocalAgent,
    createPoller: () => {
      throw new Error('poller not wired yet');
    },
    createEnricher: createLocalEnricher,
    startLogsServer: (dir) => startCloudWatchLogsServer({ persistDir: dir, retainEvents: false }),
  };
}

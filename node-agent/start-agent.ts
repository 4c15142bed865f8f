import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError } from '../core/errors';
import { toRecordJson } from '../core/record/record-data';
import { version } from '../package.json';
import { parseAgentConfig, type AgentConfig } from './agent-config';
import { collectNode, createCollectMemory } from './collect/collect-node';
import { createHostReader } from './collect/host-reader';
import { startHealthServer } from './health-server';
import { createLogger } from './log';
import { createCredentialProvider, NO_CREDENTIALS_MESSAGE } from './ship/credentials';
import { createKinesisPort, type KinesisPort } from './ship/kinesis-port';
import { createProducer } from './ship/producer';
import { runAgent } from './run-agent';

/** The process surface the agent needs: arguments, environment, output streams, a stop signal. */
export interface AgentIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stopSignal: AbortSignal;
}

const sleep = async (ms: number, signal: AbortSignal): Promise<void> => {
  if (signal.aborted) return;
  await delay(ms, undefined, { signal }).catch((error: unknown) => {
    // Stopping cuts the wait short; any other failure of a timer is a bug.
    if ((error as { name?: unknown })?.name !== 'AbortError') throw error;
  });
};

/**
 * The Kinesis port of the agent (region from the configuration), credentials from the environment,
 * IRSA or EKS Pod Identity. ConfigError when every credential source is missing.
 */
function createAgentKinesisPort(config: AgentConfig, streamName: string, region: string, env: NodeJS.ProcessEnv): KinesisPort {
  const credentials = createCredentialProvider({ env, region, node: config.node });
  if (!credentials.source) throw new ConfigError(NO_CREDENTIALS_MESSAGE);
  return createKinesisPort({ streamName, region, ...(config.endpoint ? { endpoint: config.endpoint } : {}), credentials: () => credentials.get() });
}

/**
 * Composition root of the agent, shared by `kinsight agent` and the standalone bundle: builds the
 * configuration (ConfigError on bad input), the host reader, the Kinesis port and producer, the
 * liveness endpoint and the timers, then runs the loop. Resolves to the exit code.
 */
export async function startAgent(argv: string[], io: AgentIo): Promise<number> {
  const config = parseAgentConfig(argv, io.env);
  const log = createLogger(io.stderr);
  const host = createHostReader(config.hostRoot);
  const memory = createCollectMemory();
  const kinesis = config.dryRun || !config.streamName || !config.region ? undefined : createAgentKinesisPort(config, config.streamName, config.region, io.env);
  const producer = kinesis
    ? createProducer({
        port: kinesis,
        capacityRecords: config.bufferRecords,
        random: Math.random,
        sleep: (ms) => sleep(ms, io.stopSignal),
        now: () => performance.now(),
      })
    : undefined;
  let lastCycleMs = performance.now();
  const health = config.healthPort
    ? await startHealthServer(config.healthPort, () => performance.now() - lastCycleMs <= 3 * config.intervalMs).catch((error: unknown) => {
        kinesis?.close();
        throw new ConfigError(`cannot listen on 127.0.0.1:${config.healthPort} for the liveness endpoint (${String((error as { code?: unknown })?.code ?? error)}); choose a free port with --health-port or KINSIGHT_HEALTH_PORT`, { cause: error });
      })
    : undefined;
  log.info('agent started', { cluster: config.cluster, node: config.node, hostRoot: config.hostRoot, intervalMs: config.intervalMs, dryRun: config.dryRun, stream: config.streamName, healthPort: health?.port, version });
  try {
    const result = await runAgent(config, {
      collect: (nowMs) => collectNode(host, nowMs, memory, { podLogsDir: config.podLogsDir }),
      producer,
      // Dry-run prints what would be sent, before gzip: the wire document's JSON.
      print: (record) => io.stdout(`${toRecordJson(record)}\n`),
      log,
      now: Date.now,
      monotonic: () => performance.now(),
      sleep,
      rssBytes: () => process.memoryUsage.rss(),
      stopSignal: io.stopSignal,
      onCycle: (ms) => {
        lastCycleMs = ms;
      },
      version,
    });
    return result.failedCycles > 0 && config.once ? 1 : result.unsent > 0 ? 1 : 0;
  } finally {
    await health?.close();
    kinesis?.close();
  }
}

import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError } from '../core/errors';
import { toRecordJson } from '../core/record/record-data';
import { version } from '../package.json';
import { nonEmpty, parseAgentConfig, type AgentConfig } from './agent-config';
import { collectNode, createCollectMemory } from './collect/collect-node';
import { createHostReader } from './collect/host-reader';
import { startHealthServer } from './health-server';
import { createLogger, type Logger } from './log';
import { createCredentialProvider, NO_CREDENTIALS_MESSAGE } from './ship/credentials';
import { createShipping, type Shipping } from './ship/shipping';
import { runAgent } from './run-agent';

/** The process surface the agent needs: arguments, environment, output streams, a stop signal. */
export interface AgentIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stopSignal: AbortSignal;
}

const sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
  if (signal?.aborted) return;
  await delay(ms, undefined, signal ? { signal } : {}).catch((error: unknown) => {
    // An abort cuts the wait short; any other failure of a timer is a bug.
    if ((error as { name?: unknown })?.name !== 'AbortError') throw error;
  });
};

/**
 * The agent's AWS side from the environment: its credential chain (environment, IRSA or EKS Pod
 * Identity) and the Secrets Manager endpoint override, then createShipping. ConfigError when every
 * credential source is missing.
 */
function createShippingFromEnv(config: AgentConfig, streamName: string, region: string, env: NodeJS.ProcessEnv, log: Logger): Shipping {
  const credentials = createCredentialProvider({ env, region, node: config.node });
  if (!credentials.source) throw new ConfigError(NO_CREDENTIALS_MESSAGE);
  const secretsManagerEndpoint = nonEmpty(env.AWS_ENDPOINT_URL_SECRETS_MANAGER);
  return createShipping({ config, streamName, region, credentials, ...(secretsManagerEndpoint ? { secretsManagerEndpoint } : {}), sleep, log });
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
  const shipping = config.dryRun || !config.streamName || !config.region ? undefined : createShippingFromEnv(config, config.streamName, config.region, io.env, log);
  const close = () => shipping?.close();
  let lastCycleMs = performance.now();
  const health = config.healthPort
    ? await startHealthServer(config.healthPort, () => performance.now() - lastCycleMs <= 3 * config.intervalMs).catch((error: unknown) => {
        close();
        throw new ConfigError(`cannot listen on 127.0.0.1:${config.healthPort} for the liveness endpoint (${String((error as { code?: unknown })?.code ?? error)}); choose a free port with --health-port or KINSIGHT_HEALTH_PORT`, { cause: error });
      })
    : undefined;
  log.info('agent started', {
    cluster: config.cluster,
    node: config.node,
    hostRoot: config.hostRoot,
    intervalMs: config.intervalMs,
    dryRun: config.dryRun,
    stream: config.streamName,
    keySecret: config.keySecret,
    shutdownMs: config.shutdownMs,
    healthPort: health?.port,
    version,
  });
  if (shipping && !shipping.signingKey) {
    log.warn('records are sent unsigned', { fix: "set --key-secret or KINSIGHT_KEY_SECRET to the cluster's signing key secret: the enricher of a fleet rejects unsigned records" });
  }
  try {
    const result = await runAgent(config, {
      collect: (nowMs) => collectNode(host, nowMs, memory, { podLogsDir: config.podLogsDir }),
      ...(shipping ? { producer: shipping.producer } : {}),
      ...(shipping?.signingKey ? { signingKey: shipping.signingKey } : {}),
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
    close();
  }
}

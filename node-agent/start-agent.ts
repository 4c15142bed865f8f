import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError } from '../core/errors';
import { signRecordData, toRecordJson } from '../core/record/record-data';
import { err, ok } from '../core/result';
import { version } from '../package.json';
import { nonEmpty, parseAgentConfig, type AgentConfig } from './agent-config';
import { collectNode, createCollectMemory } from './collect/collect-node';
import { createHostReader } from './collect/host-reader';
import { startHealthServer } from './health-server';
import { createLogger, type Logger } from './log';
import { toAwsEndpoint } from './ship/aws-endpoint';
import { createAwsJsonClient, type AwsJsonClient, type AwsJsonClientOptions } from './ship/aws-json-client';
import { createCredentialProvider, NO_CREDENTIALS_MESSAGE } from './ship/credentials';
import { createKinesisPort, type KinesisPort } from './ship/kinesis-port';
import { createProducer, type Producer } from './ship/producer';
import { createSigningClock } from './ship/signing-clock';
import { createSigningKeySource, type SigningKeySource } from './ship/signing-key';
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

/** What the agent sends with: the Kinesis port, the producer and, with a key secret, the signing key. */
interface Shipping {
  readonly kinesis: KinesisPort;
  readonly producer: Producer;
  readonly signingKey?: SigningKeySource;
  readonly secretsManager?: AwsJsonClient;
}

/**
 * The agent's AWS side: one credential chain (environment, IRSA or EKS Pod Identity) and one
 * signing clock for its Kinesis and Secrets Manager calls, the producer, and the signing key when
 * a key secret is configured (records are signed with the key current when they are sent, and wait
 * while there is none). ConfigError when every credential source is missing.
 */
function createShipping(config: AgentConfig, streamName: string, region: string, env: NodeJS.ProcessEnv, log: Logger): Shipping {
  const credentials = createCredentialProvider({ env, region, node: config.node });
  if (!credentials.source) throw new ConfigError(NO_CREDENTIALS_MESSAGE);
  const clock = createSigningClock();
  const onRetry: AwsJsonClientOptions['onRetry'] = (event) =>
    log.warn(event.reason === 'clock-skew' ? 'signing clock corrected from the service time; request signed again' : 'session token expired; credentials refreshed and request signed again', { ...event });
  const access = { credentials: () => credentials.get(), refreshCredentials: () => credentials.refresh(), clock, onRetry };
  const kinesis = createKinesisPort({ streamName, region, ...(config.endpoint ? { endpoint: config.endpoint } : {}), ...access });
  let signingKey: SigningKeySource | undefined;
  let secretsManager: AwsJsonClient | undefined;
  if (config.keySecret) {
    const keyRegion = config.keyRegion ?? region;
    // Called once an hour: no connection is kept open in between.
    secretsManager = createAwsJsonClient({ service: 'secretsmanager', region: keyRegion, endpoint: nonEmpty(env.AWS_ENDPOINT_URL_SECRETS_MANAGER) ?? toAwsEndpoint('secretsmanager', keyRegion), keepAlive: false, ...access });
    signingKey = createSigningKeySource({ secretId: config.keySecret, client: secretsManager, now: () => performance.now(), refreshMs: config.keyRefreshMs, log });
  }
  const key = signingKey;
  const producer = createProducer({
    port: kinesis,
    capacityRecords: config.bufferRecords,
    random: Math.random,
    sleep,
    now: () => performance.now(),
    ...(key
      ? {
          seal: (data: Uint8Array) => {
            const current = key.current();
            return current ? ok(signRecordData(config.cluster, data, current)) : err(`no signing key yet from secret ${config.keySecret}; records wait in the buffer`);
          },
        }
      : {}),
    onDrop: (event) => log.warn(event.reason === 'buffer-full' ? 'records dropped: the buffer is full (oldest first)' : 'records dropped: larger than a Kinesis record', { ...event }),
  });
  return { kinesis, producer, ...(signingKey ? { signingKey } : {}), ...(secretsManager ? { secretsManager } : {}) };
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
  const shipping = config.dryRun || !config.streamName || !config.region ? undefined : createShipping(config, config.streamName, config.region, io.env, log);
  const close = () => {
    shipping?.kinesis.close();
    shipping?.secretsManager?.close();
  };
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
      collect: (nowMs) => collectNode(host, nowMs, memory),
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

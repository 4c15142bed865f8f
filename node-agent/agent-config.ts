import { ConfigError } from '../core/errors';
import { MIN_BUFFER_RECORDS } from './ship/producer';
import { parseStreamName } from './ship/stream-name';
import { parseDuration } from '../core/duration';

/** The agent's settings, from flags first, then KINSIGHT_* environment variables, then defaults. */
export interface AgentConfig {
  /** @default '/' */
  hostRoot: string;
  cluster: string;
  node: string;
  /** Print records instead of sending them. @default false */
  dryRun: boolean;
  /** One cycle, then exit. @default false */
  once: boolean;
  /** @default 60000 */
  intervalMs: number;
  /** Stream name (an ARN is reduced to its name). Required unless dryRun. */
  streamName?: string;
  /** Kinesis endpoint override (kinesalite). @default undefined (https://kinesis.<region>.amazonaws.com) */
  endpoint?: string;
  /** --region, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1 with an endpoint (kinesalite ignores it). Required to send. */
  region?: string;
  /** Liveness endpoint port on 127.0.0.1. @default undefined (no endpoint) */
  healthPort?: number;
  /** @default 60 */
  bufferRecords: number;
  /**
   * Time the agent may take after SIGTERM: the final flush keeps its backoff, and a request still
   * in flight at the end is aborted. The DaemonSet sets its terminationGracePeriodSeconds minus 5 s.
   * @default 5000
   */
  shutdownMs: number;
  /**
   * The Secrets Manager secret (name or ARN) holding the cluster's record signing key.
   * @default undefined (records are sent unsigned; a fleet's enricher rejects them)
   */
  keySecret?: string;
  /** Region of the secret: the ARN's, else `region`. */
  keyRegion?: string;
  /** Time between two reads of the signing key (a rotation is picked up within it). @default 3600000 */
  keyRefreshMs?: number;
  /**
   * The kubelet's pod log directory (its `podLogsDir`) on the host, read below the host root for the
   * pods' node-local identity (directory names only).
   * @default '/var/log/pods'
   */
  podLogsDir?: string;
}

/** Usage text of `kinsight agent` (and of the standalone bundle). */
export const AGENT_USAGE = `Usage: kinsight agent [options]

Reads the node's /proc and cgroups every interval and sends one record per node to Kinesis.

Options (flag, environment variable, default):
  --cluster NAME        KINSIGHT_CLUSTER_NAME   (required) cluster name of the records
  --node NAME           KINSIGHT_NODE_NAME      (required) node name (the DaemonSet sets it from spec.nodeName)
  --host-root DIR       KINSIGHT_HOST_ROOT      /       where the host's proc/ and sys/ are mounted
  --stream NAME|ARN     KINSIGHT_STREAM_NAME    (required unless --dry-run) Kinesis stream
  --interval DURATION   KINSIGHT_INTERVAL       60s     10s, 1m, 1m30s ...
  --endpoint URL        KINSIGHT_KINESIS_ENDPOINT         Kinesis endpoint (a local kinesalite)
  --region REGION       AWS_REGION                        AWS region (AWS_DEFAULT_REGION also read)
  --health-port PORT    KINSIGHT_HEALTH_PORT    (none)  GET http://127.0.0.1:PORT/healthz
  --buffer-records N    KINSIGHT_BUFFER_RECORDS 60      records kept through a Kinesis outage (>= 15)
  --key-secret NAME|ARN KINSIGHT_KEY_SECRET     (none)  Secrets Manager secret of the cluster's record signing key
                                                        ({"key": "..."}); without it records are sent unsigned
  --key-refresh DURATION KINSIGHT_KEY_REFRESH   1h      how often the signing key is read again (>= 1m)
  --shutdown-timeout DURATION KINSIGHT_SHUTDOWN_TIMEOUT 5s  time to flush the buffer after SIGTERM (>= 1s)
  --pod-logs-dir DIR    KINSIGHT_POD_LOGS_DIR   /var/log/pods  the kubelet's podLogsDir on the host
  --dry-run                                             print each record as JSON on stdout instead of sending
  --once                                                one cycle, then exit

The Secrets Manager endpoint is https://secretsmanager.<region>.amazonaws.com, or AWS_ENDPOINT_URL_SECRETS_MANAGER.
`;

const VALUE_FLAGS = ['host-root', 'cluster', 'node', 'interval', 'stream', 'endpoint', 'region', 'health-port', 'buffer-records', 'key-secret', 'key-refresh', 'shutdown-timeout', 'pod-logs-dir'] as const;
const BOOLEAN_FLAGS = ['dry-run', 'once'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

function parseFlags(argv: string[]): { values: Partial<Record<ValueFlag, string>>; booleans: Set<string> } {
  const values: Partial<Record<ValueFlag, string>> = {};
  const booleans = new Set<string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new ConfigError(`unexpected argument "${arg.slice(0, 80)}"; expected --flag value options (see kinsight agent --help)`);
    const [, name, inline] = m;
    if ((BOOLEAN_FLAGS as readonly string[]).includes(name)) {
      if (inline !== undefined) throw new ConfigError(`--${name} takes no value, got "${inline.slice(0, 80)}"; write --${name} alone`);
      booleans.add(name);
    } else if ((VALUE_FLAGS as readonly string[]).includes(name)) {
      const value = inline ?? argv[(i += 1)];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new ConfigError(`--${name} needs a value; see kinsight agent --help`);
      values[name as ValueFlag] = value;
    } else {
      throw new ConfigError(`unknown option --${name}; expected one of ${[...VALUE_FLAGS, ...BOOLEAN_FLAGS].map((f) => `--${f}`).join(', ')}`);
    }
  }
  return { values, booleans };
}

/** The text of a setting, trimmed; undefined when absent or blank. */
export const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim());

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;

/**
 * A Secrets Manager secret id, a name or an ARN, with the ARN's region.
 * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html (SecretId)
 */
function parseSecretId(value: string): { secretId: string; region?: string } {
  const arn = SECRET_ARN.exec(value);
  if (arn) return { secretId: value, region: arn[1] };
  if (SECRET_NAME.test(value) && !value.startsWith('arn:')) return { secretId: value };
  throw new ConfigError(`key secret "${value.slice(0, 120)}" is neither a Secrets Manager secret name (1-512 of A-Z a-z 0-9 /_+=.@-) nor a secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); set --key-secret or KINSIGHT_KEY_SECRET`);
}

function parseDurationSetting(text: string, what: string, minMs: number): number {
  const parsed = parseDuration(text);
  if (!parsed.ok || parsed.value < minMs) throw new ConfigError(`${what} "${text.slice(0, 40)}" is not a duration of at least ${minMs / 1000}s; expected e.g. 30s, 5m, 1h`);
  return parsed.value;
}

function parsePositiveInt(text: string, what: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${what} "${text.slice(0, 40)}" is not an integer from ${min} to ${max}`);
  return n;
}

/**
 * Builds the agent configuration from command-line flags and the environment. Throws a
 * ConfigError with one clear line for a missing or invalid setting: no cluster or node name, no
 * stream outside dry-run, an interval that is not a duration, a bad port, a key secret that is
 * neither a secret name nor an ARN.
 */
export function parseAgentConfig(argv: string[], env: NodeJS.ProcessEnv): AgentConfig {
  const { values, booleans } = parseFlags(argv);
  const pick = (flag: ValueFlag, envName?: string): string | undefined => nonEmpty(values[flag]) ?? (envName ? nonEmpty(env[envName]) : undefined);
  const cluster = pick('cluster', 'KINSIGHT_CLUSTER_NAME');
  if (!cluster) throw new ConfigError('no cluster name; set --cluster or KINSIGHT_CLUSTER_NAME');
  const node = pick('node', 'KINSIGHT_NODE_NAME');
  if (!node) throw new ConfigError('no node name; set --node or KINSIGHT_NODE_NAME (the DaemonSet sets it from spec.nodeName)');
  const intervalText = pick('interval', 'KINSIGHT_INTERVAL') ?? '60s';
  const parsed = parseDuration(intervalText);
  const intervalMs = parsed.ok ? parsed.value : undefined;
  if (intervalMs === undefined || intervalMs < 1000) {
    throw new ConfigError(`interval "${intervalText.slice(0, 40)}" is not a duration of at least 1s; expected e.g. 10s, 1m, 1m30s (--interval or KINSIGHT_INTERVAL)`);
  }
  const dryRun = booleans.has('dry-run');
  const stream = pick('stream', 'KINSIGHT_STREAM_NAME');
  if (!dryRun && !stream) throw new ConfigError('no Kinesis stream; set --stream or KINSIGHT_STREAM_NAME (or use --dry-run to print records)');
  const endpoint = pick('endpoint', 'KINSIGHT_KINESIS_ENDPOINT');
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint)) throw new ConfigError(`endpoint "${endpoint.slice(0, 80)}" is not an http(s) URL; expected e.g. http://127.0.0.1:4567`);
  const region = pick('region', 'AWS_REGION') ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? (endpoint ? 'us-east-1' : undefined);
  if (!dryRun && !region) throw new ConfigError('no AWS region; set --region, AWS_REGION or AWS_DEFAULT_REGION');
  const healthText = pick('health-port', 'KINSIGHT_HEALTH_PORT');
  const bufferText = pick('buffer-records', 'KINSIGHT_BUFFER_RECORDS');
  const keySecretText = pick('key-secret', 'KINSIGHT_KEY_SECRET');
  const keySecret = keySecretText === undefined ? undefined : parseSecretId(keySecretText);
  const keyRegion = keySecret?.region ?? region;
  const keyRefreshText = pick('key-refresh', 'KINSIGHT_KEY_REFRESH');
  const shutdownText = pick('shutdown-timeout', 'KINSIGHT_SHUTDOWN_TIMEOUT');
  const podLogsDir = pick('pod-logs-dir', 'KINSIGHT_POD_LOGS_DIR') ?? '/var/log/pods';
  if (!podLogsDir.startsWith('/') || podLogsDir.split('/').includes('..')) {
    throw new ConfigError(`pod logs directory "${podLogsDir.slice(0, 80)}" is not an absolute host path without ..; expected e.g. /var/log/pods (--pod-logs-dir or KINSIGHT_POD_LOGS_DIR)`);
  }
  return {
    hostRoot: pick('host-root', 'KINSIGHT_HOST_ROOT') ?? '/',
    cluster,
    node,
    dryRun,
    once: booleans.has('once'),
    intervalMs,
    ...(stream ? { streamName: parseStreamName(stream) } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(healthText ? { healthPort: parsePositiveInt(healthText, 'health port (--health-port or KINSIGHT_HEALTH_PORT)', 1, 65535) } : {}),
    bufferRecords: bufferText ? parsePositiveInt(bufferText, 'buffer size (--buffer-records or KINSIGHT_BUFFER_RECORDS)', MIN_BUFFER_RECORDS, 100_000) : 60,
    shutdownMs: shutdownText ? parseDurationSetting(shutdownText, 'shutdown timeout (--shutdown-timeout or KINSIGHT_SHUTDOWN_TIMEOUT)', 1000) : 5000,
    ...(keySecret ? { keySecret: keySecret.secretId } : {}),
    ...(keySecret && keyRegion ? { keyRegion } : {}),
    keyRefreshMs: keyRefreshText ? parseDurationSetting(keyRefreshText, 'signing key refresh (--key-refresh or KINSIGHT_KEY_REFRESH)', 60_000) : 3_600_000,
    podLogsDir,
  };
}

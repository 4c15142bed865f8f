import { ConfigError } from '../../core/errors';
import { parseDuration } from '../../core/duration';
import { parseFlags } from '../parse-flags';
import { DEFAULT_PROFILE_NAME, isProfileName, type ProfileName } from '../../core/metrics/profiles';

/** The settings `kinsight local` reads from its flags. */
export interface LocalFlags {
  readonly cluster: string;
  readonly nodes: number;
  readonly podsPerNode: number;
  readonly intervalMs: number;
  readonly outDir: string;
  readonly port: number;
  readonly cycles?: number;
  readonly durationMs?: number;
  readonly localNode: boolean;
  readonly dashboard: boolean;
  readonly seed: number;
  readonly profile: ProfileName;
}

/** The usage text of `kinsight local`. */
export const LOCAL_USAGE = `Usage: kinsight local [options]   (what \`npm start\` runs)

Runs the whole pipeline on this machine, without an AWS account: kinesalite and dynalite on
loopback, a local Secrets Manager holding the cluster's signing key, a local Kubernetes API server
serving a simulated cluster (this machine as one node plus simulated nodes whose /proc and cgroups
change under load), the real agent per node signing its records, the real poller on its schedule,
the real enricher driven like Lambda's event source mapping and verifying every record, EMF files
laid out as log group / log stream, and a live dashboard on 127.0.0.1.

Options:
  --nodes <n>            simulated nodes besides this machine (default 2)
  --pods-per-node <n>    pods per simulated node, its 2 DaemonSet pods included (default 8)
  --interval <time>      agent interval and poller schedule: 5s, 500ms, 1m (default 10s)
  --duration <time>      stop after this long (default: until Ctrl-C)
  --cycles <n>           stop after n intervals (default: until Ctrl-C)
  --port <n>             dashboard port on 127.0.0.1, 0 for any free port (default 8787)
  --out <dir>            output folder of the EMF files (default ./kinsight-out)
  --cluster <name>       cluster name (default kinsight-local)
  --seed <n>             seed of the simulated workload (default 1)
  --profile <name>       the enricher's and poller's profile: classic (default), lean or enhanced;
                         the dashboard charts the same metrics and shows the bytes of each profile
  --no-local-node        simulate every node; do not read this machine's /proc
  --no-dashboard         do not serve the dashboard
  --stop-agent NODE[@TIME]  stop that node's agent after TIME (default 3 intervals): the node goes silent (kinsight doctor --local)
  -h, --help             this text

Example: kinsight local --interval 5s --nodes 3 --pods-per-node 8
`;

function toInteger(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`--${flag} ${text} is not an integer between ${min} and ${max}; for example --${flag} ${fallback}`);
  }
  return value;
}

function toDuration(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new ConfigError(`--${flag}: ${parsed.error}`);
  if (parsed.value < min) throw new ConfigError(`--${flag} ${text} is shorter than ${min} ms; use a longer one (for example --${flag} 5s)`);
  return parsed.value;
}

function toProfileName(text: string | undefined): ProfileName {
  if (text === undefined) return DEFAULT_PROFILE_NAME;
  if (!isProfileName(text)) throw new ConfigError(`--profile ${text} is not a profile; expected classic, lean or enhanced`);
  return text;
}

/** Reads the flags of `kinsight local`; a bad flag is a ConfigError naming it, its value and what is expected. */
export function loadLocalFlags(argv: readonly string[]): LocalFlags {
  const values = parseFlags('local', argv, {
    nodes: { type: 'string' },
    'pods-per-node': { type: 'string' },
    interval: { type: 'string' },
    duration: { type: 'string' },
    cycles: { type: 'string' },
    port: { type: 'string' },
    out: { type: 'string' },
    cluster: { type: 'string' },
    seed: { type: 'string' },
    profile: { type: 'string' },
    'no-local-node': { type: 'boolean' },
    'no-dashboard': { type: 'boolean' },
  });
  const cluster = values.cluster ?? 'kinsight-local';
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(cluster)) {
    throw new ConfigError(`--cluster "${cluster}" is not a valid EKS cluster name; expected letters, digits, - and _, starting with a letter or digit`);
  }
  return {
    cluster,
    nodes: toInteger('nodes', values.nodes, 2, 0, 200),
    podsPerNode: toInteger('pods-per-node', values['pods-per-node'], 8, 0, 110),
    intervalMs: toDuration('interval', values.interval, 200) ?? 10_000,
    durationMs: toDuration('duration', values.duration, 1),
    cycles: values.cycles === undefined ? undefined : toInteger('cycles', values.cycles, 1, 1, 1_000_000),
    port: toInteger('port', values.port, 8787, 0, 65_535),
    outDir: values.out ?? 'kinsight-out',
    seed: toInteger('seed', values.seed, 1, 0, 2 ** 31 - 1),
    profile: toProfileName(values.profile),
    localNode: !values['no-local-node'],
    dashboard: !values['no-dashboard'],
  };
}

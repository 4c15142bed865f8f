import { gunzipSync } from 'node:zlib';
import { ConfigError } from '../core/errors';
import { createEmfEncoder } from '../core/emf';
import { toPerformanceLogGroup } from '../core/limits';
import { DEFAULT_PROFILE_NAME, parseProfileName } from '../core/metrics/profiles';
import { loadKubeConfigFile } from '../lambdas/common/kube-client';
import { createPoller } from '../lambdas/poller/create-poller';
import { createKubeLists } from '../lambdas/poller/kube-lists';
import type { MetadataStore } from '../lambdas/poller/metadata-store';
import { POLLER_NODE_NAME } from '../lambdas/poller/poll';
import type { CliIo, Command } from './io';

const USAGE = `Usage: kinsight poll --kubeconfig FILE --cluster NAME --dry-run [options]

Runs one poll of a cluster, as the poller Lambda does every minute, and prints what it would write:
one JSON line per EMF event ({"kind":"emf",...}) and per node metadata document
({"kind":"node-metadata",...}). Nothing is written to AWS; Auto Scaling groups are not looked up.

Options:
  --kubeconfig FILE   kubeconfig of the cluster (required)
  --cluster NAME      cluster name, the ClusterName attribute (required)
  --dry-run           print instead of writing (required: writing is the Lambda's job)
  --context NAME      kubeconfig context (default: current-context)
  --profile NAME      classic (default), lean or enhanced (enhanced adds workload and node status records)
  --timeout-ms N      per-request timeout (default 10000)
`;

interface PollArgs {
  kubeconfig: string;
  cluster: string;
  context?: string;
  profile: string;
  timeoutMs: number;
}

function parseArgs(argv: string[]): PollArgs {
  const values: Record<string, string> = {};
  let dryRun = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--dry-run') {
      dryRun = true;
      continue;
    }
    const [flag, inline] = arg.split('=', 2);
    if (!['--kubeconfig', '--cluster', '--context', '--profile', '--timeout-ms'].includes(flag)) {
      throw new ConfigError(`unknown option "${arg}"; expected --kubeconfig, --cluster, --dry-run, --context, --profile or --timeout-ms`);
    }
    const value = inline ?? argv[(i += 1)];
    if (value === undefined || value.startsWith('--')) throw new ConfigError(`option ${flag} needs a value`);
    values[flag.slice(2)] = value;
  }
  if (!values.kubeconfig) throw new ConfigError('--kubeconfig FILE is required (the kubeconfig of the cluster to poll)');
  if (!values.cluster) throw new ConfigError('--cluster NAME is required (the ClusterName of the records)');
  if (!dryRun) throw new ConfigError('only --dry-run is supported from the CLI; the poller Lambda does the writing');
  const timeoutMs = values['timeout-ms'] === undefined ? 10_000 : Number(values['timeout-ms']);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new ConfigError(`--timeout-ms is "${values['timeout-ms']}"; expected a positive integer of milliseconds`);
  return { kubeconfig: values.kubeconfig, cluster: values.cluster, context: values.context, profile: values.profile ?? DEFAULT_PROFILE_NAME, timeoutMs };
}

/** `kinsight poll`: one dry-run poll of a cluster through a kubeconfig. */
export const pollCommand: Command = {
  summary: 'Poll a cluster once and print the EMF events and node documents (dry run)',
  usage: USAGE,
  run: async (argv: string[], io: CliIo) => {
    const args = parseArgs(argv);
    const profile = parseProfileName(args.profile);
    if (!profile.ok) throw new ConfigError(`--profile: ${profile.error}`);
    const encoder = createEmfEncoder(profile.value);
    const kc = loadKubeConfigFile(args.kubeconfig, args.context);
    const print = (line: unknown) => io.stdout(`${JSON.stringify(line)}\n`);
    const store: MetadataStore = {
      readIndex: async () => undefined,
      readNodes: async () => new Map(),
      putDocuments: async (items) => {
        for (const item of items) print({ kind: 'node-metadata', key: item.pk, hash: item.hash, document: JSON.parse(gunzipSync(item.doc).toString('utf8')) });
        return { rejected: [] };
      },
      deleteNodes: async () => undefined,
      putIndex: async () => undefined,
    };
    const poll = createPoller({
      connect: async () => createKubeLists(kc, args.timeoutMs),
      autoScalingGroups: { resolve: async () => new Map() },
      store,
      writeEvents: async (cluster, records) => {
        for (const r of records) {
          print({ kind: 'emf', logGroup: toPerformanceLogGroup(cluster), logStream: POLLER_NODE_NAME, timestamp: r.timestampMs, event: JSON.parse(encoder.encode(r)) });
        }
      },
      isEnhanced: () => profile.value.enhancedMetrics,
    });
    const summary = await poll(args.cluster, Date.now());
    io.stderr(
      `kinsight poll: ${summary.cluster}: ${summary.nodes} nodes, ${summary.pods} pods, ${summary.records} EMF events, ${summary.documentsWritten} node documents, ${summary.listRequests} list requests in ${summary.durationMs} ms\n`,
    );
    for (const warning of summary.warnings.slice(0, 10)) io.stderr(`kinsight poll: warning: ${warning}\n`);
    return 0;
  },
};

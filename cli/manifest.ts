import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_GROUP_ID, AGENT_USER_ID, DEFAULT_AGENT_IMAGE, DEFAULT_POD_LOGS_DIR, toAgentManifest } from '../core/agent-manifest';
import { toApplierRbac } from '../core/applier-rbac';
import { ConfigError } from '../core/errors';
import type { CliIo, Command } from './io';
import { toManifestYaml } from './manifest-yaml';
import { parseFlags } from './parse-flags';

const USAGE = `Usage: kinsight manifest --cluster NAME --stream NAME_OR_ARN [options]

Prints the agent's Kubernetes objects (namespace, service account, ConfigMap with the agent bundle,
the poller's ClusterRole and binding, DaemonSet) as YAML: the same objects the CDK app applies to each
cluster. Apply them server-side, as the CDK applier does:

  kinsight manifest --cluster prod --stream kinsight --region eu-west-1 | kubectl apply --server-side -f -

(client-side \`kubectl apply\` copies each object into an annotation limited to 256 KiB, which the
ConfigMap holding the agent bundle exceeds).

  --cluster NAME         EKS cluster name (required)
  --stream NAME_OR_ARN   Kinesis stream the agents write to (required)
  --region REGION        AWS region (default: from the stream ARN, else AWS_REGION)
  --image IMAGE          image with a node binary, pinned by digest (default ${DEFAULT_AGENT_IMAGE})
  --interval DURATION    collection interval (default 60s)
  --namespace NAME       namespace of the agent (default kinsight)
  --irsa-role-arn ARN    annotate the service account for IRSA (default: none, for EKS Pod Identity)
  --key-secret NAME|ARN  Secrets Manager secret of the cluster's record signing key (default: none, unsigned records)
  --run-as-user UID      uid the agent runs as, one no other workload uses (default ${AGENT_USER_ID})
  --run-as-group GID     gid the agent runs as (default ${AGENT_GROUP_ID})
  --pod-logs-dir DIR     the kubelet's podLogsDir, where the agent reads pod names (default ${DEFAULT_POD_LOGS_DIR})
  --bundle FILE          the agent bundle (default dist/agent.js, built by npm run build)
  --applier-rbac         print instead the one-time RBAC bootstrap of the CDK applier (rbac-group access)
`;

const STREAM_ARN = /^arn:aws[a-z-]*:kinesis:([a-z0-9-]+):[0-9]{12}:stream\/.+$/;

/** Where `npm run build` puts the agent: next to the CLI bundle in dist/, or dist/ of the checkout when run from source. */
function findBundle(explicit: string | undefined): string {
  const candidates = explicit ? [explicit] : [join(__dirname, 'agent.js'), join(__dirname, '..', 'dist', 'agent.js')];
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new ConfigError(
      explicit
        ? `agent bundle "${explicit}" does not exist; expected the file npm run build writes (dist/agent.js)`
        : `agent bundle not found (looked for ${candidates.join(', ')}); run \`npm run build\` first, or pass --bundle FILE`,
    );
  }
  return found;
}

/** A uid or gid flag as a number; the manifest checks its range. */
function toId(flag: string, key: 'runAsUser' | 'runAsGroup', text: string | undefined): { runAsUser?: number } | { runAsGroup?: number } {
  if (text === undefined) return {};
  if (!/^[0-9]{1,10}$/.test(text)) throw new ConfigError(`${flag} "${text.slice(0, 80)}" is not a number; expected a uid or gid such as 65529`);
  return { [key]: Number(text) };
}

function run(argv: string[], io: CliIo): number {
  const values = parseFlags('manifest', argv, {
    cluster: { type: 'string' },
    stream: { type: 'string' },
    region: { type: 'string' },
    image: { type: 'string' },
    interval: { type: 'string' },
    namespace: { type: 'string' },
    'irsa-role-arn': { type: 'string' },
    'key-secret': { type: 'string' },
    'run-as-user': { type: 'string' },
    'run-as-group': { type: 'string' },
    'pod-logs-dir': { type: 'string' },
    bundle: { type: 'string' },
    'applier-rbac': { type: 'boolean' },
  });
  if (values['applier-rbac']) {
    io.stdout(toManifestYaml(toApplierRbac(values.namespace)));
    return 0;
  }
  if (!values.cluster) throw new ConfigError('no cluster; pass --cluster NAME (the EKS cluster name)');
  if (!values.stream) throw new ConfigError('no stream; pass --stream NAME_OR_ARN (the kinsight Kinesis stream)');
  const region = values.region ?? STREAM_ARN.exec(values.stream)?.[1] ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (!region) throw new ConfigError('no region; pass --region REGION, a stream ARN, or set AWS_REGION');
  const roleArn = values['irsa-role-arn'];
  if (roleArn !== undefined && !/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/.+$/.test(roleArn)) {
    throw new ConfigError(`--irsa-role-arn "${roleArn.slice(0, 80)}" is not an IAM role ARN; expected arn:aws:iam::123456789012:role/NAME`);
  }
  const objects = toAgentManifest({
    clusterName: values.cluster,
    streamName: values.stream,
    region,
    agentBundle: readFileSync(findBundle(values.bundle), 'utf8'),
    ...(values.image ? { image: values.image } : {}),
    ...(values.interval ? { interval: values.interval } : {}),
    ...(values.namespace ? { namespace: values.namespace } : {}),
    ...(roleArn ? { serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': roleArn } } : {}),
    ...(values['key-secret'] ? { keySecret: values['key-secret'] } : {}),
    ...toId('--run-as-user', 'runAsUser', values['run-as-user']),
    ...toId('--run-as-group', 'runAsGroup', values['run-as-group']),
    ...(values['pod-logs-dir'] ? { podLogsDir: values['pod-logs-dir'] } : {}),
  });
  io.stdout(toManifestYaml(objects));
  return 0;
}

/** `kinsight manifest`: the agent's Kubernetes objects as YAML, for kubectl apply. */
export const manifestCommand: Command = {
  summary: "Print the agent's Kubernetes objects (DaemonSet, ConfigMap with the bundle, RBAC) as YAML for kubectl apply --server-side",
  usage: USAGE,
  run: async (argv, io) => run(argv, io),
};

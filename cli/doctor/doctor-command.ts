import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FleetConfig } from '../../cdk/lib/fleet-config';
import { loadFleetConfig } from '../../cdk/lib/load-fleet-config';
import { ConfigError } from '../../core/errors';
import type { CheckResult } from '../../core/prerequisites';
import type { CliIo, Command } from '../io';
import { parseFlags } from '../parse-flags';
import { DEFAULT_TOOLKIT_STACK, checkFleetFile } from './account-checks';
import { runLocalDoctor } from './local-target';
import { shouldColour, toResultJson, toResultLines } from './render-results';
import type { DoctorScope } from './run-doctor';

/** The usage text of `kinsight doctor`. */
export const DOCTOR_USAGE = `Usage: kinsight doctor [options]

Checks, read-only, with your AWS credentials and kubeconfig, that each cluster of the fleet file is
ready for \`cdk deploy\` and, once deployed, that the pipeline runs: one line per check, green ✓ or
red ✗ with the fix, then a summary. Run it first when a dashboard is empty.

Before a deploy: the fleet file is valid; the CDK bootstrap stack exists; per cluster: it exists and
is ACTIVE, its authentication mode allows access entries, the EKS Pod Identity Agent add-on is
installed and healthy (with IRSA: the OIDC provider exists and is the cluster's), and a private
endpoint is reachable from the fleet file's subnets, which reach EKS, EC2, DynamoDB and CloudWatch
Logs (NAT route or VPC endpoints).
After it: the kinsight stack and its Kinesis stream; per cluster: the agent DaemonSet's ready pods and why the others are not; nodes whose last
record is older than two intervals; the poller's last successful poll; and the enricher's poison
and failed records.

Options:
  --fleet FILE                the fleet file (default: what cdk.json names, as cdk deploy reads it)
  --region REGION             AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's)
  --before-deploy             only the checks before a deploy
  --pipeline                  only the checks of the running pipeline
  --kubeconfig FILE           kubeconfig (default: KUBECONFIG or ~/.kube/config)
  --context CLUSTER=CONTEXT   kubeconfig context of a cluster, repeatable (default: the context whose
                              server is the cluster's endpoint, or named by its ARN or its name)
  --toolkit-stack-name NAME   the CDK bootstrap stack (default ${DEFAULT_TOOLKIT_STACK})
  --stack-name NAME           the kinsight stack (default: cdk.json's kinsightStackName, else Kinsight)
  --local DIR                 check the local pipeline of \`kinsight local --out DIR\` (npm start:
                              kinsight-out) instead of AWS
  --json                      print the results as JSON: {ok, passed, failed, results: [{cluster,
                              check, ok, message, fix}]}
  -h, --help                  this text

Exit status: 0 when every check passes, 1 when one fails, 2 for a bad command line.

Example: kinsight doctor --fleet fleet.json --region eu-west-1
`;

/** The kinsight stack's name when cdk.json names none (cdk/bin/app.ts's default). */
const DEFAULT_STACK_NAME = 'Kinsight';

/** What the command reads besides its flags: injected so that tests control the clock and the clients. */
export interface DoctorDeps {
  /** Wall clock, epoch ms. */
  readonly now: () => number;
  /** The working directory (where cdk.json is looked for). */
  readonly cwd: () => string;
  /** Reads a UTF-8 file; throws the fs error. */
  readonly readFile: (path: string) => string;
  /** The region of the SDK's configuration (profile), when no flag or variable names one. */
  readonly defaultRegion: () => Promise<string | undefined>;
}

const defaultDeps: DoctorDeps = {
  now: Date.now,
  cwd: () => process.cwd(),
  readFile: (path) => readFileSync(path, 'utf8'),
  defaultRegion: async () => (await import('./run-aws-doctor')).readProfileRegion(),
};

/** `--context CLUSTER=CONTEXT` values as a map. */
export function parseContextFlags(values: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0 || at === value.length - 1) throw new ConfigError(`--context ${value} is not CLUSTER=CONTEXT; for example --context prod-eu=arn:aws:eks:eu-west-1:111111111111:cluster/prod-eu`);
    map.set(value.slice(0, at), value.slice(at + 1));
  }
  return map;
}

/** The fleet as `cdk deploy` would read it (cdk.json context, or the --fleet file), validated by the CDK app's own code. */
function loadFleet(flag: string | undefined, deps: DoctorDeps): { source: string; fleet: FleetConfig | { error: string }; stackName: string } {
  const cdkJsonPath = join(deps.cwd(), 'cdk.json');
  let context: Record<string, unknown> = {};
  if (existsSync(cdkJsonPath)) {
    try {
      context = ((JSON.parse(deps.readFile(cdkJsonPath)) as { context?: Record<string, unknown> }).context ?? {}) as Record<string, unknown>;
    } catch (error) {
      return { source: cdkJsonPath, fleet: { error: `cdk.json is not JSON: ${(error as Error).message}` }, stackName: DEFAULT_STACK_NAME };
    }
  }
  const stackName = typeof context.kinsightStackName === 'string' ? context.kinsightStackName : DEFAULT_STACK_NAME;
  const file = flag ?? context.kinsightConfig;
  const source = typeof file === 'string' ? file : 'cdk.json context "kinsight"';
  try {
    const fleet = loadFleetConfig({ context: (key) => (key === 'kinsightConfig' ? file : context[key]), readFile: deps.readFile });
    return { source, fleet, stackName };
  } catch (error) {
    if (error instanceof ConfigError) return { source, fleet: { error: error.message }, stackName };
    throw error;
  }
}

/** The `kinsight doctor` command over the given clock and files (tests inject them). */
export function createDoctorCommand(deps: DoctorDeps = defaultDeps): Command {
  return {
    summary: 'Check a fleet before and after cdk deploy: prerequisites, agents, silent nodes, enricher, poller',
    usage: DOCTOR_USAGE,
    configErrorExitCode: 2,
    run: async (argv, io) => {
      const flags = parseFlags('doctor', argv, {
        fleet: { type: 'string' },
        region: { type: 'string' },
        'before-deploy': { type: 'boolean' },
        pipeline: { type: 'boolean' },
        kubeconfig: { type: 'string' },
        context: { type: 'string', multiple: true },
        'toolkit-stack-name': { type: 'string' },
        'stack-name': { type: 'string' },
        local: { type: 'string' },
        json: { type: 'boolean' },
      });
      if (flags['before-deploy'] && flags.pipeline) throw new ConfigError('--before-deploy and --pipeline exclude each other; give neither for both kinds of checks');
      const contexts = parseContextFlags(flags.context ?? []);
      let results: CheckResult[];
      if (flags.local !== undefined) {
        const aws = ['fleet', 'region', 'before-deploy', 'kubeconfig', 'context', 'toolkit-stack-name', 'stack-name'].filter((f) => (flags as Record<string, unknown>)[f] !== undefined);
        if (aws.length > 0) throw new ConfigError(`--local checks the local pipeline only; drop --${aws.join(', --')}`);
        results = await runLocalDoctor(flags.local, deps.now());
      } else {
        const scope: DoctorScope = flags['before-deploy'] ? 'before-deploy' : flags.pipeline ? 'pipeline' : 'all';
        const { source, fleet, stackName } = loadFleet(flags.fleet, deps);
        results = [checkFleetFile(source, fleet)];
        if (!('error' in fleet)) {
          const region = flags.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? (await deps.defaultRegion());
          if (!region) throw new ConfigError('no AWS region: pass --region REGION, or set AWS_REGION or a region in your AWS profile');
          // The AWS SDK clients (EC2's alone is megabytes) load only when the doctor runs: every other command starts as fast as before.
          const { runAwsDoctor } = await import('./run-aws-doctor');
          results.push(
            ...(await runAwsDoctor({ fleet, region, scope, contexts, kubeconfig: flags.kubeconfig, toolkitStackName: flags['toolkit-stack-name'] ?? DEFAULT_TOOLKIT_STACK, stackName: flags['stack-name'] ?? stackName, nowMs: deps.now() })),
          );
        }
      }
      io.stdout(flags.json ? toResultJson(results) : toResultLines(results, { colour: shouldColour(io.stdoutIsTty, io.env) }));
      return results.every((r) => r.ok) ? 0 : 1;
    },
  };
}

/** `kinsight doctor`. */
export const doctorCommand: Command = createDoctorCommand();

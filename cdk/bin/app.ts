#!/usr/bin/env node
// Composition root of the CDK app: reads the fleet configuration, builds the agent bundle, adds cdk-nag.
import { readFileSync } from 'node:fs';
import { Annotations, App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { toFleetEstimate } from '../../cli/fleet-estimate';
import { ConfigError } from '../../core/errors';
import { COST_WARNING_ID, REFERENCE_FLEET, toCostWarnings } from '../lib/cost-warning';
import { loadFleetConfig } from '../lib/load-fleet-config';
import { FleetStack } from '../lib/fleet-stack';
import { buildAgentBundle } from '../lib/build-agent-bundle';
import { acknowledgeNagFindings } from '../lib/nag-acknowledgements';

/** Context `kinsightMetricsPerNodeWarning`: custom metrics per node above which synth warns (default in core/cost-model.ts). */
function toThreshold(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new ConfigError(`cdk context kinsightMetricsPerNodeWarning is ${JSON.stringify(value)}; expected a whole number of custom metrics per node, such as 500`);
  return n;
}

function main(): void {
  const app = new App();
  const fleet = loadFleetConfig({ context: (key) => app.node.tryGetContext(key), readFile: (path) => readFileSync(path, 'utf8') });
  const bundle = buildAgentBundle();
  const stackName: unknown = app.node.tryGetContext('kinsightStackName');
  const stack = new FleetStack(app, typeof stackName === 'string' ? stackName : 'Kinsight', {
    fleet,
    agentBundlePath: bundle.path,
    agentBundleSha256: bundle.sha256,
    description: `kinsight: Container Insights for ${fleet.clusters.length} EKS cluster(s)`,
  });
  const threshold = toThreshold(app.node.tryGetContext('kinsightMetricsPerNodeWarning'));
  for (const warning of toCostWarnings(fleet, (profiles) => toFleetEstimate(REFERENCE_FLEET, profiles).intervals, threshold)) {
    Annotations.of(stack).addWarningV2(COST_WARNING_ID, warning);
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  acknowledgeNagFindings(stack);
  app.synth();
}

try {
  main();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`kinsight cdk: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

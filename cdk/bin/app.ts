#!/usr/bin/env node
// Composition root of the CDK app: reads the fleet configuration, builds the agent bundle, adds cdk-nag.
import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../../core/errors';
import { loadFleetConfig } from '../lib/load-fleet-config';
import { FleetStack } from '../lib/fleet-stack';
import { buildAgentBundle } from '../lib/build-agent-bundle';
import { acknowledgeNagFindings } from '../lib/nag-acknowledgements';

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

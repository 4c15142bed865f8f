#!/usr/bin/env node
// Composition root of the CDK app: reads the fleet configuration, builds the agent bundle, adds cdk-nag.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildSync } from 'esbuild';
import { ConfigError } from '../../core/errors';
import { toBundleSha256 } from '../../core/agent-manifest';
import { loadFleetConfig } from '../lib/load-fleet-config';
import { FleetStack } from '../lib/fleet-stack';
import { PROJECT_ROOT } from '../lib/kinsight-function';
import { acknowledgeNagFindings } from '../lib/nag-acknowledgements';

/**
 * Bundles the agent with the options `npm run build` uses, into a temporary folder named after its hash
 * (concurrent synths never share a file); the applier's code package carries it.
 */
function buildAgentBundle(): { path: string; sha256: string } {
  const result = buildSync({
    entryPoints: [join(PROJECT_ROOT, 'node-agent', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'warning',
  });
  const code = result.outputFiles[0].text;
  const sha256 = toBundleSha256(code);
  const outdir = join(tmpdir(), `kinsight-agent-${sha256.slice(0, 16)}`);
  mkdirSync(outdir, { recursive: true });
  const path = join(outdir, 'agent.js');
  writeFileSync(path, code);
  return { path, sha256 };
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

#!/usr/bin/env node
// Composition root of the CDK app: reads the fleet configuration, builds the agent bundle, adds cdk-nag.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildSync } from 'esbuild';
import { ConfigError } from '../../core/errors';
import { toBundleSha256 } from '../../core/agent-manifest';
import { parseFleetConfig } from '../lib/fleet-config';
import { FleetStack } from '../lib/fleet-stack';
import { PROJECT_ROOT } from '../lib/kinsight-function';
import { acknowledgeNagFindings } from '../lib/nag-acknowledgements';

function loadFleet(app: App): ReturnType<typeof parseFleetConfig> {
  const file: unknown = app.node.tryGetContext('kinsightConfig');
  if (file !== undefined) {
    if (typeof file !== 'string') throw new ConfigError(`cdk context "kinsightConfig" is ${JSON.stringify(file)}; expected a file path such as fleet.json`);
    const path = resolve(file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read the fleet file "${path}" (context kinsightConfig): ${(error as Error).message}; expected a JSON file like fleet.example.json`, { cause: error });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(`the fleet file "${path}" is not JSON: ${(error as Error).message}; expected a JSON object like fleet.example.json`, { cause: error });
    }
    return parseFleetConfig(value, path);
  }
  const inline: unknown = app.node.tryGetContext('kinsight');
  if (inline === undefined) {
    throw new ConfigError('no fleet configuration: set context "kinsight" in cdk.json or pass -c kinsightConfig=fleet.json (see fleet.example.json)');
  }
  return parseFleetConfig(inline, 'cdk.json context "kinsight"');
}

/** Bundles the agent like `npm run build` does, into a temporary folder; the applier's code package carries it. */
function buildAgentBundle(): { path: string; sha256: string } {
  const outdir = join(tmpdir(), 'kinsight-cdk-agent');
  mkdirSync(outdir, { recursive: true });
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
  const path = join(outdir, 'agent.js');
  writeFileSync(path, code);
  return { path, sha256: toBundleSha256(code) };
}

function main(): void {
  const app = new App();
  const fleet = loadFleet(app);
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

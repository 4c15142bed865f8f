import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseFleetConfig } from '../../../../cdk/lib/fleet-config';
import { FleetStack } from '../../../../cdk/lib/fleet-stack';
import { acknowledgeNagFindings } from '../../../../cdk/lib/nag-acknowledgements';
import fleetExample from '../../../../fleet.example.json';

const stub = join(__dirname, 'fixtures', 'handler.ts');

describe('cdk-nag AwsSolutions checks', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const appWithNag = (fleet: unknown, acknowledge: boolean): App => {
    const outdir = mkdtempSync(join(tmpdir(), 'kinsight-nag-'));
    dirs.push(outdir);
    writeFileSync(join(outdir, 'agent.js'), 'console.log("agent");\n');
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new FleetStack(app, 'Kinsight', {
      fleet: parseFleetConfig(fleet),
      agentBundlePath: join(outdir, 'agent.js'),
      agentBundleSha256: 'a'.repeat(64),
      entries: { enricher: stub, poller: stub, applier: stub, keyRotation: stub },
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    if (acknowledge) acknowledgeNagFindings(stack);
    return app;
  };

  let example: App;
  it('pass for the example fleet (public and private clusters) with the acknowledged findings', () => {
    example = appWithNag(fleetExample, true);
    expect(() => example.synth()).not.toThrow();
  });

  it('pass for a single-cluster IRSA fleet with a provisioned stream', () => {
    const fleet = {
      clusters: [{ name: 'solo', oidcProviderArn: 'arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC' }],
      agentIdentity: 'irsa',
      streamMode: 'provisioned',
      shards: 2,
    };
    expect(() => appWithNag(fleet, true).synth()).not.toThrow();
  });

  it('pass for a fleet whose stack installs the Pod Identity Agent add-on', () => {
    expect(() => appWithNag({ ...fleetExample, installPodIdentityAgent: true }, true).synth()).not.toThrow();
  });

  it('fails the synth on the findings when nothing is acknowledged, so the checks do run', () => {
    expect(() => appWithNag(fleetExample, false).synth()).toThrow(/AwsSolutions/);
  });

  it('gives every acknowledgement a reason of at least a sentence', () => {
    const acknowledgements = example.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledgements.length).toBeGreaterThan(5);
    for (const [id, reason] of acknowledgements) expect(`${id}: ${reason}`).toMatch(/AwsSolutions-.*: .{40,}/);
  });
});

import { App } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toApplierSettings } from '../../../../cdk/lib/applier-settings';
import { AGENT_KEY_ROTATION_DAYS } from '../../../../cdk/lib/constructs/agent-key-secret';
import { parseFleetConfig } from '../../../../cdk/lib/fleet-config';
import { FleetStack } from '../../../../cdk/lib/fleet-stack';
import fleetExample from '../../../../fleet.example.json';
import { synthFleet, type SynthesizedFleet } from './fixtures/synth-fleet';

type Resources = Record<string, { Type: string; Properties: any; DependsOn?: string[]; DeletionPolicy?: string }>;
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const refersTo = (value: unknown, text: string): boolean => JSON.stringify(value).includes(text);
const CLUSTERS = ['payments', 'prod-eu', 'staging-eu'];
const SECRETS_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:eu-west-1:111111111111:secret:kinsight/agent-key/*']] };

describe('trust boundaries of the example fleet\'s templates', () => {
  let fleet: SynthesizedFleet;
  beforeAll(() => {
    fleet = synthFleet(fleetExample);
  });
  afterAll(() => fleet.cleanup());

  describe('signing keys', () => {
    it('gives each cluster a key secret named for it in its group\'s nested stack: 64 letters and digits under "key", the AWS managed key, deleted with the cluster', () => {
      expect(fleet.template.findResources('AWS::SecretsManager::Secret')).toEqual({});
      const secrets = [...fleet.nested.values()].flatMap((t) => Object.values(t.findResources('AWS::SecretsManager::Secret') as Resources));
      expect(secrets.map((s) => s.Properties.Name).sort()).toEqual(CLUSTERS.map((c) => `kinsight/agent-key/${c}`));
      for (const secret of secrets) {
        expect(secret.Properties.GenerateSecretString).toEqual({ SecretStringTemplate: '{}', GenerateStringKey: 'key', PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false });
        expect(secret.Properties.KmsKeyId).toBeUndefined();
        expect(secret.DeletionPolicy).toBe('Delete');
      }
    });

    it('rotates each key every 30 days with the fleet\'s rotation function, never at deploy', () => {
      expect(AGENT_KEY_ROTATION_DAYS).toBe(30);
      for (const group of fleet.nested.values()) {
        const secrets = group.findResources('AWS::SecretsManager::Secret') as Resources;
        const schedules = Object.values(group.findResources('AWS::SecretsManager::RotationSchedule') as Resources);
        expect(schedules.map((s) => s.Properties.SecretId.Ref).sort()).toEqual(Object.keys(secrets).sort());
        for (const schedule of schedules) {
          expect(schedule.Properties).toEqual({
            SecretId: expect.anything(),
            RotationLambdaARN: { Ref: expect.stringMatching(/KeyRotationFunction/) },
            RotationRules: { AutomaticallyAfterDays: 30 },
            RotateImmediatelyOnUpdate: false,
          });
        }
      }
    });

    it('lets Secrets Manager of this account invoke the rotation function for the agent key secrets only, before any schedule exists', () => {
      const permissions = Object.entries(fleet.template.findResources('AWS::Lambda::Permission') as Resources).filter(([, p]) => refersTo(p.Properties.FunctionName, 'KeyRotationFunction'));
      expect(permissions.map(([, p]) => p.Properties)).toEqual([
        { Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': [expect.stringMatching(/^KeyRotationFunction/), 'Arn'] }, Principal: 'secretsmanager.amazonaws.com', SourceAccount: '111111111111', SourceArn: SECRETS_ARN },
      ]);
      const [permissionId] = permissions[0];
      for (const stack of Object.values(fleet.template.findResources('AWS::CloudFormation::Stack') as Resources)) expect(stack.DependsOn).toContain(permissionId);
    });

    it('lets the rotation function read and write versions of the agent key secrets, nothing else', () => {
      const policies = Object.values(fleet.template.findResources('AWS::IAM::Policy') as Resources).filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref.startsWith('KeyRotationFunction')));
      expect(policies.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([
        {
          Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
          Effect: 'Allow',
          Resource: SECRETS_ARN,
        },
      ]);
    });

    it('tells the enricher to require signatures and where the keys are, without a cluster list', () => {
      const [enricher] = fleet.ofType('AWS::Lambda::Function').filter((f) => f.Environment?.Variables?.KINSIGHT_REQUIRE_SIGNATURE);
      expect(enricher.Environment.Variables).toMatchObject({ KINSIGHT_REQUIRE_SIGNATURE: 'true', KINSIGHT_KEY_SECRET_PREFIX: 'kinsight/agent-key/' });
      expect(JSON.stringify(enricher.Environment.Variables)).not.toContain('prod-eu');
    });

    it('grants no principal a secret of another cluster: GetSecretValue only by the session\'s cluster tag, to the enricher and to the rotation function', () => {
      const statements = fleet.ofType('AWS::IAM::Policy').flatMap((p) => p.PolicyDocument.Statement);
      const roles = fleet.ofType('AWS::IAM::Role').flatMap((r) => (r.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement));
      const reads = [...statements, ...roles].filter((s) => asList(s.Action).includes('secretsmanager:GetSecretValue'));
      expect(reads.map((s) => JSON.stringify(s.Resource).match(/secret:([^"]+)"/)?.[1]).sort()).toEqual([
        'kinsight/agent-key/${aws:PrincipalTag/eks-cluster-name}-??????',
        'kinsight/agent-key/*',
        'kinsight/agent-key/*',
      ]);
    });
  });

  describe('the applier', () => {
    const appliers = () => fleet.ofType('AWS::Lambda::Function').filter((f) => f.Environment?.Variables?.KINSIGHT_APPLIER_ID);

    it('gets only its id and the stream from its environment, and its clusters from the settings file of its package', () => {
      const settings = toApplierSettings(parseFleetConfig(fleetExample), 'a'.repeat(64));
      const ids = appliers().map((f) => f.Environment.Variables.KINSIGHT_APPLIER_ID).sort();
      expect(ids).toEqual(Object.keys(settings.appliers).sort());
      expect(Object.values(settings.appliers).flat().sort()).toEqual(CLUSTERS);
      for (const fn of appliers()) {
        expect(Object.keys(fn.Environment.Variables).sort()).toEqual(['KINSIGHT_APPLIER_ID', 'KINSIGHT_STREAM_NAME', 'NODE_OPTIONS']);
        expect(fn.Environment.Variables.KINSIGHT_STREAM_NAME).toEqual({ Ref: expect.stringMatching(/^referencetoKinsightStream/) });
      }
      expect(settings).toMatchObject({ image: fleetExample.agentImage, interval: '60s', agentIdentity: 'pod-identity', applierAccess: 'rbac-group', bundleSha256: 'a'.repeat(64), oidcProviders: {} });
    });

    it('may be invoked by its Provider\'s framework function only: no resource policy statement, no other role', () => {
      for (const group of fleet.nested.values()) {
        const resources = group.toJSON().Resources as Resources;
        const applierIds = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.KINSIGHT_APPLIER_ID).map(([id]) => id);
        expect(applierIds.length).toBeGreaterThan(0);
        for (const id of applierIds) {
          const permissions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Permission' && refersTo(r.Properties.FunctionName, id));
          expect(permissions).toEqual([]);
          const invokers = Object.values(resources)
            .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.PolicyDocument.Statement.some((s: any) => asList(s.Action).includes('lambda:InvokeFunction') && refersTo(s.Resource, id)))
            .flatMap((r) => r.Properties.Roles.map((role: { Ref: string }) => role.Ref));
          expect(invokers).toHaveLength(1);
          const [framework] = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function' && refersTo(r.Properties.Role, invokers[0]));
          expect(framework.Properties.Description).toMatch(/AWS CDK resource provider framework - onEvent/);
          expect(framework.Properties.Environment.Variables.USER_ON_EVENT_FUNCTION_ARN).toEqual({ 'Fn::GetAtt': [id, 'Arn'] });
        }
      }
      // Nor from the root stack.
      expect(Object.values(fleet.template.findResources('AWS::IAM::Policy')).filter((p: any) => refersTo(p.Properties, 'lambda:InvokeFunction'))).toEqual([]);
    });
  });
});

describe('warnings at synth', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const stackOf = (fleet: unknown): FleetStack => {
    const outdir = mkdtempSync(join(tmpdir(), 'kinsight-warn-'));
    dirs.push(outdir);
    writeFileSync(join(outdir, 'agent.js'), 'console.log("agent");\n');
    const stub = join(__dirname, 'fixtures', 'handler.ts');
    return new FleetStack(new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } }), 'Kinsight', {
      fleet: parseFleetConfig(fleet),
      agentBundlePath: join(outdir, 'agent.js'),
      agentBundleSha256: 'a'.repeat(64),
      entries: { enricher: stub, poller: stub, applier: stub, keyRotation: stub },
    });
  };

  it('warns when the fleet file\'s agentImage is a tag without a digest, naming the image and how to pin it', () => {
    const annotations = Annotations.fromStack(stackOf({ ...fleetExample, agentImage: 'public.ecr.aws/docker/library/node:22-alpine' }));
    annotations.hasWarning(
      '/Kinsight',
      Match.stringLikeRegexp('^agentImage public\\.ecr\\.aws/docker/library/node:22-alpine has no digest: .*Pin it: public\\.ecr\\.aws/docker/library/node:22-alpine@sha256:<digest>'),
    );
  });

  it('does not warn about the image when it is pinned by digest, as the default is', () => {
    const annotations = Annotations.fromStack(stackOf(fleetExample));
    annotations.hasNoWarning('/Kinsight', Match.stringLikeRegexp('has no digest'));
    annotations.hasNoWarning('/Kinsight', Match.stringLikeRegexp('requireSignedRecords'));
    expect(parseFleetConfig({ clusters: [{ name: 'c' }] }).agentImage).toMatch(/@sha256:[0-9a-f]{64}$/);
  });

  it('warns when the enricher is told to accept unsigned records', () => {
    Annotations.fromStack(stackOf({ ...fleetExample, requireSignedRecords: false })).hasWarning('/Kinsight', Match.stringLikeRegexp('^requireSignedRecords is false: the enricher accepts unsigned records'));
  });
});

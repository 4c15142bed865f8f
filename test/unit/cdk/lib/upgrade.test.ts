import { toRetainedTemplate, type CfnTemplate } from '../../../../cdk/lib/upgrade';
import fleetExample from '../../../../fleet.example.json';
import singleStack from './fixtures/single-stack-template-0.2.json';
import { synthFleet, type SynthesizedFleet } from './fixtures/synth-fleet';

/**
 * The upgrade from the single-stack layout, checked template against template. The fixture holds
 * the root templates kinsight 0.2 synthesized (commit fbc9230) for fleet.example.json and for a
 * one-cluster IRSA fleet: every resource's type and DeletionPolicy, and the properties of those the
 * upgrade must leave in place.
 */

type Resource = { Type: string; DeletionPolicy?: string; Properties?: unknown };
const IRSA_FLEET = { clusters: [{ name: 'solo', oidcProviderArn: 'arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC123' }], agentIdentity: 'irsa' };

/** What leaving the root template may do to a resource of each type, given the old template's DeletionPolicy. */
const REMOVABLE = new Set(['AWS::Lambda::Function', 'AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::Events::Rule', 'AWS::Lambda::Permission', 'AWS::EKS::AccessEntry', 'AWS::CloudWatch::Alarm']);

describe.each([
  ['the example fleet (Pod Identity)', fleetExample, singleStack['pod-identity'].Resources as Record<string, Resource>],
  ['a one-cluster IRSA fleet', IRSA_FLEET, singleStack.irsa.Resources as Record<string, Resource>],
])('upgrading %s from the single-stack layout', (_name, fleetFile, old) => {
  let fleet: SynthesizedFleet;
  let now: Record<string, Resource & { DependsOn?: unknown }>;
  beforeAll(() => {
    fleet = synthFleet(fleetFile);
    now = fleet.template.toJSON().Resources;
  });
  afterAll(() => fleet.cleanup());

  it('leaves the key, the stream, the table and every Pod Identity association in place: same logical id, type, properties and deletion policy', () => {
    const kept = Object.entries(old).filter(([, r]) => r.Properties !== undefined && r.Type !== 'AWS::Logs::LogGroup' && r.Type !== 'AWS::IAM::Role');
    expect(kept.map(([, r]) => r.Type)).toEqual(expect.arrayContaining(['AWS::KMS::Key', 'AWS::Kinesis::Stream', 'AWS::DynamoDB::GlobalTable']));
    for (const [id, resource] of kept) {
      expect([id, now[id]?.Type, now[id]?.Properties, now[id]?.DeletionPolicy]).toEqual([id, resource.Type, resource.Properties, resource.DeletionPolicy]);
    }
  });

  it('updates every agent role in place: same logical id, no name or path (which would replace it), the same principal, every old permission kept and the signing key added', () => {
    const roles = Object.entries(old).filter(([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties !== undefined);
    expect(roles.length).toBeGreaterThan(0);
    for (const [id, resource] of roles) {
      const was = resource.Properties as { AssumeRolePolicyDocument: { Statement: Array<{ Principal: unknown; Action: unknown }> }; Policies: Array<{ PolicyDocument: { Statement: unknown[] } }> };
      const is = now[id]?.Properties as typeof was & { RoleName?: unknown; Path?: unknown };
      expect([id, now[id]?.Type, is.RoleName, is.Path, now[id]?.DeletionPolicy]).toEqual([id, 'AWS::IAM::Role', undefined, undefined, resource.DeletionPolicy]);
      expect(is.AssumeRolePolicyDocument.Statement.map((st) => [st.Principal, st.Action])).toEqual(was.AssumeRolePolicyDocument.Statement.map((st) => [st.Principal, st.Action]));
      const statements = is.Policies.flatMap((p) => p.PolicyDocument.Statement);
      expect(statements).toEqual(expect.arrayContaining(was.Policies.flatMap((p) => p.PolicyDocument.Statement)));
      expect(statements.filter((st) => !was.Policies.some((p) => p.PolicyDocument.Statement.some((o) => JSON.stringify(o) === JSON.stringify(st))))).toEqual([
        expect.objectContaining({ Action: 'secretsmanager:GetSecretValue' }),
      ]);
    }
  });

  it('keeps every performance log group and its data: retained as it leaves the root, adopted with the same retention in the cluster\'s group', () => {
    const performance = Object.entries(old).filter(([id, r]) => r.Type === 'AWS::Logs::LogGroup' && id.startsWith('Performance'));
    expect(performance.length).toBeGreaterThan(0);
    const adopted = fleet.ofType('Custom::LogRetention');
    for (const [id, group] of performance) {
      const { LogGroupName, RetentionInDays } = group.Properties as { LogGroupName: string; RetentionInDays: number };
      expect([id, now[id], group.DeletionPolicy]).toEqual([id, undefined, 'Retain']);
      expect(adopted).toContainEqual(expect.objectContaining({ LogGroupName, RetentionInDays, RemovalPolicy: 'retain' }));
    }
  });

  it('deletes nothing that holds data: what leaves the root is a function, role, policy, rule, permission, access entry or alarm, or is retained', () => {
    const retained = toRetainedTemplate({ Resources: old } as unknown as CfnTemplate).template.Resources as Record<string, Resource>;
    const leaving = Object.entries(retained).filter(([id]) => now[id] === undefined);
    expect(leaving.length).toBeGreaterThan(0);
    for (const [id, resource] of leaving) {
      expect([id, REMOVABLE.has(resource.Type) || resource.DeletionPolicy === 'Retain']).toEqual([id, true]);
    }
    // The agent installations among them: retained, so that their delete does not remove the agents.
    expect(leaving.filter(([, r]) => r.Type === 'Custom::KinsightAgent').map(([, r]) => r.DeletionPolicy)).toEqual(
      Object.values(old).filter((r) => r.Type === 'Custom::KinsightAgent').map(() => 'Retain'),
    );
  });

  it('installs the agent of every cluster again in its group, before the old installation leaves', () => {
    const clusters = (fleetFile as { clusters: Array<{ name: string }> }).clusters.map((c) => c.name).sort();
    expect(fleet.ofType('Custom::KinsightAgent').map((i) => i.ClusterName).sort()).toEqual(clusters);
  });

  it('keeps the logical id of nothing whose type changes', () => {
    for (const [id, resource] of Object.entries(old)) if (now[id]) expect([id, now[id].Type]).toEqual([id, resource.Type]);
  });
});

describe('toRetainedTemplate', () => {
  it('retains the agent installations only, leaving every other resource and key as it was', () => {
    const deployed: CfnTemplate = {
      AWSTemplateFormatVersion: '2010-09-09',
      Resources: {
        A: { Type: 'Custom::KinsightAgent', Properties: { ClusterName: 'a' } },
        B: { Type: 'Custom::KinsightAgent', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' },
        S: { Type: 'AWS::Kinesis::Stream', DeletionPolicy: 'Delete' },
      },
    };
    const { template, retained } = toRetainedTemplate(deployed);
    expect(retained).toEqual(['A']);
    expect(template).toEqual({
      AWSTemplateFormatVersion: '2010-09-09',
      Resources: {
        A: { Type: 'Custom::KinsightAgent', Properties: { ClusterName: 'a' }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' },
        B: { Type: 'Custom::KinsightAgent', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' },
        S: { Type: 'AWS::Kinesis::Stream', DeletionPolicy: 'Delete' },
      },
    });
  });
});

import { CFN_MAX_OUTPUTS, CFN_MAX_PARAMETERS, CFN_MAX_RESOURCES, CFN_MAX_TEMPLATE_BYTES, IAM_MAX_ROLE_INLINE_POLICY_CHARS, LAMBDA_MAX_ENVIRONMENT_BYTES } from '../../../../core/limits';
import { CLUSTER_GROUP_COUNT, MAX_CLUSTERS_PER_GROUP, toClusterGroup } from '../../../../cdk/lib/cluster-groups';
import { Match } from 'aws-cdk-lib/assertions';
import fleetExample from '../../../../fleet.example.json';
import { synthFleet, type SynthesizedFleet } from './fixtures/synth-fleet';

type Resource = { Type: string; Properties?: any; DependsOn?: string[]; DeletionPolicy?: string };

const NETWORKS = [
  { vpcId: 'vpc-0a1b2c3d4e5f60789', subnetIds: ['subnet-0a1b2c3d4e5f60781', 'subnet-0a1b2c3d4e5f60782'], securityGroupIds: ['sg-0a1b2c3d4e5f60783'] },
  { vpcId: 'vpc-0f1e2d3c4b5a69788', subnetIds: ['subnet-0f1e2d3c4b5a69781'], securityGroupIds: ['sg-0f1e2d3c4b5a69782', 'sg-0f1e2d3c4b5a69783'] },
];

/**
 * Cluster i of a large fleet: every third name as long as EKS allows (100), some private, some sized,
 * a quarter lean (short names: the enricher's 4 KB environment lists every cluster whose profile differs).
 */
function clusterOf(i: number): { name: string } & Record<string, unknown> {
  const short = `team-${String(i).padStart(3, '0')}-eks`;
  return {
    name: i % 3 === 0 ? `${short}-${'x'.repeat(100 - short.length - 1)}` : short,
    ...(i % 10 === 1 ? { private: NETWORKS[0] } : i % 10 === 2 ? { private: NETWORKS[1] } : {}),
    ...(i % 7 === 0 ? { nodes: 4000 } : i % 5 === 0 ? { nodes: 400 } : {}),
    ...(i % 4 === 1 && i % 3 !== 0 ? { profile: 'lean' } : {}),
  };
}

/**
 * The worst case of what CloudFormation resolves a value to, for sizes: the longest partition, region,
 * account id and names. `refChars` says how long a reference may resolve: 256 characters unless known
 * shorter (an IAM role's name, which the applier's environment lists, is at most 64).
 */
function worstCase(value: unknown, refChars: (ref: string) => number = () => 256): unknown {
  const recurse = (v: unknown) => worstCase(v, refChars);
  if (Array.isArray(value)) return value.map(recurse);
  if (typeof value === 'string') return value.replace(/^arn:aws:/, 'arn:aws-us-gov:').replaceAll('eu-west-1', 'ap-southeast-5');
  if (typeof value !== 'object' || value === null) return value;
  const o = value as Record<string, unknown>;
  if (o.Ref === 'AWS::Partition') return 'aws-us-gov';
  if (o.Ref === 'AWS::Region') return 'ap-southeast-5';
  if (o.Ref === 'AWS::AccountId') return '123456789012';
  // Any other reference (a parameter, a name, an ARN): 256 characters unless known shorter.
  if (typeof o.Ref === 'string') return 'r'.repeat(refChars(o.Ref));
  if ('Ref' in o || 'Fn::GetAtt' in o || 'Fn::ImportValue' in o) return 'r'.repeat(256);
  if (Array.isArray(o['Fn::Join'])) {
    const [separator, parts] = o['Fn::Join'] as [string, unknown[]];
    return (recurse(parts) as unknown[]).map(String).join(separator);
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, recurse(v)]));
}
const charsOf = (policyDocument: unknown) => JSON.stringify(worstCase(policyDocument)).length;

/** The inline policy characters of each role of a template: its own Policies plus the AWS::IAM::Policy resources attached to it. */
function inlinePolicyChars(resources: Record<string, Resource>): Map<string, number> {
  const chars = new Map<string, number>();
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::IAM::Role') chars.set(id, (r.Properties.Policies ?? []).reduce((n: number, p: any) => n + charsOf(p.PolicyDocument), 0));
  }
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    for (const role of r.Properties.Roles ?? []) chars.set(role.Ref, (chars.get(role.Ref) ?? 0) + charsOf(r.Properties.PolicyDocument));
  }
  return chars;
}

/** IAM limits a role name to 64 characters. @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html */
const IAM_MAX_ROLE_NAME_CHARS = 64;

/**
 * How long each reference of each template may resolve: a nested stack's parameter that the root
 * fills with the Ref of an IAM role is a role name (at most 64 characters); anything else 256.
 */
function toRefChars(fleet: SynthesizedFleet): Map<string, (ref: string) => number> {
  const root = fleet.template.toJSON().Resources as Record<string, Resource>;
  const byTemplate = new Map<string, (ref: string) => number>([[fleet.all[0].name, () => 256]]);
  for (const [id, stack] of Object.entries(root).filter(([, r]) => r.Type === 'AWS::CloudFormation::Stack')) {
    const group = fleet.all.find((t) => id.startsWith(`${t.name}NestedStack`));
    const parameters = (stack.Properties.Parameters ?? {}) as Record<string, { Ref?: string }>;
    const isRoleName = (ref: string) => root[parameters[ref]?.Ref ?? '']?.Type === 'AWS::IAM::Role';
    if (group) byTemplate.set(group.name, (ref) => (isRoleName(ref) ? IAM_MAX_ROLE_NAME_CHARS : 256));
  }
  return byTemplate;
}

describe.each([
  [200, 'pod-identity'],
  [400, 'pod-identity'],
  [400, 'irsa'],
] as const)('a fleet of %d clusters with %s', (count, identity) => {
  let fleet: SynthesizedFleet;
  const clusters = Array.from({ length: count }, (_, i) => ({
    ...clusterOf(i),
    ...(identity === 'irsa' ? { oidcProviderArn: `arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/${String(i).padStart(32, 'F')}` } : {}),
  }));
  const names = clusters.map((c) => c.name as string).sort();
  beforeAll(() => {
    fleet = synthFleet({ clusters, profile: 'classic', agentIdentity: identity, declarations: [{ dimensions: [['ClusterName']], metricNameSelectors: ['^cluster_', '^node_cpu_utilization$'] }] });
  });
  afterAll(() => fleet.cleanup());

  it('spreads the clusters over the nested stacks of their groups, none over its bound', () => {
    expect(fleet.nested.size).toBe(CLUSTER_GROUP_COUNT);
    const perGroup = new Map<number, number>();
    for (const name of names) perGroup.set(toClusterGroup(name), (perGroup.get(toClusterGroup(name)) ?? 0) + 1);
    expect(Math.max(...perGroup.values())).toBeLessThanOrEqual(MAX_CLUSTERS_PER_GROUP);
  });

  it('keeps every template within CloudFormation\'s limits: resources, outputs, parameters, size', () => {
    for (const { name, template, bytes } of fleet.all) {
      const json = template.toJSON();
      const figures = { resources: Object.keys(json.Resources).length, outputs: Object.keys(json.Outputs ?? {}).length, parameters: Object.keys(json.Parameters ?? {}).length, bytes };
      expect([name, figures.resources <= CFN_MAX_RESOURCES, figures.outputs <= CFN_MAX_OUTPUTS, figures.parameters <= CFN_MAX_PARAMETERS, figures.bytes <= CFN_MAX_TEMPLATE_BYTES]).toEqual([name, true, true, true, true]);
    }
  });

  it('keeps every role\'s inline policies within IAM\'s 10,240 characters, with the longest names CloudFormation could resolve', () => {
    let largest = 0;
    for (const { name, template } of fleet.all) {
      for (const [role, chars] of inlinePolicyChars(template.toJSON().Resources)) {
        largest = Math.max(largest, chars);
        expect([name, role, chars <= IAM_MAX_ROLE_INLINE_POLICY_CHARS]).toEqual([name, role, true]);
      }
    }
    expect(largest).toBeGreaterThan(1000);
  });

  it('keeps every function\'s environment within Lambda\'s 4 KB', () => {
    const refChars = toRefChars(fleet);
    let largest = 0;
    for (const { name, template } of fleet.all) {
      for (const fn of Object.values(template.findResources('AWS::Lambda::Function')) as Resource[]) {
        const variables = worstCase(fn.Properties.Environment?.Variables ?? {}, refChars.get(name)) as Record<string, string>;
        const bytes = Object.entries(variables).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
        largest = Math.max(largest, bytes);
        expect([name, bytes <= LAMBDA_MAX_ENVIRONMENT_BYTES]).toEqual([name, true]);
      }
    }
    // With IRSA an applier lists its clusters' role names: the largest environment of the fleet.
    if (identity === 'irsa') expect(largest).toBeGreaterThan(1500);
  });

  it('schedules every cluster once, on the poller whose DescribeCluster names it', () => {
    const schedules = fleet.ofType('AWS::Scheduler::Schedule');
    expect(schedules.map((s) => JSON.parse(s.Target.Input).cluster).sort()).toEqual(names);
    for (const template of fleet.nested.values()) {
      const resources = template.toJSON().Resources as Record<string, Resource>;
      for (const schedule of Object.values(resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule')) {
        const fn = schedule.Properties.Target.Arn['Fn::GetAtt'][0] as string;
        const role = resources[fn].Properties.Role['Fn::GetAtt'][0];
        const policy = Object.values(resources).find((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: { Ref: string }) => x.Ref === role));
        expect(JSON.stringify(policy?.Properties.PolicyDocument)).toContain(`:cluster/${JSON.parse(schedule.Properties.Target.Input).cluster}"`);
      }
    }
  });

  it('gives every cluster its two access entries, its agent identity, its performance log group, its signing key and its agent installation', () => {
    const entries = fleet.ofType('AWS::EKS::AccessEntry');
    expect(entries.filter((e) => JSON.stringify(e.PrincipalArn).includes('Poller')).map((e) => e.ClusterName).sort()).toEqual(names);
    expect(entries.filter((e) => JSON.stringify(e.PrincipalArn).includes('Installer')).map((e) => e.ClusterName).sort()).toEqual(names);
    const identities = identity === 'irsa' ? fleet.template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('IRSA') } }) : fleet.template.findResources('AWS::EKS::PodIdentityAssociation');
    expect(Object.keys(identities)).toHaveLength(count);
    expect(fleet.ofType('AWS::SecretsManager::Secret').map((s) => s.Name).sort()).toEqual(names.map((n) => `kinsight/agent-key/${n}`).sort());
    expect(fleet.ofType('AWS::SecretsManager::RotationSchedule')).toHaveLength(count);
    expect(fleet.ofType('Custom::LogRetention').map((r) => r.LogGroupName).sort()).toEqual(names.map((n) => `/aws/containerinsights/${n}/performance`).sort());
    expect(fleet.ofType('Custom::KinsightAgent').map((r) => r.ClusterName).sort()).toEqual(names);
  });

  it('grants the enricher the performance log groups by pattern: one ARN per cluster would not fit its policy', () => {
    const writes = Object.values(fleet.template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement).filter((s: any) => [s.Action].flat().includes('logs:PutLogEvents'));
    expect(writes.map((s: any) => JSON.stringify(s.Resource))).toEqual([expect.stringContaining(':log-group:/aws/containerinsights/*/performance:*')]);
  });

  it('keeps the alarms to eight, whatever the fleet size', () => {
    expect(fleet.ofType('AWS::CloudWatch::Alarm')).toHaveLength(8);
  });
});

/** The resources of every template of a fleet, by template name (the root, `Clusters07`, ...). */
const resourcesOf = (fleet: SynthesizedFleet): Map<string, Record<string, Resource>> => new Map(fleet.all.map((t) => [t.name, t.template.toJSON().Resources]));

/** The resources that exist for one cluster and name it: its entries, association, schedule, log group retention, key secret, installation, IRSA role. */
function clusterResources(resources: Record<string, Resource>, cluster: string): string[] {
  const names = (r: Resource): string[] => {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::Scheduler::Schedule') return [JSON.parse(p.Target.Input).cluster];
    if (r.Type === 'Custom::LogRetention') return [p.LogGroupName.split('/')[3]];
    if (r.Type === 'AWS::SecretsManager::Secret') return [p.Name.slice('kinsight/agent-key/'.length)];
    if (r.Type === 'AWS::IAM::Role' && typeof p.Description === 'string') return [p.Description.match(/IRSA\) of cluster (\S+):/)?.[1]];
    return [p.ClusterName];
  };
  return Object.entries(resources).filter(([, r]) => names(r).includes(cluster)).map(([id]) => id);
}

/**
 * Checks a deploy from `before` to `after` leaves the resources of `clusters` as they are: the same
 * logical ids in the same templates with the same properties, dependencies and policies. `smaller`
 * is the fleet whose every resource must be in the other, same template and type (nothing replaced).
 */
function expectUntouched(before: SynthesizedFleet, after: SynthesizedFleet, clusters: readonly string[], smaller: 'before' | 'after'): void {
  const was = resourcesOf(before);
  const is = resourcesOf(after);
  const [subset, superset] = smaller === 'before' ? [was, is] : [is, was];
  for (const [stack, resources] of subset) {
    for (const [id, r] of Object.entries(resources)) expect([stack, id, superset.get(stack)?.[id]?.Type]).toEqual([stack, id, r.Type]);
  }
  let checked = 0;
  for (const cluster of clusters) {
    const idsBefore = [...was].flatMap(([stack, resources]) => clusterResources(resources, cluster).map((id) => [stack, id, resources[id]] as const));
    const idsAfter = [...is].flatMap(([stack, resources]) => clusterResources(resources, cluster).map((id) => [stack, id, resources[id]] as const));
    expect(idsAfter).toEqual(idsBefore);
    checked += idsBefore.length;
  }
  // At least the two access entries, the schedule, the log group, the key secret and the installation of each cluster, and its association.
  expect(checked).toBeGreaterThanOrEqual(clusters.length * 7);
}

/** The first `prefix-N` whose cluster group is (or with `other`, is not) the group of `cluster`. */
function nameInGroupOf(cluster: string, prefix: string, other = false): string {
  for (let i = 0; ; i += 1) if ((toClusterGroup(`${prefix}-${i}`) === toClusterGroup(cluster)) !== other) return `${prefix}-${i}`;
}

describe('adding or removing a cluster', () => {
  const example = fleetExample as { clusters: Array<Record<string, unknown>> };
  const existing = example.clusters.map((c) => c.name as string);
  const fleets: SynthesizedFleet[] = [];
  const synth = (fleet: unknown) => {
    const synthesized = synthFleet(fleet);
    fleets.push(synthesized);
    return synthesized;
  };
  let three: SynthesizedFleet;
  beforeAll(() => {
    three = synth(fleetExample);
  });
  afterAll(() => fleets.forEach((f) => f.cleanup()));

  it('replaces none of the existing clusters\' resources when the new one joins the group, network and memory size of one of them', () => {
    const joining = nameInGroupOf('prod-eu', 'joining');
    const four = synth({ ...example, clusters: [...example.clusters, { name: joining }] });
    expect(four.nested.size).toBe(three.nested.size);
    expectUntouched(three, four, existing, 'before');
  });

  it('replaces none of them when the new one gets a nested stack of its own, a new network or a new memory size', () => {
    const groups = new Set(existing.map(toClusterGroup));
    let alone = 'alone-0';
    for (let i = 0; groups.has(toClusterGroup(alone)); i += 1) alone = `alone-${i}`;
    const privateOne = nameInGroupOf('staging-eu', 'private');
    const big = nameInGroupOf('payments', 'big');
    const six = synth({ ...example, clusters: [...example.clusters, { name: alone }, { name: privateOne, private: NETWORKS[1] }, { name: big, nodes: 5000 }] });
    expect(six.nested.size).toBe(three.nested.size + 1);
    expectUntouched(three, six, existing, 'before');
  });

  it('replaces none of the remaining clusters\' resources when one leaves', () => {
    const joining = nameInGroupOf('prod-eu', 'joining');
    const four = synth({ ...example, clusters: [...example.clusters, { name: joining }] });
    expectUntouched(four, three, existing, 'after');
  });
});

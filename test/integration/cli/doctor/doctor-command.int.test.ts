import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogStreamsCommand, ResourceNotFoundException as LogsNotFound } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeNatGatewaysCommand, DescribeRouteTablesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcEndpointsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeAddonCommand, DescribeClusterCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { GetOpenIDConnectProviderCommand, IAMClient } from '@aws-sdk/client-iam';
import { CloudFormationServiceException } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { createDoctorCommand, parseContextFlags } from '../../../../cli/doctor/doctor-command';
import { chooseContext } from '../../../../cli/doctor/kube-reads';
import { takeStopAgentFlag, toLocalAgentObjects } from '../../../../cli/doctor/local-target';
import type { CliIo } from '../../../../cli/io';
import { runCli } from '../../../../cli/run-cli';
import { KubeStore, startKubeApiServer, type KubeApiServer } from '../../../../sim/kube/kube-api-server';
import type { ClusterState } from '../../../../sim/cluster/cluster-state';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const NESTED = 'arn:aws:cloudformation:eu-west-1:111111111111:stack/Kinsight-Clusters/abc';

function captureIo(env: NodeJS.ProcessEnv = {}): CliIo & { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return { env, stdout: (t) => out.push(t), stderr: (t) => err.push(t), stopSignal: new AbortController().signal, out: () => out.join(''), err: () => err.join('') };
}

describe('kinsight doctor against mocked AWS clients and a local Kubernetes API server', () => {
  const eks = mockClient(EKSClient);
  const iam = mockClient(IAMClient);
  const ec2 = mockClient(EC2Client);
  const cfn = mockClient(CloudFormationClient);
  const cloudWatch = mockClient(CloudWatchClient);
  const logs = mockClient(CloudWatchLogsClient);
  const kinesis = mockClient(KinesisClient);
  const mocks = [eks, iam, ec2, cfn, cloudWatch, logs, kinesis];
  let dir: string;
  let server: KubeApiServer;
  let kubeconfig: string;
  let fleetFile: string;
  const command = createDoctorCommand({ now: () => NOW, cwd: () => dir, readFile: (p) => readFileSync(p, 'utf8'), defaultRegion: async () => undefined });

  const nodes = ['ip-10-0-0-1.ec2.internal', 'ip-10-0-0-2.ec2.internal'];
  const state = { nodes: nodes.map((name) => ({ name })) } as unknown as ClusterState;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kinsight-doctor-'));
    const objects = toLocalAgentObjects(NOW - 3_600_000)(state);
    server = await startKubeApiServer({ store: new KubeStore({ daemonsets: objects.daemonsets, pods: objects.pods }) });
    kubeconfig = join(dir, 'kubeconfig.json');
    writeFileSync(kubeconfig, server.toKubeconfig('prod-eu'));
    fleetFile = join(dir, 'fleet.json');
    writeFileSync(fleetFile, JSON.stringify({ clusters: [{ name: 'prod-eu' }], interval: '60s' }));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    for (const m of mocks) m.restore();
  });

  const metrics = (values: { records: number; poison: number; failedrecords: number; lastPollMs?: number }) => (input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
      if (q.Id === 'p0') return { Id: 'p0', Timestamps: values.lastPollMs ? [new Date(values.lastPollMs), new Date(values.lastPollMs - 60_000)] : [], Values: values.lastPollMs ? [1, 1] : [] };
      return { Id: q.Id, Timestamps: [new Date(NOW - 3_600_000)], Values: [values[q.Id as 'records' | 'poison' | 'failedrecords']] };
    }),
  });

  function healthy(): void {
    for (const m of mocks) m.reset();
    eks.on(DescribeClusterCommand).resolves({
      cluster: { name: 'prod-eu', status: 'ACTIVE', version: '1.33', arn: 'arn:aws:eks:eu-west-1:111111111111:cluster/prod-eu', endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' } },
    });
    eks.on(DescribeAddonCommand).resolves({ addon: { addonName: 'eks-pod-identity-agent', status: 'ACTIVE', addonVersion: 'v1.3.4-eksbuild.1', health: { issues: [] } } });
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(NOW) }] });
    cfn.on(DescribeStacksCommand, { StackName: 'Kinsight' }).resolves({ Stacks: [{ StackName: 'Kinsight', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(NOW) }] });
    // The stream sits in a nested stack: the doctor follows it.
    const summary = (ResourceType: string, PhysicalResourceId: string) => ({ ResourceType, PhysicalResourceId, LogicalResourceId: 'Id', ResourceStatus: 'CREATE_COMPLETE' as const, LastUpdatedTimestamp: new Date(NOW) });
    cfn.on(ListStackResourcesCommand, { StackName: 'Kinsight' }).resolves({ StackResourceSummaries: [summary('AWS::KMS::Key', 'key-1'), summary('AWS::CloudFormation::Stack', NESTED)] });
    cfn.on(ListStackResourcesCommand, { StackName: NESTED }).resolves({ StackResourceSummaries: [summary('AWS::Kinesis::Stream', 'Kinsight-Stream-1A2B')] });
    kinesis.on(DescribeStreamSummaryCommand).resolves({
      StreamDescriptionSummary: { StreamName: 'Kinsight-Stream-1A2B', StreamARN: 'arn', StreamStatus: 'ACTIVE', StreamModeDetails: { StreamMode: 'ON_DEMAND' }, OpenShardCount: 4, RetentionPeriodHours: 24, StreamCreationTimestamp: new Date(NOW), EnhancedMonitoring: [] },
    });
    logs.on(DescribeLogStreamsCommand).resolves({
      logStreams: [
        { logStreamName: nodes[0], lastEventTimestamp: NOW - 20_000 },
        { logStreamName: nodes[1], lastEventTimestamp: NOW - 50_000 },
        { logStreamName: 'kinsight-poller', lastEventTimestamp: NOW - 10_000 },
      ],
    });
    cloudWatch.on(GetMetricDataCommand).callsFake(metrics({ records: 240, poison: 0, failedrecords: 0, lastPollMs: NOW - 60_000 }));
  }

  it('prints one green line per check and exits 0 on a ready, running fleet', async () => {
    healthy();
    const io = captureIo();
    await expect(command.run(['--fleet', fleetFile, '--region', 'eu-west-1', '--kubeconfig', kubeconfig], io)).resolves.toBe(0);
    expect(io.out()).toBe(
      [
        `✓ (fleet)  fleet-file           ${fleetFile}: 1 cluster, agent identity pod-identity, applier access rbac-group`,
        '✓ (fleet)  cdk-bootstrap        the CDK bootstrap stack CDKToolkit is UPDATE_COMPLETE',
        '✓ (fleet)  stack                the kinsight stack Kinsight is UPDATE_COMPLETE',
        '✓ (fleet)  stream               Kinesis stream Kinsight-Stream-1A2B is ACTIVE (ON_DEMAND, 4 open shards)',
        '✓ prod-eu  cluster-active       EKS cluster is ACTIVE (Kubernetes 1.33)',
        '✓ prod-eu  authentication-mode  authentication mode API_AND_CONFIG_MAP allows EKS access entries',
        '✓ prod-eu  pod-identity-agent   eks-pod-identity-agent add-on is ACTIVE (v1.3.4-eksbuild.1)',
        '✓ prod-eu  agent-daemonset      DaemonSet kinsight/kinsight-agent: 2/2 pods ready',
        "✓ prod-eu  silent-nodes         every node's agent wrote within 2 intervals (2 nodes, oldest last record 50 s ago)",
        '✓ prod-eu  poller               last successful poll 60 s ago (metric kinsight/PollSuccesses)',
        '✓ (fleet)  enricher             the enricher read 240 records in the last 60 min, none poison or failed',
        '11 checks: 11 passed, 0 failed',
        '',
      ].join('\n'),
    );
    // Read-only: Describe, Get and List calls only, each with what it reads.
    expect(eks.commandCalls(DescribeAddonCommand)[0].args[0].input).toEqual({ clusterName: 'prod-eu', addonName: 'eks-pod-identity-agent' });
    expect(logs.commandCalls(DescribeLogStreamsCommand)[0].args[0].input).toMatchObject({ logGroupName: '/aws/containerinsights/prod-eu/performance', orderBy: 'LastEventTime', descending: true });
    const query = cloudWatch.commandCalls(GetMetricDataCommand).flatMap((c) => c.args[0].input.MetricDataQueries ?? []).find((q) => q.Id === 'p0');
    expect(query?.MetricStat?.Metric).toEqual({ Namespace: 'kinsight', MetricName: 'PollSuccesses', Dimensions: [{ Name: 'Cluster', Value: 'prod-eu' }] });
  });

  it('fails with the fix on each red line and exits 1 when prerequisites are missing and a node is silent; --json prints the same results', async () => {
    healthy();
    eks.on(DescribeClusterCommand).resolves({ cluster: { name: 'prod-eu', status: 'ACTIVE', version: '1.33', accessConfig: { authenticationMode: 'CONFIG_MAP' } } });
    eks.on(DescribeAddonCommand).rejects(new ResourceNotFoundException({ message: 'No addon: eks-pod-identity-agent found in cluster: prod-eu', $metadata: {} }));
    cfn.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).rejects(new CloudFormationServiceException({ name: 'ValidationError', $fault: 'client', message: 'Stack with id CDKToolkit does not exist', $metadata: {} }));
    logs.on(DescribeLogStreamsCommand).resolves({ logStreams: [{ logStreamName: nodes[0], lastEventTimestamp: NOW - 20_000 }, { logStreamName: nodes[1], lastEventTimestamp: NOW - 9 * 60_000 }] });
    cloudWatch.on(GetMetricDataCommand).callsFake(metrics({ records: 240, poison: 2, failedrecords: 0 }));
    const io = captureIo();
    await expect(command.run(['--fleet', fleetFile, '--region', 'eu-west-1', '--kubeconfig', kubeconfig], io)).resolves.toBe(1);
    const lines = io.out().split('\n');
    expect(lines.filter((l) => l.startsWith('✗')).map((l) => l.split('—')[0].trim())).toEqual([
      '✗ (fleet)  cdk-bootstrap        the CDK bootstrap stack CDKToolkit does not exist in eu-west-1',
      "✗ prod-eu  authentication-mode  authentication mode is CONFIG_MAP; the stack's EKS access entries (poller, applier) need API or API_AND_CONFIG_MAP",
      '✗ prod-eu  pod-identity-agent   the EKS Pod Identity Agent add-on (eks-pod-identity-agent) is not installed: the agents would get no AWS credentials and every PutRecords would fail',
      '✗ prod-eu  silent-nodes         1 of 2 nodes silent for more than 2 intervals (2 min): ip-10-0-0-2.ec2.internal (last record 9 min ago)',
      '✗ prod-eu  poller               no successful poll in the last 3 h (metric kinsight/PollSuccesses)',
      '✗ (fleet)  enricher             the enricher counted 2 poison and 0 failed records of 240 in the last 60 min',
    ]);
    expect(lines).toContain('✗ prod-eu  pod-identity-agent   the EKS Pod Identity Agent add-on (eks-pod-identity-agent) is not installed: the agents would get no AWS credentials and every PutRecords would fail — fix: aws eks create-addon --cluster-name prod-eu --addon-name eks-pod-identity-agent, or set "installPodIdentityAgent": true in the fleet file, or use "agentIdentity": "irsa"');
    expect(lines[lines.length - 2]).toBe('11 checks: 5 passed, 6 failed');

    const json = captureIo();
    await expect(command.run(['--fleet', fleetFile, '--region', 'eu-west-1', '--kubeconfig', kubeconfig, '--json'], json)).resolves.toBe(1);
    const doc = JSON.parse(json.out()) as { ok: boolean; passed: number; failed: number; results: { cluster: string | null; check: string; ok: boolean; fix?: string }[] };
    expect(doc).toMatchObject({ ok: false, passed: 5, failed: 6 });
    expect(doc.results.map((r) => `${r.cluster}/${r.check}/${r.ok}`)).toEqual([
      'null/fleet-file/true',
      'null/cdk-bootstrap/false',
      'null/stack/true',
      'null/stream/true',
      'prod-eu/cluster-active/true',
      'prod-eu/authentication-mode/false',
      'prod-eu/pod-identity-agent/false',
      'prod-eu/agent-daemonset/true',
      'prod-eu/silent-nodes/false',
      'prod-eu/poller/false',
      'null/enricher/false',
    ]);
    expect(doc.results.find((r) => r.check === 'authentication-mode')?.fix).toMatch(/^aws eks update-cluster-config --name prod-eu --access-config authenticationMode=API_AND_CONFIG_MAP/);
  });

  it('fails the stack line when the kinsight stack is missing or failed, and finds the stack by the name cdk.json gives', async () => {
    healthy();
    cfn.on(DescribeStacksCommand, { StackName: 'Kinsight' }).rejects(new CloudFormationServiceException({ name: 'ValidationError', $fault: 'client', message: 'Stack with id Kinsight does not exist', $metadata: {} }));
    const io = captureIo();
    await expect(command.run(['--fleet', fleetFile, '--region', 'eu-west-1', '--kubeconfig', kubeconfig, '--pipeline'], io)).resolves.toBe(1);
    expect(io.out().split('\n')[1]).toBe('✗ (fleet)  stack            the kinsight stack Kinsight does not exist in eu-west-1 — fix: npx cdk deploy -c kinsightConfig=<fleet file> (a stack of another name: --stack-name)');
    expect(io.out()).not.toContain(' stream ');

    writeFileSync(join(dir, 'cdk.json'), JSON.stringify({ context: { kinsightConfig: fleetFile, kinsightStackName: 'Fleet-A' } }));
    cfn.on(DescribeStacksCommand, { StackName: 'Fleet-A' }).resolves({ Stacks: [{ StackName: 'Fleet-A', StackStatus: 'ROLLBACK_COMPLETE', CreationTime: new Date(NOW) }] });
    cfn.on(ListStackResourcesCommand, { StackName: 'Fleet-A' }).resolves({ StackResourceSummaries: [] });
    const fromCdkJson = captureIo();
    try {
      await expect(command.run(['--region', 'eu-west-1', '--kubeconfig', kubeconfig, '--pipeline'], fromCdkJson)).resolves.toBe(1);
    } finally {
      rmSync(join(dir, 'cdk.json'));
    }
    expect(fromCdkJson.out().split('\n')[1]).toMatch(/^✗ \(fleet\) {2}stack {12}the kinsight stack Fleet-A is ROLLBACK_COMPLETE — fix: its events in the CloudFormation console name the resource that failed/);
    expect(fromCdkJson.out()).not.toContain(' stream ');
  });

  it('checks only the prerequisites with --before-deploy, with IRSA the OIDC provider, and never reads Kubernetes then', async () => {
    healthy();
    const irsaFleet = join(dir, 'irsa.json');
    const arn = 'arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC';
    writeFileSync(irsaFleet, JSON.stringify({ clusters: [{ name: 'prod-eu', oidcProviderArn: arn }], agentIdentity: 'irsa' }));
    eks.on(DescribeClusterCommand).resolves({ cluster: { name: 'prod-eu', status: 'ACTIVE', accessConfig: { authenticationMode: 'API' }, identity: { oidc: { issuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC' } } } });
    iam.on(GetOpenIDConnectProviderCommand).resolves({ Url: 'oidc.eks.eu-west-1.amazonaws.com/id/ABC', ClientIDList: ['sts.amazonaws.com'] });
    const requestsBefore = server.requests.length;
    const io = captureIo();
    await expect(command.run(['--fleet', irsaFleet, '--region', 'eu-west-1', '--before-deploy', '--kubeconfig', join(dir, 'absent')], io)).resolves.toBe(0);
    const lines = io.out().split('\n');
    expect(lines.map((l) => l.split(/ {2,}/).slice(0, 2).join(' | '))).toEqual([
      '✓ (fleet) | fleet-file',
      '✓ (fleet) | cdk-bootstrap',
      '✓ prod-eu | cluster-active',
      '✓ prod-eu | authentication-mode',
      '✓ prod-eu | oidc-provider',
      '5 checks: 5 passed, 0 failed',
      '',
    ]);
    expect(lines[4]).toBe("✓ prod-eu  oidc-provider        IAM OIDC provider of the cluster's issuer exists and lists sts.amazonaws.com");
    expect(iam.commandCalls(GetOpenIDConnectProviderCommand)[0].args[0].input).toEqual({ OpenIDConnectProviderArn: arn });
    expect(server.requests.length).toBe(requestsBefore);
    expect(cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });

  it('checks a private cluster\'s network from the EC2 route tables, NAT gateways, endpoints and security groups', async () => {
    healthy();
    const privateFleet = join(dir, 'private.json');
    const placement = { vpcId: 'vpc-0a1b2c3d4e5f60789', subnetIds: ['subnet-0a1b2c3d4e5f60781'], securityGroupIds: ['sg-0a1b2c3d4e5f60783'] };
    writeFileSync(privateFleet, JSON.stringify({ clusters: [{ name: 'prod-eu', private: placement }] }));
    eks.on(DescribeClusterCommand).resolves({
      cluster: { name: 'prod-eu', status: 'ACTIVE', accessConfig: { authenticationMode: 'API' }, resourcesVpcConfig: { vpcId: placement.vpcId, endpointPrivateAccess: true, clusterSecurityGroupId: 'sg-0000000000000c1a5' } },
    });
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: placement.subnetIds[0], VpcId: placement.vpcId, CidrBlock: '10.0.1.0/24' }] });
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [{ RouteTableId: 'rtb-1', Associations: [{ Main: true }], Routes: [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1', State: 'active' }] }] });
    ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [{ NatGatewayId: 'nat-1', State: 'available' }] });
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-0000000000000c1a5', IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-0a1b2c3d4e5f60783' }] }] }] });
    const io = captureIo();
    await expect(command.run(['--fleet', privateFleet, '--region', 'eu-west-1', '--before-deploy'], io)).resolves.toBe(0);
    expect(io.out()).toContain('✓ prod-eu  private-endpoint     private endpoint reachable: same VPC vpc-0a1b2c3d4e5f60789, sg-0000000000000c1a5 accepts 443');
    expect(io.out()).toContain('✓ prod-eu  regional-services    subnets reach eks, ec2, dynamodb, logs (through nat-1)');
    expect(ec2.commandCalls(DescribeNatGatewaysCommand)[0].args[0].input).toEqual({ Filter: [{ Name: 'vpc-id', Values: [placement.vpcId] }] });
  });

  it('fails one check with the reason when a read is denied, and goes on with the others', async () => {
    healthy();
    logs.on(DescribeLogStreamsCommand).rejects(Object.assign(new Error('User is not authorized to perform: logs:DescribeLogStreams'), { name: 'AccessDeniedException' }));
    const io = captureIo();
    await expect(command.run(['--fleet', fleetFile, '--region', 'eu-west-1', '--kubeconfig', kubeconfig, '--pipeline'], io)).resolves.toBe(1);
    expect(io.out()).toContain(
      '✗ prod-eu  silent-nodes     could not check: AccessDeniedException: User is not authorized to perform: logs:DescribeLogStreams — fix: the doctor reads with your AWS credentials and kubeconfig: see "kinsight doctor" in docs/operations.md for the read permissions it needs',
    );
    expect(io.out()).toContain('✓ prod-eu  agent-daemonset  DaemonSet kinsight/kinsight-agent: 2/2 pods ready');
  });

  it('says to give credentials when there are none', async () => {
    healthy();
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const io = captureIo();
    await expect(command.run(['--fleet', fleetFile, '--region', 'eu-west-1', '--before-deploy'], io)).resolves.toBe(1);
    expect(io.out()).toContain(
      '✗ (fleet)  cdk-bootstrap        could not check: CredentialsProviderError: Could not load credentials from any providers — fix: give the doctor AWS credentials (AWS_PROFILE, aws sso login, or the AWS_ACCESS_KEY_ID variables)',
    );
  });

  it('fails the fleet-file check with the CDK app\'s validation and checks nothing else', async () => {
    healthy();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ clusters: [{ name: 'prod-eu' }], interval: '5s' }));
    const io = captureIo();
    await expect(command.run(['--fleet', bad, '--region', 'eu-west-1'], io)).resolves.toBe(1);
    expect(io.out()).toBe(`✗ (fleet)  fleet-file  ${bad}: interval is 5s; expected a duration from 10s to 5m, such as 60s — fix: correct the fleet file (fields: cdk/README.md; example: fleet.example.json)\n1 check: 0 passed, 1 failed\n`);
    expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(0);
  });

  it('fails the agent check when no kubeconfig context matches the cluster, and names the flag that picks one', async () => {
    healthy();
    const other = join(dir, 'other-kubeconfig.json');
    writeFileSync(other, server.toKubeconfig('staging'));
    const io = captureIo();
    await expect(command.run(['--fleet', fleetFile, '--region', 'eu-west-1', '--kubeconfig', other, '--pipeline'], io)).resolves.toBe(1);
    expect(io.out()).toContain('✗ prod-eu  agent-daemonset  no kubeconfig context for cluster prod-eu — fix: aws eks update-kubeconfig --name prod-eu, or name its context with --context prod-eu=CONTEXT');
    const picked = captureIo();
    await expect(command.run(['--fleet', fleetFile, '--region', 'eu-west-1', '--kubeconfig', other, '--pipeline', '--context', 'prod-eu=staging'], picked)).resolves.toBe(0);
  });

  it('rejects a bad command line with exit 2 and the reason on stderr', async () => {
    const io = captureIo();
    await expect(runCli(['doctor', '--frobnicate'], io)).resolves.toBe(2);
    expect(io.err()).toMatch(/^kinsight doctor: Unknown option '--frobnicate'.*see kinsight doctor --help/);
    const both = captureIo();
    await expect(runCli(['doctor', '--before-deploy', '--pipeline'], both)).resolves.toBe(2);
    expect(both.err()).toBe('kinsight doctor: --before-deploy and --pipeline exclude each other; give neither for both kinds of checks\n');
    await expect(runCli(['doctor', '--context', 'prod-eu'], captureIo())).resolves.toBe(2);
    const help = captureIo();
    await expect(runCli(['doctor', '--help'], help)).resolves.toBe(0);
    expect(help.out()).toMatch(/^Usage: kinsight doctor \[options\]/);
    expect(help.out()).toContain('Exit status: 0 when every check passes, 1 when one fails, 2 for a bad command line.');
  });

  it('rejects --local on a folder no local pipeline writes to, and AWS flags with --local, with exit 2', async () => {
    const io = captureIo();
    await expect(runCli(['doctor', '--local', dir], io)).resolves.toBe(2);
    expect(io.err()).toBe(`kinsight doctor: no local pipeline writes to ${dir} (${join(dir, '.kinsight-local.json')} is missing); start one with npm start (kinsight local --out ${dir})\n`);
    const mixed = captureIo();
    await expect(runCli(['doctor', '--local', dir, '--region', 'eu-west-1'], mixed)).resolves.toBe(2);
    expect(mixed.err()).toBe('kinsight doctor: --local checks the local pipeline only; drop --region\n');
  });

  it('colours only on a terminal without NO_COLOR', async () => {
    healthy();
    const tty = { ...captureIo(), stdoutIsTty: true };
    const out: string[] = [];
    await command.run(['--fleet', fleetFile, '--region', 'eu-west-1', '--before-deploy'], { ...tty, stdout: (t) => out.push(t) });
    expect(out.join('')).toContain('\u001b[32m✓\u001b[0m');
    const plain: string[] = [];
    await command.run(['--fleet', fleetFile, '--region', 'eu-west-1', '--before-deploy'], { ...tty, env: { NO_COLOR: '1' }, stdout: (t) => plain.push(t) });
    expect(plain.join('')).not.toContain('\u001b[');
  });

  it('reads a missing log group as absent (the log group line names it)', async () => {
    healthy();
    logs.on(DescribeLogStreamsCommand).rejects(new LogsNotFound({ message: 'The specified log group does not exist.', $metadata: {} }));
    const io = captureIo();
    await expect(command.run(['--fleet', fleetFile, '--region', 'eu-west-1', '--kubeconfig', kubeconfig, '--pipeline'], io)).resolves.toBe(1);
    expect(io.out()).toContain('✗ prod-eu  silent-nodes     log group /aws/containerinsights/prod-eu/performance does not exist');
  });
});

describe('kinsight local --stop-agent', () => {
  it('takes NODE[@TIME] out of the local flags', () => {
    expect(takeStopAgentFlag(['--nodes', '3', '--stop-agent', 'ip-1@30s', '--no-dashboard'])).toEqual({ rest: ['--nodes', '3', '--no-dashboard'], stop: { node: 'ip-1', afterMs: 30_000 } });
    expect(takeStopAgentFlag(['--stop-agent=ip-2'])).toEqual({ rest: [], stop: { node: 'ip-2' } });
    expect(takeStopAgentFlag(['--interval', '5s'])).toEqual({ rest: ['--interval', '5s'] });
  });

  it('rejects a missing node or a bad time', () => {
    expect(() => takeStopAgentFlag(['--stop-agent'])).toThrow(/stop-agent/);
    expect(() => takeStopAgentFlag(['--stop-agent', '@30s'])).toThrow(/--stop-agent needs a node name/);
    expect(() => takeStopAgentFlag(['--stop-agent', 'ip-1@soon'])).toThrow(/^--stop-agent ip-1@soon: /);
  });
});

describe('the kubeconfig context of a cluster', () => {
  const contexts = [
    { name: 'dev', cluster: 'dev', server: 'https://dev.example' },
    { name: 'arn:aws:eks:eu-west-1:111111111111:cluster/prod-eu', cluster: 'arn:aws:eks:eu-west-1:111111111111:cluster/prod-eu', server: 'https://old.example' },
    { name: 'mine', cluster: 'mine', server: 'https://abc.gr7.eu-west-1.eks.amazonaws.com/' },
  ];

  it('is the one named on the command line, else the one of the cluster\'s endpoint, else of its ARN, else of its name', () => {
    const details = { arn: 'arn:aws:eks:eu-west-1:111111111111:cluster/prod-eu', endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com' };
    expect(chooseContext(contexts, 'prod-eu', details, new Map([['prod-eu', 'dev']]))).toEqual({ context: 'dev' });
    expect(chooseContext(contexts, 'prod-eu', details, new Map())).toEqual({ context: 'mine' });
    expect(chooseContext(contexts, 'prod-eu', { arn: details.arn }, new Map())).toEqual({ context: details.arn });
    expect(chooseContext(contexts, 'dev', undefined, new Map())).toEqual({ context: 'dev' });
  });

  it('fails on a named context the kubeconfig does not have, and on no match', () => {
    expect(chooseContext(contexts, 'prod-eu', undefined, new Map([['prod-eu', 'nope']]))).toEqual({ error: 'the kubeconfig has no context "nope" (given by --context prod-eu=nope)' });
    expect(chooseContext(contexts, 'prod-us', undefined, new Map())).toEqual({ error: 'no kubeconfig context for cluster prod-us' });
  });

  it('rejects a --context value without CLUSTER=CONTEXT', () => {
    expect(parseContextFlags(['a=b', 'c=arn:aws:eks:x:1:cluster/c=d'])).toEqual(new Map([['a', 'b'], ['c', 'arn:aws:eks:x:1:cluster/c=d']]));
    expect(() => parseContextFlags(['prod-eu'])).toThrow(/--context prod-eu is not CLUSTER=CONTEXT/);
  });
});

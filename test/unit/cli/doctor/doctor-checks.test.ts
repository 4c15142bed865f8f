import { checkCdkBootstrap, checkFleetFile } from '../../../../cli/doctor/account-checks';
import { checkPrivateEndpoint, checkRegionalServices, containsCidr, type NetworkFacts } from '../../../../cli/doctor/network-checks';
import { checkAgentDaemonSet, checkEnricher, checkPoller, checkSilentNodes, checkStack, checkStream, toAge, toPodReason, type PodJson } from '../../../../cli/doctor/pipeline-checks';
import { shouldColour, toResultJson, toResultLines } from '../../../../cli/doctor/render-results';
import { parseFleetConfig } from '../../../../cdk/lib/fleet-config';
import { checkAuthenticationMode, checkClusterActive, checkOidcProvider, checkPodIdentityAgent, type CheckResult } from '../../../../core/prerequisites';

/** The one line a result prints (no colour), without the summary. */
const lineOf = (r: CheckResult): string => toResultLines([r], { colour: false }).split('\n')[0];

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const ARN = 'arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC';
const ISSUER = 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC';
const placement = { vpcId: 'vpc-0a1b2c3d4e5f60789', subnetIds: ['subnet-0a1b2c3d4e5f60781'], securityGroupIds: ['sg-0a1b2c3d4e5f60783'] };

describe('prerequisite checks (shared with the applier)', () => {
  it('passes an ACTIVE cluster and fails a missing or creating one', () => {
    expect(lineOf(checkClusterActive('prod', { name: 'prod', status: 'ACTIVE', version: '1.33' }, 'eu-west-1'))).toBe('✓ prod  cluster-active  EKS cluster is ACTIVE (Kubernetes 1.33)');
    expect(lineOf(checkClusterActive('prod', undefined, 'eu-west-1'))).toBe(
      '✗ prod  cluster-active  EKS cluster prod does not exist in eu-west-1 — fix: check the cluster name in the fleet file and the region (--region, AWS_REGION or the profile\'s region)',
    );
    expect(lineOf(checkClusterActive('prod', { name: 'prod', status: 'CREATING' }, 'eu-west-1'))).toBe(
      '✗ prod  cluster-active  EKS cluster prod is CREATING; expected ACTIVE — fix: wait until it is ACTIVE: aws eks wait cluster-active --name prod',
    );
  });

  it('passes the access-entry authentication modes and fails CONFIG_MAP (also when the cluster reports none)', () => {
    expect(lineOf(checkAuthenticationMode('prod', { name: 'prod', authenticationMode: 'API' }))).toBe('✓ prod  authentication-mode  authentication mode API allows EKS access entries');
    const expected =
      '✗ prod  authentication-mode  authentication mode is CONFIG_MAP; the stack\'s EKS access entries (poller, applier) need API or API_AND_CONFIG_MAP — fix: aws eks update-cluster-config --name prod --access-config authenticationMode=API_AND_CONFIG_MAP (keeps the aws-auth ConfigMap working; there is no way back to CONFIG_MAP)';
    expect(lineOf(checkAuthenticationMode('prod', { name: 'prod', authenticationMode: 'CONFIG_MAP' }))).toBe(expected);
    expect(lineOf(checkAuthenticationMode('prod', { name: 'prod' }))).toBe(expected);
  });

  it('passes an ACTIVE Pod Identity Agent add-on, or a missing one the stack installs, and fails a missing or degraded one', () => {
    expect(lineOf(checkPodIdentityAgent('prod', { status: 'ACTIVE', version: 'v1.3.4-eksbuild.1', issues: [] }, false))).toBe('✓ prod  pod-identity-agent  eks-pod-identity-agent add-on is ACTIVE (v1.3.4-eksbuild.1)');
    expect(lineOf(checkPodIdentityAgent('prod', undefined, true))).toBe('✓ prod  pod-identity-agent  no eks-pod-identity-agent add-on yet: the stack installs it (installPodIdentityAgent)');
    expect(lineOf(checkPodIdentityAgent('prod', undefined, false))).toBe(
      '✗ prod  pod-identity-agent  the EKS Pod Identity Agent add-on (eks-pod-identity-agent) is not installed: the agents would get no AWS credentials and every PutRecords would fail — fix: aws eks create-addon --cluster-name prod --addon-name eks-pod-identity-agent, or set "installPodIdentityAgent": true in the fleet file, or use "agentIdentity": "irsa"',
    );
    expect(lineOf(checkPodIdentityAgent('prod', { status: 'DEGRADED', issues: ['InsufficientNumberOfReplicas: 0 of 3 ready'] }, true))).toBe(
      '✗ prod  pod-identity-agent  eks-pod-identity-agent add-on is DEGRADED: InsufficientNumberOfReplicas: 0 of 3 ready; expected ACTIVE with no health issue — fix: aws eks describe-addon --cluster-name prod --addon-name eks-pod-identity-agent shows its health; repair or update the add-on until it is ACTIVE',
    );
  });

  it('passes the cluster\'s OIDC provider and fails another issuer, a missing provider or a missing audience', () => {
    const facts = { name: 'prod', oidcIssuer: ISSUER };
    expect(lineOf(checkOidcProvider('prod', ARN, facts, { url: 'oidc.eks.eu-west-1.amazonaws.com/id/ABC', clientIds: ['sts.amazonaws.com'] }))).toBe(
      '✓ prod  oidc-provider  IAM OIDC provider of the cluster\'s issuer exists and lists sts.amazonaws.com',
    );
    expect(lineOf(checkOidcProvider('prod', ARN, facts, 'not-read'))).toBe('✓ prod  oidc-provider  oidcProviderArn names the cluster\'s issuer oidc.eks.eu-west-1.amazonaws.com/id/ABC');
    expect(lineOf(checkOidcProvider('prod', ARN, { name: 'prod', oidcIssuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/XYZ' }, 'not-read'))).toBe(
      '✗ prod  oidc-provider  oidcProviderArn names the issuer oidc.eks.eu-west-1.amazonaws.com/id/ABC, but the cluster\'s issuer is oidc.eks.eu-west-1.amazonaws.com/id/XYZ — fix: set oidcProviderArn of prod in the fleet file to arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/XYZ',
    );
    expect(lineOf(checkOidcProvider('prod', ARN, facts, undefined))).toBe(
      `✗ prod  oidc-provider  the IAM OIDC provider ${ARN} does not exist: the agents' IRSA role could not be assumed — fix: eksctl utils associate-iam-oidc-provider --cluster prod --approve (or aws iam create-open-id-connect-provider --url ${ISSUER} --client-id-list sts.amazonaws.com)`,
    );
    expect(lineOf(checkOidcProvider('prod', ARN, facts, { clientIds: ['other'] }))).toBe(
      `✗ prod  oidc-provider  the IAM OIDC provider ${ARN} does not list the audience sts.amazonaws.com (it lists other) — fix: aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${ARN} --client-id sts.amazonaws.com`,
    );
  });
});

describe('account checks', () => {
  it('passes a valid fleet file and fails with the CDK app\'s own validation message', () => {
    expect(lineOf(checkFleetFile('fleet.json', parseFleetConfig({ clusters: [{ name: 'a' }, { name: 'b' }] })))).toBe(
      '✓ (fleet)  fleet-file  fleet.json: 2 clusters, agent identity pod-identity, applier access rbac-group',
    );
    let error = '';
    try {
      parseFleetConfig({ clusters: [{ name: 'a b' }] }, 'fleet.json');
    } catch (e) {
      error = (e as Error).message;
    }
    expect(lineOf(checkFleetFile('fleet.json', { error }))).toBe(
      '✗ (fleet)  fleet-file  fleet.json: clusters[0].name is a b; expected an EKS cluster name: 1 to 100 letters, digits, - or _, starting with a letter or digit — fix: correct the fleet file (fields: cdk/README.md; example: fleet.example.json)',
    );
  });

  it('passes a usable bootstrap stack and fails a missing or failed one', () => {
    expect(lineOf(checkCdkBootstrap('CDKToolkit', 'UPDATE_COMPLETE', 'eu-west-1'))).toBe('✓ (fleet)  cdk-bootstrap  the CDK bootstrap stack CDKToolkit is UPDATE_COMPLETE');
    expect(lineOf(checkCdkBootstrap('CDKToolkit', undefined, 'eu-west-1'))).toBe(
      '✗ (fleet)  cdk-bootstrap  the CDK bootstrap stack CDKToolkit does not exist in eu-west-1 — fix: npx cdk bootstrap aws://<account>/eu-west-1 (once per account and region)',
    );
    expect(lineOf(checkCdkBootstrap('CDKToolkit', 'ROLLBACK_COMPLETE', 'eu-west-1'))).toBe(
      '✗ (fleet)  cdk-bootstrap  the CDK bootstrap stack CDKToolkit is ROLLBACK_COMPLETE — fix: see its events in the CloudFormation console; if it failed to create, delete it and run npx cdk bootstrap again',
    );
  });
});

describe('network checks of a private cluster', () => {
  const healthy: NetworkFacts = {
    cluster: { vpcId: placement.vpcId, endpointPrivateAccess: true, securityGroupIds: ['sg-0000000000000c1a5'] },
    subnets: [{ id: placement.subnetIds[0], vpcId: placement.vpcId, cidr: '10.0.1.0/24' }],
    routeTables: [{ id: 'rtb-1', main: true, subnetIds: [], routes: [{ destination: '10.0.0.0/16', target: 'local', active: true }, { destination: '0.0.0.0/0', target: 'nat-1', active: true }] }],
    natGateways: new Map([['nat-1', 'available']]),
    endpoints: [],
    ingress: new Map([['sg-0000000000000c1a5', [{ protocol: 'tcp', fromPort: 443, toPort: 443, sourceGroupIds: [], cidrs: ['10.0.0.0/16'] }]]]),
  };

  it('tells whether a CIDR contains another', () => {
    expect(containsCidr('10.0.0.0/16', '10.0.1.0/24')).toBe(true);
    expect(containsCidr('10.0.1.0/24', '10.0.0.0/16')).toBe(false);
    expect(containsCidr('10.1.0.0/16', '10.0.1.0/24')).toBe(false);
    expect(containsCidr('0.0.0.0/0', '192.168.0.0/24')).toBe(true);
    expect(containsCidr('not-a-cidr', '10.0.1.0/24')).toBe(false);
  });

  it('passes an endpoint in the same VPC whose security group admits the subnets on 443', () => {
    expect(lineOf(checkPrivateEndpoint('pay', placement, healthy))).toBe(
      '✓ pay  private-endpoint  private endpoint reachable: same VPC vpc-0a1b2c3d4e5f60789, sg-0000000000000c1a5 accepts 443 from the fleet file\'s security groups or subnets',
    );
  });

  it('fails an endpoint with private access off, in another VPC, or behind a security group that admits nothing from the subnets', () => {
    expect(lineOf(checkPrivateEndpoint('pay', placement, { ...healthy, cluster: { ...healthy.cluster, endpointPrivateAccess: false } }))).toBe(
      '✗ pay  private-endpoint  the cluster\'s private endpoint access is off: functions in its VPC cannot reach the API server — fix: aws eks update-cluster-config --name pay --resources-vpc-config endpointPrivateAccess=true',
    );
    expect(lineOf(checkPrivateEndpoint('pay', placement, { ...healthy, cluster: { ...healthy.cluster, vpcId: 'vpc-0ffffffffffffffff' } }))).toBe(
      '✗ pay  private-endpoint  the cluster\'s endpoint is in vpc-0ffffffffffffffff, the fleet file places its poller and applier in vpc-0a1b2c3d4e5f60789 — fix: set private.vpcId and private.subnetIds of pay to the cluster\'s VPC and subnets of it (the doctor does not follow peering or transit gateways)',
    );
    expect(lineOf(checkPrivateEndpoint('pay', placement, { ...healthy, ingress: new Map([['sg-0000000000000c1a5', [{ protocol: 'tcp', fromPort: 22, toPort: 22, sourceGroupIds: ['sg-0a1b2c3d4e5f60783'], cidrs: [] }]]]) }))).toBe(
      '✗ pay  private-endpoint  no security group of the cluster\'s control plane (sg-0000000000000c1a5) accepts 443 from sg-0a1b2c3d4e5f60783 or the subnets\' CIDRs — fix: aws ec2 authorize-security-group-ingress --group-id sg-0000000000000c1a5 --protocol tcp --port 443 --source-group sg-0a1b2c3d4e5f60783',
    );
    expect(lineOf(checkPrivateEndpoint('pay', placement, { ...healthy, subnets: [] }))).toBe(
      '✗ pay  private-endpoint  subnet subnet-0a1b2c3d4e5f60781 of the fleet file does not exist — fix: check private.subnetIds of pay in the fleet file',
    );
  });

  it('passes subnets with a NAT route or VPC endpoints for every service', () => {
    expect(lineOf(checkRegionalServices('pay', placement, healthy, 'eu-west-1'))).toBe('✓ pay  regional-services  subnets reach eks, ec2, dynamodb, logs (through nat-1)');
    const endpoints = ['eks', 'ec2', 'logs'].map((s, i) => ({ id: `vpce-${i}`, serviceName: `com.amazonaws.eu-west-1.${s}`, type: 'Interface', state: 'available', privateDns: true, routeTableIds: [] }));
    const gateway = { id: 'vpce-db', serviceName: 'com.amazonaws.eu-west-1.dynamodb', type: 'Gateway', state: 'Available', privateDns: false, routeTableIds: ['rtb-1'] };
    const isolated = { ...healthy, routeTables: [{ ...healthy.routeTables[0], routes: healthy.routeTables[0].routes.slice(0, 1) }], endpoints: [...endpoints, gateway] };
    expect(lineOf(checkRegionalServices('pay', placement, isolated, 'eu-west-1'))).toBe('✓ pay  regional-services  subnets reach eks, ec2, dynamodb, logs (through endpoint vpce-0, endpoint vpce-1, endpoint vpce-2, endpoint vpce-db)');
  });

  it('fails subnets without NAT or endpoints, and says an internet gateway route does not help a Lambda function', () => {
    const igw = { ...healthy, routeTables: [{ id: 'rtb-1', main: false, subnetIds: placement.subnetIds, routes: [{ destination: '0.0.0.0/0', target: 'igw-1', active: true }] }] };
    expect(lineOf(checkRegionalServices('pay', placement, igw, 'eu-west-1'))).toBe(
      '✗ pay  regional-services  subnet-0a1b2c3d4e5f60781 (route table rtb-1) cannot reach eks, ec2, dynamodb, logs: no NAT gateway route and no VPC endpoint; subnet-0a1b2c3d4e5f60781 route 0.0.0.0/0 to an internet gateway, which gives a Lambda function no internet access — fix: add a 0.0.0.0/0 route to a NAT gateway in rtb-1, or VPC endpoints (private DNS on) for com.amazonaws.eu-west-1.eks, com.amazonaws.eu-west-1.ec2, com.amazonaws.eu-west-1.dynamodb, com.amazonaws.eu-west-1.logs',
    );
    const natGone = { ...healthy, natGateways: new Map([['nat-1', 'deleted']]), endpoints: [{ id: 'vpce-0', serviceName: 'com.amazonaws.eu-west-1.eks', type: 'Interface', state: 'available', privateDns: true, routeTableIds: [] }] };
    expect(lineOf(checkRegionalServices('pay', placement, natGone, 'eu-west-1'))).toMatch(/^✗ pay {2}regional-services {2}subnet-0a1b2c3d4e5f60781 \(route table rtb-1\) cannot reach ec2, dynamodb, logs: no NAT gateway route and no VPC endpoint — fix: /);
  });
});

describe('pipeline checks', () => {
  const readyPod = (name: string, node: string): PodJson => ({
    metadata: { name },
    spec: { nodeName: node },
    status: { phase: 'Running', startTime: new Date(NOW - 3_600_000).toISOString(), conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ ready: true }] },
  });
  const crashing: PodJson = {
    metadata: { name: 'kinsight-agent-x2' },
    spec: { nodeName: 'n2' },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [{ ready: false, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } }, lastState: { terminated: { reason: 'Error', exitCode: 1 } } }],
    },
  };
  const pending: PodJson = { metadata: { name: 'kinsight-agent-x3' }, spec: {}, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', message: '0/3 nodes are available: 3 Insufficient memory.' }] } };

  it('says why a pod is not ready', () => {
    expect(toPodReason(crashing)).toBe('CrashLoopBackOff: back-off 5m0s restarting failed container; last exit Error (1)');
    expect(toPodReason(pending)).toBe('Pending: 0/3 nodes are available: 3 Insufficient memory.');
    expect(toAge(45_000)).toBe('45 s');
    expect(toAge(14 * 60_000)).toBe('14 min');
    expect(toAge(5 * 3_600_000)).toBe('5 h');
  });

  it('passes a DaemonSet whose pods are all ready and fails one with pods that are not, naming them and why', () => {
    expect(lineOf(checkAgentDaemonSet('prod', { kind: 'found', daemonSet: { status: { desiredNumberScheduled: 2, numberReady: 2 } }, pods: [readyPod('a', 'n1'), readyPod('b', 'n2')] }))).toBe(
      '✓ prod  agent-daemonset  DaemonSet kinsight/kinsight-agent: 2/2 pods ready',
    );
    expect(lineOf(checkAgentDaemonSet('prod', { kind: 'found', daemonSet: { status: { desiredNumberScheduled: 3, numberReady: 1 } }, pods: [readyPod('a', 'n1'), crashing, pending] }))).toBe(
      '✗ prod  agent-daemonset  DaemonSet kinsight/kinsight-agent: 1/3 pods ready; not ready: kinsight-agent-x2 on n2 (CrashLoopBackOff: back-off 5m0s restarting failed container; last exit Error (1)), kinsight-agent-x3 on no node (Pending: 0/3 nodes are available: 3 Insufficient memory.) — fix: kubectl -n kinsight describe pod <pod>; kubectl -n kinsight logs <pod> --previous ("no AWS credentials": the Pod Identity association or add-on was missing when the pod started; delete the pod once they exist)',
    );
  });

  it('fails a missing DaemonSet, one that schedules nothing, and a cluster whose API could not be read', () => {
    expect(lineOf(checkAgentDaemonSet('prod', { kind: 'missing' }))).toBe(
      '✗ prod  agent-daemonset  DaemonSet kinsight/kinsight-agent does not exist — fix: deploy the stack (npx cdk deploy), or apply `kinsight manifest` (docs/operations.md)',
    );
    expect(lineOf(checkAgentDaemonSet('prod', { kind: 'found', daemonSet: { status: { desiredNumberScheduled: 0, numberReady: 0 } }, pods: [] }))).toBe(
      '✗ prod  agent-daemonset  DaemonSet kinsight/kinsight-agent schedules no pod: no Linux EC2 node matches it — fix: the agent runs on Linux EC2 nodes (not Fargate); add such a node group',
    );
    expect(lineOf(checkAgentDaemonSet('prod', { kind: 'unreadable', message: 'no kubeconfig context for cluster prod', fix: 'aws eks update-kubeconfig --name prod' }))).toBe(
      '✗ prod  agent-daemonset  no kubeconfig context for cluster prod — fix: aws eks update-kubeconfig --name prod',
    );
  });

  const group = '/aws/containerinsights/prod/performance';
  const pods = [{ node: 'n1', sinceMs: NOW - 3_600_000 }, { node: 'n2', sinceMs: NOW - 3_600_000 }, { node: 'n3', sinceMs: NOW - 3_600_000 }];

  it('passes when every node wrote within two intervals (ingestion time counts, the poller stream is no node)', () => {
    const streams = [{ name: 'n1', lastEventMs: NOW - 30_000 }, { name: 'n2', lastEventMs: NOW - 3_600_000, lastIngestionMs: NOW - 90_000 }, { name: 'n3', lastEventMs: NOW - 5_000 }, { name: 'kinsight-poller', lastEventMs: NOW - 10_000 }];
    expect(lineOf(checkSilentNodes('prod', group, streams, pods, 60_000, NOW, ['kinsight-poller']))).toBe('✓ prod  silent-nodes  every node\'s agent wrote within 2 intervals (3 nodes, oldest last record 90 s ago)');
  });

  it('fails naming the nodes silent for more than two intervals and those that never wrote, but not an agent that just started', () => {
    const streams = [{ name: 'n1', lastEventMs: NOW - 30_000 }, { name: 'n2', lastEventMs: NOW - 14 * 60_000 }];
    expect(lineOf(checkSilentNodes('prod', group, streams, [...pods, { node: 'n4', sinceMs: NOW - 60_000 }], 60_000, NOW, []))).toBe(
      '✗ prod  silent-nodes  2 of 4 nodes silent for more than 2 intervals (2 min): n2 (last record 14 min ago), n3 (no record) — fix: their agents do not run or their records do not arrive: see agent-daemonset; `kubectl -n kinsight logs <pod on the node>` shows PutRecords errors (credentials: Pod Identity association and add-on, or the IRSA role); then the enricher line',
    );
  });

  it('falls back on the streams of the last hour when the API could not say where the agents run, and fails a missing log group', () => {
    const streams = [{ name: 'n1', lastEventMs: NOW - 30_000 }, { name: 'n2', lastEventMs: NOW - 10 * 60_000 }, { name: 'gone', lastEventMs: NOW - 86_400_000 }];
    expect(lineOf(checkSilentNodes('prod', group, streams, undefined, 60_000, NOW, []))).toMatch(
      /^✗ prod {2}silent-nodes {2}1 of 2 nodes silent for more than 2 intervals \(2 min\): n2 \(last record 10 min ago\) \(nodes: the log streams of the last hour; the Kubernetes API was not read\) — fix: /,
    );
    expect(lineOf(checkSilentNodes('prod', group, undefined, pods, 60_000, NOW, []))).toBe(
      '✗ prod  silent-nodes  log group /aws/containerinsights/prod/performance does not exist — fix: deploy the stack (npx cdk deploy): it creates the group, and the enricher writes there once records arrive',
    );
  });

  it('passes an enricher with records and no poison or failure, and fails one without records or with rejects', () => {
    expect(lineOf(checkEnricher({ records: 1200, poison: 0, failedRecords: 0 }, 3_600_000))).toBe('✓ (fleet)  enricher  the enricher read 1200 records in the last 60 min, none poison or failed');
    expect(lineOf(checkEnricher({ records: 0, poison: 0, failedRecords: 0 }, 3_600_000))).toBe(
      '✗ (fleet)  enricher  the enricher read no record in the last 60 min — fix: no agent writes (see agent-daemonset and silent-nodes), or its Kinesis event source mapping is disabled: aws lambda list-event-source-mappings',
    );
    expect(lineOf(checkEnricher({ records: 1200, poison: 3, failedRecords: 1 }, 3_600_000))).toBe(
      '✗ (fleet)  enricher  the enricher counted 3 poison and 1 failed records of 1200 in the last 60 min — fix: its log group names each reason (poison: records it can never read, dropped; failed: retried, then sent to the failure queue); see docs/enricher.md',
    );
  });

  it('passes a poller that succeeded in the last 5 minutes and fails a stale or silent one', () => {
    expect(lineOf(checkPoller('prod', NOW - 40_000, NOW, 'metric kinsight/PollSuccesses', 3 * 3_600_000))).toBe('✓ prod  poller  last successful poll 40 s ago (metric kinsight/PollSuccesses)');
    const fix = ' — fix: the poller\'s log group names the reason of each failed poll (metric kinsight/PollFailures); usual causes: its EKS access entry, the kinsight-poller ClusterRole binding, the network of a private endpoint';
    expect(lineOf(checkPoller('prod', NOW - 25 * 60_000, NOW, 'metric kinsight/PollSuccesses', 3 * 3_600_000))).toBe(`✗ prod  poller  last successful poll 25 min ago (metric kinsight/PollSuccesses)${fix}`);
    expect(lineOf(checkPoller('prod', undefined, NOW, 'metric kinsight/PollSuccesses', 3 * 3_600_000))).toBe(`✗ prod  poller  no successful poll in the last 3 h (metric kinsight/PollSuccesses)${fix}`);
  });
});

describe('output', () => {
  const results: CheckResult[] = [
    { cluster: null, check: 'fleet-file', ok: true, message: 'fine' },
    { cluster: 'prod-eu', check: 'authentication-mode', ok: false, message: 'bad', fix: 'do this' },
  ];

  it('aligns one line per check and ends with a summary', () => {
    expect(toResultLines(results, { colour: false })).toBe(['✓ (fleet)  fleet-file           fine', '✗ prod-eu  authentication-mode  bad — fix: do this', '2 checks: 1 passed, 1 failed', ''].join('\n'));
  });

  it('colours the marks and the summary only when asked', () => {
    expect(toResultLines(results, { colour: true })).toContain('\u001b[32m✓\u001b[0m (fleet)');
    expect(toResultLines(results, { colour: true })).toContain('\u001b[31m2 checks: 1 passed, 1 failed\u001b[0m');
    expect(shouldColour(true, {})).toBe(true);
    expect(shouldColour(true, { NO_COLOR: '1' })).toBe(false);
    expect(shouldColour(false, {})).toBe(false);
    expect(shouldColour(undefined, {})).toBe(false);
  });

  it('prints JSON with every result and the counts', () => {
    expect(JSON.parse(toResultJson(results))).toEqual({ ok: false, passed: 1, failed: 1, results });
  });
});

describe('deployment checks', () => {
  it('passes a deployed stack and fails a missing, busy or failed one', () => {
    expect(lineOf(checkStack({ name: 'Kinsight', status: 'UPDATE_ROLLBACK_COMPLETE' }, 'eu-west-1'))).toBe('✓ (fleet)  stack  the kinsight stack Kinsight is UPDATE_ROLLBACK_COMPLETE');
    expect(lineOf(checkStack({ name: 'Kinsight' }, 'eu-west-1'))).toBe(
      '✗ (fleet)  stack  the kinsight stack Kinsight does not exist in eu-west-1 — fix: npx cdk deploy -c kinsightConfig=<fleet file> (a stack of another name: --stack-name)',
    );
    expect(lineOf(checkStack({ name: 'Kinsight', status: 'UPDATE_IN_PROGRESS' }, 'eu-west-1'))).toBe(
      '✗ (fleet)  stack  the kinsight stack Kinsight is UPDATE_IN_PROGRESS — fix: run the doctor again once the stack operation has finished',
    );
    expect(lineOf(checkStack({ name: 'Kinsight', status: 'UPDATE_ROLLBACK_FAILED' }, 'eu-west-1'))).toMatch(/^✗ \(fleet\) {2}stack {2}the kinsight stack Kinsight is UPDATE_ROLLBACK_FAILED — fix: its events/);
  });

  it('passes an ACTIVE stream and fails a missing or updating one', () => {
    expect(lineOf(checkStream({ name: 's', status: 'ACTIVE', mode: 'PROVISIONED', openShards: 1 }))).toBe('✓ (fleet)  stream  Kinesis stream s is ACTIVE (PROVISIONED, 1 open shard)');
    expect(lineOf(checkStream(undefined))).toBe('✗ (fleet)  stream  the kinsight stack has no Kinesis stream — fix: deploy the stack again (npx cdk deploy): the stream is one of its resources');
    expect(lineOf(checkStream({ name: 's', status: 'UPDATING' }))).toBe(
      '✗ (fleet)  stream  Kinesis stream s is UPDATING; expected ACTIVE — fix: wait until it is ACTIVE (aws kinesis describe-stream-summary); agents cannot write meanwhile',
    );
  });
});

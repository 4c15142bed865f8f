import type { PrivateEndpoint } from '../../cdk/lib/fleet-config';
import type { CheckResult } from '../../core/prerequisites';

/**
 * Whether the poller and applier of a private cluster, placed in the fleet file's subnets, can reach
 * the cluster's API endpoint and the regional AWS endpoints they call: pure checks over what EKS and
 * EC2 said.
 */

/** The check names of this file. */
export const NETWORK_CHECKS = { privateEndpoint: 'private-endpoint', regionalServices: 'regional-services' } as const;

/**
 * The AWS services a function in the cluster's VPC calls: EKS DescribeCluster (poller, applier), EC2
 * DescribeTags (the poller's Auto Scaling groups), DynamoDB (node documents) and CloudWatch Logs (the
 * poller's EMF). STS is not among them: the EKS token is a presigned URL the API server checks.
 */
export const VPC_SERVICES = ['eks', 'ec2', 'dynamodb', 'logs'] as const;

/** One route of a route table. */
export interface RouteFacts {
  /** IPv4 CIDR, or a prefix list id. */
  readonly destination: string;
  /** `nat-…`, `igw-…`, `tgw-…`, `pcx-…`, `vpce-…`, `local`. */
  readonly target: string;
  /** false when the route is blackholed. */
  readonly active: boolean;
}

/** A route table of the VPC. */
export interface RouteTableFacts {
  readonly id: string;
  /** The VPC's main table: it serves subnets with no explicit association. */
  readonly main: boolean;
  readonly subnetIds: readonly string[];
  readonly routes: readonly RouteFacts[];
}

/** A VPC endpoint of the VPC. */
export interface VpcEndpointFacts {
  readonly id: string;
  /** `com.amazonaws.<region>.<service>` */
  readonly serviceName: string;
  readonly type: 'Interface' | 'Gateway' | string;
  /** `available`, `pending`, ... (EC2 reports it in either case: compared case-insensitively). */
  readonly state: string;
  readonly privateDns: boolean;
  /** Gateway endpoints: the route tables they are in. */
  readonly routeTableIds: readonly string[];
}

/** One ingress rule of a security group. */
export interface IngressRuleFacts {
  /** `-1` (all), `tcp`, `6`, ... */
  readonly protocol: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly sourceGroupIds: readonly string[];
  readonly cidrs: readonly string[];
}

/** What EKS and EC2 said about the cluster's network and the fleet file's subnets. */
export interface NetworkFacts {
  /** From DescribeCluster `resourcesVpcConfig`. */
  readonly cluster: {
    readonly vpcId?: string;
    readonly endpointPrivateAccess?: boolean;
    /** The cluster security group and the additional ones: the control plane's ENIs carry them. */
    readonly securityGroupIds: readonly string[];
  };
  /** The fleet file's subnets that exist. */
  readonly subnets: readonly { readonly id: string; readonly vpcId: string; readonly cidr?: string }[];
  /** Route tables of the fleet file's VPC. */
  readonly routeTables: readonly RouteTableFacts[];
  /** NAT gateways of the VPC, by id: their state. */
  readonly natGateways: ReadonlyMap<string, string>;
  readonly endpoints: readonly VpcEndpointFacts[];
  /** Ingress rules of the cluster's security groups, by group id. */
  readonly ingress: ReadonlyMap<string, readonly IngressRuleFacts[]>;
}

const HTTPS_PORT = 443;

function toIpv4(cidr: string): { base: number; prefix: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  return { base: (((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3]) >>> 0, prefix };
}

/** Whether the IPv4 CIDR `outer` contains all of `inner`. */
export function containsCidr(outer: string, inner: string): boolean {
  const a = toIpv4(outer);
  const b = toIpv4(inner);
  if (!a || !b || b.prefix < a.prefix) return false;
  const mask = a.prefix === 0 ? 0 : (0xffffffff << (32 - a.prefix)) >>> 0;
  return (a.base & mask) >>> 0 === (b.base & mask) >>> 0;
}

const allowsHttps = (rule: IngressRuleFacts): boolean =>
  rule.protocol === '-1' || ((rule.protocol === 'tcp' || rule.protocol === '6') && (rule.fromPort ?? 0) <= HTTPS_PORT && HTTPS_PORT <= (rule.toPort ?? 65535));

const fail = (cluster: string, check: string, message: string, fix: string): CheckResult => ({ cluster, check, ok: false, message, fix });

/** The fleet file's subnets can reach the cluster's private API endpoint on 443. */
export function checkPrivateEndpoint(cluster: string, placement: PrivateEndpoint, facts: NetworkFacts): CheckResult {
  const check = NETWORK_CHECKS.privateEndpoint;
  const missing = placement.subnetIds.filter((id) => !facts.subnets.some((s) => s.id === id));
  if (missing.length > 0) return fail(cluster, check, `subnet ${missing.join(', ')} of the fleet file does not exist`, `check private.subnetIds of ${cluster} in the fleet file`);
  const elsewhere = facts.subnets.filter((s) => s.vpcId !== placement.vpcId);
  if (elsewhere.length > 0) {
    return fail(cluster, check, `subnet ${elsewhere.map((s) => `${s.id} is in ${s.vpcId}`).join(', ')}, not in ${placement.vpcId}`, `give ${cluster} subnets of ${placement.vpcId} in the fleet file`);
  }
  if (facts.cluster.vpcId !== placement.vpcId) {
    return fail(
      cluster,
      check,
      `the cluster's endpoint is in ${facts.cluster.vpcId ?? 'no VPC'}, the fleet file places its poller and applier in ${placement.vpcId}`,
      `set private.vpcId and private.subnetIds of ${cluster} to the cluster's VPC and subnets of it (the doctor does not follow peering or transit gateways)`,
    );
  }
  if (!facts.cluster.endpointPrivateAccess) {
    return fail(
      cluster,
      check,
      'the cluster\'s private endpoint access is off: functions in its VPC cannot reach the API server',
      `aws eks update-cluster-config --name ${cluster} --resources-vpc-config endpointPrivateAccess=true`,
    );
  }
  const cidrs = facts.subnets.map((s) => s.cidr).filter((c): c is string => c !== undefined);
  const admitting = facts.cluster.securityGroupIds.find((groupId) =>
    (facts.ingress.get(groupId) ?? []).some(
      (rule) =>
        allowsHttps(rule) &&
        (rule.sourceGroupIds.some((g) => placement.securityGroupIds.includes(g)) || (cidrs.length > 0 && cidrs.every((c) => rule.cidrs.some((outer) => containsCidr(outer, c))))),
    ),
  );
  if (!admitting) {
    return fail(
      cluster,
      check,
      `no security group of the cluster's control plane (${facts.cluster.securityGroupIds.join(', ') || 'none'}) accepts 443 from ${placement.securityGroupIds.join(', ')} or the subnets' CIDRs`,
      `aws ec2 authorize-security-group-ingress --group-id ${facts.cluster.securityGroupIds[0] ?? '<cluster security group>'} --protocol tcp --port ${HTTPS_PORT} --source-group ${placement.securityGroupIds[0]}`,
    );
  }
  return { cluster, check, ok: true, message: `private endpoint reachable: same VPC ${placement.vpcId}, ${admitting} accepts 443 from the fleet file's security groups or subnets` };
}

/** How one subnet reaches one service, or undefined. */
function toPath(service: string, region: string, routeTable: RouteTableFacts | undefined, facts: NetworkFacts): string | undefined {
  const serviceName = `com.amazonaws.${region}.${service}`;
  const available = (e: VpcEndpointFacts) => e.serviceName === serviceName && e.state.toLowerCase() === 'available';
  const iface = facts.endpoints.find((e) => available(e) && e.type === 'Interface' && e.privateDns);
  if (iface) return `endpoint ${iface.id}`;
  const gateway = facts.endpoints.find((e) => available(e) && e.type === 'Gateway' && routeTable !== undefined && e.routeTableIds.includes(routeTable.id));
  if (gateway) return `endpoint ${gateway.id}`;
  const defaultRoute = routeTable?.routes.find((r) => r.destination === '0.0.0.0/0' && r.active);
  if (defaultRoute?.target.startsWith('nat-') && facts.natGateways.get(defaultRoute.target) === 'available') return defaultRoute.target;
  // Egress through a transit gateway goes on elsewhere (a central NAT, say): counted, not followed.
  if (defaultRoute?.target.startsWith('tgw-')) return defaultRoute.target;
  return undefined;
}

/** Every fleet-file subnet reaches EKS, EC2, DynamoDB and CloudWatch Logs: a NAT route or VPC endpoints. */
export function checkRegionalServices(cluster: string, placement: PrivateEndpoint, facts: NetworkFacts, region: string): CheckResult {
  const check = NETWORK_CHECKS.regionalServices;
  const gaps: string[] = [];
  const paths = new Set<string>();
  const tables = new Set<string>();
  const igw = new Set<string>();
  for (const subnetId of placement.subnetIds) {
    const table = facts.routeTables.find((t) => t.subnetIds.includes(subnetId)) ?? facts.routeTables.find((t) => t.main);
    if (table) tables.add(table.id);
    if (table?.routes.some((r) => r.destination === '0.0.0.0/0' && r.active && r.target.startsWith('igw-'))) igw.add(subnetId);
    const unreachable: string[] = [];
    for (const service of VPC_SERVICES) {
      const path = toPath(service, region, table, facts);
      if (path) paths.add(path);
      else unreachable.push(service);
    }
    if (unreachable.length > 0) gaps.push(`${subnetId} (route table ${table?.id ?? 'none'}) cannot reach ${unreachable.join(', ')}`);
  }
  if (gaps.length > 0) {
    // A Lambda function's network interface has no public IP: an internet gateway route does not help it.
    const why = igw.size > 0 ? `; ${[...igw].join(', ')} route 0.0.0.0/0 to an internet gateway, which gives a Lambda function no internet access` : '';
    return fail(
      cluster,
      check,
      `${gaps.join('; ')}: no NAT gateway route and no VPC endpoint${why}`,
      `add a 0.0.0.0/0 route to a NAT gateway in ${[...tables].join(', ') || 'the subnets\' route table'}, or VPC endpoints (private DNS on) for ${VPC_SERVICES.map((s) => `com.amazonaws.${region}.${s}`).join(', ')}`,
    );
  }
  return { cluster, check, ok: true, message: `subnets reach ${VPC_SERVICES.join(', ')} (through ${[...paths].sort().join(', ')})` };
}

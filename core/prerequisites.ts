/**
 * The prerequisites a cluster must meet before kinsight can be deployed to it, as pure checks over
 * what EKS and IAM said about it. `kinsight doctor` prints them before a deploy; the applier runs the
 * same checks before it applies the agent and fails the cluster's custom resource with the same
 * message and fix (one definition of each).
 */

/** The outcome of one check: one line of `kinsight doctor`, one object of its `--json`. */
export interface CheckResult {
  /** The cluster checked; null for a check of the fleet file, the account or the region. */
  readonly cluster: string | null;
  /** The check's name (`authentication-mode`, ...). */
  readonly check: string;
  readonly ok: boolean;
  /** What was found, in words. */
  readonly message: string;
  /** What to do about it; set on failed checks only. */
  readonly fix?: string;
}

/** The name of the EKS add-on that gives pods their EKS Pod Identity credentials. */
export const POD_IDENTITY_AGENT_ADDON = 'eks-pod-identity-agent';

/** The custom resource type that installs that add-on where a cluster has none (fleet option installPodIdentityAgent). */
export const POD_IDENTITY_ADDON_RESOURCE_TYPE = 'Custom::KinsightPodIdentityAgent';

/**
 * Authentication modes that allow EKS access entries (the stack gives the poller and the applier theirs).
 * @see https://docs.aws.amazon.com/eks/latest/userguide/grant-k8s-access.html#set-cam
 */
export const ACCESS_ENTRY_MODES: readonly string[] = ['API', 'API_AND_CONFIG_MAP'];

/** The audience the agent's IRSA role trusts; the OIDC provider must list it. */
export const IRSA_AUDIENCE = 'sts.amazonaws.com';

/** The names of the prerequisite checks. */
export const PREREQUISITE_CHECKS = {
  clusterActive: 'cluster-active',
  authenticationMode: 'authentication-mode',
  podIdentityAgent: 'pod-identity-agent',
  oidcProvider: 'oidc-provider',
} as const;

/** What EKS DescribeCluster said about a cluster (the fields the checks read). */
export interface ClusterFacts {
  readonly name: string;
  /** `ACTIVE`, `CREATING`, ... */
  readonly status?: string;
  /** Kubernetes version. */
  readonly version?: string;
  /** `accessConfig.authenticationMode`; absent on clusters that predate access entries (ConfigMap only). */
  readonly authenticationMode?: string;
  /** `identity.oidc.issuer` (`https://oidc.eks.<region>.amazonaws.com/id/<id>`). */
  readonly oidcIssuer?: string;
}

/** What EKS DescribeAddon said about an installed add-on. */
export interface AddonFacts {
  /** `ACTIVE`, `DEGRADED`, `CREATE_FAILED`, ... */
  readonly status?: string;
  readonly version?: string;
  /** Its health issues, as `code: message`. */
  readonly issues: readonly string[];
}

/** What IAM said about an OIDC provider. */
export interface OidcProviderFacts {
  /** The provider's URL, without `https://`. */
  readonly url?: string;
  /** Its audiences. */
  readonly clientIds: readonly string[];
}

const result = (cluster: string, check: string, ok: boolean, message: string, fix?: string): CheckResult =>
  ok ? { cluster, check, ok, message } : { cluster, check, ok, message, fix };

/** The cluster exists (facts undefined: EKS said ResourceNotFound) and is ACTIVE. */
export function checkClusterActive(cluster: string, facts: ClusterFacts | undefined, region: string): CheckResult {
  const check = PREREQUISITE_CHECKS.clusterActive;
  if (!facts) {
    return result(cluster, check, false, `EKS cluster ${cluster} does not exist in ${region}`, `check the cluster name in the fleet file and the region (--region, AWS_REGION or the profile's region)`);
  }
  if (facts.status !== 'ACTIVE') {
    return result(cluster, check, false, `EKS cluster ${cluster} is ${facts.status ?? 'of unknown status'}; expected ACTIVE`, `wait until it is ACTIVE: aws eks wait cluster-active --name ${cluster}`);
  }
  return result(cluster, check, true, `EKS cluster is ACTIVE${facts.version ? ` (Kubernetes ${facts.version})` : ''}`);
}

/** The authentication mode allows the stack's EKS access entries. */
export function checkAuthenticationMode(cluster: string, facts: ClusterFacts): CheckResult {
  const check = PREREQUISITE_CHECKS.authenticationMode;
  const mode = facts.authenticationMode ?? 'CONFIG_MAP';
  if (ACCESS_ENTRY_MODES.includes(mode)) return result(cluster, check, true, `authentication mode ${mode} allows EKS access entries`);
  return result(
    cluster,
    check,
    false,
    `authentication mode is ${mode}; the stack's EKS access entries (poller, applier) need ${ACCESS_ENTRY_MODES.join(' or ')}`,
    `aws eks update-cluster-config --name ${cluster} --access-config authenticationMode=API_AND_CONFIG_MAP (keeps the aws-auth ConfigMap working; there is no way back to CONFIG_MAP)`,
  );
}

/**
 * The EKS Pod Identity Agent add-on is installed and healthy (agent identity `pod-identity`).
 * @param addon undefined when the cluster has no such add-on.
 * @param installedByStack the fleet asks the stack to install the add-on where it is missing.
 */
export function checkPodIdentityAgent(cluster: string, addon: AddonFacts | undefined, installedByStack: boolean): CheckResult {
  const check = PREREQUISITE_CHECKS.podIdentityAgent;
  if (!addon) {
    if (installedByStack) return result(cluster, check, true, `no ${POD_IDENTITY_AGENT_ADDON} add-on yet: the stack installs it (installPodIdentityAgent)`);
    return result(
      cluster,
      check,
      false,
      `the EKS Pod Identity Agent add-on (${POD_IDENTITY_AGENT_ADDON}) is not installed: the agents would get no AWS credentials and every PutRecords would fail`,
      `aws eks create-addon --cluster-name ${cluster} --addon-name ${POD_IDENTITY_AGENT_ADDON}, or set "installPodIdentityAgent": true in the fleet file, or use "agentIdentity": "irsa"`,
    );
  }
  const issues = addon.issues.length > 0 ? `: ${addon.issues.join('; ')}` : '';
  if (addon.status === 'ACTIVE' && addon.issues.length === 0) {
    return result(cluster, check, true, `${POD_IDENTITY_AGENT_ADDON} add-on is ACTIVE${addon.version ? ` (${addon.version})` : ''}`);
  }
  return result(
    cluster,
    check,
    false,
    `${POD_IDENTITY_AGENT_ADDON} add-on is ${addon.status ?? 'of unknown status'}${issues}; expected ACTIVE with no health issue`,
    `aws eks describe-addon --cluster-name ${cluster} --addon-name ${POD_IDENTITY_AGENT_ADDON} shows its health; repair or update the add-on until it is ACTIVE`,
  );
}

/** The issuer path an IAM OIDC provider ARN names (`oidc.eks.<region>.amazonaws.com/id/<id>`). */
export const toIssuerPath = (providerArn: string): string => providerArn.slice(providerArn.indexOf('oidc-provider/') + 'oidc-provider/'.length);

/**
 * The IAM OIDC provider of the fleet file is the cluster's (agent identity `irsa`): it names the
 * cluster's issuer, exists in IAM and lists the audience sts.amazonaws.com.
 * @param provider what IAM said (undefined: no such provider), or 'not-read' where IAM is not asked
 *   (the applier, whose network may not reach IAM): then only the issuer is compared.
 */
export function checkOidcProvider(cluster: string, providerArn: string, facts: ClusterFacts, provider: OidcProviderFacts | undefined | 'not-read'): CheckResult {
  const check = PREREQUISITE_CHECKS.oidcProvider;
  const issuer = facts.oidcIssuer?.replace(/^https:\/\//, '');
  const named = toIssuerPath(providerArn);
  if (!issuer) {
    return result(cluster, check, false, `EKS cluster ${cluster} has no OIDC issuer`, `use "agentIdentity": "pod-identity", or a cluster with an OIDC issuer (every EKS cluster since 1.13 has one)`);
  }
  if (named !== issuer) {
    const account = /^arn:aws[a-z-]*:iam::([0-9]{12}):/.exec(providerArn)?.[1] ?? '<account>';
    return result(
      cluster,
      check,
      false,
      `oidcProviderArn names the issuer ${named}, but the cluster's issuer is ${issuer}`,
      `set oidcProviderArn of ${cluster} in the fleet file to arn:aws:iam::${account}:oidc-provider/${issuer}`,
    );
  }
  if (provider === 'not-read') return result(cluster, check, true, `oidcProviderArn names the cluster's issuer ${issuer}`);
  if (!provider) {
    return result(
      cluster,
      check,
      false,
      `the IAM OIDC provider ${providerArn} does not exist: the agents' IRSA role could not be assumed`,
      `eksctl utils associate-iam-oidc-provider --cluster ${cluster} --approve (or aws iam create-open-id-connect-provider --url https://${issuer} --client-id-list ${IRSA_AUDIENCE})`,
    );
  }
  if (!provider.clientIds.includes(IRSA_AUDIENCE)) {
    return result(
      cluster,
      check,
      false,
      `the IAM OIDC provider ${providerArn} does not list the audience ${IRSA_AUDIENCE} (it lists ${provider.clientIds.join(', ') || 'none'})`,
      `aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${providerArn} --client-id ${IRSA_AUDIENCE}`,
    );
  }
  return result(cluster, check, true, `IAM OIDC provider of the cluster's issuer exists and lists ${IRSA_AUDIENCE}`);
}

/** A failed check as one sentence: its message and its fix (the applier's error, the doctor's red line). */
export const toFailureText = (r: CheckResult): string => (r.fix ? `${r.message}; fix: ${r.fix}` : r.message);

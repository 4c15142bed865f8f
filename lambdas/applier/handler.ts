// Composition root of the applier Lambda (the Custom::KinsightAgent provider's onEvent handler).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateAddonCommand,
  DeleteAddonCommand,
  DescribeAddonCommand,
  DescribeClusterCommand,
  EKSClient,
  ResourceNotFoundException,
  waitUntilAddonActive,
  waitUntilAddonDeleted,
} from '@aws-sdk/client-eks';
import { APPLIER_SETTINGS_FILE } from '../../core/applier-settings';
import { ConfigError } from '../../core/errors';
import { createEksTokenSource } from '../common/eks-token';
import { toKubeConfig } from '../common/kube-client';
import { POD_IDENTITY_ADDON_RESOURCE_TYPE, POD_IDENTITY_AGENT_ADDON, type AddonFacts } from '../../core/prerequisites';
import { parseApplierConfig } from './applier-config';
import { ClusterGoneError, createApplier, type AgentResourceEvent } from './apply-agent';
import { createPodIdentityAddonHandler } from './pod-identity-addon';
import { createKubeObjectClient } from './kube-object-client';

// The CDK app copies the agent bundle and the applier settings next to this handler in the code
// package; the settings and the environment are all the applier installs from (core/applier-settings.ts).
const BUNDLE_PATH = join(__dirname, 'agent.js');
const config = parseApplierConfig(JSON.parse(readFileSync(join(__dirname, APPLIER_SETTINGS_FILE), 'utf8')), process.env);
const { region } = config;

const eks = new EKSClient({ region });
const tokens = createEksTokenSource({ region, credentials: () => eks.config.credentials() });

const log = (message: string, fields: Record<string, unknown>) => console.log(JSON.stringify({ level: 'INFO', message, ...fields }));

async function describePodIdentityAgent(clusterName: string): Promise<AddonFacts | undefined> {
  try {
    const { addon } = await eks.send(new DescribeAddonCommand({ clusterName, addonName: POD_IDENTITY_AGENT_ADDON }));
    return { status: addon?.status, version: addon?.addonVersion, issues: (addon?.health?.issues ?? []).map((i) => `${i.code ?? 'issue'}: ${i.message ?? ''}`.trim()) };
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** Waits for an add-on within the function's 5 minutes. */
const ADDON_WAIT_SECONDS = 240;

const applyAgent = createApplier({
  config,
  connect: async (clusterName) => {
    let cluster;
    try {
      ({ cluster } = await eks.send(new DescribeClusterCommand({ name: clusterName })));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) throw new ClusterGoneError(`EKS cluster ${clusterName} does not exist`, { cause: error });
      throw error;
    }
    if (!cluster?.endpoint || !cluster.certificateAuthority?.data) {
      throw new ConfigError(`EKS cluster ${clusterName} has no endpoint or CA yet (status ${cluster?.status}); expected an ACTIVE cluster`);
    }
    const token = await tokens.getToken(clusterName, Date.now());
    return createKubeObjectClient(toKubeConfig({ server: cluster.endpoint, caData: cluster.certificateAuthority.data, token, name: clusterName }));
  },
  readBundle: () => readFileSync(BUNDLE_PATH, 'utf8'),
  log,
  describeCluster: async (clusterName) => {
    try {
      const { cluster } = await eks.send(new DescribeClusterCommand({ name: clusterName }));
      return { name: clusterName, status: cluster?.status, version: cluster?.version, authenticationMode: cluster?.accessConfig?.authenticationMode, oidcIssuer: cluster?.identity?.oidc?.issuer };
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  },
  podIdentityAgent: describePodIdentityAgent,
});

const podIdentityAddon = createPodIdentityAddonHandler({
  describe: describePodIdentityAgent,
  create: async (clusterName) => {
    await eks.send(new CreateAddonCommand({ clusterName, addonName: POD_IDENTITY_AGENT_ADDON }));
    await waitUntilAddonActive({ client: eks, maxWaitTime: ADDON_WAIT_SECONDS }, { clusterName, addonName: POD_IDENTITY_AGENT_ADDON });
  },
  remove: async (clusterName) => {
    try {
      await eks.send(new DeleteAddonCommand({ clusterName, addonName: POD_IDENTITY_AGENT_ADDON }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return;
      throw error;
    }
    await waitUntilAddonDeleted({ client: eks, maxWaitTime: ADDON_WAIT_SECONDS }, { clusterName, addonName: POD_IDENTITY_AGENT_ADDON });
  },
  log,
  clusters: new Set(config.clusters.keys()),
});

/** The Provider framework's onEvent handler: the agent installation, or the Pod Identity Agent add-on. */
export const handler = (event: AgentResourceEvent) => (event.ResourceType === POD_IDENTITY_ADDON_RESOURCE_TYPE ? podIdentityAddon(event) : applyAgent(event));

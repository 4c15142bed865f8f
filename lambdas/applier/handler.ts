// Composition root of the applier Lambda (the Custom::KinsightAgent provider's onEvent handler).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeClusterCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { ConfigError } from '../../core/errors';
import { createEksTokenSource } from '../common/eks-token';
import { toKubeConfig } from '../common/kube-client';
import { ClusterGoneError, createApplier } from './apply-agent';
import { createKubeObjectClient } from './kube-object-client';

const region = process.env.AWS_REGION;
if (!region) throw new ConfigError('AWS_REGION is not set; the Lambda runtime sets it, set it when running the applier elsewhere');

const eks = new EKSClient({ region });
const tokens = createEksTokenSource({ region, credentials: () => eks.config.credentials() });
// The CDK app copies the agent bundle next to this handler in the code package.
const BUNDLE_PATH = join(__dirname, 'agent.js');

/** The Provider framework's onEvent handler. */
export const handler = createApplier({
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
  log: (message, fields) => console.log(JSON.stringify({ level: 'INFO', message, ...fields })),
});

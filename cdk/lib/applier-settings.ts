import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileSystem } from 'aws-cdk-lib';
import { APPLIER_SETTINGS_FILE, type ApplierSettingsFile } from '../../core/applier-settings';
import { toClusterGroupId, toClusterGroups } from './cluster-groups';
import { toApplierId, toNetworks } from './constructs/cluster-group';
import type { FleetConfig } from './fleet-config';

/**
 * What every applier of the fleet installs from (core/applier-settings.ts): the fleet's agent
 * settings, each applier's clusters and, with IRSA, each cluster's OIDC provider. Pure: the same
 * fleet and bundle give the same file, so that the appliers' code package changes only with them.
 */
export function toApplierSettings(fleet: FleetConfig, bundleSha256: string): ApplierSettingsFile {
  const appliers: Record<string, string[]> = {};
  for (const [group, clusters] of toClusterGroups(fleet.clusters)) {
    for (const network of toNetworks(clusters)) appliers[toApplierId(toClusterGroupId(group), network.id)] = network.clusters.map((c) => c.name);
  }
  return {
    image: fleet.agentImage,
    interval: fleet.interval,
    agentIdentity: fleet.agentIdentity,
    applierAccess: fleet.applierAccess,
    ...(fleet.agentUser === undefined ? {} : { runAsUser: fleet.agentUser }),
    ...(fleet.agentGroup === undefined ? {} : { runAsGroup: fleet.agentGroup }),
    ...(fleet.podLogsDir === undefined ? {} : { podLogsDir: fleet.podLogsDir }),
    bundleSha256,
    appliers,
    oidcProviders: Object.fromEntries(fleet.clusters.flatMap((c) => (c.oidcProviderArn ? [[c.name, c.oidcProviderArn] as const] : []))),
  };
}

/** Writes the settings where the appliers' bundling copies them from; returns the file's path. */
export function writeApplierSettings(settings: ApplierSettingsFile): string {
  const path = join(FileSystem.mkdtemp('kinsight-applier-'), APPLIER_SETTINGS_FILE);
  writeFileSync(path, `${JSON.stringify(settings, null, 1)}\n`);
  return path;
}

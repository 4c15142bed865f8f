import { toApplierSettings } from '../../../../cdk/lib/applier-settings';
import { toInstallationHash } from '../../../../cdk/lib/constructs/agent-installer';
import { parseFleetConfig } from '../../../../cdk/lib/fleet-config';
import fleetExample from '../../../../fleet.example.json';

const SHA = 'a'.repeat(64);

describe('toApplierSettings', () => {
  it('carries the fleet\'s agent uid, gid and pod log directory to every applier, and nothing of them when the fleet leaves the defaults', () => {
    const custom = toApplierSettings(parseFleetConfig({ ...fleetExample, agentUser: 61000, agentGroup: 61001, podLogsDir: '/data/pods' }), SHA);
    expect([custom.runAsUser, custom.runAsGroup, custom.podLogsDir]).toEqual([61000, 61001, '/data/pods']);
    const plain = toApplierSettings(parseFleetConfig(fleetExample), SHA);
    expect(Object.keys(plain).sort()).toEqual(['agentIdentity', 'applierAccess', 'appliers', 'bundleSha256', 'image', 'interval', 'oidcProviders']);
  });

  it('changes a cluster\'s installation hash, and so re-applies it, when the uid, gid or pod log directory changes', () => {
    const plain = toApplierSettings(parseFleetConfig(fleetExample), SHA);
    const hashes = [plain, { ...plain, runAsUser: 61000 }, { ...plain, runAsGroup: 61000 }, { ...plain, podLogsDir: '/data/pods' }].map((s) => toInstallationHash(s, 'prod-eu'));
    expect(new Set(hashes).size).toBe(4);
    expect(toInstallationHash({ ...plain }, 'prod-eu')).toBe(hashes[0]);
  });
});

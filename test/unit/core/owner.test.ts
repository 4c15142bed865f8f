import { resolveWorkload, toCronJobFromJobName, toDeploymentFromReplicaSetName, type OwnerLookup } from '../../../core/owner';

const none: OwnerLookup = { deploymentOf: () => undefined, cronJobOf: () => undefined };
const lookup: OwnerLookup = {
  deploymentOf: (ns, rs) => (ns === 'shop' && rs === 'checkout-abc' ? 'checkout-v2' : undefined),
  cronJobOf: (ns, job) => (ns === 'batch' && job === 'nightly-export' ? 'export' : undefined),
};
const pod = (name: string, ownerReferences: { kind?: string; name?: string }[], namespace = 'shop') => ({ name, namespace, ownerReferences });

describe('resolveWorkload', () => {
  test('resolves a ReplicaSet owner to the Deployment named in the ReplicaSet list', () => {
    expect(resolveWorkload(pod('checkout-abc-x1', [{ kind: 'ReplicaSet', name: 'checkout-abc' }]), lookup)).toEqual({
      workloadName: 'checkout-v2',
      owners: [{ kind: 'Deployment', name: 'checkout-v2' }],
    });
  });

  test('falls back to stripping the pod-template-hash suffix when the ReplicaSet is not in the list', () => {
    expect(resolveWorkload(pod('web-5d8f7c9b4f-x', [{ kind: 'ReplicaSet', name: 'web-5d8f7c9b4f' }]), none).workloadName).toBe('web');
  });

  test('keeps the ReplicaSet name when its suffix is not a generated hash', () => {
    const r = resolveWorkload(pod('legacy-aeiou-x', [{ kind: 'ReplicaSet', name: 'legacy-aeiou' }]), none);
    expect(r).toEqual({ workloadName: 'legacy-aeiou', owners: [{ kind: 'ReplicaSet', name: 'legacy-aeiou' }] });
  });

  test('resolves a Job to its CronJob through the Job owner, then through the 10-digit suffix', () => {
    expect(resolveWorkload(pod('nightly-export-q', [{ kind: 'Job', name: 'nightly-export' }], 'batch'), lookup).workloadName).toBe('export');
    expect(resolveWorkload(pod('report-2900000000-abcde', [{ kind: 'Job', name: 'report-2900000000' }], 'batch'), none)).toEqual({
      workloadName: 'report',
      owners: [{ kind: 'CronJob', name: 'report' }],
    });
  });

  test('cuts a standalone Job name at its first dash or dot unless full names are preferred', () => {
    const p = pod('db-migrate-7-xyz', [{ kind: 'Job', name: 'db-migrate-7' }]);
    expect(resolveWorkload(p, none).workloadName).toBe('db');
    expect(resolveWorkload(p, none, { preferFullPodName: true }).workloadName).toBe('db-migrate-7');
  });

  test('uses the owner name for DaemonSet and ReplicationController pods', () => {
    expect(resolveWorkload(pod('aws-node-abcde', [{ kind: 'DaemonSet', name: 'aws-node' }]), none).workloadName).toBe('aws-node');
    expect(resolveWorkload(pod('old-rc-abcde', [{ kind: 'ReplicationController', name: 'old-rc' }]), none).workloadName).toBe('old-rc');
  });

  test('keeps the pod name of a StatefulSet pod', () => {
    expect(resolveWorkload(pod('db-0', [{ kind: 'StatefulSet', name: 'db' }]), none)).toEqual({ workloadName: 'db-0', owners: [{ kind: 'StatefulSet', name: 'db' }] });
  });

  test('uses the pod name for a bare pod, except kube-proxy pods which become kube-proxy', () => {
    expect(resolveWorkload(pod('debug', []), none)).toEqual({ workloadName: 'debug', owners: [] });
    expect(resolveWorkload(pod('kube-proxy-ip-10-0-0-1', []), none).workloadName).toBe('kube-proxy');
    expect(resolveWorkload(pod('kube-proxy-ip-10-0-0-1', []), none, { preferFullPodName: true }).workloadName).toBe('kube-proxy-ip-10-0-0-1');
  });

  test('skips owners without kind or name and lets the first known kind decide', () => {
    const r = resolveWorkload(pod('x-1', [{ kind: '', name: 'ghost' }, { kind: 'Node', name: 'n1' }, { kind: 'DaemonSet', name: 'agent' }]), none);
    expect(r.workloadName).toBe('agent');
    expect(r.owners).toEqual([{ kind: 'Node', name: 'n1' }, { kind: 'DaemonSet', name: 'agent' }]);
  });
});

describe('name rules', () => {
  test('derives Deployment and CronJob names from generated names only', () => {
    expect(toDeploymentFromReplicaSetName('api-7c9bd5')).toBe('api');
    expect(toDeploymentFromReplicaSetName('api-ab')).toBeUndefined();
    expect(toCronJobFromJobName('report-2900000005')).toBe('report');
    expect(toCronJobFromJobName('report-290000000')).toBeUndefined();
  });
});

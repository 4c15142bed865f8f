import { toWorkloadFromPodName } from '../../../core/owner';

describe('toWorkloadFromPodName (the workload of a pod known by its name only)', () => {
  it.each([
    ['web-5d8f7c9b4f-x7k2p', 'web', 'a Deployment pod: pod suffix and ReplicaSet hash stripped'],
    ['coredns-7db6d8ff4d-bcdfg', 'coredns', 'a Deployment pod of kube-system'],
    ['aws-node-x7k2p', 'aws-node', 'a DaemonSet pod: the pod suffix stripped'],
    ['report-28930120-bcdfg', 'report', "a CronJob's Job pod: the scheduled time stripped too"],
    ['db-0', 'db-0', 'a StatefulSet pod keeps its name'],
    ['etcd-ip-10-0-0-1.ec2.internal', 'etcd-ip-10-0-0-1.ec2.internal', 'a static pod keeps its name'],
    ['kube-proxy-x7k2p', 'kube-proxy', 'kube-proxy, as the receiver names it'],
    ['web-aeiou', 'web-aeiou', 'a suffix of characters Kubernetes never generates is part of the name'],
  ])('%s -> %s (%s)', (pod, workload) => {
    expect(toWorkloadFromPodName(pod)).toBe(workload);
  });

  it('keeps a static kube-proxy pod name whole only when full pod names are preferred', () => {
    expect(toWorkloadFromPodName('kube-proxy-ip-10-0-0-1.ec2.internal')).toBe('kube-proxy');
    expect(toWorkloadFromPodName('kube-proxy-ip-10-0-0-1.ec2.internal', { preferFullPodName: true })).toBe('kube-proxy-ip-10-0-0-1.ec2.internal');
  });
});

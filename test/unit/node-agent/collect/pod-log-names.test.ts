import { parseContainerLogName, parsePodLogDirName, toRestartCount } from '../../../../node-agent/collect/pod-log-names';

const UID = 'a1b2c3d4-e5f6-4789-9abc-def012345678';
const ID = 'ab'.repeat(32);

describe('parsePodLogDirName', () => {
  it('splits <namespace>_<pod>_<uid>, pod names with dots and dashes included', () => {
    expect(parsePodLogDirName(`payments_api-0_${UID}`)).toEqual({ namespace: 'payments', name: 'api-0', uid: UID });
    expect(parsePodLogDirName(`kube-system_etcd.ip-10-0-1-2.ec2.internal_${UID}`)).toEqual({ namespace: 'kube-system', name: 'etcd.ip-10-0-1-2.ec2.internal', uid: UID });
  });

  it('rejects names that are not a pod directory of the kubelet', () => {
    for (const bad of [
      'lost+found',
      `payments_api-0`,
      `payments_api_0_${UID}`,
      `_api-0_${UID}`,
      `payments__${UID}`,
      `Payments_api-0_${UID}`,
      `payments_api-0_${UID.toUpperCase()}`,
      // a static pod's UID is a hash, which no kubepods cgroup name carries either
      'kube-system_kube-proxy_0123456789abcdef0123456789abcdef',
      `${'n'.repeat(64)}_api-0_${UID}`,
      `payments_-api_${UID}`,
      `payments_api-0_${UID}_`,
      '',
    ]) {
      expect(parsePodLogDirName(bad)).toBeUndefined();
    }
  });
});

describe('parseContainerLogName', () => {
  it('splits <pod>_<namespace>_<container>-<id>.log, the container name holding dashes', () => {
    expect(parseContainerLogName(`api-0_payments_log-shipper-${ID}.log`)).toEqual({ pod: 'api-0', namespace: 'payments', container: 'log-shipper', id: ID });
    expect(parseContainerLogName(`web-6d8f7b9c4-x2x9k_default_a-${ID}.log`)).toEqual({ pod: 'web-6d8f7b9c4-x2x9k', namespace: 'default', container: 'a', id: ID });
  });

  it('rejects names that are not a container log link of the kubelet', () => {
    for (const bad of [
      `api-0_payments_api-${ID}.log.gz`,
      `api-0_payments_api-${ID}`,
      `api-0_payments_api${ID}.log`,
      `api-0_payments_-${ID}.log`,
      `api-0_payments_api-${ID.slice(2)}.log`,
      `api-0_payments_api-${ID.toUpperCase()}.log`,
      `api-0_payments_api_x-${ID}.log`,
      `api-0_api-${ID}.log`,
      `api-0_Payments_api-${ID}.log`,
      'kube-proxy.log',
      '.log',
    ]) {
      expect(parseContainerLogName(bad)).toBeUndefined();
    }
  });
});

describe('toRestartCount', () => {
  it('takes the highest <n> of <n>.log', () => {
    expect(toRestartCount(['0.log'])).toBe(0);
    expect(toRestartCount(['0.log', '1.log'])).toBe(1);
    expect(toRestartCount(['12.log', '9.log', '11.log'])).toBe(12);
  });

  it('counts rotated and compressed files too, which stand in for the current log while the kubelet rotates it', () => {
    expect(toRestartCount(['1.log', '2.log.20261129-080000.gz', '2.log.20261129-090000', '2.log.20261129-093000.tmp'])).toBe(2);
  });

  it('has no count for a directory without a log file (a container not started yet)', () => {
    expect(toRestartCount([])).toBeUndefined();
    expect(toRestartCount(['.gitkeep'])).toBeUndefined();
  });

  it('ignores names the kubelet does not write', () => {
    expect(toRestartCount(['5.log', 'app.log', '7.logs', '01.log', '-3.log', '8log', '9.txt', ' 9.log', '12345678901.log', '9.log~'])).toBe(5);
  });

  it('finds the count among thousands of rotated files', () => {
    const names = Array.from({ length: 5000 }, (_u, i) => `${i % 3}.log.20261129-${String(i).padStart(6, '0')}.gz`).concat(['2.log', '1.log']);
    expect(toRestartCount(names)).toBe(2);
  });
});

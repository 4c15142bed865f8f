import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostReader, type HostReader } from '../../../../node-agent/collect/host-reader';
import { createPodLogsMemory, readPodLogs, type PodToName } from '../../../../node-agent/collect/read-pod-logs';
import { createMemoryHost } from '../memory-host';

const UID_A = 'a1b2c3d4-e5f6-4789-9abc-def012345678';
const UID_B = '0f1e2d3c-4b5a-4697-8877-665544332211';
const id = (c: string): string => c.repeat(64);
const PODS = 'var/log/pods';
const LINKS = 'var/log/containers';
const DIR_A = `${PODS}/payments_api-0_${UID_A}`;
const DIR_B = `${PODS}/kube-system_kube-proxy-7xw2d_${UID_B}`;

/** The layout of two pods: api-0 (api restarted once, envoy, a finished init container) and kube-proxy. */
const LAYOUT: Record<string, string> = {
  [`${DIR_A}/api/0.log`]: '',
  [`${DIR_A}/api/1.log`]: '',
  [`${DIR_A}/envoy/0.log`]: '',
  [`${DIR_A}/init-schema/0.log`]: '',
  [`${DIR_B}/kube-proxy/0.log`]: '',
};
const LINKS_OF: Record<string, string> = {
  [`${LINKS}/api-0_payments_api-${id('4')}.log`]: `/${DIR_A}/api/1.log`,
  [`${LINKS}/api-0_payments_envoy-${id('5')}.log`]: `../pods/payments_api-0_${UID_A}/envoy/0.log`,
  [`${LINKS}/kube-proxy-7xw2d_kube-system_kube-proxy-${id('7')}.log`]: `/${DIR_B}/kube-proxy/0.log`,
};
const POD_A: PodToName = { uid: UID_A, containers: [{ id: id('4') }, { id: id('5') }] };
const POD_B: PodToName = { uid: UID_B, containers: [{ id: id('7') }] };

/** A HostReader that records the directory calls made through it. */
function counting(host: HostReader): HostReader & { calls: string[] } {
  const calls: string[] = [];
  return {
    ...host,
    calls,
    listDirs: (path) => (calls.push(`listDirs ${path}`), host.listDirs(path)),
    listNames: (path) => (calls.push(`listNames ${path}`), host.listNames(path)),
    modifiedMs: (path) => (calls.push(`modifiedMs ${path}`), host.modifiedMs(path)),
    readText: (path) => (calls.push(`readText ${path}`), host.readText(path)),
    readLink: (path) => (calls.push(`readLink ${path}`), host.readLink(path)),
  };
}

const fsError = (code: string, path: string): Error => Object.assign(new Error(`${code}: ${path}`), { code });

describe('readPodLogs', () => {
  it('names pods from their directory and containers from their link, and counts restarts of every container directory', () => {
    const reading = readPodLogs(createMemoryHost(LAYOUT, LINKS_OF), '/var/log/pods', [POD_A, POD_B], createPodLogsMemory());
    expect(reading).toEqual({
      pods: new Map([
        [UID_A, { namespace: 'payments', name: 'api-0', restartCounts: new Map([['api', 1], ['envoy', 0], ['init-schema', 0]]) }],
        [UID_B, { namespace: 'kube-system', name: 'kube-proxy-7xw2d', restartCounts: new Map([['kube-proxy', 0]]) }],
      ]),
      containerNames: new Map([[id('4'), 'api'], [id('5'), 'envoy'], [id('7'), 'kube-proxy']]),
      errors: 0,
    });
  });

  it('reads the pod directory given as the kubelet podLogsDir', () => {
    const moved = Object.fromEntries(Object.entries(LAYOUT).map(([path, text]) => [path.replace(PODS, 'data/kubelet/pods'), text]));
    const reading = readPodLogs(createMemoryHost(moved, LINKS_OF), '/data/kubelet/pods/', [POD_A], createPodLogsMemory());
    expect(reading.pods.get(UID_A)).toMatchObject({ namespace: 'payments', name: 'api-0' });
    expect(reading.errors).toBe(0);
  });

  it('lists nothing on a cycle where the same containers run, and only stats what has no running container', () => {
    const host = counting(createMemoryHost(LAYOUT, LINKS_OF));
    const memory = createPodLogsMemory();
    const first = readPodLogs(host, '/var/log/pods', [POD_A, POD_B], memory);
    host.calls.length = 0;
    // The finished init container has no cgroup: its pod's directory and its own are listed once more
    // (to rule out a change in the same clock tick as the first listing), then only stat'ed.
    const second = readPodLogs(host, '/var/log/pods', [POD_A, POD_B], memory);
    expect(host.calls).toEqual([`modifiedMs ${DIR_A}`, `listDirs ${DIR_A}`, `modifiedMs ${DIR_A}/init-schema`, `listNames ${DIR_A}/init-schema`]);
    host.calls.length = 0;
    const third = readPodLogs(host, '/var/log/pods', [POD_A, POD_B], memory);
    expect(host.calls).toEqual([`modifiedMs ${DIR_A}`, `modifiedMs ${DIR_A}/init-schema`]);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    // Nothing else is ever touched: no link is read, no file opened.
    expect(host.calls.some((c) => c.startsWith('readLink') || c.startsWith('readText'))).toBe(false);
  });

  it('counts a restart once: the new container id makes the pod directory listed again', () => {
    const memory = createPodLogsMemory();
    readPodLogs(createMemoryHost(LAYOUT, LINKS_OF), '/var/log/pods', [POD_A], memory);
    const restarted = createMemoryHost({ ...LAYOUT, [`${DIR_A}/api/2.log`]: '' }, { ...LINKS_OF, [`${LINKS}/api-0_payments_api-${id('6')}.log`]: `/${DIR_A}/api/2.log` });
    const pod: PodToName = { uid: UID_A, containers: [{ id: id('6') }, { id: id('5') }] };
    const reading = readPodLogs(restarted, '/var/log/pods', [pod], memory);
    expect(reading.pods.get(UID_A)?.restartCounts).toEqual(new Map([['api', 2], ['envoy', 0], ['init-schema', 0]]));
    expect(reading.containerNames).toEqual(new Map([[id('6'), 'api'], [id('5'), 'envoy']]));
  });

  it('sees a crash-looping container restart while it has no cgroup, from its directory changing', () => {
    const memory = createPodLogsMemory();
    const pod: PodToName = { uid: UID_A, containers: [{ id: id('5') }] };
    const crashing = { ...LAYOUT, [`${DIR_A}/api/2.log`]: '' };
    readPodLogs(createMemoryHost(crashing, LINKS_OF), '/var/log/pods', [pod], memory);
    readPodLogs(createMemoryHost(crashing, LINKS_OF), '/var/log/pods', [pod], memory);
    const again = readPodLogs(createMemoryHost({ ...crashing, [`${DIR_A}/api/3.log`]: '' }, LINKS_OF), '/var/log/pods', [pod], memory);
    expect(again.pods.get(UID_A)?.restartCounts.get('api')).toBe(3);
  });

  it('lists a changed directory once more, so that a change in the same clock tick as a listing is not missed', () => {
    const memory = createPodLogsMemory();
    const pod: PodToName = { uid: UID_A, containers: [{ id: id('5') }] };
    // A file system whose times never move: only the second listing after a change can see what followed the first.
    const frozen = (files: Record<string, string>): HostReader => ({ ...createMemoryHost(files, LINKS_OF), modifiedMs: () => 7 });
    readPodLogs(frozen(LAYOUT), '/var/log/pods', [pod], memory);
    const second = readPodLogs(frozen({ ...LAYOUT, [`${DIR_A}/api/2.log`]: '' }), '/var/log/pods', [pod], memory);
    expect(second.pods.get(UID_A)?.restartCounts.get('api')).toBe(2);
  });

  it('counts a container directory without a log file yet as a name without count, then counts its first log', () => {
    const memory = createPodLogsMemory();
    const pod: PodToName = { uid: UID_B, containers: [] };
    const waiting = readPodLogs(createMemoryHost({ [`${DIR_B}/kube-proxy/`]: '' }), '/var/log/pods', [pod], memory);
    expect(waiting.pods.get(UID_B)).toEqual({ namespace: 'kube-system', name: 'kube-proxy-7xw2d', restartCounts: new Map() });
    const started = readPodLogs(createMemoryHost({ [`${DIR_B}/kube-proxy/0.log`]: '' }), '/var/log/pods', [pod], memory);
    expect(started.pods.get(UID_B)?.restartCounts).toEqual(new Map([['kube-proxy', 0]]));
  });

  it('gives no identity, and no error, to a pod whose directory goes away between two reads', () => {
    const base = createMemoryHost(LAYOUT, LINKS_OF);
    const racing: HostReader = { ...base, listDirs: (path) => (path === DIR_A ? (() => { throw fsError('ENOENT', path); })() : base.listDirs(path)) };
    const memory = createPodLogsMemory();
    const reading = readPodLogs(racing, '/var/log/pods', [POD_A, POD_B], memory);
    expect([...reading.pods.keys()]).toEqual([UID_B]);
    expect(reading.errors).toBe(0);
    expect(memory.pods.has(UID_A)).toBe(false);
  });

  it('forgets the pods that are gone', () => {
    const memory = createPodLogsMemory();
    readPodLogs(createMemoryHost(LAYOUT, LINKS_OF), '/var/log/pods', [POD_A, POD_B], memory);
    readPodLogs(createMemoryHost(LAYOUT, LINKS_OF), '/var/log/pods', [POD_B], memory);
    expect([...memory.pods.keys()]).toEqual([UID_B]);
  });

  it('names a container whose link was listed before its cgroup appeared, without listing the links again', () => {
    const host = counting(createMemoryHost(LAYOUT, { ...LINKS_OF, [`${LINKS}/kube-proxy-7xw2d_kube-system_init-${id('6')}.log`]: `/${DIR_B}/init/0.log` }));
    const memory = createPodLogsMemory();
    // A container of api-0 has no name yet, so the links are listed (twice: the second listing rules out a change in the same tick).
    const unnamed: PodToName = { uid: UID_A, containers: [{ id: id('4') }, { id: id('f') }] };
    readPodLogs(host, '/var/log/pods', [unnamed, POD_B], memory);
    readPodLogs(host, '/var/log/pods', [unnamed, POD_B], memory);
    host.calls.length = 0;
    // kube-proxy's pod gets the container whose link the kubelet made before starting it.
    const started: PodToName = { uid: UID_B, containers: [{ id: id('7') }, { id: id('6') }] };
    const reading = readPodLogs(host, '/var/log/pods', [POD_A, started], memory);
    expect(reading.containerNames.get(id('6'))).toBe('init');
    expect(host.calls.filter((c) => c.includes(LINKS))).toEqual([]);
  });

  it('counts a missing pod log directory and still names containers from their links', () => {
    const links = Object.fromEntries(Object.entries(LINKS_OF).map(([p, t]) => [p, t]));
    const reading = readPodLogs(createMemoryHost({ 'var/log/other/x': '' }, links), '/var/log/pods', [POD_A], createPodLogsMemory());
    expect(reading.pods).toEqual(new Map());
    expect(reading.containerNames).toEqual(new Map([[id('4'), 'api'], [id('5'), 'envoy']]));
    expect(reading).toMatchObject({ errors: 1, problem: '/var/log/pods: ENOENT' });
  });

  it('counts unreadable directories of the layout and goes on with the rest', () => {
    const base = createMemoryHost(LAYOUT, LINKS_OF);
    const denied: HostReader = {
      ...base,
      listNames: (path) => (path === LINKS ? (() => { throw fsError('EACCES', path); })() : base.listNames(path)),
      listDirs: (path) => (path === DIR_B ? (() => { throw fsError('EACCES', path); })() : base.listDirs(path)),
    };
    const reading = readPodLogs(denied, '/var/log/pods', [POD_A, POD_B], createPodLogsMemory());
    expect(reading).toMatchObject({ errors: 2, problem: '/var/log/containers: EACCES', containerNames: new Map() });
    expect(reading.pods.get(UID_A)?.restartCounts).toEqual(new Map([['api', 1], ['envoy', 0], ['init-schema', 0]]));
    // The pod whose directory could not be listed keeps its name, without counts.
    expect(reading.pods.get(UID_B)).toEqual({ namespace: 'kube-system', name: 'kube-proxy-7xw2d', restartCounts: new Map() });
  });

  it('ignores odd names and believes neither of two directories or two links that claim one pod or container', () => {
    const odd = {
      ...LAYOUT,
      [`${PODS}/lost+found/x`]: '',
      [`${PODS}/README`]: '',
      [`${PODS}/other_api-0_${UID_B}/x/0.log`]: '',
      [`${DIR_A}/Bad_Name/0.log`]: '',
    };
    const links = {
      ...LINKS_OF,
      [`${LINKS}/impostor_kube-system_kube-proxy-${id('7')}.log`]: '/etc/passwd',
      [`${LINKS}/api-0_payments_api-${id('4')}.log.gz`]: '',
      [`${LINKS}/not a link`]: '',
    };
    const reading = readPodLogs(createMemoryHost(odd, links), '/var/log/pods', [POD_A, POD_B], createPodLogsMemory());
    expect([...reading.pods.keys()]).toEqual([UID_A]);
    expect(reading.pods.get(UID_A)?.restartCounts).toEqual(new Map([['api', 1], ['envoy', 0], ['init-schema', 0]]));
    expect(reading.containerNames).toEqual(new Map([[id('4'), 'api'], [id('5'), 'envoy']]));
    expect(reading.errors).toBe(0);
  });

  it('does not name a container whose link names another pod than the directory of its cgroup\'s pod', () => {
    const links = { [`${LINKS}/api-1_payments_api-${id('4')}.log`]: `/${DIR_A}/api/1.log` };
    const reading = readPodLogs(createMemoryHost(LAYOUT, links), '/var/log/pods', [POD_A], createPodLogsMemory());
    expect(reading.containerNames).toEqual(new Map());
    expect(reading.pods.get(UID_A)).toMatchObject({ namespace: 'payments', name: 'api-0' });
  });
});

describe('readPodLogs on a real directory tree', () => {
  let outside: string;
  let root: string;
  beforeAll(() => {
    // A host root, and beside it a directory of the agent's own filesystem that links must not reach.
    outside = mkdtempSync(join(tmpdir(), 'kinsight-outside-'));
    root = mkdtempSync(join(tmpdir(), 'kinsight-host-'));
    const make = (path: string): void => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), '');
    };
    for (const path of Object.keys(LAYOUT)) make(path);
    for (let i = 0; i < 4000; i += 1) make(`${DIR_A}/api/${i % 2}.log.20261129-${String(i).padStart(6, '0')}${i % 3 ? '.gz' : ''}`);
    mkdirSync(join(root, LINKS), { recursive: true });
    for (const [path, target] of Object.entries(LINKS_OF)) symlinkSync(target, join(root, path));
    // Links whose targets would leave the host root, absolute and by "..": only their names are read.
    symlinkSync('/etc/shadow', join(root, `${LINKS}/web-0_default_web-${id('8')}.log`));
    symlinkSync('../../../../../../../../../../etc/passwd', join(root, `${LINKS}/web-0_default_sidecar-${id('9')}.log`));
    // A pod directory that is a link out of the host root, to a layout of the agent's own: not followed.
    const evilUid = 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee';
    mkdirSync(join(outside, 'web/9.log'), { recursive: true });
    symlinkSync(outside, join(root, `${PODS}/default_web-0_${evilUid}`));
    // A container directory that is a link: not followed either.
    symlinkSync(join(outside, 'web'), join(root, `${DIR_B}/sidecar`));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('reads names only: escaping links give their names, linked directories are not entered, thousands of rotated files are counted right', () => {
    const host = counting(createHostReader(root));
    const evil: PodToName = { uid: 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee', containers: [{ id: id('8') }, { id: id('9') }] };
    const reading = readPodLogs(host, '/var/log/pods', [POD_A, POD_B, evil], createPodLogsMemory());
    expect(reading.pods).toEqual(new Map([
      [UID_A, { namespace: 'payments', name: 'api-0', restartCounts: new Map([['api', 1], ['envoy', 0], ['init-schema', 0]]) }],
      [UID_B, { namespace: 'kube-system', name: 'kube-proxy-7xw2d', restartCounts: new Map([['kube-proxy', 0]]) }],
    ]));
    expect(reading.containerNames).toEqual(new Map([[id('4'), 'api'], [id('5'), 'envoy'], [id('7'), 'kube-proxy'], [id('8'), 'web'], [id('9'), 'sidecar']]));
    expect(reading.errors).toBe(0);
    // Every path asked for is below the layout's two directories, and none is a link of /var/log/containers or the linked pod directory.
    expect(host.calls.every((c) => /^(listDirs|listNames|modifiedMs) var\/log\/(pods|containers)(\/|$)/.test(c))).toBe(true);
    expect(host.calls.filter((c) => c.includes('eeeeeeee') || c.includes('sidecar') || c.includes(`${LINKS}/`))).toEqual([]);
  });
});

import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { collectNode, createCollectMemory } from '../../../../node-agent/collect/collect-node';
import { createHostReader, type HostReader } from '../../../../node-agent/collect/host-reader';
import { parseMounts } from '../../../../node-agent/collect/parse-mounts';
import { createMemoryHost } from '../memory-host';

const FIXTURES = join(__dirname, '../../../fixtures/hosts');
const POD_G = '6b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const POD_B = 'a1b2c3d4-e5f6-4789-9abc-def012345678';
const POD_BE = '0f1e2d3c-4b5a-4697-8877-665544332211';
/** A Job's pod that started a moment ago: the poller's documents do not know it yet, the node does. */
const POD_J = 'c0ffee00-1234-4abc-9def-0123456789ab';
const id = (c: string): string => c.repeat(64);
const fixture = (name: string): HostReader => createHostReader(join(FIXTURES, name));

describe('collectNode on an Amazon Linux 2 host (cgroup v1, cgroupfs driver, docker)', () => {
  const sample = collectNode(fixture('al2-v1-docker'), 1_700_000_000_000);

  it('reads identity figures from /proc: monotonic clock, logical CPUs, MemTotal', () => {
    expect(sample).toMatchObject({ timeMs: 1_700_000_000_000, monotonicMs: 356_712_450, cgroupVersion: 1, cores: 2, memTotalBytes: 7934936 * 1024, readErrors: 0, podsVanished: 0 });
  });

  it('reads the root cgroup with hierarchical total_* keys and USER_HZ ticks converted to ns', () => {
    expect(sample.root.gauges).toEqual({
      memoryUsageBytes: 5912342528,
      memoryWorkingSetBytes: 5912342528 - 2901245952,
      memoryRssBytes: 1203249152,
      memoryCacheBytes: 4577292288,
      memoryMappedFileBytes: 301203456,
      memoryMaxUsageBytes: 7012458496,
      memoryFailcnt: 0,
      memorySwapBytes: 4194304,
    });
    expect(sample.root.counters).toEqual({
      cpuUsageNs: 22553890112345, cpuUserNs: 2256592 * 1e7, cpuSystemNs: 991655 * 1e7,
      cpuPeriods: 0, cpuThrottledPeriods: 0, cpuThrottledNs: 0, memoryPgfault: 91203311, memoryPgmajfault: 12033,
    });
  });

  it('finds pods of all three QoS classes with their containers, leaving out the pause containers', () => {
    const pods = Object.fromEntries(sample.pods.map((p) => [p.uid, p]));
    expect(Object.keys(pods).sort()).toEqual([POD_BE, POD_G, POD_B, POD_J].sort());
    expect(pods[POD_G].qos).toBe('Guaranteed');
    expect(pods[POD_B].qos).toBe('Burstable');
    expect(pods[POD_BE].qos).toBe('BestEffort');
    expect(pods[POD_G].containers.map((c) => c.id)).toEqual([id('2')]);
    expect(pods[POD_B].containers.map((c) => c.id).sort()).toEqual([id('4'), id('5')]);
    expect(pods[POD_B].containers[0]).not.toHaveProperty('runtime');
  });

  it('names pods and containers from the log layout whose log files are links into docker\'s directory, never followed', () => {
    expect(sample.podLogErrors).toBe(0);
    expect(sample.podLogsProblem).toBeUndefined();
    expect(sample.pods.map((p) => [p.uid, p.namespace, p.name, [...(p.restartCounts ?? [])], p.containers.map((c) => [c.id, c.name])]).sort()).toEqual([
      [POD_G, 'default', 'web-6d8f7b9c4-x2x9k', [['nginx', 0]], [[id('2'), 'nginx']]],
      [POD_B, 'payments', 'api-0', [['api', 1], ['fluent-bit', 0]], [[id('4'), 'api'], [id('5'), 'fluent-bit']]],
      [POD_BE, 'monitoring', 'node-exporter-7xw2d', [['node-exporter', 0]], [[id('7'), 'node-exporter']]],
      [POD_J, 'batch', 'report-28911520-7xk2p', [['report', 0]], [[id('9'), 'report']]],
    ].sort());
  });

  it('reads throttling, floors the working set at 0 and takes swap from memsw minus usage', () => {
    const g = sample.pods.find((p) => p.uid === POD_G)!;
    expect(g.cgroup.counters).toMatchObject({ cpuPeriods: 120331, cpuThrottledPeriods: 1203, cpuThrottledNs: 45123311456 });
    expect(g.cgroup.gauges.memoryWorkingSetBytes).toBe(536870912 - 67108864);
    const b = sample.pods.find((p) => p.uid === POD_B)!;
    expect(b.cgroup.gauges.memoryWorkingSetBytes).toBe(0);
    expect(b.cgroup.gauges.memorySwapBytes).toBe(1262485504 - 1258291200);
  });

  it('reads pod interfaces from the netns of the pause process and recognises the host-network pod', () => {
    const g = sample.pods.find((p) => p.uid === POD_G)!;
    expect(g.hostNetwork).toBe(false);
    expect(g.net).toEqual([{ name: 'eth0', counters: { rxBytes: 2203311, rxPackets: 3120, rxErrors: 0, rxDropped: 1, txBytes: 1103311, txPackets: 2901, txErrors: 0, txDropped: 0 } }]);
    const be = sample.pods.find((p) => p.uid === POD_BE)!;
    expect(be.hostNetwork).toBe(true);
    expect(be).not.toHaveProperty('net');
  });

  it('reads host interfaces without lo, veth and docker, disks with the v1 blkio op split, and node filesystems', () => {
    expect(sample.net.map((n) => n.name)).toEqual(['eth0', 'eth1', 'eni3a1b2c3d4e5']);
    expect(sample.disks).toEqual([
      { device: 'nvme0n1', serviceBytes: { read: 4123504 * 512, write: 61233504 * 512, sync: 30001234944, async: 3461553152, total: 33462788096 }, serviced: { read: 52311, write: 1803342, sync: 1700233, async: 155420, total: 1855653 } },
      { device: 'nvme1n1', serviceBytes: { read: 52112 * 512, write: 98304 * 512 }, serviced: { read: 811, write: 1201 } },
    ]);
    expect(sample.filesystems.map((f) => `${f.device} ${f.mountpoint} ${f.fstype}`)).toEqual(['/dev/nvme0n1p1 / xfs', 'tmpfs /run tmpfs', '/dev/nvme1n1 /mnt/data disk ext4']);
    for (const f of sample.filesystems) expect(f.capacityBytes).toBeGreaterThanOrEqual(f.usageBytes);
  });
});

describe.each([
  ['al2023-v2-containerd-systemd', 'containerd'],
  ['v2-containerd-cgroupfs', undefined],
])('collectNode on a cgroup v2 host (%s)', (name, runtime) => {
  const sample = collectNode(fixture(name), 5);

  it('emulates the root memory usage as anon + file, with swap from /proc/meminfo and no max usage', () => {
    expect(sample.cgroupVersion).toBe(2);
    expect(sample.cores).toBe(4);
    expect(sample.root.gauges).toEqual({
      memoryUsageBytes: 3221225472 + 6442450944,
      memoryWorkingSetBytes: 3221225472 + 6442450944 - 4294967296,
      memoryRssBytes: 3221225472,
      memoryCacheBytes: 6442450944,
      memoryMappedFileBytes: 402653184,
      memoryFailcnt: 0,
      memorySwapBytes: (1048572 - 1044476) * 1024,
    });
    expect(sample.root.counters).toEqual({ cpuUsageNs: 912331203311000, cpuUserNs: 601203311000, cpuSystemNs: 311128000000, memoryPgfault: 412033112, memoryPgmajfault: 4012 });
  });

  it('reads pods and containers from cpu.stat in usec and memory.current, peak and swap.current', () => {
    expect(sample.readErrors).toBe(0);
    const g = sample.pods.find((p) => p.uid === POD_G)!;
    expect(g.qos).toBe('Guaranteed');
    expect(g.cgroup.counters).toEqual({ cpuUsageNs: 301203311000, cpuUserNs: 251203311000, cpuSystemNs: 50000000000, cpuPeriods: 90331, cpuThrottledPeriods: 2033, cpuThrottledNs: 61203311000, memoryPgfault: 5033112, memoryPgmajfault: 112 });
    expect(g.cgroup.gauges).toEqual({ memoryUsageBytes: 1107296256, memoryWorkingSetBytes: 1107296256 - 134217728, memoryRssBytes: 805306368, memoryCacheBytes: 268435456, memoryMappedFileBytes: 33554432, memoryFailcnt: 0, memoryMaxUsageBytes: 1207959552, memorySwapBytes: 0 });
    expect(g.containers).toEqual([expect.objectContaining({ id: id('2'), ...(runtime ? { runtime } : {}) })]);
    const b = sample.pods.find((p) => p.uid === POD_B)!;
    expect(b.containers.find((c) => c.id === id('4'))?.cgroup.gauges.memorySwapBytes).toBe(8388608);
    expect(sample.pods.find((p) => p.uid === POD_BE)).toMatchObject({ qos: 'BestEffort', hostNetwork: true });
  });

  it('reports only read and write per disk, as cgroup v2 does, with the EBS volume id in the NVMe serial', () => {
    expect(sample.disks[0]).toEqual({ device: 'nvme0n1', serial: 'vol0123456789abcdef0', serviceBytes: { read: 4123504 * 512, write: 61233504 * 512 }, serviced: { read: 52311, write: 1803342 } });
  });

  it('names every pod from its log directory, also the Job pod the API has not named yet and the host-network pod', () => {
    expect(sample.podLogErrors).toBe(0);
    const byUid = Object.fromEntries(sample.pods.map((p) => [p.uid, p]));
    expect(Object.keys(byUid).sort()).toEqual([POD_BE, POD_G, POD_B, POD_J].sort());
    expect(byUid[POD_G]).toMatchObject({ namespace: 'default', name: 'web-6d8f7b9c4-x2x9k', restartCounts: new Map([['app', 0]]), containers: [{ id: id('2'), name: 'app' }] });
    expect(byUid[POD_BE]).toMatchObject({ namespace: 'kube-system', name: 'aws-node-7xw2d', hostNetwork: true, restartCounts: new Map([['aws-node', 0]]), containers: [{ id: id('7'), name: 'aws-node' }] });
    // The uploader's directory has no log yet (the container has not started): no count, and no cgroup.
    expect(byUid[POD_J]).toMatchObject({ namespace: 'batch', name: 'report-28911520-7xk2p', qos: 'BestEffort', restartCounts: new Map([['report', 0]]), containers: [{ id: id('9'), name: 'report' }] });
    expect(byUid[POD_B].containers.map((c) => [c.id, c.name]).sort()).toEqual([[id('4'), 'api'], [id('5'), 'envoy']]);
  });
});

describe('collectNode on the AL2023 fixture host: the kubelet log layout in full', () => {
  const sample = collectNode(fixture('al2023-v2-containerd-systemd'), 5);

  it('counts restarts by container name from the highest <n>.log or rotated file, also for containers without a cgroup', () => {
    // api restarted once (0.log, 1.log and rotated 1.log.* files); init-schema ran once and ended;
    // log-shipper is crash-looping (4.log, 5.log) and has no cgroup at this moment.
    expect(sample.pods.find((p) => p.uid === POD_B)?.restartCounts).toEqual(new Map([['api', 1], ['envoy', 0], ['init-schema', 0], ['log-shipper', 5]]));
  });

  it('reads the serial of every NVMe disk through sysfs\'s relative links, without the padding spaces', () => {
    expect(sample.disks.map((d) => [d.device, d.serial])).toEqual([['nvme0n1', 'vol0123456789abcdef0'], ['nvme1n1', 'AWS1F2E3D4C5B6A79800']]);
  });
});

describe('collectNode on a hybrid host (v1 controllers plus an empty unified cgroup2, systemd driver)', () => {
  const sample = collectNode(fixture('hybrid-v1-containerd-systemd'), 5);

  it('reads the v1 controllers and finds systemd-driver pods with containerd scopes', () => {
    expect(sample.cgroupVersion).toBe(1);
    expect(sample.root.counters.cpuUsageNs).toBe(7203311000123);
    expect(sample.pods.map((p) => p.uid).sort()).toEqual([POD_BE, POD_B, POD_J].sort());
    const b = sample.pods.find((p) => p.uid === POD_B);
    expect(b).toMatchObject({ qos: 'Burstable', hostNetwork: false, containers: [{ id: id('4'), runtime: 'containerd' }] });
    expect(b?.cgroup.counters).toMatchObject({ cpuThrottledPeriods: 12, cpuThrottledNs: 120331000 });
    expect(sample.pods.find((p) => p.uid === POD_BE)).toMatchObject({ qos: 'BestEffort', hostNetwork: true });
  });

  it('names the restarted coredns, the host-network kube-proxy and the Job pod from the log layout', () => {
    expect(sample.pods.map((p) => [p.uid, p.namespace, p.name, [...(p.restartCounts ?? [])], p.containers.map((c) => c.name)]).sort()).toEqual([
      [POD_B, 'kube-system', 'coredns-5d78c9869d-4kq2p', [['coredns', 1]], ['coredns']],
      [POD_BE, 'kube-system', 'kube-proxy-7xw2d', [['kube-proxy', 0]], ['kube-proxy']],
      [POD_J, 'batch', 'report-28911520-7xk2p', [['report', 0]], ['report']],
    ].sort());
  });

  it('adds no sync/async/total split when the root blkio counts nothing, and no serial for a device without one', () => {
    expect(sample.disks[0].serviceBytes).toEqual({ read: 4123504 * 512, write: 61233504 * 512 });
    expect(sample.disks.map((d) => [d.device, d.serial])).toEqual([['nvme0n1', 'vol0aaaabbbbccccdddd'], ['nvme1n1', undefined]]);
    expect(sample.readErrors).toBe(0);
  });
});

describe('collectNode without readable namespace links (the agent as its own uid, without CAP_SYS_PTRACE)', () => {
  // Measured on a Linux host (node-agent/README.md): /proc/<pid>/ns/net of root's pause processes and of
  // the host's init is EACCES to the agent's uid; net/dev, comm and cgroup.procs stay readable. The fixture
  // host has no ns links at all, and its host-network sandbox sees the host's namespace entries themselves
  // (procfs: the same inode of net/dev as PID 1's).
  const denied = (host: HostReader): HostReader => ({
    ...host,
    readLink: (path) => {
      if (/^proc\/\d+\/ns\//.test(path)) throw Object.assign(new Error(`EACCES: permission denied, readlink '${path}'`), { code: 'EACCES' });
      return host.readLink(path);
    },
  });
  const withLinks = collectNode(fixture('al2023-v2-containerd-systemd'), 5);
  /** The pods of the fixture with links, as the fixture without them has them: no log layout, no Job pod. */
  const withLinksBare = withLinks.pods
    .filter((p) => p.uid !== POD_J)
    .map(({ namespace: _ns, name: _name, restartCounts: _restarts, ...p }) => ({ ...p, containers: p.containers.map(({ name: _c, ...c }) => c) }));

  it.each([
    ['a host whose links are absent', () => fixture('al2023-v2-no-netns-links')],
    ['a host whose links deny the agent (EACCES)', () => denied(fixture('al2023-v2-no-netns-links'))],
  ])('tells pod networks from the host network by the inode of their net/dev on %s, as with the links', (_name, host) => {
    const sample = collectNode(host(), 5);
    expect(sample.readErrors).toBe(0);
    expect(sample.pods).toEqual(withLinksBare);
    expect(sample.pods.find((p) => p.uid === POD_BE)).toMatchObject({ hostNetwork: true });
    expect(sample.pods.find((p) => p.uid === POD_BE)).not.toHaveProperty('net');
    expect(sample.pods.find((p) => p.uid === POD_G)).toMatchObject({ hostNetwork: false, net: [{ name: 'eth0' }] });
    expect(sample.net).toEqual(withLinks.net);
  });

  it('remembers the sandbox verdicts the inodes give, so later cycles read only the net/dev of pod networks', () => {
    const host = fixture('al2023-v2-no-netns-links');
    const reads: string[] = [];
    const counting: HostReader = { ...host, readText: (path) => (reads.push(path), host.readText(path)) };
    const memory = createCollectMemory();
    collectNode(counting, 1, memory);
    expect(memory.sandboxIds).toEqual(new Set([id('1'), id('3'), id('6')]));
    expect(memory.sandboxes).toEqual(new Map([[id('1'), { pid: 2101, hostNetwork: false }], [id('3'), { pid: 3201, hostNetwork: false }], [id('6'), { pid: 4301, hostNetwork: true }]]));
    reads.length = 0;
    const second = collectNode(counting, 2, memory);
    expect(reads.filter((p) => p.endsWith('/cgroup.procs'))).toEqual([]);
    expect(reads.filter((p) => /^proc\/\d+\/net\/dev$/.test(p)).sort()).toEqual(['proc/1/net/dev', 'proc/2101/net/dev', 'proc/3201/net/dev']);
    expect(second.pods).toEqual(collectNode(host, 1).pods);
  });
});

describe('collectNode across cycles', () => {
  it('probes each container for the sandbox once and remembers the verdict, forgetting containers that are gone', () => {
    const host = fixture('al2023-v2-containerd-systemd');
    const reads: string[] = [];
    const counting: HostReader = { ...host, readText: (path) => (reads.push(path), host.readText(path)) };
    const memory = createCollectMemory();
    const first = collectNode(counting, 1, memory);
    expect(reads.filter((p) => p.endsWith('/comm'))).toHaveLength(9);
    expect(memory.sandboxIds).toEqual(new Set([id('1'), id('3'), id('6'), id('8')]));
    reads.length = 0;
    const second = collectNode(counting, 2, memory);
    expect(reads.filter((p) => p.endsWith('/comm'))).toEqual([]);
    expect(second.pods).toEqual(first.pods.map((p) => ({ ...p })));
    const withoutPodB: HostReader = { ...counting, listDirs: (path) => counting.listDirs(path).filter((d) => !d.includes('a1b2c3d4')) };
    collectNode(withoutPodB, 3, memory);
    expect(memory.sandboxIds).toEqual(new Set([id('1'), id('6'), id('8')]));
    expect(memory.appIds).toEqual(new Set([id('2'), id('7'), id('9')]));
  });

  it('reads the pause process of a sandbox once, then only its net/dev, with the same pods as a first read', () => {
    const host = fixture('al2023-v2-containerd-systemd');
    const reads: string[] = [];
    const counting: HostReader = {
      ...host,
      readText: (path) => (reads.push(path), host.readText(path)),
      readLink: (path) => (reads.push(path), host.readLink(path)),
    };
    const memory = createCollectMemory();
    const first = collectNode(counting, 1, memory);
    expect(reads.filter((p) => /^proc\/\d+\/ns\/net$/.test(p) && p !== 'proc/1/ns/net')).toHaveLength(4);
    expect(memory.sandboxes).toEqual(new Map([[id('1'), { pid: 2101, hostNetwork: false }], [id('3'), { pid: 3201, hostNetwork: false }], [id('6'), { pid: 4301, hostNetwork: true }], [id('8'), { pid: 5101, hostNetwork: false }]]));
    reads.length = 0;
    const second = collectNode(counting, 2, memory);
    expect(reads.filter((p) => p.endsWith('/cgroup.procs') || (/^proc\/\d+\/ns\/net$/.test(p) && p !== 'proc/1/ns/net'))).toEqual([]);
    expect(reads.filter((p) => /^proc\/\d+\/net\/dev$/.test(p)).sort()).toEqual(['proc/2101/net/dev', 'proc/3201/net/dev', 'proc/5101/net/dev']);
    expect(second.pods).toEqual(first.pods);
    expect(collectNode(host, 3).pods).toEqual(first.pods);
  });

  it('finds the pause process again when the remembered one has ended', () => {
    const host = fixture('al2023-v2-containerd-systemd');
    const memory = createCollectMemory();
    const first = collectNode(host, 1, memory);
    // Process 2101 (pause of the Guaranteed pod) is gone; its cgroup now lists 9101, which sees the same interfaces.
    const gone = (path: string): never => {
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    };
    const moved: HostReader = {
      ...host,
      readText: (path) => {
        if (path.startsWith('proc/2101/')) gone(path);
        if (path.endsWith(`cri-containerd-${id('1')}.scope/cgroup.procs`)) return '9101\n';
        return host.readText(path.replace(/^proc\/9101\//, 'proc/2101/'));
      },
      readLink: (path) => (path.startsWith('proc/2101/') ? gone(path) : host.readLink(path.replace(/^proc\/9101\//, 'proc/2101/'))),
    };
    const second = collectNode(moved, 2, memory);
    expect(second.readErrors).toBe(first.readErrors);
    expect(second.pods.find((p) => p.uid === POD_G)).toEqual(first.pods.find((p) => p.uid === POD_G));
    expect(memory.sandboxes.get(id('1'))).toEqual({ pid: 9101, hostNetwork: false });
  });

  it('reports swap 0 without reading swap files when the host has no swap', () => {
    const pod = 'sys/fs/cgroup/kubepods/pod11111111-2222-4333-8444-555555555555';
    const files = {
      'proc/uptime': '1.00 1.00\n',
      'proc/cpuinfo': 'processor\t: 0\n',
      'proc/meminfo': 'MemTotal: 1024 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n',
      'sys/fs/cgroup/cgroup.controllers': 'cpu memory\n',
      [`${pod}/memory.current`]: '4096\n',
      [`${pod}/memory.swap.current`]: '8192\n',
    };
    const pods = collectNode(createMemoryHost(files), 0).pods;
    expect(pods[0].cgroup.gauges.memorySwapBytes).toBe(0);
    const withSwap = collectNode(createMemoryHost({ ...files, 'proc/meminfo': 'MemTotal: 1024 kB\nSwapTotal: 64 kB\nSwapFree: 64 kB\n' }), 0).pods;
    expect(withSwap[0].cgroup.gauges.memorySwapBytes).toBe(8192);
  });
});

describe('collectNode with pods that vanish and files that are broken', () => {
  it('omits a pod that disappears between listing and reading and counts it, without read errors', () => {
    const host = fixture('al2023-v2-containerd-systemd');
    const ghost = 'kubepods-burstable-pod11111111_2222_4333_8444_555555555555.slice';
    const racing: HostReader = {
      ...host,
      listDirs: (path) => [...host.listDirs(path), ...(path.endsWith('kubepods-burstable.slice') ? [ghost] : [])],
    };
    const sample = collectNode(racing, 5);
    expect(sample.podsVanished).toBe(1);
    expect(sample.readErrors).toBe(0);
    expect(sample.pods.map((p) => p.uid).sort()).toEqual([POD_BE, POD_G, POD_B, POD_J].sort());
  });

  it('omits and counts truncated, non-numeric, oversized and missing values and goes on', () => {
    const pod = 'sys/fs/cgroup/kubepods/burstable/pod11111111-2222-4333-8444-555555555555';
    const host = createMemoryHost({
      'proc/uptime': '100.00 50.00\n',
      'proc/cpuinfo': 'processor\t: 0\n',
      'proc/meminfo': 'MemTotal:  1024 kB\nMemFree: lots\n',
      'proc/diskstats': ' 259 0 nvme0n1 10 0 8 0 20 0 16 0\n 259 1 nvme1n1 10 0 eight\n',
      'sys/fs/cgroup/cgroup.controllers': 'cpu memory\n',
      'sys/fs/cgroup/cpu.stat': 'usage_usec 99999999999999999999\nuser_usec abc\nsystem_usec 12\n',
      'sys/fs/cgroup/memory.stat': 'anon 4096\nfile',
      [`${pod}/cpu.stat`]: 'usage_usec 1000\nuser_usec 600\nsystem_usec 400\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n',
      [`${pod}/memory.current`]: 'max\n',
    });
    const sample = collectNode(host, 5);
    // cpu.stat 2 + memory.stat 1 + proc/stat missing 1 + net/dev 1 + diskstats 1 + mounts 1 + MemFree 1 + pod memory.current 1 + pod memory.stat 1
    expect(sample.readErrors).toBe(10);
    expect(sample.root.counters).toEqual({ cpuSystemNs: 12000 });
    expect(sample.root.gauges).toEqual({ memoryRssBytes: 4096, memoryFailcnt: 0 });
    expect(sample.disks.map((d) => d.device)).toEqual(['nvme0n1']);
    expect(sample.net).toEqual([]);
    expect(sample.pods).toEqual([{ uid: '11111111-2222-4333-8444-555555555555', qos: 'Burstable', cgroup: { gauges: { memoryFailcnt: 0 }, counters: { cpuUsageNs: 1_000_000, cpuUserNs: 600_000, cpuSystemNs: 400_000, cpuPeriods: 0, cpuThrottledPeriods: 0, cpuThrottledNs: 0 } }, containers: [] }]);
  });

  it('fails with a clear error when the host root has no /proc', () => {
    expect(() => collectNode(createMemoryHost({}), 5)).toThrow(/proc\/uptime.*--host-root/);
  });
});

describe('collectNode and the kubelet log layout', () => {
  const POD = 'sys/fs/cgroup/kubepods/pod11111111-2222-4333-8444-555555555555';
  const UID = '11111111-2222-4333-8444-555555555555';
  const base = {
    'proc/uptime': '1.00 1.00\n',
    'proc/cpuinfo': 'processor\t: 0\n',
    'proc/meminfo': 'MemTotal: 1024 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n',
    'sys/fs/cgroup/cgroup.controllers': 'cpu memory\n',
    [`${POD}/memory.current`]: '4096\n',
    [`${POD}/${id('a')}/memory.current`]: '2048\n',
    [`${POD}/${id('a')}/cgroup.procs`]: '',
  };
  const links = { [`var/log/containers/web-0_shop_web-${id('a')}.log`]: `/var/log/pods/shop_web-0_${UID}/web/0.log` };

  it('keeps sending pods without identity when the pod log directory is missing, and counts it apart from read errors', () => {
    const sample = collectNode(createMemoryHost(base, links), 0);
    const named = collectNode(createMemoryHost({ ...base, [`var/log/pods/shop_web-0_${UID}/web/0.log`]: '' }, links), 0);
    expect(sample).toMatchObject({ podLogErrors: 1, podLogsProblem: '/var/log/pods: ENOENT', readErrors: named.readErrors });
    expect(named.pods[0]).toMatchObject({ namespace: 'shop', name: 'web-0' });
    expect(sample.pods).toHaveLength(1);
    expect(sample.pods[0]).not.toHaveProperty('namespace');
    expect(sample.pods[0].containers).toEqual([expect.objectContaining({ id: id('a'), name: 'web' })]);
  });

  it('reads the pod log directory where --pod-logs-dir says the kubelet keeps it', () => {
    const sample = collectNode(createMemoryHost({ ...base, [`srv/kubelet/pods/shop_web-0_${UID}/web/2.log`]: '' }, links), 0, undefined, { podLogsDir: '/srv/kubelet/pods' });
    expect(sample).toMatchObject({ podLogErrors: 0, pods: [{ uid: UID, namespace: 'shop', name: 'web-0', restartCounts: new Map([['web', 2]]) }] });
    expect(sample).not.toHaveProperty('podLogsProblem');
  });

  it('does not look for the layout on a node without pods', () => {
    const sample = collectNode(createMemoryHost({ 'proc/uptime': '1 1\n', 'proc/cpuinfo': 'processor\t: 0\n', 'proc/meminfo': 'MemTotal: 1 kB\n' }), 0);
    expect(sample).not.toHaveProperty('podLogErrors');
  });

  it('has no max usage without memory.peak (kernels before 5.19), without a read error, and counts an unreadable one', () => {
    const old = collectNode(createMemoryHost(base), 0);
    expect(old.pods[0].cgroup.gauges).toEqual({ memoryUsageBytes: 4096, memoryWorkingSetBytes: 4096, memoryFailcnt: 0, memorySwapBytes: 0 });
    const host = createMemoryHost({ ...base, [`${POD}/memory.peak`]: '8192\n', [`${POD}/${id('a')}/memory.peak`]: '4096\n' });
    const recent = collectNode(host, 0);
    expect(recent.pods[0].cgroup.gauges.memoryMaxUsageBytes).toBe(8192);
    expect(recent.pods[0].containers[0].cgroup.gauges.memoryMaxUsageBytes).toBe(4096);
    expect(recent.readErrors).toBe(old.readErrors);
    const denied: HostReader = { ...host, readText: (path) => (path === `${POD}/memory.peak` ? (() => { throw Object.assign(new Error('EACCES'), { code: 'EACCES' }); })() : host.readText(path)) };
    const sample = collectNode(denied, 0);
    expect(sample.readErrors).toBe(old.readErrors + 1);
    expect(sample.pods[0].cgroup.gauges).not.toHaveProperty('memoryMaxUsageBytes');
  });
});

describe('collectNode and disk serials', () => {
  const files = {
    'proc/uptime': '1.00 1.00\n',
    'proc/cpuinfo': 'processor\t: 0\n',
    'proc/meminfo': 'MemTotal: 1024 kB\n',
    'proc/diskstats': ' 259 0 nvme0n1 10 0 8 0 20 0 16 0 0 0 0\n 202 0 xvda 10 0 8 0 20 0 16 0 0 0 0\n 104 0 cciss/c0d0 1 0 8 0 2 0 16 0 0 0 0\n',
    'sys/block/nvme0n1/device/serial': 'vol0123456789abcdef0\n',
    'sys/block/cciss!c0d0/device/serial': 'QB3A1234 \n',
  };

  it('reads each device\'s serial once, remembers devices without one, and forgets devices that are gone', () => {
    const host = createMemoryHost(files);
    const reads: string[] = [];
    const counting: HostReader = { ...host, readText: (path) => (reads.push(path), host.readText(path)) };
    const memory = createCollectMemory();
    const first = collectNode(counting, 0, memory);
    expect(first.disks.map((d) => [d.device, d.serial])).toEqual([['nvme0n1', 'vol0123456789abcdef0'], ['xvda', undefined], ['cciss/c0d0', 'QB3A1234']]);
    expect(reads.filter((p) => p.startsWith('sys/block/'))).toEqual(['sys/block/nvme0n1/device/serial', 'sys/block/xvda/device/serial', 'sys/block/cciss!c0d0/device/serial']);
    reads.length = 0;
    expect(collectNode(counting, 1, memory).disks).toEqual(first.disks);
    expect(reads.filter((p) => p.startsWith('sys/block/'))).toEqual([]);
    expect(first.readErrors).toBe(3);
    collectNode(createMemoryHost({ ...files, 'proc/diskstats': ' 259 0 nvme0n1 10 0 8 0 20 0 16 0 0 0 0\n' }), 2, memory);
    expect([...memory.diskSerials.keys()]).toEqual(['nvme0n1']);
  });

  it('counts an unreadable serial and tries again next cycle; sends no serial that is not printable text', () => {
    const host = createMemoryHost({ ...files, 'sys/block/xvda/device/serial': 'two words\u0000\n' });
    const denied: HostReader = { ...host, readText: (path) => (path === 'sys/block/nvme0n1/device/serial' ? (() => { throw Object.assign(new Error('EACCES'), { code: 'EACCES' }); })() : host.readText(path)) };
    const memory = createCollectMemory();
    const sample = collectNode(denied, 0, memory);
    expect(sample.disks.map((d) => d.serial)).toEqual([undefined, undefined, 'QB3A1234']);
    expect(collectNode(host, 1, memory).disks[0].serial).toBe('vol0123456789abcdef0');
  });
});

describe('collectNode on this machine', () => {
  const sample = collectNode(createHostReader('/'), Date.now());

  it('counts the cores and MemTotal that /proc reports', () => {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    expect(sample.cores).toBe(cpuinfo.match(/^processor\s*:/gm)?.length);
    const kb = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
    expect(sample.memTotalBytes).toBe(kb * 1024);
  });

  it('reads plausible values of the root cgroup, interfaces and the root filesystem', () => {
    expect(sample.monotonicMs).toBeGreaterThan(0);
    expect(sample.root.counters.cpuUsageNs).toBeGreaterThan(0);
    const usage = sample.root.gauges.memoryUsageBytes ?? 0;
    expect(usage).toBeGreaterThan(0);
    expect(sample.root.gauges.memoryWorkingSetBytes).toBeLessThanOrEqual(usage);
    expect(sample.net.every((n) => !/^(lo|veth|docker)/.test(n.name))).toBe(true);
  });

  it('reports each node filesystem of the mount table with the capacity statfs gives', () => {
    const mounts = parseMounts(readFileSync(existsSync('/proc/1/mounts') ? '/proc/1/mounts' : '/proc/mounts', 'utf8'));
    expect(mounts.length).toBeGreaterThan(0);
    expect(sample.filesystems.map((f) => f.mountpoint)).toEqual(mounts.map((m) => m.mountpoint));
    expect(sample.filesystems.map((f) => f.capacityBytes)).toEqual(mounts.map((m) => {
      const s = statfsSync(m.mountpoint);
      return s.blocks * s.bsize;
    }));
  });

  it('finds no pods where there is no kubepods hierarchy', () => {
    expect(sample.pods).toEqual([]);
    expect(sample.podsVanished).toBe(0);
  });
});

describe('collectNode without the namespace links (the agent\'s uid as deployed)', () => {
  const denied = (path: string): never => {
    throw Object.assign(new Error(`EACCES: permission denied, readlink '${path}'`), { code: 'EACCES' });
  };
  const withoutLinks = (host: HostReader): HostReader => ({ ...host, readLink: (path) => (path.endsWith('/ns/net') ? denied(path) : host.readLink(path)) });
  const verdicts = (pods: { uid: string; hostNetwork?: boolean }[]): [string, boolean | undefined][] => pods.map((p) => [p.uid, p.hostNetwork]);

  it.each(['al2-v1-docker', 'al2023-v2-containerd-systemd', 'hybrid-v1-containerd-systemd', 'v2-containerd-cgroupfs'])(
    'tells host-network pods by the inode of their net/dev on %s, as the links do, and remembers the verdicts',
    (name) => {
      const withLinks = createCollectMemory();
      const expected = collectNode(fixture(name), 1, withLinks);
      const memory = createCollectMemory();
      const sample = collectNode(withoutLinks(fixture(name)), 1, memory);
      expect(sample.pods).toEqual(expected.pods);
      expect(verdicts(sample.pods).filter(([, host]) => host === true)).toEqual([[POD_BE, true]]);
      expect(memory.sandboxes).toEqual(withLinks.sandboxes);
    },
  );

  it('keeps a host-network pod on the host network when the host\'s counters move between the two reads (a busy node)', () => {
    const host = fixture('al2023-v2-containerd-systemd');
    let reads = 0;
    // Every read of the host's interfaces sees more traffic, as on a busy node.
    const busy: HostReader = { ...withoutLinks(host), readText: (path) => (/net\/dev$/.test(path) ? host.readText(path).replace(/eth0: *(\d+)/, (_, n: string) => `eth0: ${Number(n) + 1500 * ++reads}`) : host.readText(path)) };
    const sample = collectNode(busy, 1);
    expect(sample.pods.find((p) => p.uid === POD_BE)).toMatchObject({ hostNetwork: true });
    expect(sample.pods.find((p) => p.uid === POD_BE)?.net).toBeUndefined();
  });

  it('does not take a pod whose own interfaces show the host\'s counters for a host-network pod', () => {
    const host = fixture('al2023-v2-containerd-systemd');
    const hostNet = host.readText('proc/net/dev');
    // The Guaranteed pod's pause process (2101) has its own namespace whose counters read as the host's.
    const lookalike: HostReader = { ...withoutLinks(host), readText: (path) => (path === 'proc/2101/net/dev' ? hostNet : host.readText(path)) };
    const memory = createCollectMemory();
    const sample = collectNode(lookalike, 1, memory);
    expect(sample.pods.find((p) => p.uid === POD_G)).toMatchObject({ hostNetwork: false, net: sample.net });
    expect(memory.sandboxes.get(id('1'))).toEqual({ pid: 2101, hostNetwork: false });
  });

  it('compares counters, without remembering the verdict, only when neither links nor inodes can be read', () => {
    const host = withoutLinks(fixture('al2023-v2-containerd-systemd'));
    const memory = createCollectMemory();
    const sample = collectNode({ ...host, fileId: (path) => denied(path) }, 1, memory);
    expect(verdicts(sample.pods).filter(([, onHost]) => onHost === true)).toEqual([[POD_BE, true]]);
    expect(memory.sandboxes.get(id('6'))).toBeUndefined();
    expect(memory.sandboxes.get(id('1'))).toBeUndefined();
  });
});

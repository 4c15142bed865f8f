import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectNode, createCollectMemory } from '../../../node-agent/collect/collect-node';
import { createHostReader, type HostReader } from '../../../node-agent/collect/host-reader';
import { createMemoryHost } from './memory-host';

const FIXTURES = join(__dirname, '../../fixtures/hosts');
const POD_G = '6b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const POD_B = 'a1b2c3d4-e5f6-4789-9abc-def012345678';
const POD_BE = '0f1e2d3c-4b5a-4697-8877-665544332211';
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
    expect(Object.keys(pods).sort()).toEqual([POD_BE, POD_G, POD_B].sort());
    expect(pods[POD_G].qos).toBe('Guaranteed');
    expect(pods[POD_B].qos).toBe('Burstable');
    expect(pods[POD_BE].qos).toBe('BestEffort');
    expect(pods[POD_G].containers.map((c) => c.id)).toEqual([id('2')]);
    expect(pods[POD_B].containers.map((c) => c.id).sort()).toEqual([id('4'), id('5')]);
    expect(pods[POD_B].containers[0]).not.toHaveProperty('runtime');
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

  it('reports only read and write per disk, as cgroup v2 does', () => {
    expect(sample.disks[0]).toEqual({ device: 'nvme0n1', serviceBytes: { read: 4123504 * 512, write: 61233504 * 512 }, serviced: { read: 52311, write: 1803342 } });
  });
});

describe('collectNode on a hybrid host (v1 controllers plus an empty unified cgroup2, systemd driver)', () => {
  const sample = collectNode(fixture('hybrid-v1-containerd-systemd'), 5);

  it('reads the v1 controllers and finds systemd-driver pods with containerd scopes', () => {
    expect(sample.cgroupVersion).toBe(1);
    expect(sample.root.counters.cpuUsageNs).toBe(7203311000123);
    expect(sample.pods).toHaveLength(1);
    expect(sample.pods[0]).toMatchObject({ uid: POD_B, qos: 'Burstable', hostNetwork: false, containers: [{ id: id('4'), runtime: 'containerd' }] });
    expect(sample.pods[0].cgroup.counters).toMatchObject({ cpuThrottledPeriods: 12, cpuThrottledNs: 120331000 });
  });

  it('adds no sync/async/total split when the root blkio counts nothing', () => {
    expect(sample.disks[0].serviceBytes).toEqual({ read: 4123504 * 512, write: 61233504 * 512 });
  });
});

describe('collectNode without readable namespace links (the agent as its own uid, without CAP_SYS_PTRACE)', () => {
  // Measured on a Linux host (node-agent/README.md): /proc/<pid>/ns/net of root's pause processes and of
  // the host's init is EACCES to the agent's uid; net/dev, comm and cgroup.procs stay readable. The fixture
  // host has no ns links at all, and its host-network sandbox sees the host's interfaces.
  const denied = (host: HostReader): HostReader => ({
    ...host,
    readLink: (path) => {
      if (/^proc\/\d+\/ns\//.test(path)) throw Object.assign(new Error(`EACCES: permission denied, readlink '${path}'`), { code: 'EACCES' });
      return host.readLink(path);
    },
  });
  const withLinks = collectNode(fixture('al2023-v2-containerd-systemd'), 5);

  it.each([
    ['a host whose links are absent', () => fixture('al2023-v2-no-netns-links')],
    ['a host whose links deny the agent (EACCES)', () => denied(fixture('al2023-v2-no-netns-links'))],
  ])('tells pod networks from the host network by their counters on %s, as with the links', (_name, host) => {
    const sample = collectNode(host(), 5);
    expect(sample.readErrors).toBe(0);
    expect(sample.pods).toEqual(withLinks.pods);
    expect(sample.pods.find((p) => p.uid === POD_BE)).toMatchObject({ hostNetwork: true });
    expect(sample.pods.find((p) => p.uid === POD_BE)).not.toHaveProperty('net');
    expect(sample.pods.find((p) => p.uid === POD_G)).toMatchObject({ hostNetwork: false, net: [{ name: 'eth0' }] });
    expect(sample.net).toEqual(withLinks.net);
  });

  it('remembers no sandbox verdict without links, so each cycle finds the pause processes again through cgroup.procs', () => {
    const host = fixture('al2023-v2-no-netns-links');
    const reads: string[] = [];
    const counting: HostReader = { ...host, readText: (path) => (reads.push(path), host.readText(path)) };
    const memory = createCollectMemory();
    collectNode(counting, 1, memory);
    expect(memory.sandboxIds).toEqual(new Set([id('1'), id('3'), id('6')]));
    expect(memory.sandboxes).toEqual(new Map());
    reads.length = 0;
    const second = collectNode(counting, 2, memory);
    expect(reads.filter((p) => p.endsWith('/cgroup.procs'))).toHaveLength(3);
    expect(reads.filter((p) => /^proc\/\d+\/net\/dev$/.test(p)).sort()).toEqual(['proc/1/net/dev', 'proc/2101/net/dev', 'proc/3201/net/dev', 'proc/4301/net/dev']);
    expect(second.pods).toEqual(withLinks.pods);
  });
});

describe('collectNode across cycles', () => {
  it('probes each container for the sandbox once and remembers the verdict, forgetting containers that are gone', () => {
    const host = fixture('al2023-v2-containerd-systemd');
    const reads: string[] = [];
    const counting: HostReader = { ...host, readText: (path) => (reads.push(path), host.readText(path)) };
    const memory = createCollectMemory();
    const first = collectNode(counting, 1, memory);
    expect(reads.filter((p) => p.endsWith('/comm'))).toHaveLength(7);
    expect(memory.sandboxIds).toEqual(new Set([id('1'), id('3'), id('6')]));
    reads.length = 0;
    const second = collectNode(counting, 2, memory);
    expect(reads.filter((p) => p.endsWith('/comm'))).toEqual([]);
    expect(second.pods).toEqual(first.pods.map((p) => ({ ...p })));
    const withoutPodB: HostReader = { ...counting, listDirs: (path) => counting.listDirs(path).filter((d) => !d.includes('a1b2c3d4')) };
    collectNode(withoutPodB, 3, memory);
    expect(memory.sandboxIds).toEqual(new Set([id('1'), id('6')]));
    expect(memory.appIds).toEqual(new Set([id('2'), id('7')]));
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
    expect(reads.filter((p) => /^proc\/\d+\/ns\/net$/.test(p) && p !== 'proc/1/ns/net')).toHaveLength(3);
    expect(memory.sandboxes).toEqual(new Map([[id('1'), { pid: 2101, hostNetwork: false }], [id('3'), { pid: 3201, hostNetwork: false }], [id('6'), { pid: 4301, hostNetwork: true }]]));
    reads.length = 0;
    const second = collectNode(counting, 2, memory);
    expect(reads.filter((p) => p.endsWith('/cgroup.procs') || (/^proc\/\d+\/ns\/net$/.test(p) && p !== 'proc/1/ns/net'))).toEqual([]);
    expect(reads.filter((p) => /^proc\/\d+\/net\/dev$/.test(p)).sort()).toEqual(['proc/2101/net/dev', 'proc/3201/net/dev']);
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
    expect(sample.pods.map((p) => p.uid).sort()).toEqual([POD_BE, POD_G, POD_B].sort());
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
    const root = sample.filesystems.find((f) => f.mountpoint === '/');
    if (root) expect(root.capacityBytes).toBeGreaterThan(0);
  });

  it('finds no pods where there is no kubepods hierarchy', () => {
    expect(sample.pods).toEqual([]);
    expect(sample.podsVanished).toBe(0);
  });
});

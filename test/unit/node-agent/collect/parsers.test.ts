import { parseBlkio } from '../../../../node-agent/collect/read-blkio';
import { parseCpuinfo } from '../../../../node-agent/collect/parse-cpuinfo';
import { parseDiskstats } from '../../../../node-agent/collect/parse-diskstats';
import { parseMounts } from '../../../../node-agent/collect/parse-mounts';
import { parseNetDev } from '../../../../node-agent/collect/parse-net-dev';
import { parseProcStat } from '../../../../node-agent/collect/parse-proc-stat';
import { parseUptime } from '../../../../node-agent/collect/parse-uptime';
import { parseCounter, parseCounterFile, parseKeyValues } from '../../../../node-agent/collect/parse-values';

const NET_HEADER = 'Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';

describe('parseCounter', () => {
  it('reads plain non-negative integers up to 2^53 - 1', () => {
    expect(parseCounter('0')).toBe(0);
    expect(parseCounter('9007199254740991')).toBe(9007199254740991);
  });
  it('rejects numbers beyond 2^53, negative, fractional and non-numeric text', () => {
    for (const bad of ['9007199254740992', '9007199254740993', '9223372036854771712', '1'.repeat(400), '1 ', ' 1', '-1', '1.5', 'max', '', '12abc', undefined]) expect(parseCounter(bad)).toBeUndefined();
  });
});

describe('parseCounterFile', () => {
  it('reads a single-value file with its surrounding white space, as parseCounter of the trimmed text', () => {
    for (const text of ['42\n', ' 42 \r\n', '0', '9007199254740991\n', '9007199254740992\n', 'max\n', '\n', '', '4 2\n', '-1\n']) {
      expect(parseCounterFile(text)).toBe(parseCounter(text.trim()));
    }
    expect(parseCounterFile('\t123456\n')).toBe(123456);
  });
});

describe('parseKeyValues', () => {
  it('reads cgroup stat files and converts meminfo kB to bytes', () => {
    expect(parseKeyValues('user 12\nsystem 3\n').value).toEqual(new Map([['user', 12], ['system', 3]]));
    expect(parseKeyValues('MemTotal:        7934936 kB\nHugePages_Total:       0\n').value.get('MemTotal')).toBe(7934936 * 1024);
  });
  it('omits and counts non-numeric, truncated and oversized values', () => {
    const parsed = parseKeyValues('anon 100\nfile abc\nfile_mapped\nhierarchical_memory_limit 9223372036854771712\npgfault 7');
    expect(parsed.value).toEqual(new Map([['anon', 100], ['pgfault', 7]]));
    expect(parsed.unreadable).toBe(3);
  });
  it('reads the value whatever spaces surround it, and kB only as the token after it', () => {
    const parsed = parseKeyValues('a\t 5 \r\nb 6 kB\nc 7 kBx\nd 8 kB extra\ne 9\tkB\n');
    expect(parsed).toEqual({ value: new Map([['a', 5], ['b', 6144], ['c', 7], ['d', 8192], ['e', 9216]]), unreadable: 0 });
  });
  it('parses and counts only the wanted keys when given a key set', () => {
    const parsed = parseKeyValues('anon 100\nhierarchical_memory_limit 9223372036854771712\nfile x', new Set(['anon']));
    expect(parsed).toEqual({ value: new Map([['anon', 100]]), unreadable: 0 });
  });
});

describe('procfs parsers', () => {
  it('counts logical CPUs from processor lines of /proc/cpuinfo', () => {
    expect(parseCpuinfo('processor\t: 0\nmodel name\t: x\n\nprocessor\t: 1\nmodel name\t: x\n')).toBe(2);
    expect(parseCpuinfo('garbage')).toBe(0);
  });

  it('reads /proc/uptime as monotonic milliseconds and rejects garbage', () => {
    expect(parseUptime('356712.45 1402233.10\n')).toBe(356712450);
    expect(parseUptime('12 3')).toBe(12000);
    expect(parseUptime('')).toBeUndefined();
    expect(parseUptime('abc 1')).toBeUndefined();
  });

  it('converts the aggregate cpu line of /proc/stat from USER_HZ ticks to nanoseconds', () => {
    const parsed = parseProcStat('cpu  100 5 40 9000 20 3 2 1 0 0\ncpu0 50 0 20 4500 10 0 1 0 0 0\n');
    expect(parsed).toEqual({ value: { cpuUserNs: 1.05e9, cpuSystemNs: 0.45e9, cpuUsageNs: 1.51e9 }, unreadable: 0 });
  });

  it('rejects a truncated /proc/stat cpu line as unreadable', () => {
    expect(parseProcStat('cpu  100 5\n')).toEqual({ value: {}, unreadable: 1 });
  });

  it('reads whole disks of /proc/diskstats in bytes and skips loop, ram, zram and partitions', () => {
    const parsed = parseDiskstats([
      '   7 0 loop0 9 0 9 0 9 0 9 0 0 0 0',
      ' 253 0 zram0 9 0 9 0 9 0 9 0 0 0 0',
      ' 259 0 nvme0n1 10 0 8 0 20 0 16 0 0 0 0 0 0 0 0 0 0',
      ' 259 1 nvme0n1p1 10 0 8 0 20 0 16 0 0 0 0',
      ' 202 0 xvda 1 0 2 0 3 0 4 0 0 0 0',
      ' 202 1 xvda1 1 0 2 0 3 0 4 0 0 0 0',
    ].join('\n'));
    expect(parsed.value).toEqual([
      { device: 'nvme0n1', readOps: 10, readBytes: 4096, writeOps: 20, writeBytes: 8192 },
      { device: 'xvda', readOps: 1, readBytes: 1024, writeOps: 3, writeBytes: 2048 },
    ]);
  });

  it('omits and counts a truncated or non-numeric diskstats line', () => {
    const parsed = parseDiskstats(' 259 0 nvme0n1 10 0 8\n 259 3 nvme1n1 x 0 8 0 1 0 1 0\n 259 4 nvme2n1 1 0 1 0 1 0 1 0');
    expect(parsed.value.map((d) => d.device)).toEqual(['nvme2n1']);
    expect(parsed.unreadable).toBe(2);
  });

  it('reads /proc/net/dev and skips lo, veth, docker and nerdctl interfaces as cAdvisor does', () => {
    const parsed = parseNetDev(`${NET_HEADER}    lo: 1 2 0 0 0 0 0 0 1 2 0 0 0 0 0 0\n  eth0: 100 10 1 2 0 0 0 0 50 5 3 4 0 0 0 0\nveth12ab: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\ndocker0: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\nnerdctl0: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\neni0a1b: 7 1 0 0 0 0 0 0 8 1 0 0 0 0 0 0\n`);
    expect(parsed.value).toEqual([
      { name: 'eth0', counters: { rxBytes: 100, rxPackets: 10, rxErrors: 1, rxDropped: 2, txBytes: 50, txPackets: 5, txErrors: 3, txDropped: 4 } },
      { name: 'eni0a1b', counters: { rxBytes: 7, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: 8, txPackets: 1, txErrors: 0, txDropped: 0 } },
    ]);
  });

  it('omits and counts unreadable net/dev counters of a truncated line', () => {
    const parsed = parseNetDev(`${NET_HEADER}  eth0: 100 10 1 2`);
    expect(parsed.value).toEqual([{ name: 'eth0', counters: { rxBytes: 100, rxPackets: 10, rxErrors: 1, rxDropped: 2 } }]);
    expect(parsed.unreadable).toBe(4);
  });

  it('keeps node filesystems of /proc/mounts: allow-listed devices, no per-pod mounts, first mount per device, escapes decoded', () => {
    const mounts = parseMounts([
      'proc /proc proc rw 0 0',
      '/dev/nvme0n1p1 / xfs rw 0 0',
      'tmpfs /run tmpfs rw 0 0',
      'tmpfs /var/lib/kubelet/pods/x/volumes/secret tmpfs rw 0 0',
      '/dev/nvme0n1p1 /var/lib/kubelet/pods/x/volumes/empty xfs rw 0 0',
      'overlay /run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs overlay rw 0 0',
      'tmpfs /tmp tmpfs rw 0 0',
      '/dev/nvme1n1 /mnt/my\\040disk ext4 rw 0 0',
    ].join('\n'));
    expect(mounts).toEqual([
      { device: '/dev/nvme0n1p1', mountpoint: '/', fstype: 'xfs' },
      { device: 'tmpfs', mountpoint: '/run', fstype: 'tmpfs' },
      { device: '/dev/nvme1n1', mountpoint: '/mnt/my disk', fstype: 'ext4' },
    ]);
  });

  it('reads cgroup v1 blkio files per major:minor and counts unreadable values', () => {
    const parsed = parseBlkio('259:0 Read 10\n259:0 Write 20\n259:0 Sync 5\n259:0 Async 25\n259:0 Discard 0\n259:0 Total 30\n259:3 Read x\nTotal 30\n');
    expect(parsed.value).toEqual(new Map([['259:0', { read: 10, write: 20, sync: 5, async: 25, total: 30 }]]));
    expect(parsed.unreadable).toBe(1);
  });
});

import type { NodeRecord } from '../../../core/record';
import { parseAgentConfig, type AgentConfig } from '../../../node-agent/agent-config';
import { collectNode, createCollectMemory } from '../../../node-agent/collect/collect-node';
import { createLogger } from '../../../node-agent/log';
import { runAgent } from '../../../node-agent/run-agent';
import { createMemoryHost } from './memory-host';

const UID = '11111111-2222-4333-8444-555555555555';
const ID = 'a'.repeat(64);
/** The container that replaced it after a restart: a restart gives a new container id. */
const RESTARTED = 'b'.repeat(64);
const POD = `sys/fs/cgroup/kubepods/pod${UID}`;
/** A cgroup v2 host with one pod (two with `second`); `withLayout` adds the kubelet's log layout (api restarted `restarts` times). */
function host(uptimeSeconds: number, withLayout: boolean, restarts = 0, second = false) {
  const id = restarts > 0 ? RESTARTED : ID;
  const files: Record<string, string> = {
    ...(second ? { [`sys/fs/cgroup/kubepods/pod${UID.replace('1111', '9999')}/memory.current`]: '1024\n' } : {}),
    'proc/uptime': `${uptimeSeconds}.00 1.00\n`,
    'proc/cpuinfo': 'processor\t: 0\n',
    'proc/meminfo': 'MemTotal: 1024 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n',
    'sys/fs/cgroup/cgroup.controllers': 'cpu memory\n',
    [`${POD}/memory.current`]: '4096\n',
    [`${POD}/${id}/memory.current`]: '2048\n',
  };
  if (withLayout) for (let n = 0; n <= restarts; n += 1) files[`var/log/pods/shop_api-0_${UID}/api/${n}.log`] = '';
  return createMemoryHost(files, withLayout ? { [`var/log/containers/api-0_shop_api-${id}.log`]: `/var/log/pods/shop_api-0_${UID}/api/${restarts}.log` } : {});
}

describe('--pod-logs-dir', () => {
  const env = { KINSIGHT_CLUSTER_NAME: 'c', KINSIGHT_NODE_NAME: 'n' };

  it('takes the kubelet podLogsDir from the flag or KINSIGHT_POD_LOGS_DIR, else /var/log/pods', () => {
    expect(parseAgentConfig(['--dry-run', '--pod-logs-dir', '/data/kubelet/pods'], env).podLogsDir).toBe('/data/kubelet/pods');
    expect(parseAgentConfig(['--dry-run'], { ...env, KINSIGHT_POD_LOGS_DIR: '/srv/pods' }).podLogsDir).toBe('/srv/pods');
    expect(parseAgentConfig(['--dry-run'], env).podLogsDir).toBe('/var/log/pods');
  });

  it('rejects a relative path, the root and a path that climbs with ..', () => {
    expect(() => parseAgentConfig(['--dry-run', '--pod-logs-dir', 'var/log/pods'], env)).toThrow(/pod logs directory "var\/log\/pods" is not an absolute path of the host/);
    expect(() => parseAgentConfig(['--dry-run', '--pod-logs-dir', '/'], env)).toThrow(/is not an absolute path of the host/);
    expect(() => parseAgentConfig(['--dry-run', '--pod-logs-dir', '/var/log/../../etc'], env)).toThrow(/climbs with "\.\."/);
  });
});

describe('runAgent on a node whose log layout comes and goes', () => {
  it('counts the failure in every record, warns once per outage, and names the pods again when the layout is back', async () => {
    // Cycles 1-3 without the layout, 4-5 with it (api restarted once between 4 and 5), 6-7 without
    // again: the known pod keeps its name (nothing to read for it), the pod new in 7 finds no layout.
    const layoutAt = [false, false, false, true, true, false, false];
    const controller = new AbortController();
    const memory = createCollectMemory();
    let cycle = 0;
    const printed: NodeRecord[] = [];
    const logs: { level: string; message: string; problem?: string }[] = [];
    const config: AgentConfig = { hostRoot: '/', cluster: 'c', node: 'n', dryRun: true, once: false, intervalMs: 60_000, bufferRecords: 60, shutdownMs: 1000 };
    await runAgent(config, {
      collect: (nowMs) => collectNode(host(100 + cycle * 60, layoutAt[cycle], cycle >= 4 ? 1 : 0, cycle === 6), nowMs, memory),
      print: (r) => printed.push(r),
      log: createLogger((line) => void logs.push(JSON.parse(line) as { level: string; message: string }), () => 0),
      now: () => 1_700_000_000_000 + cycle * 60_000,
      monotonic: () => cycle * 60_000,
      sleep: async () => {
        cycle += 1;
        if (cycle === layoutAt.length) controller.abort();
      },
      rssBytes: () => 1,
      stopSignal: controller.signal,
    });
    // Two directories missing at first (pods and container links); in 7 only the pod directory is looked for.
    expect(printed.map((r) => r.agent?.podLogErrors)).toEqual([2, 2, 2, 0, 0, 0, 1]);
    const api = printed.map((r) => r.pods.find((p) => p.uid === UID));
    expect(api.map((p) => p?.name)).toEqual([undefined, undefined, undefined, 'api-0', 'api-0', 'api-0', 'api-0']);
    expect(api.map((p) => p?.restartsDelta)).toEqual([undefined, undefined, undefined, undefined, 1, 0, 0]);
    expect(api[4]?.containers[0]).toMatchObject({ id: RESTARTED, name: 'api', restartsDelta: 1 });
    expect(printed[6].pods.filter((p) => p.name === undefined)).toHaveLength(1);
    expect(logs.filter((l) => l.message === 'pods sent without node-local identity')).toEqual([
      expect.objectContaining({ level: 'warn', problem: '/var/log/pods: ENOENT' }),
      expect.objectContaining({ level: 'warn', problem: '/var/log/pods: ENOENT' }),
    ]);
  });
});

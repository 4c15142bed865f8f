import Ajv2020 from 'ajv/dist/2020';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_METADATA_VERSION, type NodeMetadata, type PodMetadata } from '../../../core/node-metadata';
import type { NodeRecord } from '../../../core/record';
import { parseRecordJson, toRecordJson } from '../../../core/record/record-data';
import schema from '../../../core/record/record.schema.json';
import type { CliIo } from '../../../cli/io';
import { runCli } from '../../../cli/run-cli';
import { collectNode, createCollectMemory } from '../../../node-agent/collect/collect-node';
import { createHostReader } from '../../../node-agent/collect/host-reader';
import { createLogger } from '../../../node-agent/log';
import { runAgent } from '../../../node-agent/run-agent';
import { createClusterModel, toPodsOnHost } from '../../../sim/cluster/cluster-model';
import { createHostTree } from '../../../sim/node/host-tree';
import { expectValidEmf } from '../../helpers/emf-validator';

const HOSTS = join(__dirname, '..', '..', 'fixtures', 'hosts');
const validate = new Ajv2020({ allErrors: true }).compile(schema);
const id = (c: string): string => c.repeat(64);
const POD_G = '6b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const POD_B = 'a1b2c3d4-e5f6-4789-9abc-def012345678';
const POD_BE = '0f1e2d3c-4b5a-4697-8877-665544332211';
const POD_J = 'c0ffee00-1234-4abc-9def-0123456789ab';

function captureIo(): CliIo & { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return { env: {}, stdout: (t) => out.push(t), stderr: (t) => err.push(t), stopSignal: new AbortController().signal, out: () => out.join(''), err: () => err.join('') };
}

/** `kinsight agent --dry-run --once` on a host root: the document printed (as sent, before gzip) and what the agent logged. */
async function dryRun(hostRoot: string, extra: string[] = []): Promise<{ document: Record<string, unknown>; record: NodeRecord; json: string; logs: { message: string; problem?: string }[] }> {
  const io = captureIo();
  await expect(runCli(['agent', '--host-root', hostRoot, '--cluster', 'c', '--node', 'n', '--dry-run', '--once', ...extra], io)).resolves.toBe(0);
  const json = io.out();
  const document = JSON.parse(json) as Record<string, unknown>;
  expect(validate(document) ? [] : validate.errors).toEqual([]);
  const parsed = parseRecordJson(json);
  if (!parsed.ok) throw new Error(parsed.error);
  const logs = io.err().trim().split('\n').map((l) => JSON.parse(l) as { message: string; problem?: string });
  return { document, record: parsed.value, json, logs };
}

describe('kinsight agent --dry-run on the fixture hosts: the node-local identity in the record', () => {
  it.each([
    ['al2023-v2-containerd-systemd', [['payments', 'api-0'], ['default', 'web-6d8f7b9c4-x2x9k'], ['kube-system', 'aws-node-7xw2d'], ['batch', 'report-28911520-7xk2p']]],
    ['v2-containerd-cgroupfs', [['payments', 'api-0'], ['default', 'web-6d8f7b9c4-x2x9k'], ['kube-system', 'aws-node-7xw2d'], ['batch', 'report-28911520-7xk2p']]],
    ['al2-v1-docker', [['payments', 'api-0'], ['default', 'web-6d8f7b9c4-x2x9k'], ['monitoring', 'node-exporter-7xw2d'], ['batch', 'report-28911520-7xk2p']]],
    ['hybrid-v1-containerd-systemd', [['kube-system', 'coredns-5d78c9869d-4kq2p'], ['kube-system', 'kube-proxy-7xw2d'], ['batch', 'report-28911520-7xk2p']]],
  ])('%s: writes schema 2.1 with pods.namespace, pods.name and containers.name, and no restart columns on a first record', async (host, names) => {
    const { document, record } = await dryRun(join(HOSTS, host));
    expect(document.schemaVersion).toBe('2.1');
    const pods = document.pods as Record<string, unknown[]>;
    expect(pods.namespace.map((ns, i) => [ns, pods.name[i]]).sort()).toEqual([...names].sort());
    expect(pods).not.toHaveProperty('restarts');
    expect(document.containers).not.toHaveProperty('restarts');
    expect((document.containers as { name: unknown[] }).name.every((n) => typeof n === 'string')).toBe(true);
    expect(record.agent).toMatchObject({ podLogErrors: 0, readErrors: 0 });
  });

  it('is read by kinsight replay, with node documents that know every pod but the Job that has just started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kinsight-identity-'));
    try {
      const { json, record } = await dryRun(join(HOSTS, 'al2023-v2-containerd-systemd'));
      // The agent names the Job's pod before any document does.
      expect(record.pods.find((p) => p.uid === POD_J)).toMatchObject({ namespace: 'batch', name: 'report-28911520-7xk2p', containers: [{ id: id('9'), name: 'report' }] });
      const pod = (uid: string, namespace: string, name: string, containers: [string, string][]): PodMetadata => ({
        uid, namespace, name, workloadName: name, owners: [], labels: {}, services: [], phase: 'Running', conditions: { ready: 'True', scheduled: 'True' },
        containers: containers.map(([c, runtimeId]) => ({ name: c, runtimeId, requests: {}, limits: {}, state: 'Running', restartCount: 0 })),
      });
      const metadata: NodeMetadata = {
        version: NODE_METADATA_VERSION, cluster: 'c', node: 'n', autoScalingGroup: 'asg', capacity: {}, allocatable: {}, conditions: {}, observedAtMs: record.timeMs,
        pods: [
          pod(POD_G, 'default', 'web-6d8f7b9c4-x2x9k', [['app', id('2')]]),
          pod(POD_B, 'payments', 'api-0', [['api', id('4')], ['envoy', id('5')]]),
          pod(POD_BE, 'kube-system', 'aws-node-7xw2d', [['aws-node', id('7')]]),
        ],
      };
      writeFileSync(join(dir, 'records.jsonl'), json);
      writeFileSync(join(dir, 'metadata.json'), JSON.stringify([metadata]));
      const io = captureIo();
      await expect(runCli(['replay', '--records', join(dir, 'records.jsonl'), '--metadata', join(dir, 'metadata.json')], io)).resolves.toBe(0);
      const events = io.out().trim().split('\n').map(expectValidEmf);
      const podEvents = events.filter((e) => e.Type === 'Pod');
      expect(podEvents.map((e) => `${String(e.Namespace)}/${String(e.PodName)}`)).toEqual(expect.arrayContaining(['default/web-6d8f7b9c4-x2x9k', 'payments/api-0', 'kube-system/aws-node-7xw2d']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('kinsight agent and the pod logs directory', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const treeWith = (podLogsDir: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'kinsight-podlogs-'));
    dirs.push(dir);
    const pods = toPodsOnHost(createClusterModel({ name: 'c', nodeCount: 1, podsPerNode: 6, allRunning: true }).nodeState(0).pods);
    return { tree: createHostTree(dir, { cgroupVersion: 2, driver: 'systemd', runtime: 'containerd', cores: 2, memTotalBytes: 2 ** 33, pods, podLogsDir }), pods };
  };

  it('reads the kubelet\'s podLogsDir where --pod-logs-dir says it is', async () => {
    const { tree, pods } = treeWith('/data/kubelet/pods');
    const { record } = await dryRun(tree.root, ['--pod-logs-dir', '/data/kubelet/pods']);
    expect(record.pods.map((p) => `${p.namespace}/${p.name}`).sort()).toEqual(pods.map((p) => `${p.namespace}/${p.name}`).sort());
    expect(record.agent?.podLogErrors).toBe(0);
  });

  it('keeps sending records without identity, counted, with one warning, where the directory is not', async () => {
    const { tree } = treeWith('/data/kubelet/pods');
    const { record, logs } = await dryRun(tree.root);
    expect(record.pods.length).toBeGreaterThan(0);
    expect(record.pods.filter((p) => p.namespace !== undefined || p.name !== undefined)).toEqual([]);
    // The links of /var/log/containers are there: containers keep their names.
    expect(record.pods.flatMap((p) => p.containers).every((c) => typeof c.name === 'string')).toBe(true);
    expect(record.agent?.podLogErrors).toBe(1);
    expect(logs.filter((l) => l.message === 'pods sent without node-local identity')).toEqual([expect.objectContaining({ problem: '/var/log/pods: ENOENT' })]);
  });
});

describe('the agent loop over a host whose container restarts', () => {
  it('sends the restart once: no increase on the first record, 1 on the pod and the new container on the next, 0 after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kinsight-restart-'));
    try {
      const pods = toPodsOnHost(createClusterModel({ name: 'c', nodeCount: 1, podsPerNode: 8, allRunning: true }).nodeState(0).pods);
      const tree = createHostTree(dir, { cgroupVersion: 2, driver: 'systemd', runtime: 'containerd', cores: 2, memTotalBytes: 2 ** 33, pods });
      const target = pods[2];
      const host = createHostReader(dir);
      const memory = createCollectMemory();
      const controller = new AbortController();
      const lines: string[] = [];
      let clock = 0;
      let cycle = 0;
      let newId = '';
      const result = await runAgent(
        { hostRoot: dir, cluster: 'c', node: 'n', dryRun: true, once: false, intervalMs: 60_000, bufferRecords: 60, shutdownMs: 1000 },
        {
          collect: (nowMs) => collectNode(host, nowMs, memory),
          // What `kinsight agent --dry-run` prints: the document as sent.
          print: (r) => lines.push(toRecordJson(r)),
          log: createLogger(() => undefined),
          now: () => 1_700_000_000_000 + clock,
          monotonic: () => clock,
          rssBytes: () => 1,
          stopSignal: controller.signal,
          sleep: async (ms) => {
            clock += ms;
            cycle += 1;
            tree.advance(ms / 1000);
            if (cycle === 1) newId = tree.restartContainer(target.uid, target.containers[0].name);
            if (cycle === 3) controller.abort();
          },
        },
      );
      expect(result).toEqual({ cycles: 3, failedCycles: 0, unsent: 0 });
      const records = lines.map((l) => {
        const parsed = parseRecordJson(l);
        if (!parsed.ok) throw new Error(parsed.error);
        return parsed.value;
      });
      const of = (r: NodeRecord) => r.pods.find((p) => p.uid === target.uid);
      expect(records.map((r) => of(r)?.restartsDelta)).toEqual([undefined, 1, 0]);
      expect(of(records[1])?.containers.find((c) => c.name === target.containers[0].name)).toMatchObject({ id: newId, restartsDelta: 1 });
      expect(records.map((r) => r.pods.filter((p) => p.uid !== target.uid).reduce((n, p) => n + (p.restartsDelta ?? 0), 0))).toEqual([0, 0, 0]);
      expect(JSON.parse(lines[1]).pods.restarts).toEqual(records[1].pods.map((p) => (p.uid === target.uid ? 1 : 0)));
      expect(JSON.parse(lines[0]).pods).not.toHaveProperty('restarts');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

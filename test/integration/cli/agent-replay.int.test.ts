import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../cli/run-cli';
import type { CliIo } from '../../../cli/io';
import { expectValidEmf } from '../../helpers/emf-validator';

const FIXTURE = join(__dirname, '..', '..', 'fixtures', 'hosts', 'al2023-v2-containerd-systemd');

function captureIo(): CliIo & { out: () => string } {
  const chunks: string[] = [];
  return { env: {}, stdout: (t) => chunks.push(t), stderr: () => undefined, stopSignal: new AbortController().signal, out: () => chunks.join('') };
}

describe('kinsight agent --dry-run into kinsight replay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kinsight-chain-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('feeds the records the agent prints, line by line, to the enricher offline', async () => {
    const agentIo = captureIo();
    await expect(runCli(['agent', '--host-root', FIXTURE, '--cluster', 'c', '--node', 'n', '--dry-run', '--once'], agentIo)).resolves.toBe(0);
    const lines = agentIo.out().trim().split('\n');
    expect(lines).toHaveLength(1);
    writeFileSync(join(dir, 'records.jsonl'), agentIo.out());
    writeFileSync(join(dir, 'metadata.json'), '[]');

    const replayIo = captureIo();
    await expect(runCli(['replay', '--records', join(dir, 'records.jsonl'), '--metadata', join(dir, 'metadata.json')], replayIo)).resolves.toBe(0);
    const events = replayIo.out().trim().split('\n').map(expectValidEmf);
    const node = events.find((e) => e.Type === 'Node');
    expect(node).toMatchObject({ ClusterName: 'c', NodeName: 'n' });
    // The first record after a start carries gauges only: memory, no CPU rate.
    expect(node).toHaveProperty('node_memory_utilization');
    expect(node).not.toHaveProperty('node_cpu_usage_total');
  });
});

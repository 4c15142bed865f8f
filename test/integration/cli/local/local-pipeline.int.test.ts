import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { startLocalPipeline, type LocalPipelineDeps } from '../../../../cli/local/local-pipeline';
import { startCloudWatchLogsServer } from '../../../../sim/aws/cloudwatch-logs-server';

// The pipeline's orchestration with plain-object parts: what happens to failures, not the parts themselves.
describe('local pipeline orchestration', () => {
  let outDir: string;
  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'kinsight-orchestration-'));
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('goes on after a failing cycle, and hands batches the enricher keeps failing to the on-failure destination', async () => {
    const polls: number[] = [];
    const invocations: number[] = [];
    const deps: LocalPipelineDeps = {
      createAgent: (options) => ({
        runOnce: async (nowMs) => {
          await options.kinesis.send(new PutRecordsCommand({ StreamName: options.streamName, Records: [{ Data: Buffer.from(String(nowMs)), PartitionKey: options.node }] }));
          return 1;
        },
      }),
      createPoller: () => ({
        runOnce: async (nowMs) => {
          polls.push(nowMs);
          if (polls.length === 2) throw new Error('API server unreachable (test)');
        },
      }),
      createEnricher: () => async (event) => {
        invocations.push(event.Records.length);
        throw new Error('enricher down (test)');
      },
      startLogsServer: (dir) => startCloudWatchLogsServer({ persistDir: dir, retainEvents: false }),
    };
    const lines: string[] = [];
    let clock = Date.UTC(2026, 10, 24, 12, 0, 0);
    const pipeline = await startLocalPipeline(
      {
        nodes: 1,
        podsPerNode: 2,
        localNode: false,
        dashboard: false,
        cycles: 3,
        intervalMs: 60_000,
        maxBatchingWindowMs: 0,
        outDir,
        now: () => clock,
        // Time is injected: the wait between cycles moves the clock instead of sleeping.
        sleep: async (ms) => {
          clock += ms;
        },
        onProgress: (line) => lines.push(line),
      },
      deps,
    );
    const reports = await pipeline.done;
    expect(reports.map((r) => r.cycle)).toEqual([0, 2]);
    expect(lines.some((l) => /cycle 2 failed, going on: .*API server unreachable \(test\)/s.test(l))).toBe(true);
    expect(lines.filter((l) => /records of shardId-\d+ sent to the on-failure destination after 4 attempts/.test(l)).length).toBeGreaterThanOrEqual(1);
    expect(polls).toHaveLength(3);
    expect(polls[1] - polls[0]).toBe(60_000);
    expect(invocations.length).toBeGreaterThanOrEqual(4);
    expect(pipeline.status()).toMatchObject({ cycles: 3, nodes: 1, pods: 2, recordsIn: 2 });
  });

  it('stops at the --duration bound, counted on the injected clock', async () => {
    let clock = Date.UTC(2026, 10, 24, 13, 0, 0);
    const polls: number[] = [];
    const pipeline = await startLocalPipeline(
      {
        nodes: 1,
        podsPerNode: 1,
        localNode: false,
        dashboard: false,
        intervalMs: 60_000,
        durationMs: 150_000,
        outDir,
        now: () => clock,
        sleep: async (ms) => {
          clock += ms;
        },
      },
      {
        createAgent: () => ({ runOnce: async () => 0 }),
        createPoller: () => ({ runOnce: async (nowMs) => void polls.push(nowMs) }),
        createEnricher: () => async () => ({ batchItemFailures: [] }),
        startLogsServer: (dir) => startCloudWatchLogsServer({ persistDir: dir, retainEvents: false }),
      },
    );
    const reports = await pipeline.done;
    expect(reports).toHaveLength(3);
    expect(polls.map((t) => t - polls[0])).toEqual([0, 60_000, 120_000]);
  });
});

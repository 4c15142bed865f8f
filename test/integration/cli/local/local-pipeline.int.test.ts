import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createLocalPipelineDeps } from '../../../../cli/local/local-deps';
import { startLocalPipeline, type CycleReport, type LocalPipeline, type LocalPipelineDeps } from '../../../../cli/local/local-pipeline';
import { DEFAULT_MAX_RECORD_BYTES, parseRecordData, readRecordEnvelope, signRecordData, toPartitionKey, toRecordData } from '../../../../core/record/record-data';
import { startCloudWatchLogsServer } from '../../../../sim/aws/cloudwatch-logs-server';
import { toLocalClientConfig } from '../../../../sim/aws/local-aws';

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

/** Every record in the stream now, oldest first per shard: its partition key and data. */
async function readStream(kinesis: KinesisClient, streamName: string): Promise<Array<{ partitionKey: string; data: Uint8Array }>> {
  const out: Array<{ partitionKey: string; data: Uint8Array }> = [];
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  for (const shard of Shards) {
    const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    const { Records = [] } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    for (const r of Records) out.push({ partitionKey: r.PartitionKey!, data: r.Data! });
  }
  return out;
}

/** The `NodeName` of every EMF event under `dir`, by log stream file. */
function nodeNamesWritten(dir: string): Array<{ file: string; node: unknown }> {
  const out: Array<{ file: string; node: unknown }> = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.jsonl')) {
        for (const line of readFileSync(path, 'utf8').split('\n')) if (line.trim()) out.push({ file: entry.name, node: (JSON.parse(line) as { NodeName?: unknown }).NodeName });
      }
    }
  };
  walk(dir);
  return out;
}

// The trust path of production, run by the real parts: the agents sign with the cluster's key from the
// local Secrets Manager, the enricher requires signatures and verifies them with the keys it reads there.
describe('local pipeline: signed records', () => {
  const FORGED_NODE = 'forged-node';
  let outDir: string;
  let pipeline: LocalPipeline;
  let reports: CycleReport[];
  const lines: string[] = [];
  /** The stream as it was before the last cycle: every agent record of the first two, and the forged ones. */
  let inStream: Array<{ partitionKey: string; data: Uint8Array }> = [];
  /** Why the records could not be forged (a throw from `sleep` would stop the pipeline without its cleanup). */
  let forgeFailure: string | undefined;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'kinsight-signed-'));
    let clock = Date.now();
    let sleeps = 0;
    let kinesis: KinesisClient | undefined;
    pipeline = await startLocalPipeline(
      {
        nodes: 1,
        podsPerNode: 3,
        localNode: false,
        dashboard: false,
        cycles: 3,
        intervalMs: 60_000,
        maxBatchingWindowMs: 0,
        outDir,
        now: () => clock,
        // Between the cycles, on the injected clock: after the first, a record of the cluster is forged
        // twice (unsigned, and signed with a key that is not the cluster's) and put into the stream.
        sleep: async (ms) => {
          clock += ms;
          sleeps += 1;
          kinesis ??= new KinesisClient({ ...toLocalClientConfig(pipeline.endpoints.kinesis), requestHandler: new NodeHttpHandler() });
          inStream = await readStream(kinesis, pipeline.endpoints.streamName);
          if (sleeps !== 1) return;
          const envelope = readRecordEnvelope(inStream[0]?.data ?? new Uint8Array());
          if (!envelope.ok || !envelope.value.signed) return void (forgeFailure = envelope.ok ? "the agent's first record is not signed" : envelope.error);
          const record = parseRecordData(envelope.value.payload, DEFAULT_MAX_RECORD_BYTES);
          if (!record.ok) return void (forgeFailure = record.error);
          const data = toRecordData({ ...record.value, node: FORGED_NODE });
          const otherKey = { id: envelope.value.keyId, secret: Buffer.from('k'.repeat(64)) };
          await kinesis.send(
            new PutRecordsCommand({
              StreamName: pipeline.endpoints.streamName,
              Records: [
                { Data: data, PartitionKey: toPartitionKey(pipeline.cluster, FORGED_NODE) },
                { Data: signRecordData(pipeline.cluster, data, otherKey), PartitionKey: toPartitionKey(pipeline.cluster, FORGED_NODE) },
              ],
            }),
          );
        },
        onProgress: (line) => lines.push(line),
      },
      createLocalPipelineDeps(),
    );
    reports = await pipeline.done;
    kinesis?.destroy();
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("signs each agent record with the cluster's key from the local Secrets Manager, and the enricher verifies and writes it", () => {
    expect(forgeFailure).toBeUndefined();
    expect(reports.map((r) => r.cycle)).toEqual([0, 1, 2]);
    const agentRecords = inStream.filter((r) => r.partitionKey !== toPartitionKey(pipeline.cluster, FORGED_NODE));
    expect(agentRecords).toHaveLength(2);
    const envelopes = agentRecords.map((r) => readRecordEnvelope(r.data));
    for (const e of envelopes) expect(e).toMatchObject({ ok: true, value: { signed: true, cluster: pipeline.cluster } });
    // One key (the secret's AWSCURRENT version) signs them all.
    expect(new Set(envelopes.map((e) => (e.ok && e.value.signed ? e.value.keyId : undefined))).size).toBe(1);
    for (const r of reports) {
      expect(r.recordsIn).toBe(1);
      expect(r.eventsOut).toBeGreaterThan(0);
      // The lag is read from inside the envelope.
      expect(r.lagMs).toBeDefined();
    }
    expect([reports[0], reports[2]].map((r) => [r.poisonRecords, r.unverifiedRecords])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(lines.filter((l) => /signing key|agent key|not available|cycle \d+ failed/.test(l))).toEqual([]);
  });

  it('rejects records of the cluster that are unsigned or signed with another key: counted unverified, not written', () => {
    expect(inStream.filter((r) => r.partitionKey === toPartitionKey(pipeline.cluster, FORGED_NODE))).toHaveLength(2);
    expect(reports[1]).toMatchObject({ recordsIn: 1, poisonRecords: 2, unverifiedRecords: 2 });
    expect(reports[1].eventsOut).toBeGreaterThan(0);
    const poison = lines.filter((l) => l.startsWith('enricher error: poison record acknowledged'));
    expect(poison).toHaveLength(2);
    expect(poison.some((l) => l.includes('record is not signed'))).toBe(true);
    expect(poison.some((l) => l.includes('record signature does not verify with key'))).toBe(true);
    expect(lines.some((l) => /cycle 2: 1 records in, \d+ events out, 2 poison \(2 unverified\), lag/.test(l))).toBe(true);
    const written = nodeNamesWritten(outDir);
    expect(written.length).toBeGreaterThan(0);
    expect(written.filter((e) => e.node === FORGED_NODE || e.file === `${FORGED_NODE}.jsonl`)).toEqual([]);
  });
});

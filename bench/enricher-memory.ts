import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { KinesisStreamEvent } from 'aws-lambda';
import { PROFILES } from '../core/metrics/profiles';
import type { NodeMetadata } from '../core/node-metadata';
import { toRecordData } from '../core/record/record-data';
import { LAMBDA_MAX_PAYLOAD_BYTES } from '../core/limits';
import type { LogStreamBatch, LogWriter } from '../lambdas/common/log-writer';
import { createHandler } from '../lambdas/enricher/create-handler';
import { createClusterState } from '../sim/cluster/cluster-state';
import { toSimNodeMetadata } from '../sim/node/sim-node-metadata';
import { toSimNodeRecord } from '../sim/node/sim-node-record';

/**
 * `npm run bench:enricher-memory`: the enricher's live heap while it writes one batch of the size the
 * CDK app gives its event source (read from cdk/lib/constructs/enricher.ts through tsx), or as many
 * records as fit in Lambda's 6 MB payload when fewer do, of nodes of the simulated cluster with 30,
 * 250 and 737 pods each (737: the most pods the largest EC2 instance allows): the handler as deployed
 * (events built and written chunk by chunk), its floor (the same handler writing record by record:
 * the least a writer of whole records holds) and the same handler holding the whole batch's events
 * at once (one chunk: what the enricher did before). The live heap is measured after a full GC at
 * every write, when a chunk's events are all held; the figure is its largest value less the heap
 * before the invocation. Each measurement runs in a process of its own: in one process, what a
 * finished invocation still held through its pending timers and promises sat in the next one's
 * baseline (a floor read +0.4 MiB after the chunked run, +32.6 MiB alone). Prints figures; asserts
 * nothing.
 *
 * Env: KINSIGHT_BENCH_BATCH_SIZE (instead of the CDK app's), KINSIGHT_BENCH_PODS (default "30,250,737").
 */

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function toBatchSize(): number {
  if (process.env.KINSIGHT_BENCH_BATCH_SIZE) return Number(process.env.KINSIGHT_BENCH_BATCH_SIZE);
  const root = join(__dirname, '..', '..');
  const out = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'test', 'helpers', 'enricher-event-source.ts')], { cwd: root, encoding: 'utf8' });
  return (JSON.parse(out) as { batchSize: number }).batchSize;
}

function toEvent(pods: number, batchSize: number, nowMs: number): { event: KinesisStreamEvent; documents: Map<string, NodeMetadata> } {
  const cluster = createClusterState({ name: 'bench', nodeCount: batchSize, podsPerNode: pods, containersPerNode: 2 * pods }, nowMs);
  const documents = new Map<string, NodeMetadata>();
  const Records = cluster.nodes.map((node, i) => {
    documents.set(`bench#${node.name}`, toSimNodeMetadata('bench', node, nowMs));
    return {
      kinesis: { data: Buffer.from(toRecordData(toSimNodeRecord('bench', node, nowMs, 60_000))).toString('base64'), sequenceNumber: String(1_000 + i), partitionKey: `bench/${node.name}`, kinesisSchemaVersion: '1.0', approximateArrivalTimestamp: nowMs / 1000 },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${1_000 + i}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn',
    };
  });
  return { event: { Records }, documents };
}

async function measure(event: KinesisStreamEvent, documents: Map<string, NodeMetadata>, chunkEvents: number | undefined): Promise<{ peakMiB: number; writes: number; events: number; emfMiB: number }> {
  let peak = 0;
  let writes = 0;
  let events = 0;
  let bytes = 0;
  const writer: LogWriter = {
    write: async () => Promise.reject(new Error('unused')),
    writeMany: async (work: readonly LogStreamBatch[]) => {
      // Every message consumed as the real writer consumes it, then the live heap with all of the chunk's events held.
      for (const w of work) for (const e of w.events) bytes += Buffer.byteLength(e.message, 'utf8');
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      writes += 1;
      events += work.reduce((n, w) => n + w.events.length, 0);
      return work.map((w) => ({ ok: true as const, result: { written: w.events.length, droppedTooOld: 0, droppedTooNew: 0, droppedTooLarge: 0, rejected: 0, calls: 1, retries: 0, created: 0 } }));
    },
  };
  const handler = createHandler({
    profile: PROFILES.classic,
    writer,
    metadata: { get: async (keys) => new Map(keys.map((k) => [k, documents.get(k)])) },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    requireSignature: false,
    chunkEvents,
  });
  gc();
  const before = process.memoryUsage().heapUsed;
  const response = await handler(event);
  if (response.batchItemFailures.length > 0) throw new Error('the benchmark batch failed');
  return { peakMiB: (peak - before) / 2 ** 20, writes, events, emfMiB: bytes / 2 ** 20 };
}

/** What one measurement process is asked: the pods per node, the records and the chunk size. */
interface MeasureRequest {
  readonly pods: number;
  readonly records: number;
  readonly batchSize: number;
  readonly nowMs: number;
  /** undefined: as deployed; 1: record by record; Infinity (null in JSON): the whole batch. */
  readonly chunkEvents: number | null | undefined;
}

type Measured = Awaited<ReturnType<typeof measure>>;

/** Runs one measurement in a new process (this script with the request as its argument). */
function measureApart(request: MeasureRequest): Measured {
  const out = execFileSync(process.execPath, [__filename, JSON.stringify(request)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out) as Measured;
}

/** In a measurement process: builds the batch and measures one invocation. */
async function measureHere(request: MeasureRequest): Promise<void> {
  const built = toEvent(request.pods, request.batchSize, request.nowMs);
  const event = { Records: built.event.Records.slice(0, request.records) };
  const chunkEvents = request.chunkEvents === null ? Number.POSITIVE_INFINITY : request.chunkEvents;
  process.stdout.write(JSON.stringify(await measure(event, built.documents, chunkEvents)));
}

async function main(): Promise<void> {
  const batchSize = toBatchSize();
  const podCounts = (process.env.KINSIGHT_BENCH_PODS ?? '30,250,737').split(',').map(Number);
  const nowMs = Date.now();
  console.log(`kinsight enricher memory: one batch of ${batchSize} node records (the CDK app's batch size), classic profile, node ${process.version}, each figure from a process of its own`);
  for (const pods of podCounts) {
    const built = toEvent(pods, batchSize, nowMs);
    const payload = built.event.Records.reduce((n, r) => n + r.kinesis.data.length, 0);
    // A real invocation carries at most 6 MB: the batch is cut to what fits.
    const fits = payload > LAMBDA_MAX_PAYLOAD_BYTES ? Math.floor((LAMBDA_MAX_PAYLOAD_BYTES / payload) * batchSize) : batchSize;
    const held = built.event.Records.slice(0, fits).reduce((n, r) => n + r.kinesis.data.length, 0);
    console.log(`  ${pods} pods / ${2 * pods} containers per node: ${fits} records${fits < batchSize ? " (as many as fit in Lambda's 6 MB payload)" : ''}, ${(held / 2 ** 20).toFixed(1)} MiB of base64`);
    const request = { pods, records: fits, batchSize, nowMs };
    const chunked = measureApart({ ...request, chunkEvents: undefined });
    const floor = measureApart({ ...request, chunkEvents: 1 });
    const whole = measureApart({ ...request, chunkEvents: null });
    console.log(`    chunked (as deployed)   peak live heap +${chunked.peakMiB.toFixed(1)} MiB   ${chunked.writes} writes, ${chunked.events} events, ${chunked.emfMiB.toFixed(1)} MiB of EMF`);
    console.log(`    floor: record by record peak live heap +${floor.peakMiB.toFixed(1)} MiB   ${floor.writes} writes   (chunked/floor ${(chunked.peakMiB / floor.peakMiB).toFixed(2)})`);
    console.log(`    whole batch at once     peak live heap +${whole.peakMiB.toFixed(1)} MiB   ${whole.writes} write    (whole/chunked ${(whole.peakMiB / chunked.peakMiB).toFixed(2)})`);
  }
}

const request = process.argv[2];
(request ? measureHere(JSON.parse(request) as MeasureRequest) : main()).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

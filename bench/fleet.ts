/**
 * Fleet benchmark: a simulated fleet's node records through kinesalite, the real enricher (driven
 * like Lambda's event source mapping) and the CloudWatch Logs file sink, in compressed time.
 *
 *   npm run bench:fleet -- --nodes 2000 --pods-per-node 30 [--minutes 2] [--speed 20] [--shards 4] [--batch-size 500] [--threads 2] [--profile classic|lean|enhanced]
 *
 * Its floor, measured first in the same run: the same fleet's records through kinesalite and the
 * same event source to a handler that only acknowledges them (no decoding, no enrichment, no
 * writing). What the enricher adds is the difference; the ratio of the two is the figure to compare
 * between machines.
 *
 * The enricher runs in `--threads` worker threads, shards spread over them: each has its own heap, as
 * each Lambda instance does (one heap for every shard's invocations would make the GC the bottleneck).
 * The emulators and the fleet generator run in a child process.
 *
 * Every simulated minute, each node sends one record (generated from the simulated workload, with
 * the agent's encoding); a minute of the fleet is put in 60/speed seconds, spread evenly. Prints
 * sustained node records per second, end-to-end lag (record time to events written) p50 and p99,
 * bytes per node-minute into Kinesis and into CloudWatch Logs, and the monthly cost per node.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { parseArgs } from 'node:util';
import { fork, type ChildProcess } from 'node:child_process';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { DYNAMODB_MAX_BATCH_WRITE_ITEMS, KINESIS_MAX_RECORDS_PER_PUT, LOGS_EVENT_OVERHEAD_BYTES } from '../core/limits';
import { toMetadataItem } from '../core/node-metadata-item';
import { toKinesisEntry } from '../node-agent/ship/encode-record';
import { startCloudWatchLogsServer } from '../sim/aws/cloudwatch-logs-server';
import { createKinesisEventSource } from '../sim/aws/kinesis-event-source';
import { createLocalMetadataTable, createLocalStream, startDynalite, startKinesalite, toLocalClientConfig } from '../sim/aws/local-aws';
import { createLocalEnricher } from '../cli/local/local-deps';
import { toSimNodeMetadata } from '../sim/node/sim-node-metadata';
import { toSimNodeRecord } from '../sim/node/sim-node-record';
import { advanceClusterState, createClusterState } from '../sim/cluster/cluster-state';
import { createMetricStore, type MetricStore } from '../cli/local/dashboard/metric-store';
import { toMetricSamples } from '../cli/local/dashboard/to-metric-samples';
import { toMonthlyCost } from '../core/cost-model';
import { PROFILES, isProfileName } from '../core/metrics/profiles';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '2000' },
    'pods-per-node': { type: 'string', default: '30' },
    minutes: { type: 'string', default: '2' },
    speed: { type: 'string', default: '20' },
    shards: { type: 'string', default: '4' },
    'batch-size': { type: 'string', default: '500' },
    threads: { type: 'string', default: '2' },
    profile: { type: 'string', default: 'classic' },
    /** Internal: run as the emulator process, persisting the sink under this folder. */
    serve: { type: 'string' },
  },
});
const NODES = Number(values.nodes);
const PODS = Number(values['pods-per-node']);
const MINUTES = Number(values.minutes);
const SPEED = Number(values.speed);
const SHARDS = Number(values.shards);
const BATCH = Number(values['batch-size']);
const THREADS = Number(values.threads);
if (!isProfileName(values.profile)) throw new Error(`--profile ${values.profile} is not a profile; expected classic, lean or enhanced`);
const PROFILE = PROFILES[values.profile];
for (const [name, v] of Object.entries({ nodes: NODES, 'pods-per-node': PODS, minutes: MINUTES, speed: SPEED, shards: SHARDS, 'batch-size': BATCH, threads: THREADS })) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} ${String(v)} is not a positive number`);
}

const CLUSTER = 'bench-fleet';
const STREAM = 'bench-records';
/** The floor's stream: the same records, read by a handler that only acknowledges them. */
const FLOOR_STREAM = 'bench-floor';
const TABLE = 'bench-metadata';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);

/** Reads the sink's files one at a time (the whole output would not fit in memory at 2,000 nodes): bytes, events, and what CloudWatch would make of them. */
function readSink(dir: string, store: MetricStore): { bytes: number; events: number } {
  let bytes = 0;
  let events = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const inner = readSink(p, store);
      bytes += inner.bytes;
      events += inner.events;
      continue;
    }
    bytes += statSync(p).size;
    for (const line of readFileSync(p, 'utf8').split('\n')) {
      if (line === '') continue;
      events += 1;
      store.add(toMetricSamples(JSON.parse(line)));
    }
  }
  return { bytes, events };
}

async function main(): Promise<void> {
  const outDir = mkdtempSync(join(tmpdir(), 'kinsight-bench-fleet-'));
  // The emulators run in a child process: in AWS they are other machines; here they get their own
  // process (own heap and GC, the other core), so the figures are the pipeline's, not the emulators'.
  const services = fork(__filename, [...process.argv.slice(2), '--serve', outDir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let endpoints: ServiceEndpoints;
  try {
    endpoints = await new Promise<ServiceEndpoints>((resolve, reject) => {
      services.once('message', (m) => resolve(m as ServiceEndpoints));
      services.once('error', reject);
      services.once('exit', (code) => reject(new Error(`the emulator process exited with code ${String(code)} before listening; see its error above`)));
    });
  } catch (error) {
    await stopServices(services);
    rmSync(outDir, { recursive: true, force: true });
    throw error;
  }
  const kinesis = new KinesisClient({ ...toLocalClientConfig(endpoints.kinesis), requestHandler: new NodeHttpHandler() });
  const dynamo = new DynamoDBClient(toLocalClientConfig(endpoints.dynamo));
  const logs = new CloudWatchLogsClient(toLocalClientConfig(endpoints.logs));
  try {
    const { metadataItemBytes } = endpoints;
    const lags: number[] = [];
    // Put times (from the generator) and enriched times (from the handler) of the records in flight, by
    // sequence number: whichever arrives second makes the lag (decoding each record again would skew the figures).
    const putTimes = new Map<string, number>();
    const doneTimes = new Map<string, number>();
    let handlerMs = 0;
    let events = 0;
    const problems: string[] = [];
    const enrichers = Array.from({ length: THREADS }, () => startEnricherThread(endpoints, (line) => problems.push(line)));
    const shardOf = (event: KinesisStreamEvent) => Number(/shardId-0*(\d+)/.exec(event.Records[0]?.eventID ?? '')?.[1] ?? 0);
    const enricher = (event: KinesisStreamEvent) => enrichers[shardOf(event) % enrichers.length].invoke(event);
    const source = createKinesisEventSource({
      client: kinesis,
      streamName: STREAM,
      batchSize: BATCH,
      maxBatchingWindowMs: 0,
      bisectBatchOnFunctionError: true,
      idlePollMs: 20,
      handler: async (event) => {
        const t0 = performance.now();
        const result = await enricher(event);
        handlerMs += performance.now() - t0;
        const done = Date.now();
        for (const r of event.Records) {
          const put = putTimes.get(r.kinesis.sequenceNumber);
          if (put === undefined) doneTimes.set(r.kinesis.sequenceNumber, done);
          else {
            putTimes.delete(r.kinesis.sequenceNumber);
            lags.push(done - put);
          }
        }
        return result;
      },
    });

    const total = NODES * MINUTES;
    const minuteMs = 60_000;
    console.log(
      `fleet: ${NODES} nodes x ${PODS} pods, ${MINUTES} simulated minute(s) at ${SPEED}x (a minute in ${(minuteMs / SPEED / 1000).toFixed(1)} s), ${SHARDS} shards, batch ${BATCH}, profile ${PROFILE.name}`,
    );
    console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} CPUs, node ${process.version}`);

    /** Puts the fleet's records into `stream` (in the emulator process) while `source` reads them; resolves once every record is handled. */
    const runPhase = async (stream: string, source: ReturnType<typeof createKinesisEventSource>, onPut: (samples: [string, number][]) => void) => {
      source.start((error) => problems.push(`event source: ${String(error)}`));
      const started = Date.now();
      const cpuStart = process.cpuUsage();
      const generated = await new Promise<GeneratorDone>((resolve, reject) => {
        const onMessage = (m: FromServices) => {
          if (m.type === 'puts') onPut(m.samples);
          else if (m.type === 'done') {
            services.off('message', onMessage);
            resolve(m);
          }
        };
        services.on('message', onMessage);
        services.once('exit', (code) => reject(new Error(`the emulator process exited with code ${String(code)} while generating; see its error above`)));
        services.send({ type: 'start', stream } satisfies ToServices);
      });
      problems.push(...generated.problems);
      const putDoneMs = Date.now() - started;
      while (source.stats.recordsSucceeded + source.stats.recordsFailed < total) await sleep(50);
      const elapsedMs = Date.now() - started;
      const cpu = process.cpuUsage(cpuStart);
      await source.stop();
      return { ...generated, putDoneMs, elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000, invocations: source.stats.invocations, failed: source.stats.recordsFailed };
    };
    const describeRate = (p: { records: number; putDoneMs: number; elapsedMs: number }) => {
      const backlogMs = p.elapsedMs - p.putDoneMs;
      return `${(p.records / (p.elapsedMs / 1000)).toFixed(0)} node records/s (offered ${(p.records / (p.putDoneMs / 1000)).toFixed(0)}/s; ${backlogMs < 2_000 ? 'kept up' : `saturated, backlog drained ${(backlogMs / 1000).toFixed(1)} s after the last put`})`;
    };

    // The floor: the same records through kinesalite and the event source, acknowledged unread.
    const floorSource = createKinesisEventSource({
      client: kinesis,
      streamName: FLOOR_STREAM,
      batchSize: BATCH,
      maxBatchingWindowMs: 0,
      idlePollMs: 20,
      handler: async () => ({ batchItemFailures: [] }),
    });
    const floor = await runPhase(FLOOR_STREAM, floorSource, () => undefined);

    const rssBefore = process.memoryUsage().rss;
    const measured = await runPhase(STREAM, source, (samples) => {
      for (const [sequenceNumber, timeMs] of samples) {
        const done = doneTimes.get(sequenceNumber);
        if (done === undefined) putTimes.set(sequenceNumber, timeMs);
        else {
          doneTimes.delete(sequenceNumber);
          lags.push(done - timeMs);
        }
      }
    });
    const { records, kinesisBytes, putDoneMs, elapsedMs } = measured;
    await Promise.all(enrichers.map((e) => e.stop()));
    const rssAfter = process.memoryUsage().rss;

    // What CloudWatch would make of the files: distinct metric + dimension values = custom metrics.
    const store = createMetricStore();
    const sink = readSink(outDir, store);
    const fileBytesTotal = sink.bytes;
    events = sink.events;
    // The files hold each message plus a newline; PutLogEvents counts 26 more bytes per event against its limits.
    const logsBytes = fileBytesTotal - events;
    const logsQuotaBytes = logsBytes + events * LOGS_EVENT_OVERHEAD_BYTES;
    const nodeMinutes = NODES * MINUTES;
    lags.sort((a, b) => a - b);
    console.log(`records: ${records} put in ${(putDoneMs / 1000).toFixed(1)} s, all enriched after ${(elapsedMs / 1000).toFixed(1)} s (${measured.invocations} invocations, ${measured.failed} failed)`);
    console.log(`sustained: enricher ${describeRate(measured)}`);
    console.log(`           floor    ${describeRate(floor)}  (kinesalite and the event source, records acknowledged unread)`);
    console.log(
      `bench process CPU per node record: enricher ${(measured.cpuMs / records).toFixed(2)} ms, floor ${(floor.cpuMs / floor.records).toFixed(2)} ms: ${(measured.cpuMs / records / (floor.cpuMs / floor.records)).toFixed(1)}x the floor` +
        ` (event source on the main thread, enricher on ${THREADS} thread(s); emulators and generator in a child process)`,
    );
    console.log(`end-to-end lag (record time -> events written): p50 ${percentile(lags, 50)} ms, p99 ${percentile(lags, 99)} ms, max ${lags.at(-1)} ms`);
    console.log(`events written: ${events} (${(events / records).toFixed(1)} per node record)`);
    console.log(`bytes per node-minute: Kinesis ${(kinesisBytes / nodeMinutes).toFixed(0)} B, CloudWatch Logs ${(logsBytes / nodeMinutes).toFixed(0)} B of messages (${(logsQuotaBytes / nodeMinutes).toFixed(0)} B with PutLogEvents' 26 B per event)`);
    console.log(`fleet per month (30 days): Kinesis ${((kinesisBytes / nodeMinutes) * 43_200 * NODES / 1024 ** 3).toFixed(1)} GiB, CloudWatch Logs ${((logsBytes / nodeMinutes) * 43_200 * NODES / 1024 ** 3).toFixed(1)} GiB`);
    // Priced as deployed (on-demand stream, the CDK app's batching), not as the bench's own settings.
    const cost = toMonthlyCost({
      nodes: NODES,
      intervalSeconds: 60,
      customMetrics: store.size(),
      logsBytes: logsBytes / MINUTES,
      recordBytes: kinesisBytes / MINUTES,
      averageRecordBytes: kinesisBytes / records,
      enrichMsPerRecord: handlerMs / records,
      metadataItemBytes,
    });
    console.log(`enricher handler wall time per record (its thread's queue included): ${(handlerMs / records).toFixed(2)} ms (waiting on the logs endpoint included); metadata document ${metadataItemBytes.toFixed(0)} B gzip`);
    console.log(`custom metrics (profile ${PROFILE.name}): ${store.size()} (${(store.size() / NODES).toFixed(1)} per node)`);
    const usd = (v: number) => `$${v.toFixed(v < 1 ? 4 : 2)}`;
    console.log(
      `monthly cost (core/cost-model.ts): ${usd(cost.totalUsd)} for the fleet, ${usd(cost.perNodeUsd)} per node: ` +
        `metrics ${usd(cost.customMetricsUsd)}, logs ${usd(cost.logsUsd)} (${cost.logsGb.toFixed(0)} GB), Kinesis ${usd(cost.kinesisUsd)}, Lambda ${usd(cost.lambdaUsd)}, DynamoDB ${usd(cost.dynamodbUsd)}; pipeline only ${usd(cost.pipelineUsd / NODES)} per node`,
    );
    console.log(`bench process used ${(measured.cpuMs / elapsedMs).toFixed(2)} CPU while enriching; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs`);
    console.log(`bench process RSS: ${(rssBefore / 1024 ** 2).toFixed(0)} -> ${(rssAfter / 1024 ** 2).toFixed(0)} MiB`);
    if (problems.length > 0) console.log(`problems (${problems.length}): ${problems.slice(0, 5).join(' | ')}`);
  } finally {
    kinesis.destroy();
    dynamo.destroy();
    logs.destroy();
    await stopServices(services);
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Stops the emulator process (SIGTERM) and waits for it to exit; the sink's files are complete once it has. */
async function stopServices(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

interface ServiceEndpoints {
  kinesis: string;
  dynamo: string;
  logs: string;
  /** Average gzip size of the metadata documents written. */
  metadataItemBytes: number;
}
type ToServices = { type: 'start'; stream: string };
/** Samples are [sequence number, put time in ms]. */
type FromServices = { type: 'puts'; samples: [string, number][] } | GeneratorDone;
interface GeneratorDone {
  type: 'done';
  records: number;
  kinesisBytes: number;
  problems: string[];
}

/**
 * The emulator process: kinesalite, dynalite and the CloudWatch Logs file sink, plus the fleet (the
 * agents are other machines too): it creates the stream and the table, writes the poller's
 * documents, and on 'start' puts every node's records in compressed time, sending the put time of
 * each record. It lives until SIGTERM (then closes the sink's files).
 */
async function serve(persistDir: string): Promise<void> {
  const [k, d] = await Promise.all([startKinesalite(), startDynalite()]);
  const l = await startCloudWatchLogsServer({ persistDir, retainEvents: false });
  process.once('SIGTERM', () => {
    void Promise.all([k.close(), d.close(), l.close()]).finally(() => process.exit(0));
  });
  const kinesis = new KinesisClient({ ...toLocalClientConfig(k.endpoint), requestHandler: new NodeHttpHandler() });
  const dynamo = new DynamoDBClient(toLocalClientConfig(d.endpoint));
  await createLocalStream(kinesis, STREAM, SHARDS);
  await createLocalStream(kinesis, FLOOR_STREAM, SHARDS);
  await createLocalMetadataTable(dynamo, TABLE);
  const minuteMs = 60_000;
  const first = createClusterState({ name: CLUSTER, nodeCount: NODES, podsPerNode: PODS }, Date.now());
  let sim = first;
  // The poller's documents, written once: the benchmark measures the record path.
  const documents = DynamoDBDocumentClient.from(dynamo);
  const metadataItems = sim.nodes.map((n) => toMetadataItem(toSimNodeMetadata(CLUSTER, n, Date.now()), Date.now(), 86_400));
  const metadataItemBytes = metadataItems.reduce((sum, i) => sum + i.doc.length, 0) / metadataItems.length;
  const items = metadataItems.map((item) => ({ PutRequest: { Item: { ...item } } }));
  for (let i = 0; i < items.length; i += DYNAMODB_MAX_BATCH_WRITE_ITEMS) {
    await documents.send(new BatchWriteCommand({ RequestItems: { [TABLE]: items.slice(i, i + DYNAMODB_MAX_BATCH_WRITE_ITEMS) } }));
  }
  dynamo.destroy();
  const send = (m: FromServices | ServiceEndpoints) => process.send!(m);
  process.on('message', (m: ToServices) => {
    // Each phase puts the same fleet from the same start, into its own stream.
    sim = first;
    generate(m.stream).catch((error: unknown) => {
      console.error(`bench:fleet generator failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    });
  });
  send({ kinesis: k.endpoint, dynamo: d.endpoint, logs: l.endpoint, metadataItemBytes });

  async function generate(stream: string): Promise<void> {
    const problems: string[] = [];
    let kinesisBytes = 0;
    let records = 0;
    const sliceMs = 200;
    const slicesPerMinute = Math.max(1, Math.round(minuteMs / SPEED / sliceMs));
    for (let m = 0; m < MINUTES; m++) {
      const before = sim;
      if (m > 0) sim = advanceClusterState(sim, sim.nowMs + minuteMs, { churnProbability: 0 });
      const perSlice = Math.ceil(sim.nodes.length / slicesPerMinute);
      for (let s = 0; s < slicesPerMinute; s++) {
        const sliceStart = Date.now();
        const nodes = sim.nodes.slice(s * perSlice, (s + 1) * perSlice);
        // Every record carries deltas: the agents have been running for a while (steady state, not a fleet start).
        const entries = nodes.map((node) => ({ timeMs: Date.now(), entry: toKinesisEntry(toSimNodeRecord(CLUSTER, node, Date.now(), minuteMs, m > 0 ? before.nodes[node.index] : undefined)) }));
        for (let i = 0; i < entries.length; i += KINESIS_MAX_RECORDS_PER_PUT) {
          const chunk = entries.slice(i, i + KINESIS_MAX_RECORDS_PER_PUT);
          const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: chunk.map(({ entry }) => ({ Data: entry.data, PartitionKey: entry.partitionKey })) }));
          if (out.FailedRecordCount) problems.push(`${out.FailedRecordCount} PutRecords entries failed`);
          const samples: [string, number][] = [];
          (out.Records ?? []).forEach((r, j) => {
            if (r.SequenceNumber !== undefined) samples.push([r.SequenceNumber, chunk[j].timeMs]);
          });
          send({ type: 'puts', samples });
          for (const { entry } of chunk) kinesisBytes += entry.data.length + Buffer.byteLength(entry.partitionKey);
        }
        records += entries.length;
        const wait = sliceStart + minuteMs / SPEED / slicesPerMinute - Date.now();
        if (wait > 0) await sleep(wait);
      }
    }
    send({ type: 'done', records, kinesisBytes, problems });
  }
}

interface EnricherThread {
  invoke(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse | void>;
  stop(): Promise<void>;
}
type ToEnricher = { id: number; event: KinesisStreamEvent };
type FromEnricher = { id: number; result?: KinesisStreamBatchResponse | void; error?: string } | { problem: string };

/** Starts the enricher (the real handler over the emulators) in a worker thread. */
function startEnricherThread(endpoints: ServiceEndpoints, report: (line: string) => void): EnricherThread {
  const worker = new Worker(__filename, { workerData: { endpoints }, argv: process.argv.slice(2) });
  const pending = new Map<number, { resolve: (r: KinesisStreamBatchResponse | void) => void; reject: (e: Error) => void }>();
  let next = 0;
  worker.on('message', (m: FromEnricher) => {
    if ('problem' in m) return report(m.problem);
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(m.error));
    else p?.resolve(m.result);
  });
  worker.on('error', (error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  });
  return {
    invoke: (event) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, event } satisfies ToEnricher);
      }),
    stop: () => worker.terminate().then(() => undefined),
  };
}

/** The enricher thread: like one Lambda instance, it handles the invocations sent to it. */
function serveEnricher(endpoints: ServiceEndpoints): void {
  const dynamo = new DynamoDBClient(toLocalClientConfig(endpoints.dynamo));
  const logs = new CloudWatchLogsClient(toLocalClientConfig(endpoints.logs));
  const post = (m: FromEnricher) => parentPort!.postMessage(m);
  const enricher = createLocalEnricher({ dynamo, tableName: TABLE, logs, metadataCacheTtlMs: 30_000, report: (problem) => post({ problem }), profile: PROFILE });
  parentPort!.on('message', ({ id, event }: ToEnricher) => {
    enricher(event).then(
      (result) => post({ id, result }),
      (error: unknown) => post({ id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
}

if (!isMainThread) {
  serveEnricher((workerData as { endpoints: ServiceEndpoints }).endpoints);
} else if (values.serve === undefined) {
  main().catch((error: unknown) => {
    console.error(`bench:fleet failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  });
} else {
  serve(values.serve).catch((error: unknown) => {
    console.error(`bench:fleet emulators failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  });
}

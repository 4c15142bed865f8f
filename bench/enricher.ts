// aws-embedded-metrics detects its environment when loaded: pin it to Local before anything loads it.
process.env.AWS_EMF_ENVIRONMENT = 'Local';

import { cpus } from 'node:os';
import type { CiRecord } from '../core/ci-record';
import { createEmfEncoder } from '../core/emf';
import { toMetricSpec } from '../core/metrics/catalog';
import { PROFILES, isProfileName, type DeclarationProfile } from '../core/metrics/profiles';
import type { NodeMetadata } from '../core/node-metadata';
import type { NodeRecord } from '../core/record';
import { DEFAULT_MAX_RECORD_BYTES, parseRecordData } from '../core/record/record-data';
import { toKinesisEntry } from '../node-agent/ship/encode-record';
import { toCiRecords } from '../lambdas/enricher/enrich';
import { createEnrichCache } from '../lambdas/enricher/enrich-cache';
import { withUnchangedPods } from '../core/node-metadata';
import { createClusterState } from '../sim/cluster/cluster-state';
import { toSimNodeMetadata } from '../sim/node/sim-node-metadata';
import { toSimNodeRecord } from '../sim/node/sim-node-record';

/**
 * `npm run bench:enricher`: the enricher's CPU cost on one core, on realistic node records (nodes of
 * the simulated cluster of sim/cluster with 30 pods and 60 containers each, 60 s interval), each
 * beside its floor measured in the same run: decode + enrich + encode next to decoding the same
 * record and `JSON.stringify` of the same events (per profile), the EMF encoder next to aws-embedded-metrics on the very same events.
 * Prints absolute figures with the CPU model, and the ratios to compare between machines; asserts nothing.
 *
 * Env: KINSIGHT_BENCH_SECONDS (per measurement, default 3), KINSIGHT_BENCH_PROFILE (profiles, comma-separated; default classic,lean).
 */

type EmfContext = import('aws-embedded-metrics/lib/logger/MetricsContext').MetricsContext;
// Loaded after the environment variable above is set (a static import would be hoisted above it).
const { MetricsContext } = require('aws-embedded-metrics/lib/logger/MetricsContext') as typeof import('aws-embedded-metrics/lib/logger/MetricsContext');
const { LogSerializer } = require('aws-embedded-metrics/lib/serializers/LogSerializer') as typeof import('aws-embedded-metrics/lib/serializers/LogSerializer');

const SECONDS = Number(process.env.KINSIGHT_BENCH_SECONDS ?? 3);
/**
 * Warm-up before each measurement. Measured on this code: V8's background compiler threads still
 * spend about 500 ms of CPU in the first two seconds of the decode+enrich+encode loop and ~15 ms/s
 * after that, so a one-second warm-up counted JIT compilation a warm Lambda has long finished.
 */
const WARM_UP_MS = 3000;
const NODES = 40;
const PODS = 30;
/** Two per pod on average (an app and a sidecar): the workloads' own, plus injected sidecars. */
const CONTAINERS = 60;

function toFixtures(): { records: NodeRecord[]; metadata: NodeMetadata[] } {
  // Recent timestamps: aws-embedded-metrics rejects events older than 14 days.
  const nowMs = Date.now();
  const cluster = createClusterState({ name: 'bench', nodeCount: NODES, podsPerNode: PODS, containersPerNode: CONTAINERS }, nowMs);
  return {
    records: cluster.nodes.map((n) => toSimNodeRecord('bench', n, nowMs, 60_000)),
    metadata: cluster.nodes.map((n) => toSimNodeMetadata('bench', n, nowMs)),
  };
}

/**
 * Runs `fn` over the inputs round-robin and returns operations per CPU-second: the median of five
 * windows of about `seconds` / 5 each, after a warm-up of WARM_UP_MS (a Lambda at work is in that
 * steady state). CPU time of the whole process rather than wall time, so the figure is "on one core"
 * even when other processes share the machine, and V8's helper threads (compiler, GC) count too;
 * the median keeps a window disturbed by other processes out.
 */
function measure<T>(inputs: T[], fn: (input: T) => void, seconds = SECONDS): { perSecond: number; ops: number } {
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let ops = 0;
  const run = (ms: number): { ops: number; ms: number } => {
    const started = cpuMs();
    let done = 0;
    let used = 0;
    while (used < ms) {
      for (let i = 0; i < 10; i++) fn(inputs[(ops + i) % inputs.length]);
      ops += 10;
      done += 10;
      used = cpuMs() - started;
    }
    return { ops: done, ms: used };
  };
  run(WARM_UP_MS);
  const rates = Array.from({ length: 5 }, () => run((seconds * 1000) / 5)).map((w) => w.ops / (w.ms / 1000));
  rates.sort((a, b) => a - b);
  return { perSecond: rates[2], ops };
}

/** What aws-embedded-metrics needs for one event: dimension sets with values, declared metrics, properties. */
interface LibraryInput {
  timestampMs: number;
  dimensionSets: Record<string, string>[];
  metrics: { name: string; value: number; unit: string }[];
  properties: [string, unknown][];
}

function toLibraryInput(record: CiRecord, profile: DeclarationProfile, declared: Set<string>, message: string): LibraryInput {
  const doc = JSON.parse(message) as { _aws?: { CloudWatchMetrics: { Dimensions: string[][] }[] } };
  const seen = new Set<string>();
  const dimensionSets: Record<string, string>[] = [];
  for (const d of doc._aws?.CloudWatchMetrics ?? []) {
    for (const set of d.Dimensions) {
      const id = set.join(',');
      if (seen.has(id)) continue;
      seen.add(id);
      dimensionSets.push(Object.fromEntries(set.map((k) => [k, record.attributes[k]])));
    }
  }
  const metrics: LibraryInput['metrics'] = [];
  const properties: [string, unknown][] = [['Type', record.type], ...Object.entries(record.attributes), ['Sources', record.sources], ['kubernetes', record.kubernetes], ['Version', '1'], ['Timestamp', String(record.timestampMs)]];
  for (const [name, value] of Object.entries(record.metrics as Record<string, number | undefined>)) {
    // As the kinsight encoder does: a metric without a value (a pod without limits has no utilization over them) is left out.
    if (value === undefined) continue;
    if (declared.has(name)) metrics.push({ name, value, unit: toMetricSpec(record.type, name)?.unit || 'None' });
    else properties.push([name, value]);
  }
  void profile;
  return { timestampMs: record.timestampMs, dimensionSets, metrics, properties };
}

function encodeWithLibrary(input: LibraryInput, serializer: InstanceType<typeof LogSerializer>): string[] {
  const context: EmfContext = MetricsContext.empty();
  context.setNamespace('ContainerInsights');
  context.setTimestamp(input.timestampMs);
  if (input.dimensionSets.length > 0) context.setDimensions(input.dimensionSets, false);
  for (const [k, v] of input.properties) context.setProperty(k, v);
  for (const m of input.metrics) context.putMetric(m.name, m.value, m.unit);
  return serializer.serialize(context);
}

function main(): void {
  const names = (process.env.KINSIGHT_BENCH_PROFILE ?? 'classic,lean').split(',').map((n) => n.trim());
  const unknown = names.find((n) => !isProfileName(n));
  if (unknown !== undefined) throw new Error(`KINSIGHT_BENCH_PROFILE: ${unknown} is not a profile; expected classic, lean or enhanced`);
  const profiles = names.map((n) => PROFILES[n as keyof typeof PROFILES]);
  const profile = profiles[0];
  const { records, metadata } = toFixtures();
  const byNode = new Map(metadata.map((m) => [m.node, m]));
  const pairs = records.map((r) => ({ record: r, metadata: byNode.get(r.node) }));
  const encoded = records.map((r) => Buffer.from(toKinesisEntry(r).data).toString('base64'));
  const containers = records[0].pods.reduce((s, p) => s + p.containers.length, 0);

  // Every message is consumed as the log writer consumes it (its UTF-8 size): an encoder that builds
  // its text lazily (string ropes) pays for flattening here, as it does in the Lambda.
  let consumedBytes = 0;
  const consume = (message: string): void => {
    consumedBytes += Buffer.byteLength(message);
  };
  const f = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

  // Per profile: the whole path (decode, enrich, encode a node's interval as the handler does) beside
  // its floor (below), measured on the very events it writes.
  const perProfile = profiles.map((p) => {
    const encoder = createEmfEncoder(p);
    const options = { profile: p };
    const cache = createEnrichCache();
    const eventsByRecord = pairs.map((pair) => encoder.encodeEvents(toCiRecords(pair.record, pair.metadata, options, cache).records, pair.record).map((e) => e.message));
    const objects = eventsByRecord.map((messages) => messages.map((m) => JSON.parse(m) as unknown));
    const full = measure(encoded.map((data, i) => ({ data, metadata: pairs[i].metadata })), ({ data, metadata: doc }) => {
      const parsed = parseRecordData(Buffer.from(data, 'base64'), DEFAULT_MAX_RECORD_BYTES);
      if (!parsed.ok) throw new Error(parsed.error);
      for (const e of encoder.encodeEvents(toCiRecords(parsed.value, doc, options, cache).records, parsed.value)) consume(e.message);
    });
    // The floor: the same input read and the same output written the simplest way (gunzip and
    // JSON.parse of the record, JSON.stringify of its events, already built); what the enricher adds
    // is the join, the formulas and its own encoder.
    const floor = measure(encoded.map((data, i) => ({ data, events: objects[i] })), ({ data, events }) => {
      const parsed = parseRecordData(Buffer.from(data, 'base64'), DEFAULT_MAX_RECORD_BYTES);
      if (!parsed.ok) throw new Error(parsed.error);
      for (const event of events) consume(JSON.stringify(event));
    });
    const stringify = measure(objects, (events) => {
      for (const event of events) consume(JSON.stringify(event));
    });
    const events = eventsByRecord.reduce((s, m) => s + m.length, 0) / records.length;
    const bytes = eventsByRecord.reduce((s, m) => s + m.reduce((a, x) => a + Buffer.byteLength(x), 0), 0) / records.length;
    return { profile: p, full, floor, stringify, events, bytes };
  });

  const encoder = createEmfEncoder(profile);
  const options = { profile };
  const cache = createEnrichCache();
  const ciRecords = pairs.flatMap((p) => toCiRecords(p.record, p.metadata, options, cache).records);
  const messages = ciRecords.map((r) => encoder.encode(r));
  const eventsPerRecord = ciRecords.length / records.length;
  const encodeInterval = (recordsOfNode: CiRecord[], record: NodeRecord) => {
    for (const e of encoder.encodeEvents(recordsOfNode, record)) consume(e.message);
  };

  const enrichEncode = measure(pairs, (p) => encodeInterval(toCiRecords(p.record, p.metadata, options, cache).records, p.record));
  const enrichOnly = measure(pairs, (p) => void toCiRecords(p.record, p.metadata, options, cache));
  // Cold: fresh, unfrozen attribute and kubernetes objects on every call (the copies are timed too),
  // so no remembered JSON flatters the encoder in the comparison.
  const ours = measure(ciRecords, (r) => consume(encoder.encode({ ...r, attributes: { ...r.attributes }, kubernetes: r.kubernetes && { ...r.kubernetes }, memo: undefined })));
  // Warm: the events as the enricher hands them over in a warm Lambda (per-pod objects reused).
  const oursWarm = measure(ciRecords, (r) => consume(encoder.encode(r)));

  const declared = new Set(ciRecords.flatMap((r) => encoder.declaredMetrics(r)));
  const libraryInputs = ciRecords.map((r, i) => toLibraryInput(r, profile, declared, messages[i]));
  const serializer = new LogSerializer();
  const libraryBytes = libraryInputs.slice(0, eventsPerRecord).reduce((s, input) => s + encodeWithLibrary(input, serializer).reduce((a, m) => a + Buffer.byteLength(m), 0), 0);
  const library = measure(libraryInputs, (input) => encodeWithLibrary(input, serializer).forEach(consume));

  // Before the node-local identity (schema 2.0): the same records without the pods' names and the
  // restart increases the agent reads from the kubelet's log layout; the documents name every pod.
  const withoutIdentity = encoded.map((_, i) => {
    const r = pairs[i].record;
    const pods = r.pods.map(({ namespace: _n, name: _p, restartsDelta: _r, ...pod }) => ({ ...pod, containers: pod.containers.map(({ restartsDelta: _c, ...c }) => c) }));
    return Buffer.from(toKinesisEntry({ ...r, pods }).data).toString('base64');
  });
  if (!pairs[0].record.pods.some((p) => p.name !== undefined)) throw new Error('the fixture records carry no pod identity: the comparison would be void');
  const noIdentity = measure(withoutIdentity.map((data, i) => ({ data, metadata: pairs[i].metadata })), ({ data, metadata: doc }) => {
    const parsed = parseRecordData(Buffer.from(data, 'base64'), DEFAULT_MAX_RECORD_BYTES);
    if (!parsed.ok) throw new Error(parsed.error);
    encodeInterval(toCiRecords(parsed.value, doc, options, cache).records, parsed.value);
  });

  // Last: these leave dead per-pod objects behind, which would burden the measurements after them.
  // The usual change: a document rewritten because one pod restarted. Parsed, then merged with the
  // previous read as the metadata reader merges it (the other pods keep their objects).
  const restarted = pairs.map((p) => {
    const bumped = { ...p.metadata, pods: p.metadata?.pods.map((pod, k) => (k === 0 ? { ...pod, restartDelta: (pod.restartDelta ?? 0) + 1 } : pod)) };
    return { versions: [JSON.stringify(p.metadata), JSON.stringify(bumped)], turn: 0, last: JSON.parse(JSON.stringify(p.metadata)) as NodeMetadata };
  });
  const onePodChanged = measure(encoded.map((data, i) => ({ data, node: restarted[i] })), ({ data, node }) => {
    const parsed = parseRecordData(Buffer.from(data, 'base64'), DEFAULT_MAX_RECORD_BYTES);
    if (!parsed.ok) throw new Error(parsed.error);
    node.turn ^= 1;
    node.last = withUnchangedPods(JSON.parse(node.versions[node.turn]) as NodeMetadata, node.last);
    encodeInterval(toCiRecords(parsed.value, node.last, options, cache).records, parsed.value);
  });
  // Every node's metadata document new at every record (the poller rewrote it: a restart, a pod
  // added): parsed as the reader parses a changed document, then no per-pod object or JSON to reuse.
  const metadataJson = encoded.map((_, i) => JSON.stringify(pairs[i].metadata));
  const changed = measure(encoded.map((data, i) => ({ data, json: metadataJson[i] })), ({ data, json }) => {
    const parsed = parseRecordData(Buffer.from(data, 'base64'), DEFAULT_MAX_RECORD_BYTES);
    if (!parsed.ok) throw new Error(parsed.error);
    encodeInterval(toCiRecords(parsed.value, JSON.parse(json) as NodeMetadata, options, cache).records, parsed.value);
  });

  const classicBytes = perProfile.find((p) => p.profile.name === 'classic')?.bytes;
  const lines = [
    `kinsight enricher benchmark: ${records.length} distinct node records, ${PODS} pods / ${CONTAINERS} containers per node (the first: ${records[0].pods.length} pods / ${containers} containers running), node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, per CPU-second of one core`,
    ...perProfile.flatMap((p) => [
      `  profile ${p.profile.name}: ${f(p.events, 1)} events, ${f(p.bytes)} EMF bytes per node record${classicBytes && p.profile.name !== 'classic' ? ` (${f((100 * p.bytes) / classicBytes, 1)} % of classic)` : ''}`,
      `    node records/s  decode+enrich+encode       ${f(p.full.perSecond)}   (gunzip, JSON.parse, schema check included)`,
      `    node records/s  floor                      ${f(p.floor.perSecond)}   (decode the same record, JSON.stringify its events, already built)`,
      `    node records/s  JSON.stringify alone       ${f(p.stringify.perSecond)}`,
      `    time per record, x the floor               ${f(p.floor.perSecond / p.full.perSecond, 2)}x   (the figure to compare between machines)`,
    ]),
    `  profile ${profile.name}, the other paths:`,
    `    node records/s  same, one pod changed      ${f(onePodChanged.perSecond)}   (every node document rewritten for one pod's restart: parsed, merged)`,
    `    node records/s  same, all pods changed     ${f(changed.perSecond)}   (every node document new: parsed, per-pod objects and JSON rebuilt)`,
    `    node records/s  same, without identity     ${f(noIdentity.perSecond)}   (the records without the pods' names and restart increases, as before schema 2.1; with them: ${f(perProfile[0].full.perSecond)})`,
    `    node records/s  enrich+encode              ${f(enrichEncode.perSecond)}   (warm: the same metadata objects every minute)`,
    `    node records/s  enrich only                ${f(enrichOnly.perSecond)}`,
    `  encoder, one event per record (${profile.name}):`,
    `    EMF events/s    kinsight encoder, cold     ${f(ours.perSecond)}   (no reused objects)`,
    `    EMF events/s    kinsight encoder, warm     ${f(oursWarm.perSecond)}   (per-pod objects reused, as in a warm Lambda)`,
    `    EMF events/s    aws-embedded-metrics 4.x   ${f(library.perSecond)}   (MetricsContext + LogSerializer, same events: the floor)`,
    `    ratio to aws-embedded-metrics              ${f(ours.perSecond / library.perSecond, 1)}x cold, ${f(oursWarm.perSecond / library.perSecond, 1)}x warm   (budget: >= 3x)`,
    `    EMF bytes per record, aws-embedded-metrics ${f(libraryBytes)}`,
    `  targets: >= 1,000 classic node records/s per core; encoding >= 3x aws-embedded-metrics`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (consumedBytes === 0) throw new Error('no message was consumed: the measurements are void');
}

main();

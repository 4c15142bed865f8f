import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { createEmfEncoder } from '../../core/emf';
import { ConfigError, PermanentError, TransientError } from '../../core/errors';
import { toPerformanceLogGroup } from '../../core/limits';
import { AGENT_METRICS, ENRICHER_METRICS, toPipelineMetricsLine } from '../../core/pipeline-metrics';
import type { DeclarationProfile } from '../../core/metrics/profiles';
import { toNodeKey, type NodeMetadata } from '../../core/node-metadata';
import type { NodeRecord } from '../../core/record';
import { DEFAULT_MAX_RECORD_BYTES, openRecordData, readRecordEnvelope, type RecordEnvelope } from '../../core/record/record-data';
import type { Result } from '../../core/result';
import type { LogEventInput, LogWriter } from '../common/log-writer';
import { createLruMap } from '../common/lru-map';
import type { AgentKeyStore, KeyRef } from './agent-keys';
import { toCiRecords } from './enrich';
import { createEnrichCache } from './enrich-cache';
import type { MetadataReader } from './metadata-reader';

/**
 * The enricher's Kinesis handler, built from its dependencies (tests pass plain objects; handler.ts
 * passes real clients). docs/enricher.md explains the design; in short, one invocation:
 *
 * 1. reads every record's envelope (readRecordEnvelope) and loads the signing keys of the clusters
 *    it names, once for the batch (AgentKeyStore);
 * 2. goes through the records in shard order, in chunks of about `chunkEvents` events: opens each
 *    (openRecordData: signature, size, schema, values; record validation in core/record/parse-record.ts),
 *    reads the chunk's node documents (one cached BatchGetItem round), builds and encodes its events,
 *    writes them (one log stream per node, streams in parallel) and lets them go before the next
 *    chunk, so memory is bounded by the chunk, not the batch;
 * 3. a record that can never be written is poison: logged with its reason, counted, acknowledged
 *    (bad envelope, signature or data, a cluster outside the fleet, a node key DynamoDB refuses, a
 *    log stream CloudWatch Logs refuses for good, an enrichment error);
 * 4. a transient failure (keys, metadata or a log stream still failing after the retries inside the
 *    invocation) stops the batch there: nothing after the first failed record is written, and the
 *    failed and unwritten records are reported as batch item failures, so the event source resumes
 *    from the first of them. Records of the batch written (or judged poison) before the failure
 *    point, and those of the failing chunk that other streams did write, are remembered by this warm
 *    instance (`maxRememberedRecords`), so a re-delivery here skips them, down to the events of a
 *    record a failed stream had partly written.
 *
 * The response goes through Powertools' BatchProcessor without throwing on a full failure: a batch
 * whose every record failed is re-delivered whole, without bisecting (no record can crash the
 * handler: what cannot be read is poison).
 */

/** The logging the handler needs (handler.ts adapts the Powertools Logger to it). */
export interface EnricherLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Dependencies of {@link createHandler}. */
export interface EnricherDeps {
  writer: LogWriter;
  metadata: MetadataReader;
  /** The fleet's declaration profile. */
  profile: DeclarationProfile;
  /**
   * Profiles of clusters that differ from `profile`, by cluster name.
   * @default none
   */
  clusterProfiles?: Readonly<Record<string, DeclarationProfile>>;
  logger: EnricherLogger;
  /**
   * Reject records that carry no signature (the stack sets it; only local tools run without).
   * When true, `keys` is required.
   */
  requireSignature: boolean;
  /**
   * The agents' signing keys: a signed record is verified with its cluster's key, and a cluster
   * without one is not in the fleet.
   * @default none: a signed record cannot be verified and is poison
   */
  keys?: AgentKeyStore;
  /**
   * The clusters whose unsigned records are accepted (local tools; signed records are the key's to judge).
   * @default any cluster
   */
  clusters?: readonly string[];
  /**
   * Largest inflated record accepted; bigger ones are poison.
   * @default 2 MiB (core/record/parse-record.ts RECORD_LIMITS)
   */
  maxRecordBytes?: number;
  /**
   * Add the `Service` attribute.
   * @default true
   */
  serviceAttribute?: boolean;
  /**
   * Events (estimated from the records' pods, containers and interfaces) built before they are
   * written and let go: the bound on the events a batch holds at once.
   * @default 10000
   */
  chunkEvents?: number;
  /**
   * Records (by event id) this instance remembers as written, so that a re-delivery skips them.
   * @default 100000
   */
  maxRememberedRecords?: number;
  /**
   * Time left before the invocation's deadline at which no retry starts (the event source then
   * re-delivers what is left).
   * @default 10000
   */
  deadlineMarginMs?: number;
  /**
   * Receives each invocation's counters (handler.ts prints them as an EMF line: pipeline metrics).
   * @default counters are only logged
   */
  onSummary?: (summary: InvocationSummary) => void;
  /** @default Date.now */
  now?: () => number;
}

/**
 * The counters of one invocation, logged as one structured line ("enricher batch"). The members
 * after `containersWithoutMetadata` are optional so that a summary written before them stays valid;
 * toEnricherMetricsLine writes 0 for an absent one.
 */
export interface InvocationSummary {
  records: number;
  poison: number;
  enriched: number;
  failedRecords: number;
  events: number;
  eventsWritten: number;
  eventsDroppedTooOld: number;
  eventsDroppedTooNew: number;
  eventsDroppedTooLarge: number;
  eventsRejected: number;
  streamsFailed: number;
  throttleRetries: number;
  nodesWithoutMetadata: number;
  podsWithoutMetadata: number;
  containersWithoutMetadata: number;
  /** Of the poison, the records whose signature failed, was missing, or whose cluster has no key. */
  unverified?: number;
  /** Log streams refused for good (their records are in poison). */
  streamsRejected?: number;
  podsWithoutIdentity?: number;
  podsWithLabelsCut?: number;
  /** Re-delivered records this instance had written already: skipped. */
  recordsAlreadyWritten?: number;
  /** The agents' figures: sums of drops and retries, the largest buffer, collection time and RSS. */
  agentRecordsDropped?: number;
  agentRetries?: number;
  agentBufferedRecords?: number;
  agentCollectionMs?: number;
  agentRssBytes?: number;
}

/** One EMF line of an invocation's counters (pipeline namespace, names from core/pipeline-metrics.ts, no dimension). */
export function toEnricherMetricsLine(summary: InvocationSummary, nowMs: number): string {
  const values: Record<string, number> = {};
  const units: Record<string, string> = {};
  for (const [key, name] of Object.entries(ENRICHER_METRICS)) values[name] = summary[key as keyof InvocationSummary] ?? 0;
  for (const [key, { name, unit }] of Object.entries(AGENT_METRICS)) {
    values[name] = summary[key as keyof InvocationSummary] ?? 0;
    units[name] = unit;
  }
  return toPipelineMetricsLine(values, {}, nowMs, {}, units);
}

/** The Lambda handler type. */
export type EnricherHandler = (event: KinesisStreamEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<KinesisStreamBatchResponse>;

/** A record of the batch, as the handler follows it. */
interface Item {
  readonly source: KinesisStreamRecord;
  /** The event id (`<shard>:<sequence number>`), the key under which the instance remembers it. */
  readonly id: string;
  /** The record's data (the base64 of the event decoded once: at most the 6 MB of an invocation in all). */
  readonly bytes: Uint8Array;
  readonly envelope: Result<RecordEnvelope>;
}

/** A record of a chunk, opened. */
interface Opened {
  readonly index: number;
  readonly record: NodeRecord;
  /** Events of the record written already by an earlier delivery (a stream that failed half-way). */
  readonly skip: number;
}

/** The events of one log stream in a chunk, with the records they come from, in order. */
interface StreamWork {
  readonly logGroup: string;
  readonly logStream: string;
  readonly events: LogEventInput[];
  /** Per record: its index in the batch, the events it put in `events`, and those it had written before. */
  readonly units: { index: number; count: number; skipped: number }[];
}

/** A remembered record: written (or judged poison) in full. */
const DONE = Number.POSITIVE_INFINITY;

/** Openers' failures that are about trust, not data (core/record/record-data.ts openRecordData). */
const TRUST_FAILURE = /^record (is not signed|is signed for cluster|signature does not verify|names cluster)/;

/** The events a record gives, about (enrich.ts): what bounds a chunk. */
function toEventEstimate(record: NodeRecord): number {
  let n = 1 + record.filesystems.length + record.disks.length + record.net.length;
  for (const pod of record.pods) n += 1 + (pod.hostNetwork ? record.net.length : pod.net?.length ?? 0) + pod.containers.length;
  return n;
}

/** Builds the enricher's Kinesis handler from its dependencies. */
export function createHandler(deps: EnricherDeps): EnricherHandler {
  if (deps.requireSignature && !deps.keys) throw new ConfigError('the enricher requires signed records but has no key store; pass keys, or requireSignature: false for local tools');
  const maxRecordBytes = deps.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const chunkEvents = deps.chunkEvents ?? 10_000;
  const marginMs = deps.deadlineMarginMs ?? 10_000;
  const now = deps.now ?? Date.now;
  const fleetClusters = deps.clusters ? new Set(deps.clusters) : undefined;
  const toPipeline = (profile: DeclarationProfile) => ({ encoder: createEmfEncoder(profile), options: { profile, serviceAttribute: deps.serviceAttribute } });
  const fleet = toPipeline(deps.profile);
  const byCluster = new Map(Object.entries(deps.clusterProfiles ?? {}).map(([cluster, profile]) => [cluster, toPipeline(profile)]));
  // Kept by a warm Lambda from one invocation to the next, shared by the profiles (its views are per profile).
  const cache = createEnrichCache();
  // Records written (DONE) or partly written (events written so far), by event id.
  const remembered = createLruMap<string, number>({ maxEntries: deps.maxRememberedRecords ?? 100_000 });
  const keyOf = (cluster: string, keyId: string) => deps.keys?.keyOf(cluster, keyId);

  return async (event, context) => {
    const summary: Required<InvocationSummary> = {
      records: event.Records.length,
      poison: 0,
      enriched: 0,
      failedRecords: 0,
      events: 0,
      eventsWritten: 0,
      eventsDroppedTooOld: 0,
      eventsDroppedTooNew: 0,
      eventsDroppedTooLarge: 0,
      eventsRejected: 0,
      streamsFailed: 0,
      throttleRetries: 0,
      nodesWithoutMetadata: 0,
      podsWithoutMetadata: 0,
      containersWithoutMetadata: 0,
      unverified: 0,
      streamsRejected: 0,
      podsWithoutIdentity: 0,
      podsWithLabelsCut: 0,
      recordsAlreadyWritten: 0,
      agentRecordsDropped: 0,
      agentRetries: 0,
      agentBufferedRecords: 0,
      agentCollectionMs: 0,
      agentRssBytes: 0,
    };
    const deadlineMs = context ? now() + context.getRemainingTimeInMillis() - marginMs : undefined;
    const items: Item[] = event.Records.map((r) => {
      const bytes = Buffer.from(r.kinesis.data, 'base64');
      return { source: r, id: r.eventID || r.kinesis.sequenceNumber, bytes, envelope: readRecordEnvelope(bytes) };
    });

    const poison = (item: Item, reason: string, extra: Record<string, unknown> = {}) => {
      summary.poison += 1;
      remembered.set(item.id, DONE);
      deps.logger.error('poison record acknowledged', { sequenceNumber: item.source.kinesis.sequenceNumber, partitionKey: item.source.kinesis.partitionKey, reason, ...extra });
    };

    // 1. The keys of every cluster the batch's envelopes name, once, before anything is inflated.
    const refs: KeyRef[] = [];
    for (const item of items) if (item.envelope.ok && item.envelope.value.signed) refs.push({ cluster: item.envelope.value.cluster, keyId: item.envelope.value.keyId });
    const unavailable = deps.keys && refs.length > 0 ? await deps.keys.load(refs) : new Set<string>();

    // 2. Chunks in shard order; `stopAt` is the first record a transient failure left unwritten.
    let stopAt = items.length;
    let next = 0;
    while (next < stopAt) {
      const chunk: Opened[] = [];
      let estimate = 0;
      for (; next < stopAt && (chunk.length === 0 || estimate < chunkEvents); next++) {
        const item = items[next];
        const done = remembered.get(item.id);
        if (done === DONE) {
          summary.recordsAlreadyWritten += 1;
          continue;
        }
        const envelope = item.envelope;
        if (!envelope.ok) {
          poison(item, envelope.error);
          continue;
        }
        if (envelope.value.signed && unavailable.has(envelope.value.cluster)) {
          stopAt = next;
          break;
        }
        const opened = openRecordData(item.bytes, { maxBytes: maxRecordBytes, keyOf, requireSignature: deps.requireSignature });
        if (!opened.ok) {
          if (TRUST_FAILURE.test(opened.error)) summary.unverified += 1;
          poison(item, opened.error);
          continue;
        }
        const record = opened.value;
        if (!envelope.value.signed && fleetClusters && !fleetClusters.has(record.cluster)) {
          summary.unverified += 1;
          poison(item, `record of cluster "${record.cluster}", which is not one of the fleet's`);
          continue;
        }
        chunk.push({ index: next, record, skip: done ?? 0 });
        estimate += toEventEstimate(record);
      }
      if (chunk.length === 0) continue;
      const failedAt = await processChunk(chunk, items, deadlineMs, summary, poison);
      if (failedAt !== undefined) stopAt = Math.min(stopAt, failedAt);
    }

    const failed = new Set<string>();
    for (let i = stopAt; i < items.length; i++) if (remembered.get(items[i].id) !== DONE) failed.add(items[i].source.kinesis.sequenceNumber);
    summary.failedRecords = failed.size;
    deps.logger.info('enricher batch', { ...summary });
    deps.onSummary?.(summary);

    const processor = new BatchProcessor(EventType.KinesisDataStreams);
    const recordHandler = async (record: KinesisStreamRecord) => {
      if (failed.has(record.kinesis.sequenceNumber)) throw new Error(`record ${record.kinesis.sequenceNumber} was not written`);
    };
    return (await processPartialResponse(event, recordHandler, processor, { throwOnFullBatchFailure: false })) as KinesisStreamBatchResponse;
  };

  /**
   * Reads the chunk's documents, builds and writes its events; returns the index of the first record
   * a transient failure left unwritten, or undefined. Every record it finishes is remembered.
   */
  async function processChunk(chunk: Opened[], items: Item[], deadlineMs: number | undefined, summary: Required<InvocationSummary>, poison: (item: Item, reason: string, extra?: Record<string, unknown>) => void): Promise<number | undefined> {
    let documents: Map<string, NodeMetadata | undefined>;
    try {
      documents = await deps.metadata.get(chunk.map((c) => toNodeKey(c.record.cluster, c.record.node)));
    } catch (error) {
      if (!(error instanceof PermanentError)) {
        deps.logger.error('metadata read failed; the records from here on are reported as failed and will be retried', { error: (error as Error).message, transient: error instanceof TransientError });
        return chunk[0].index;
      }
      // The table refuses us (a permission, the table name): metadata is enrichment, the records are still written.
      deps.logger.error('metadata table refused; writing the records without node documents', { error: error.message });
      documents = new Map(chunk.map((c) => [toNodeKey(c.record.cluster, c.record.node), undefined]));
    }

    const streams = new Map<string, StreamWork>();
    for (const { index, record, skip } of chunk) {
      const item = items[index];
      const key = toNodeKey(record.cluster, record.node);
      if (!documents.has(key)) {
        poison(item, `DynamoDB refused the node key ${JSON.stringify(key.slice(0, 80))}`);
        continue;
      }
      const { encoder, options } = byCluster.get(record.cluster) ?? fleet;
      let enriched: ReturnType<typeof toCiRecords>;
      try {
        enriched = toCiRecords(record, documents.get(key), options, cache);
      } catch (error) {
        // A bug or an input validation let through: never retried forever, always visible.
        poison(item, `record could not be enriched: ${(error as Error).message}`, { node: key });
        continue;
      }
      summary.enriched += 1;
      if (enriched.nodeWithoutMetadata) summary.nodesWithoutMetadata += 1;
      summary.podsWithoutMetadata += enriched.podsWithoutMetadata;
      summary.podsWithoutIdentity += enriched.podsWithoutIdentity;
      summary.containersWithoutMetadata += enriched.containersWithoutMetadata;
      summary.podsWithLabelsCut += enriched.podsWithLabelsCut;
      const agent = record.agent;
      if (agent) {
        summary.agentRecordsDropped += agent.dropped;
        summary.agentRetries += agent.retries;
        summary.agentBufferedRecords = Math.max(summary.agentBufferedRecords, agent.bufferedRecords);
        summary.agentCollectionMs = Math.max(summary.agentCollectionMs, agent.collectionMs);
        summary.agentRssBytes = Math.max(summary.agentRssBytes, agent.rssBytes);
      }
      let stream = streams.get(key);
      if (!stream) {
        stream = { logGroup: toPerformanceLogGroup(record.cluster), logStream: record.node, events: [], units: [] };
        streams.set(key, stream);
      }
      // The profile decides the events: one per record, or lean's merged ones (core/emf.ts).
      const events = encoder.encodeEvents(enriched.records, record);
      const skipped = Math.min(skip, events.length);
      for (let k = skipped; k < events.length; k++) stream.events.push(events[k]);
      stream.units.push({ index, count: events.length - skipped, skipped });
    }

    const work = [...streams.values()];
    const outcomes = await deps.writer.writeMany(work, { deadlineMs });
    let failedAt: number | undefined;
    outcomes.forEach((outcome, i) => {
      const w = work[i];
      const r = outcome.result;
      summary.events += w.events.length;
      summary.eventsWritten += r.written;
      summary.eventsDroppedTooOld += r.droppedTooOld;
      summary.eventsDroppedTooNew += r.droppedTooNew;
      summary.eventsDroppedTooLarge += r.droppedTooLarge;
      summary.eventsRejected += r.rejected;
      summary.throttleRetries += r.retries;
      if (outcome.ok) {
        for (const u of w.units) remembered.set(items[u.index].id, DONE);
        return;
      }
      if (outcome.permanent) {
        // Refused for good (access denied, invalid, group missing): acknowledged, never retried.
        summary.streamsRejected += 1;
        deps.logger.error('log stream refused for good; its records are acknowledged as poison', { logGroup: w.logGroup, logStream: w.logStream, records: w.units.length, error: outcome.error.message });
        for (const u of w.units) poison(items[u.index], `log stream ${w.logGroup} / ${w.logStream} refused: ${outcome.error.message}`);
        return;
      }
      summary.streamsFailed += 1;
      deps.logger.error('log stream write failed after its retries; the records from its first unwritten one on are reported as failed', {
        logGroup: w.logGroup,
        logStream: w.logStream,
        records: w.units.length,
        error: outcome.error.message,
      });
      // The stream wrote its events in order up to `handled`: the records before are written, one may be in part.
      let start = 0;
      for (const u of w.units) {
        const end = start + u.count;
        if (end <= outcome.handled) remembered.set(items[u.index].id, DONE);
        else {
          if (outcome.handled > start) remembered.set(items[u.index].id, u.skipped + (outcome.handled - start));
          failedAt = Math.min(failedAt ?? u.index, u.index);
        }
        start = end;
      }
    });
    return failedAt;
  }
}

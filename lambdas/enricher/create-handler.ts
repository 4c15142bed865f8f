import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { createEmfEncoder } from '../../core/emf';
import { toPerformanceLogGroup } from '../../core/limits';
import { ENRICHER_METRICS, toPipelineMetricsLine } from '../../core/pipeline-metrics';
import type { DeclarationProfile } from '../../core/metrics/profiles';
import { toNodeKey } from '../../core/node-metadata';
import type { NodeRecord } from '../../core/record';
import { DEFAULT_MAX_RECORD_BYTES, parseRecordData } from '../../core/record/record-data';
import type { NodeMetadata } from '../../core/node-metadata';
import type { LogEventInput, LogWriter } from '../common/log-writer';
import { toCiRecords } from './enrich';
import { createEnrichCache } from './enrich-cache';
import type { MetadataReader } from './metadata-reader';

/**
 * The enricher's Kinesis handler, built from its dependencies (tests pass plain objects; handler.ts
 * passes real clients). One invocation:
 *
 * 1. decodes every record (base64, then the record codec's parseRecordData: gzip, JSON, schema check). A record that can never be processed
 *    (bad gzip, bad JSON, unknown schema version, larger than `maxRecordBytes` once inflated) is
 *    poison: logged with its sequence number, counted, and acknowledged so it is never retried;
 * 2. reads the metadata documents of the batch's nodes (one cached BatchGetItem round); if that
 *    fails, every decoded record is reported failed (the event source retries them);
 * 3. turns each record into Container Insights EMF events (classic profile unless configured);
 * 4. writes the events of each node to `/aws/containerinsights/<cluster>/performance`, stream
 *    `<node>`, streams in parallel with a bound; a stream that fails after its retries reports the
 *    sequence numbers of its records in `batchItemFailures` (the event source re-delivers from the
 *    first of them; events already written for later records may be written twice: at-least-once).
 *
 * The response goes through Powertools' BatchProcessor, so when every record failed it throws
 * FullBatchFailureError and the event source retries (or bisects) the whole batch.
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
   * Largest inflated record accepted; bigger ones are poison.
   * @default 16 MiB
   */
  maxRecordBytes?: number;
  /**
   * Add the `Service` attribute.
   * @default true
   */
  serviceAttribute?: boolean;
  /**
   * Receives each invocation's counters (handler.ts prints them as an EMF line: pipeline metrics).
   * @default counters are only logged
   */
  onSummary?: (summary: InvocationSummary) => void;
}

/** The counters of one invocation, logged as one structured line ("enricher batch"). */
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
}

/** One EMF line of an invocation's counters (pipeline namespace, names from core/pipeline-metrics.ts, no dimension). */
export function toEnricherMetricsLine(summary: InvocationSummary, nowMs: number): string {
  const values: Record<string, number> = {};
  for (const [key, name] of Object.entries(ENRICHER_METRICS)) values[name] = summary[key as keyof typeof ENRICHER_METRICS];
  return toPipelineMetricsLine(values, {}, nowMs);
}

/** The Lambda handler type. */
export type EnricherHandler = (event: KinesisStreamEvent, context?: Context) => Promise<KinesisStreamBatchResponse>;

/** Builds the enricher's Kinesis handler from its dependencies. */
export function createHandler(deps: EnricherDeps): EnricherHandler {
  const maxRecordBytes = deps.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const toPipeline = (profile: DeclarationProfile) => ({ encoder: createEmfEncoder(profile), options: { profile, serviceAttribute: deps.serviceAttribute } });
  const fleet = toPipeline(deps.profile);
  const byCluster = new Map(Object.entries(deps.clusterProfiles ?? {}).map(([cluster, profile]) => [cluster, toPipeline(profile)]));
  // Kept by a warm Lambda from one invocation to the next, shared by the profiles (its views are per profile).
  const cache = createEnrichCache();

  return async (event, context) => {
    const summary: InvocationSummary = {
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
    };
    const failed = new Set<string>();
    const decoded: { seq: string; record: NodeRecord }[] = [];
    for (const r of event.Records) {
      const result = parseRecordData(Buffer.from(r.kinesis.data, 'base64'), maxRecordBytes);
      if (result.ok) decoded.push({ seq: r.kinesis.sequenceNumber, record: result.value });
      else {
        summary.poison += 1;
        deps.logger.error('poison record acknowledged', { sequenceNumber: r.kinesis.sequenceNumber, partitionKey: r.kinesis.partitionKey, reason: result.error });
      }
    }

    let metadata: Map<string, NodeMetadata | undefined> | undefined;
    try {
      metadata = await deps.metadata.get(decoded.map((d) => toNodeKey(d.record.cluster, d.record.node)));
    } catch (error) {
      deps.logger.error('metadata read failed; reporting the batch as failed', { error: (error as Error).message });
      for (const d of decoded) failed.add(d.seq);
    }

    if (metadata) {
      const streams = new Map<string, { logGroup: string; logStream: string; events: LogEventInput[]; seqs: string[] }>();
      for (const d of decoded) {
        const key = toNodeKey(d.record.cluster, d.record.node);
        const doc = metadata.get(key);
        const { encoder, options } = byCluster.get(d.record.cluster) ?? fleet;
        let enriched: ReturnType<typeof toCiRecords>;
        try {
          enriched = toCiRecords(d.record, doc, options, cache);
        } catch (error) {
          // A bug or an input the schema check let through: never retried forever, always visible.
          summary.poison += 1;
          deps.logger.error('record could not be enriched; acknowledged', { sequenceNumber: d.seq, node: key, error: (error as Error).message });
          continue;
        }
        summary.enriched += 1;
        if (enriched.nodeWithoutMetadata) summary.nodesWithoutMetadata += 1;
        summary.podsWithoutMetadata += enriched.podsWithoutMetadata;
        summary.containersWithoutMetadata += enriched.containersWithoutMetadata;
        let stream = streams.get(key);
        if (!stream) {
          stream = { logGroup: toPerformanceLogGroup(d.record.cluster), logStream: d.record.node, events: [], seqs: [] };
          streams.set(key, stream);
        }
        stream.seqs.push(d.seq);
        // The profile decides the events: one per record, or lean's merged ones (core/emf.ts).
        for (const e of encoder.encodeEvents(enriched.records, d.record)) stream.events.push(e);
      }
      const batches = [...streams.values()];
      const outcomes = await deps.writer.writeMany(batches);
      outcomes.forEach((outcome, i) => {
        const b = batches[i];
        summary.events += b.events.length;
        if (outcome.ok) {
          const r = outcome.result;
          summary.eventsWritten += r.written;
          summary.eventsDroppedTooOld += r.droppedTooOld;
          summary.eventsDroppedTooNew += r.droppedTooNew;
          summary.eventsDroppedTooLarge += r.droppedTooLarge;
          summary.eventsRejected += r.rejected;
          summary.throttleRetries += r.retries;
        } else {
          summary.streamsFailed += 1;
          for (const seq of b.seqs) failed.add(seq);
          deps.logger.error('log stream write failed; its records are reported as batch item failures', {
            logGroup: b.logGroup,
            logStream: b.logStream,
            records: b.seqs.length,
            error: outcome.error.message,
          });
        }
      });
    }
    summary.failedRecords = failed.size;
    deps.logger.info('enricher batch', { ...summary });
    deps.onSummary?.(summary);

    const processor = new BatchProcessor(EventType.KinesisDataStreams);
    const recordHandler = async (record: KinesisStreamRecord) => {
      if (failed.has(record.kinesis.sequenceNumber)) throw new Error(`record ${record.kinesis.sequenceNumber} was not written`);
    };
    return (await processPartialResponse(event, recordHandler, processor, context ? { context } : undefined)) as KinesisStreamBatchResponse;
  };
}

import { gzipSync } from 'node:zlib';
import type { KinesisStreamEvent } from 'aws-lambda';
import { toRecordData, toRecordJson } from '../../../core/record/record-data';
import { createHandler, toEnricherMetricsLine, type InvocationSummary } from '../../../lambdas/enricher/create-handler';
import { expectValidEmf } from '../../helpers/emf-validator';
import type { LogStreamBatch, LogWriter } from '../../../lambdas/common/log-writer';
import { PROFILES } from '../../../core/metrics/profiles';
import { TransientError } from '../../../core/errors';
import { toMetadataFixture, toRecordFixture } from './fixtures';

const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64');
const eventOf = (datas: Uint8Array[]): KinesisStreamEvent => ({
  Records: datas.map((d, i) => ({
    kinesis: { data: b64(d), sequenceNumber: String(100 + i), partitionKey: 'k', kinesisSchemaVersion: '1.0', approximateArrivalTimestamp: 1 },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-0:${100 + i}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn',
  })),
});

function setup(options: { metadataFails?: boolean } = {}) {
  const written: LogStreamBatch[] = [];
  const summaries: InvocationSummary[] = [];
  const errors: { message: string; extra?: Record<string, unknown> }[] = [];
  const writer: LogWriter = {
    write: async () => {
      throw new Error('unused');
    },
    writeMany: async (batches) => {
      written.push(...batches);
      return batches.map((b) => ({ ok: true, result: { written: b.events.length, droppedTooOld: 0, droppedTooNew: 0, droppedTooLarge: 0, rejected: 0, calls: 1, retries: 0, created: 0 } }));
    },
  };
  const handler = createHandler({
    profile: PROFILES.classic,
    clusterProfiles: { leanCluster: PROFILES.lean },
    writer,
    metadata: {
      get: async (keys) => {
        if (options.metadataFails) throw new TransientError('dynamodb down');
        return new Map(keys.map((k) => [k, k.endsWith('#ip-10-0-0-1.ec2.internal') ? toMetadataFixture() : undefined]));
      },
    },
    logger: { info: (m, e) => void (m === 'enricher batch' && summaries.push(e as unknown as InvocationSummary)), warn: () => undefined, error: (message, extra) => void errors.push({ message, extra }) },
    maxRecordBytes: 64 * 1024,
  });
  return { handler, written, summaries, errors };
}

describe('enricher handler', () => {
  it('acknowledges as poison bad gzip, bad JSON, an unknown schema major and a record beyond maxRecordBytes inflated, logging the reason', async () => {
    const { handler, summaries, errors } = setup();
    const major3 = JSON.stringify({ ...JSON.parse(toRecordJson(toRecordFixture())), schemaVersion: '3.0' });
    const response = await handler(eventOf([Buffer.from('plain'), gzipSync('{'), gzipSync(major3), gzipSync(JSON.stringify({ pad: 'x'.repeat(64 * 1024) })), toRecordData(toRecordFixture())]));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(summaries[0]).toMatchObject({ records: 5, poison: 4, enriched: 1 });
    expect(errors.map((e) => [e.message, e.extra?.sequenceNumber, e.extra?.reason])).toEqual([
      ['poison record acknowledged', '100', expect.stringMatching(/^record is not gzip data/)],
      ['poison record acknowledged', '101', expect.stringMatching(/^record is not JSON/)],
      ['poison record acknowledged', '102', expect.stringMatching(/unknown major 3/)],
      ['poison record acknowledged', '103', `record inflates to more than ${64 * 1024} bytes; the agent never sends records that large`],
    ]);
  });

  it('writes each node to its performance log group and stream and acknowledges poison records', async () => {
    const { handler, written, summaries } = setup();
    const response = await handler(eventOf([toRecordData(toRecordFixture()), Buffer.from('junk')]));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(written.map((w) => [w.logGroup, w.logStream])).toEqual([['/aws/containerinsights/prod/performance', 'ip-10-0-0-1.ec2.internal']]);
    expect(summaries[0]).toMatchObject({ records: 2, poison: 1, enriched: 1, events: 11, eventsWritten: 11 });
  });

  it('encodes with the profile configured for the record cluster', async () => {
    const { handler, written } = setup();
    await handler(eventOf([toRecordData({ ...toRecordFixture(), cluster: 'leanCluster' }), toRecordData(toRecordFixture())]));
    const podOf = (i: number) => written[i].events.map((e) => JSON.parse(e.message)).find((d) => d.Type === 'Pod' && d.pod_cpu_utilization !== undefined);
    expect(podOf(0).PodName).toBe('web');
    // lean events carry what the metrics need, classic ones every attribute
    expect(podOf(0).kubernetes).toBeUndefined();
    expect(podOf(1).kubernetes).toMatchObject({ pod_name: expect.any(String) });
  });

  it('fails the whole batch when the metadata cannot be read, so that it is retried', async () => {
    const { handler, summaries } = setup({ metadataFails: true });
    await expect(handler(eventOf([toRecordData(toRecordFixture())]))).rejects.toThrow(/All records failed/);
    expect(summaries[0]).toMatchObject({ failedRecords: 1 });
  });

  it('turns the counters into one EMF line of pipeline metrics', () => {
    const zero: InvocationSummary = {
      records: 0, poison: 0, enriched: 0, failedRecords: 0, events: 0, eventsWritten: 0, eventsDroppedTooOld: 0, eventsDroppedTooNew: 0,
      eventsDroppedTooLarge: 0, eventsRejected: 0, streamsFailed: 0, throttleRetries: 0, nodesWithoutMetadata: 0, podsWithoutMetadata: 0, containersWithoutMetadata: 0,
    };
    const doc = expectValidEmf(toEnricherMetricsLine({ ...zero, records: 3, poison: 1, eventsWritten: 20 }, 5));
    expect(doc).toMatchObject({ EnricherPoison: 1, EnricherRecords: 3, EnricherEventsWritten: 20, EnricherFailedRecords: 0 });
    expect((doc._aws as { CloudWatchMetrics: { Namespace: string }[] }).CloudWatchMetrics[0].Namespace).toBe('kinsight');
  });
});

import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';

/** One record to put: its bytes and partition key. */
export interface PutRecordsEntry {
  data: Uint8Array;
  partitionKey: string;
}

/** The outcome of one entry, in request order: no errorCode means stored. */
export interface PutRecordsResultEntry {
  errorCode?: string;
  errorMessage?: string;
}

/** The one Kinesis call the producer makes. Throws when the call as a whole fails (network, auth, throttling after SDK retries). */
export interface PutRecordsPort {
  putRecords(entries: PutRecordsEntry[]): Promise<PutRecordsResultEntry[]>;
}

/**
 * Adapts a Kinesis client to {@link PutRecordsPort} for one stream. The stream is addressed by
 * name: kinesalite rejects StreamARN, and in AWS a name in the caller's account and region is
 * equivalent.
 */
export function createKinesisPort(client: Pick<KinesisClient, 'send'>, streamName: string): PutRecordsPort {
  return {
    async putRecords(entries) {
      const out = await client.send(
        new PutRecordsCommand({ StreamName: streamName, Records: entries.map((e) => ({ Data: e.data, PartitionKey: e.partitionKey })) }),
      );
      const records = out.Records ?? [];
      return entries.map((_e, i) => {
        const r = records[i];
        if (r === undefined) return { errorCode: 'MissingResult', errorMessage: `PutRecords returned ${records.length} results for ${entries.length} entries` };
        return r.ErrorCode ? { errorCode: r.ErrorCode, errorMessage: r.ErrorMessage } : {};
      });
    },
  };
}

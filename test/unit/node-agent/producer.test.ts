import { toBackoffMs } from '../../../node-agent/ship/backoff';
import type { PutRecordsEntry, PutRecordsPort, PutRecordsResultEntry } from '../../../node-agent/ship/kinesis-port';
import { packBatches } from '../../../node-agent/ship/pack-batches';
import { createProducer } from '../../../node-agent/ship/producer';
import { parseStreamName } from '../../../node-agent/ship/stream-name';

const entry = (n: number, bytes = 10): PutRecordsEntry => ({ data: Buffer.alloc(bytes, n), partitionKey: 'c/n' });
const tag = (e: PutRecordsEntry): number => e.data[0];

/** A fake Kinesis: `plan` decides, per call, which entries fail (by tag) or whether the call throws. */
function fakePort(plan: (entries: PutRecordsEntry[], call: number) => 'throw' | number[]): PutRecordsPort & { stored: number[]; calls: number[][] } {
  const stored: number[] = [];
  const calls: number[][] = [];
  return {
    stored,
    calls,
    async putRecords(entries) {
      calls.push(entries.map(tag));
      const decision = plan(entries, calls.length);
      if (decision === 'throw') throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4567'), { name: 'Error' });
      return entries.map((e): PutRecordsResultEntry => {
        if (decision.includes(tag(e))) return { errorCode: 'ProvisionedThroughputExceededException', errorMessage: 'Rate exceeded for shard' };
        stored.push(tag(e));
        return {};
      });
    },
  };
}

const deps = { random: () => 0.5, sleep: async () => undefined, now: () => 0 };

describe('packBatches', () => {
  it('splits entries in order within the record count and byte limits', () => {
    const entries = [1, 2, 3, 4, 5].map((n) => entry(n, 10));
    const { batches } = packBatches(entries, { maxRecords: 2, maxBytes: 1000, maxRecordBytes: 100 });
    expect(batches.map((b) => b.map(tag))).toEqual([[1, 2], [3, 4], [5]]);
    const bySize = packBatches(entries, { maxRecords: 500, maxBytes: 3 * 13, maxRecordBytes: 100 });
    expect(bySize.batches.map((b) => b.map(tag))).toEqual([[1, 2, 3], [4, 5]]);
  });

  it('sets aside an entry larger than one Kinesis record, partition key included', () => {
    const { batches, oversized } = packBatches([entry(1, 10), entry(2, 98), entry(3, 10)], { maxRecords: 500, maxBytes: 1000, maxRecordBytes: 100 });
    expect(batches.map((b) => b.map(tag))).toEqual([[1, 3]]);
    expect(oversized.map(tag)).toEqual([2]);
  });

  it('uses the PutRecords limits by default: 500 records per call', () => {
    const { batches } = packBatches(Array.from({ length: 1201 }, (_u, i) => entry(i % 256, 1)));
    expect(batches.map((b) => b.length)).toEqual([500, 500, 201]);
  });
});

describe('toBackoffMs', () => {
  it('draws a full-jitter delay under an exponential ceiling capped at the maximum', () => {
    const options = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(toBackoffMs(1, () => 0.999, options)).toBe(99);
    expect(toBackoffMs(3, () => 0.5, options)).toBe(200);
    expect(toBackoffMs(10, () => 0.999, options)).toBe(999);
    expect(toBackoffMs(2, () => 0, options)).toBe(0);
  });
});

describe('createProducer', () => {
  it('sends buffered entries and empties the buffer', async () => {
    const port = fakePort(() => []);
    const producer = createProducer({ port, ...deps });
    producer.enqueue(entry(1));
    producer.enqueue(entry(2));
    await expect(producer.flush()).resolves.toEqual({ sent: 2, remaining: 0 });
    expect(port.stored).toEqual([1, 2]);
    expect(producer.stats()).toEqual({ sent: 2, retries: 0, dropped: 0, buffered: 0 });
  });

  it('retries only the failed entries, after a jittered backoff', async () => {
    const sleeps: number[] = [];
    const port = fakePort((_e, call) => (call === 1 ? [2] : []));
    const producer = createProducer({ port, ...deps, sleep: async (ms) => void sleeps.push(ms) });
    [1, 2, 3].forEach((n) => producer.enqueue(entry(n)));
    await expect(producer.flush()).resolves.toEqual({ sent: 3, remaining: 0 });
    expect(port.calls).toEqual([[1, 2, 3], [2]]);
    expect(sleeps).toEqual([100]);
    expect(producer.stats()).toMatchObject({ sent: 3, retries: 1 });
  });

  it('keeps entries that failed every attempt for the next flush, ahead of newer ones', async () => {
    let down = true;
    const port = fakePort(() => (down ? 'throw' : []));
    const producer = createProducer({ port, ...deps, maxAttempts: 3 });
    producer.enqueue(entry(1));
    const failed = await producer.flush();
    expect(failed).toMatchObject({ sent: 0, remaining: 1, lastError: expect.stringContaining('ECONNREFUSED') });
    expect(port.calls).toHaveLength(3);
    down = false;
    producer.enqueue(entry(2));
    await expect(producer.flush()).resolves.toEqual({ sent: 2, remaining: 0 });
    expect(port.stored).toEqual([1, 2]);
  });

  it('stops retrying when the next wait would pass the deadline', async () => {
    let now = 0;
    const port = fakePort(() => 'throw');
    const producer = createProducer({ port, random: () => 0.99, sleep: async (ms) => void (now += ms), now: () => now, maxAttempts: 10 });
    producer.enqueue(entry(1));
    await producer.flush({ deadlineMs: 500 });
    expect(port.calls.length).toBeLessThan(10);
    expect(now).toBeLessThan(500);
  });

  it('drops the oldest entries beyond its capacity and counts them', async () => {
    const port = fakePort(() => []);
    const producer = createProducer({ port, ...deps, capacityRecords: 15 });
    for (let i = 1; i <= 20; i += 1) producer.enqueue(entry(i));
    expect(producer.stats()).toMatchObject({ dropped: 5, buffered: 15 });
    await producer.flush();
    expect(port.stored).toEqual(Array.from({ length: 15 }, (_u, i) => i + 6));
  });

  it('drops and counts an entry too large for a Kinesis record', async () => {
    const port = fakePort(() => []);
    const producer = createProducer({ port, ...deps, limits: { maxRecords: 500, maxBytes: 5000, maxRecordBytes: 100 } });
    producer.enqueue(entry(1, 200));
    producer.enqueue(entry(2, 10));
    await expect(producer.flush()).resolves.toEqual({ sent: 1, remaining: 0 });
    expect(producer.stats()).toMatchObject({ dropped: 1, sent: 1 });
  });

  it('rejects a buffer smaller than 15 intervals of records', () => {
    expect(() => createProducer({ port: fakePort(() => []), ...deps, capacityRecords: 14 })).toThrow(/capacityRecords 14.*>= 15/);
  });
});

describe('parseStreamName', () => {
  it('accepts a stream name or reduces a stream ARN to its name', () => {
    expect(parseStreamName('kinsight-records')).toBe('kinsight-records');
    expect(parseStreamName('arn:aws:kinesis:eu-west-1:123456789012:stream/kinsight-records')).toBe('kinsight-records');
  });
  it('rejects anything else with the expected forms', () => {
    expect(() => parseStreamName('arn:aws:sqs:eu-west-1:123456789012:q')).toThrow(/neither a Kinesis stream name.*nor a stream ARN/);
    expect(() => parseStreamName('bad name')).toThrow(/KINSIGHT_STREAM_NAME/);
  });
});

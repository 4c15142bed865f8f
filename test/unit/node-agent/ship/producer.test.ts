import { toBackoffMs } from '../../../../core/backoff';
import type { PutRecordsEntry, PutRecordsPort, PutRecordsResultEntry } from '../../../../node-agent/ship/kinesis-port';
import { packBatches } from '../../../../node-agent/ship/pack-batches';
import { createProducer } from '../../../../node-agent/ship/producer';
import { parseStreamName } from '../../../../node-agent/ship/stream-name';

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

  it('tells of every drop when it happens: the oldest to make room, and an entry too large to send', async () => {
    const drops: unknown[] = [];
    const producer = createProducer({ port: fakePort(() => []), ...deps, capacityRecords: 15, limits: { maxRecords: 500, maxBytes: 5000, maxRecordBytes: 100 }, onDrop: (e) => drops.push(e) });
    for (let i = 1; i <= 16; i += 1) producer.enqueue(entry(i));
    expect(drops).toEqual([{ reason: 'buffer-full', records: 1, buffered: 15 }]);
    producer.enqueue(entry(17, 200));
    expect(drops).toHaveLength(2);
    await producer.flush();
    expect(drops).toEqual([
      { reason: 'buffer-full', records: 1, buffered: 15 },
      { reason: 'buffer-full', records: 1, buffered: 15 },
      { reason: 'too-large', records: 1, buffered: 0 },
    ]);
    expect(producer.stats()).toMatchObject({ dropped: 3, sent: 14, buffered: 0 });
  });

  it('seals each entry when it sends it, with what is current then, and keeps the entry as buffered', async () => {
    let down = true;
    const sent: number[][] = [];
    const port: PutRecordsPort = {
      async putRecords(entries) {
        if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:4567');
        sent.push(...entries.map((e) => [...e.data]));
        return entries.map(() => ({}));
      },
    };
    let keyByte = 0xa1;
    const producer = createProducer({ port, ...deps, maxAttempts: 1, seal: (data) => ({ ok: true, value: Buffer.from([keyByte, ...data]) }) });
    producer.enqueue({ data: Buffer.from([1]), partitionKey: 'c/n' });
    await expect(producer.flush()).resolves.toMatchObject({ sent: 0, remaining: 1 });
    // The key rotated while the entry waited: it goes out sealed with the new one.
    keyByte = 0xa2;
    down = false;
    producer.enqueue({ data: Buffer.from([2]), partitionKey: 'c/n' });
    await expect(producer.flush()).resolves.toEqual({ sent: 2, remaining: 0 });
    expect(sent).toEqual([[0xa2, 1], [0xa2, 2]]);
  });

  it('keeps every entry buffered, without a call, while sealing is not possible', async () => {
    const port = fakePort(() => []);
    const producer = createProducer({ port, ...deps, seal: () => ({ ok: false, error: 'no signing key yet from secret kinsight/prod' }) });
    producer.enqueue(entry(1));
    await expect(producer.flush()).resolves.toEqual({ sent: 0, remaining: 1, lastError: 'no signing key yet from secret kinsight/prod' });
    expect(port.calls).toEqual([]);
    expect(producer.stats()).toMatchObject({ dropped: 0, buffered: 1 });
  });

  it('packs batches by the size of what is sent: a sealed entry over the record limit is dropped', async () => {
    const drops: unknown[] = [];
    const port = fakePort(() => []);
    const producer = createProducer({ port, ...deps, limits: { maxRecords: 500, maxBytes: 5000, maxRecordBytes: 100 }, seal: (data) => ({ ok: true, value: Buffer.concat([Buffer.alloc(60), data]) }), onDrop: (e) => drops.push(e) });
    producer.enqueue(entry(1, 30));
    producer.enqueue(entry(2, 40));
    await expect(producer.flush()).resolves.toEqual({ sent: 1, remaining: 0 });
    expect(port.calls).toEqual([[0]]);
    expect(drops).toEqual([{ reason: 'too-large', records: 1, buffered: 0 }]);
  });

  it('waits its backoff with the flush signal, and stops at once when the signal aborts: no more waits or attempts', async () => {
    const controller = new AbortController();
    const waits: [number, AbortSignal | undefined][] = [];
    const port = fakePort((_e, call) => {
      if (call === 2) controller.abort(new Error('shutdown budget of 25000 ms spent'));
      return 'throw';
    });
    const producer = createProducer({ port, ...deps, maxAttempts: 10, sleep: async (ms, signal) => void waits.push([ms, signal]) });
    producer.enqueue(entry(1));
    await expect(producer.flush({ signal: controller.signal })).resolves.toMatchObject({ sent: 0, remaining: 1, lastError: expect.stringContaining('ECONNREFUSED') });
    expect(port.calls).toHaveLength(2);
    expect(waits).toEqual([[100, controller.signal]]);
    await expect(producer.flush({ signal: controller.signal })).resolves.toEqual({ sent: 0, remaining: 1 });
    expect(port.calls).toHaveLength(2);
  });

  it('passes the flush signal to the call in flight and keeps its entries when it is aborted', async () => {
    const controller = new AbortController();
    const port: PutRecordsPort = {
      putRecords: (_entries, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(new Error(`POST http://127.0.0.1:4567/ aborted (${(signal.reason as Error).message})`)));
          controller.abort(new Error('shutdown budget of 25000 ms spent'));
        }),
    };
    const producer = createProducer({ port, ...deps });
    producer.enqueue(entry(1));
    await expect(producer.flush({ signal: controller.signal })).resolves.toEqual({ sent: 0, remaining: 1, lastError: 'Error: POST http://127.0.0.1:4567/ aborted (shutdown budget of 25000 ms spent)' });
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

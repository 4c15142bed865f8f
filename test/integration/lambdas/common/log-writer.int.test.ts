import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, GetLogEventsCommand, DescribeLogStreamsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { startCloudWatchLogsServer, type CloudWatchLogsServer } from '../../../../sim/aws/cloudwatch-logs-server';
import { toLocalClientConfig } from '../../../../sim/aws/local-aws';
import { createLogWriter } from '../../../../lambdas/common/log-writer';
import { TransientError } from '../../../../core/errors';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const HOUR = 3_600_000;
let logs: CloudWatchLogsServer;
let client: CloudWatchLogsClient;
let dir: string;
let n = 0;
const sleeps: number[] = [];
const writer = (extra: Partial<Parameters<typeof createLogWriter>[0]> = {}) =>
  createLogWriter({ client, now: () => NOW, sleep: async (ms) => void sleeps.push(ms), random: () => 1, ...extra });
const group = () => `/aws/containerinsights/c${++n}/performance`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kinsight-logs-'));
  logs = await startCloudWatchLogsServer({ now: () => NOW, persistDir: dir });
  client = new CloudWatchLogsClient({ ...toLocalClientConfig(logs.endpoint), maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await logs.close();
  await rm(dir, { recursive: true, force: true });
});

describe('log writer against the local CloudWatch Logs endpoint', () => {
  it('creates the log group and stream on first use and writes events sorted by time with the EMF header', async () => {
    const g = group();
    const result = await writer().write(g, 'node-1', [
      { timestamp: NOW - 2000, message: '{"b":2}' },
      { timestamp: NOW - 3000, message: '{"a":1}' },
    ]);
    expect(result).toMatchObject({ written: 2, calls: 1, created: 2 });
    expect(logs.events(g, 'node-1').map((e) => e.message)).toEqual(['{"a":1}', '{"b":2}']);
    expect(logs.requests.filter((r) => r.operation === 'PutLogEvents').every((r) => r.logsFormat === 'json/emf')).toBe(true);
  });

  it('splits at 10,000 events per call', async () => {
    const g = group();
    const events = Array.from({ length: 25_000 }, (_, i) => ({ timestamp: NOW - 25_000 + i, message: `{"i":${i}}` }));
    const result = await writer().write(g, 'n', events);
    expect(result).toMatchObject({ written: 25_000, calls: 3 });
    expect(logs.events(g, 'n')).toHaveLength(25_000);
  });

  it('splits at 1,048,576 bytes counting 26 bytes per event: two events of 524,262 bytes in one call, of 524,278 in two', async () => {
    // 2 x (524,262 + 26) = 1,048,576: exactly the limit. 2 x 524,278 = 1,048,556 fits without the
    // 26 bytes, 2 x (524,278 + 26) = 1,048,608 does not: only the per-event bytes make it two calls.
    const g = group();
    const from = logs.requests.length;
    const fits = await writer().write(g, 'at-limit', [0, 1].map((i) => ({ timestamp: NOW - 10 + i, message: 'x'.repeat(524_262) })));
    expect(fits).toMatchObject({ written: 2, calls: 1 });
    const over = await writer().write(g, 'over', [0, 1].map((i) => ({ timestamp: NOW - 10 + i, message: 'x'.repeat(524_278) })));
    expect(over).toMatchObject({ written: 2, calls: 2 });
    // The local endpoint counts the same 26 bytes and accepted every call.
    expect(logs.requests.slice(from).filter((r) => r.operation === 'PutLogEvents').map((r) => [r.eventCount, r.error])).toEqual([
      [undefined, 'ResourceNotFoundException'],
      [2, undefined],
      [undefined, 'ResourceNotFoundException'],
      [1, undefined],
      [1, undefined],
    ]);
    expect(logs.events(g, 'at-limit')).toHaveLength(2);
    expect(logs.events(g, 'over')).toHaveLength(2);
  });

  it('counts the events the service rejects as too old in rejectedLogEventsInfo, and writes the others (a clock 3 h behind the service)', async () => {
    const g = group();
    // This clock is 3 h behind the service's: events 14 days and 1 h old by the service pass the writer's own check.
    const result = await writer({ now: () => NOW - 3 * HOUR }).write(g, 'n', [
      { timestamp: NOW - 14 * 24 * HOUR - 2 * HOUR, message: 'old-1' },
      { timestamp: NOW - 14 * 24 * HOUR - HOUR, message: 'old-2' },
      { timestamp: NOW - 14 * 24 * HOUR + HOUR, message: 'kept' },
    ]);
    expect(result).toMatchObject({ written: 1, rejected: 2, droppedTooOld: 0, calls: 1 });
    expect(logs.events(g, 'n').map((e) => e.message)).toEqual(['kept']);
  });

  it('counts the events the service rejects as too new in rejectedLogEventsInfo, and writes the others (a clock 3 h ahead of the service)', async () => {
    const g = group();
    const result = await writer({ now: () => NOW + 3 * HOUR }).write(g, 'n', [
      { timestamp: NOW + HOUR, message: 'kept' },
      { timestamp: NOW + 2 * HOUR + 60_000, message: 'new-1' },
      { timestamp: NOW + 2 * HOUR + 120_000, message: 'new-2' },
    ]);
    expect(result).toMatchObject({ written: 1, rejected: 2, droppedTooNew: 0, calls: 1 });
    expect(logs.events(g, 'n').map((e) => e.message)).toEqual(['kept']);
  });

  it('splits a batch that would span more than 24 hours', async () => {
    const g = group();
    const result = await writer().write(g, 'n', [
      { timestamp: NOW - 30 * HOUR, message: 'old' },
      { timestamp: NOW, message: 'new' },
    ]);
    expect(result).toMatchObject({ written: 2, calls: 2 });
  });

  it('drops and counts events older than 14 days, more than 2 h ahead or too large for a call', async () => {
    const g = group();
    const result = await writer().write(g, 'n', [
      { timestamp: NOW - 15 * 24 * HOUR, message: 'ancient' },
      { timestamp: NOW + 3 * HOUR, message: 'future' },
      { timestamp: NOW, message: 'y'.repeat(1_048_576) },
      { timestamp: NOW, message: 'fine' },
    ]);
    expect(result).toMatchObject({ written: 1, droppedTooOld: 1, droppedTooNew: 1, droppedTooLarge: 1 });
  });

  it('retries throttling with growing backoff and then succeeds', async () => {
    const g = group();
    await writer().write(g, 'n', [{ timestamp: NOW, message: 'first' }]);
    sleeps.length = 0;
    logs.failNext('PutLogEvents', 2);
    const result = await writer().write(g, 'n', [{ timestamp: NOW, message: 'second' }]);
    expect(result).toMatchObject({ written: 1, retries: 2 });
    expect(sleeps).toEqual([100, 200]);
  });

  it('fails with a TransientError when throttling outlasts the retries', async () => {
    const g = group();
    logs.failNext('PutLogEvents', 3);
    await expect(writer({ maxRetries: 2 }).write(g, 'n', [{ timestamp: NOW, message: 'x' }])).rejects.toThrow(TransientError);
    await expect(writer({ maxRetries: 2 }).write(g, 'n', [{ timestamp: NOW, message: 'x' }])).resolves.toMatchObject({ written: 1 });
  });

  it('writes several streams in parallel and reports a failed stream without stopping the others', async () => {
    const g = group();
    logs.failNext('PutLogEvents', 1, 'InvalidParameterException');
    const outcomes = await writer({ concurrency: 1 }).writeMany([
      { logGroup: g, logStream: 'a', events: [{ timestamp: NOW, message: 'a' }] },
      { logGroup: g, logStream: 'b', events: [{ timestamp: NOW, message: 'b' }] },
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([false, true]);
    expect(logs.events(g, 'b')).toHaveLength(1);
  });

  it('persists accepted messages to <dir>/<log group path>/<log stream>.jsonl', async () => {
    const g = group();
    await writer().write(g, 'node-9', [{ timestamp: NOW, message: '{"x":1}' }, { timestamp: NOW, message: '{"x":2}' }]);
    const text = await readFile(join(dir, g, 'node-9.jsonl'), 'utf8');
    expect(text.trim().split('\n').map((l) => JSON.parse(l))).toEqual([{ x: 1 }, { x: 2 }]);
  });
});

describe('local CloudWatch Logs endpoint', () => {
  it('rejects events out of chronological order', async () => {
    const g = group();
    await client.send(new CreateLogGroupCommand({ logGroupName: g }));
    await client.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    await expect(client.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 's', logEvents: [{ timestamp: NOW, message: 'b' }, { timestamp: NOW - 1, message: 'a' }] }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringMatching(/chronological/),
    });
  });

  it('rejects more than 10,000 events, more than 1,048,576 bytes and a missing stream', async () => {
    const g = group();
    await client.send(new CreateLogGroupCommand({ logGroupName: g }));
    await client.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    const put = (logEvents: { timestamp: number; message: string }[], logStreamName = 's') => client.send(new PutLogEventsCommand({ logGroupName: g, logStreamName, logEvents }));
    await expect(put(Array.from({ length: 10_001 }, () => ({ timestamp: NOW, message: 'x' })))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(put([{ timestamp: NOW, message: 'x'.repeat(1_048_551) }])).rejects.toMatchObject({ message: expect.stringMatching(/too large/) });
    await expect(put([{ timestamp: NOW, message: 'x' }], 'nope')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(client.send(new CreateLogGroupCommand({ logGroupName: g }))).rejects.toMatchObject({ name: 'ResourceAlreadyExistsException' });
  });

  it('reports too-old events in rejectedLogEventsInfo and serves GetLogEvents and DescribeLogStreams', async () => {
    const g = group();
    await client.send(new CreateLogGroupCommand({ logGroupName: g }));
    await client.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 's' }));
    const out = await client.send(new PutLogEventsCommand({ logGroupName: g, logStreamName: 's', logEvents: [{ timestamp: NOW - 14 * 24 * HOUR - HOUR, message: 'old' }, { timestamp: NOW - 14 * 24 * HOUR + HOUR, message: 'ok' }] }));
    expect(out.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1 });
    const got = await client.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: 's', startFromHead: true }));
    expect(got.events?.map((e) => e.message)).toEqual(['ok']);
    const streams = await client.send(new DescribeLogStreamsCommand({ logGroupName: g }));
    expect(streams.logStreams?.[0]).toMatchObject({ logStreamName: 's', lastEventTimestamp: NOW - 14 * 24 * HOUR + HOUR });
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { startCloudWatchLogsServer, type CloudWatchLogsServer } from '../../../../sim/aws/cloudwatch-logs-server';
import { toLocalClientConfig } from '../../../../sim/aws/local-aws';
import { createLogWriter } from '../../../../lambdas/common/log-writer';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const HOUR = 3_600_000;
let logs: CloudWatchLogsServer;
let client: CloudWatchLogsClient;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kinsight-logs-server-'));
  logs = await startCloudWatchLogsServer({ now: () => NOW, persistDir: dir, retainEvents: false });
  client = new CloudWatchLogsClient({ ...toLocalClientConfig(logs.endpoint), maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await logs.close();
  await rm(dir, { recursive: true, force: true });
});

const storedEvents = () => logs.requests.reduce((sum, r) => sum + (r.eventCount ?? 0), 0);

describe('local CloudWatch Logs server', () => {
  it('counts the events of a PutLogEvents repeated after ResourceNotFoundException once', async () => {
    const before = storedEvents();
    const events = [1, 2, 3].map((i) => ({ timestamp: NOW - 10 + i, message: `{"i":${i}}` }));
    const result = await createLogWriter({ client }).write('/aws/containerinsights/once/performance', 'node-1', events);
    expect(result).toMatchObject({ written: 3, calls: 1, created: 2 });
    const puts = logs.requests.filter((r) => r.operation === 'PutLogEvents').slice(-2);
    expect(puts).toEqual([
      expect.objectContaining({ error: 'ResourceNotFoundException' }),
      expect.objectContaining({ eventCount: 3 }),
    ]);
    expect(puts[0].eventCount).toBeUndefined();
    expect(storedEvents() - before).toBe(3);
  });

  it('counts only the stored events of a call with events more than 2 hours ahead of the server clock', async () => {
    await client.send(new CreateLogGroupCommand({ logGroupName: 'old' }));
    await client.send(new CreateLogStreamCommand({ logGroupName: 'old', logStreamName: 's' }));
    const out = await client.send(
      new PutLogEventsCommand({
        logGroupName: 'old',
        logStreamName: 's',
        logEvents: [
          { timestamp: NOW, message: 'fresh' },
          { timestamp: NOW + 3 * HOUR, message: 'ahead' },
        ],
      }),
    );
    expect(out.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 1 });
    expect(logs.requests.at(-1)).toMatchObject({ operation: 'PutLogEvents', eventCount: 1 });
    expect(await readFile(join(dir, 'old', 's.jsonl'), 'utf8')).toBe('fresh\n');
  });

  it('appends the calls of one stream to its file in order before answering, one message per line, newlines replaced', async () => {
    const writer = createLogWriter({ client });
    for (let call = 0; call < 5; call++) {
      await writer.write('/aws/containerinsights/order/performance', 'n/1', [
        { timestamp: NOW - 100 + call * 2, message: `{"call":${call},"line":"a\nb"}` },
        { timestamp: NOW - 99 + call * 2, message: `{"call":${call},"second":true}` },
      ]);
    }
    const lines = (await readFile(join(dir, 'aws', 'containerinsights', 'order', 'performance', 'n', '1.jsonl'), 'utf8')).split('\n');
    expect(lines).toHaveLength(11);
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, 10).map((l) => (JSON.parse(l) as { call: number }).call)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect(lines[0]).toBe('{"call":0,"line":"a b"}');
  });

  it('rejects a call whose events are out of chronological order and stores nothing of it', async () => {
    await client.send(new CreateLogGroupCommand({ logGroupName: 'unordered' }));
    await client.send(new CreateLogStreamCommand({ logGroupName: 'unordered', logStreamName: 's' }));
    await expect(
      client.send(new PutLogEventsCommand({ logGroupName: 'unordered', logStreamName: 's', logEvents: [{ timestamp: NOW, message: 'b' }, { timestamp: NOW - 1, message: 'a' }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    expect(logs.requests.at(-1)).toMatchObject({ operation: 'PutLogEvents', error: 'InvalidParameterException' });
    expect(logs.requests.at(-1)?.eventCount).toBeUndefined();
  });
});

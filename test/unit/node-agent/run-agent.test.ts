import type { NodeRecord } from '../../../core/record';
import { DEFAULT_MAX_RECORD_BYTES, parseRecordData } from '../../../core/record/record-data';
import type { AgentConfig } from '../../../node-agent/agent-config';
import type { NodeSample } from '../../../node-agent/collect/node-sample';
import { createLogger } from '../../../node-agent/log';
import { runAgent, type AgentDeps } from '../../../node-agent/run-agent';
import type { PutRecordsEntry } from '../../../node-agent/ship/kinesis-port';
import { createKinesisPort } from '../../../node-agent/ship/kinesis-port';
import { createProducer } from '../../../node-agent/ship/producer';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const config: AgentConfig = { hostRoot: '/fixture', cluster: 'c1', node: 'n1', dryRun: true, once: false, intervalMs: 60_000, bufferRecords: 60, shutdownMs: 5000 };
const sending: AgentConfig = { ...config, dryRun: false, streamName: 's', shutdownMs: 25_000 };

function sampleAt(monotonicMs: number, cpuNs: number): NodeSample {
  return {
    timeMs: 1_700_000_000_000 + monotonicMs, monotonicMs, cgroupVersion: 2, cores: 2, memTotalBytes: 8e9,
    root: { gauges: { memoryUsageBytes: 1e9 }, counters: { cpuUsageNs: cpuNs } },
    net: [], disks: [], filesystems: [], pods: [], readErrors: 1, podsVanished: 0,
  };
}

/** A virtual clock: sleeping advances it; the stop signal aborts after `cycles` sleeps. */
function harness(cycles: number, overrides: Partial<AgentDeps> = {}) {
  const controller = new AbortController();
  let clock = 0;
  let sleeps = 0;
  const printed: NodeRecord[] = [];
  const logs: Record<string, unknown>[] = [];
  const healthy: number[] = [];
  const deps: AgentDeps = {
    collect: (nowMs) => sampleAt(clock, clock * 1000 + (nowMs > 0 ? 0 : 1)),
    print: (r) => printed.push(r),
    log: createLogger((line) => logs.push(JSON.parse(line) as Record<string, unknown>), () => 0),
    now: () => 1_700_000_000_000 + clock,
    monotonic: () => clock,
    sleep: async (ms) => {
      clock += ms;
      sleeps += 1;
      if (sleeps >= cycles) controller.abort();
    },
    rssBytes: () => 50e6,
    stopSignal: controller.signal,
    onCycle: (ms) => healthy.push(ms),
    version: '9.9.9',
    ...overrides,
  };
  return { deps, printed, logs, healthy, controller };
}

describe('runAgent', () => {
  it('prints one record per interval in dry-run, deltas from the second on, until stopped', async () => {
    const h = harness(3);
    const result = await runAgent(config, h.deps);
    expect(result).toEqual({ cycles: 3, failedCycles: 0, unsent: 0 });
    expect(h.printed.map((r) => r.elapsedMs)).toEqual([undefined, 60_000, 60_000]);
    expect(h.printed[1].deltas).toEqual({ cpuUsageNs: 60_000_000 });
    expect(h.printed[0].agent).toMatchObject({ version: '9.9.9', rssBytes: 50e6, readErrors: 1, podsVanished: 0, recordsSent: 0 });
    expect(h.healthy).toEqual([0, 60_000, 120_000]);
  });

  it('runs one cycle with once', async () => {
    const h = harness(100);
    await expect(runAgent({ ...config, once: true }, h.deps)).resolves.toMatchObject({ cycles: 1 });
    expect(h.printed).toHaveLength(1);
  });

  it('logs a failed cycle with context, counts it and goes on', async () => {
    let calls = 0;
    const h = harness(3);
    const collect = h.deps.collect;
    h.deps.collect = (now) => {
      calls += 1;
      if (calls === 2) throw new Error('cannot read the monotonic clock');
      return collect(now);
    };
    await expect(runAgent(config, h.deps)).resolves.toEqual({ cycles: 2, failedCycles: 1, unsent: 0 });
    expect(h.logs).toContainEqual(expect.objectContaining({ level: 'error', message: 'cycle failed', error: 'cannot read the monotonic clock', hostRoot: '/fixture' }));
  });

  it('sends records through the producer and reports the previous cycle figures in the next record', async () => {
    const stored: PutRecordsEntry[] = [];
    let failNext = true;
    const producer = createProducer({
      port: {
        async putRecords(entries) {
          return entries.map((e) => {
            if (failNext) {
              failNext = false;
              return { errorCode: 'InternalFailure' };
            }
            stored.push(e);
            return {};
          });
        },
      },
      random: () => 0,
      sleep: async () => undefined,
      now: () => 0,
    });
    const h = harness(2, { producer });
    await runAgent({ ...config, dryRun: false, streamName: 's' }, h.deps);
    const records = stored.map((e) => {
      const parsed = parseRecordData(e.data, DEFAULT_MAX_RECORD_BYTES);
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.value;
    });
    expect(records).toHaveLength(2);
    expect(stored[0].partitionKey).toBe('c1/n1');
    expect(records[0].agent).toMatchObject({ recordsSent: 0, retries: 0 });
    expect(records[1].agent).toMatchObject({ recordsSent: 1, retries: 1, dropped: 0, bufferedRecords: 0 });
    expect(h.printed).toEqual([]);
  });

  it('flushes the buffer on stop and reports what could not be sent', async () => {
    const producer = createProducer({ port: { putRecords: async () => { throw new Error('endpoint down'); } }, random: () => 0, sleep: async () => undefined, now: () => 0, maxAttempts: 1 });
    const h = harness(1, { producer });
    const result = await runAgent({ ...config, dryRun: false, streamName: 's' }, h.deps);
    expect(result.unsent).toBe(1);
    expect(h.logs).toContainEqual(expect.objectContaining({ level: 'error', message: 'stopping with unsent records', unsent: 1 }));
  });

  it('keeps the backoff between attempts of the shutdown flush and starts none past the budget', async () => {
    // Kinesis is down; the stop comes during the wait after the first cycle.
    const waits: number[] = [];
    let clock = 0;
    const producer = createProducer({
      port: { putRecords: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:4567')) },
      random: () => 0.99,
      maxAttempts: 100,
      backoff: { baseDelayMs: 1000, maxDelayMs: 8000 },
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
      now: () => clock,
    });
    const budgets: number[] = [];
    const h = harness(1, { producer, timeout: (ms) => (budgets.push(ms), new AbortController().signal) });
    h.deps.monotonic = () => clock;
    h.deps.sleep = async (ms) => {
      clock += ms;
      h.controller.abort();
    };
    const result = await runAgent({ ...sending, intervalMs: 10_000 }, h.deps);
    expect(result).toEqual({ cycles: 1, failedCycles: 0, unsent: 1 });
    expect(budgets).toEqual([25_000]);
    // The cycle's flush: waits within 80 % of its 10 s interval. The shutdown flush after the stop at 10 s: its own
    // waits, none skipped, the last one ending before 10 s + 25 s.
    expect(waits).toEqual([990, 1980, 3960, 990, 1980, 3960, 7920, 7920]);
    expect(clock).toBe(10_000 + 990 + 1980 + 3960 + 7920 + 7920);
    expect(h.logs).toContainEqual(expect.objectContaining({ level: 'error', message: 'stopping with unsent records', unsent: 1, shutdownMs: 25_000, lastError: 'Error: connect ECONNREFUSED 127.0.0.1:4567' }));
  });

  it('aborts the request in flight when the shutdown budget is spent, against a Kinesis that never answers', async () => {
    const budget = new AbortController();
    const h = harness(100, { timeout: () => budget.signal });
    let closedByClient: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (closedByClient = resolve));
    // The stop comes while the first PutRecords hangs; then the budget runs out.
    const server = createServer((req) => {
      req.socket.on('close', () => closedByClient());
      h.controller.abort();
      setImmediate(() => budget.abort(new Error('shutdown budget of 25000 ms spent')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = createKinesisPort({ streamName: 's', region: 'us-east-1', endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 's' }), requestTimeoutMs: 600_000 });
    h.deps.producer = createProducer({ port, random: () => 0, sleep: async () => undefined, now: () => 0 });
    try {
      await expect(runAgent(sending, h.deps)).resolves.toEqual({ cycles: 1, failedCycles: 0, unsent: 1 });
      // The agent closed the connection: the server sees it go without having answered.
      await closed;
    } finally {
      port.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(h.logs).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'stopping with unsent records', unsent: 1, lastError: expect.stringMatching(/^Error: POST http:\/\/127\.0\.0\.1:\d+\/ aborted \(shutdown budget of 25000 ms spent\)$/) }),
    );
  });

  it('asks the signing key source before each flush and before the shutdown flush', async () => {
    const asked: string[] = [];
    const producer = createProducer({ port: { putRecords: async () => Promise.reject(new Error('down')) }, random: () => 0, sleep: async () => undefined, now: () => 0, maxAttempts: 1 });
    const h = harness(2, { producer, signingKey: { refreshIfDue: async () => void asked.push('refresh') }, timeout: () => new AbortController().signal });
    await runAgent(sending, h.deps);
    expect(asked).toEqual(['refresh', 'refresh', 'refresh']);
  });
});

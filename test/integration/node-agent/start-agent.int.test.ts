import { CreateStreamCommand, DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import Ajv2020 from 'ajv/dist/2020';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { URL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { NodeRecord } from '../../../core/record';
import { DEFAULT_MAX_RECORD_BYTES, openRecordData, parseRecordData, parseRecordJson, readRecordEnvelope } from '../../../core/record/record-data';
import schema from '../../../core/record/record.schema.json';
import { runCli } from '../../../cli/run-cli';
import { collectNode } from '../../../node-agent/collect/collect-node';
import { createHostReader } from '../../../node-agent/collect/host-reader';
import { startHealthServer } from '../../../node-agent/health-server';
import { createLogger } from '../../../node-agent/log';
import { runAgent } from '../../../node-agent/run-agent';
import { NO_CREDENTIALS_MESSAGE } from '../../../node-agent/ship/credentials';
import { createKinesisPort } from '../../../node-agent/ship/kinesis-port';
import { createProducer } from '../../../node-agent/ship/producer';
import { startAgent } from '../../../node-agent/start-agent';
import { startKinesalite, toLocalClientConfig, type LocalService } from '../../../sim/aws/local-aws';
import { createClusterModel, toPodsOnHost } from '../../../sim/cluster/cluster-model';
import { createHostTree } from '../../../sim/node/host-tree';
import { startSecretsManagerServer, type LocalSecretsManager } from '../../../sim/aws/secrets-manager-server';
import { createAwsJsonClient } from '../../../node-agent/ship/aws-json-client';
import { createSigningClock } from '../../../node-agent/ship/signing-clock';
import { createSigningKeySource } from '../../../node-agent/ship/signing-key';
import { signRecordData } from '../../../core/record/record-data';

const ROOT = join(__dirname, '../../..');
const FIXTURE = join(ROOT, 'test/fixtures/hosts/al2023-v2-containerd-systemd');
const validate = new Ajv2020({ allErrors: true }).compile(schema);

const kinesisClient = (endpoint: string): KinesisClient =>
  new KinesisClient({ ...toLocalClientConfig(endpoint), requestHandler: new NodeHttpHandler({ connectionTimeout: 1000 }), maxAttempts: 1 });

async function createStream(client: KinesisClient, name: string): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  for (;;) {
    const d = await client.send(new DescribeStreamCommand({ StreamName: name }));
    if (d.StreamDescription?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function readStream(client: KinesisClient, name: string): Promise<{ partitionKey: string; data: Uint8Array }[]> {
  const d = await client.send(new DescribeStreamCommand({ StreamName: name }));
  const out: { partitionKey: string; data: Uint8Array }[] = [];
  for (const shard of d.StreamDescription?.Shards ?? []) {
    const it = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    const got = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator, Limit: 10_000 }));
    for (const r of got.Records ?? []) out.push({ partitionKey: r.PartitionKey ?? '', data: r.Data as Uint8Array });
  }
  return out;
}

/** The record of a document as sent (the JSON text before gzip), after checking that the JSON Schema accepts it too. */
function expectValidRecord(json: string): NodeRecord {
  const parsed = parseRecordJson(json);
  if (!parsed.ok) throw new Error(parsed.error);
  const document: unknown = JSON.parse(json);
  expect(validate(document) ? [] : validate.errors).toEqual([]);
  return parsed.value;
}

/** The record of a Kinesis record's data, decoded by the codec, after checking the document it carries as above. */
function expectValidData(data: Uint8Array): NodeRecord {
  const record = expectValidRecord(gunzipSync(data).toString('utf8'));
  expect(parseRecordData(data, DEFAULT_MAX_RECORD_BYTES)).toEqual({ ok: true, value: record });
  return record;
}

const captureIo = (env: NodeJS.ProcessEnv = {}) => {
  const out = { stdout: '', stderr: '' };
  return { out, io: { env, stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), stopSignal: new AbortController().signal } };
};

describe('node agent against kinesalite', () => {
  let kinesis: LocalService;
  let client: KinesisClient;
  const dirs: string[] = [];
  beforeAll(async () => {
    kinesis = await startKinesalite();
    client = kinesisClient(kinesis.endpoint);
  });
  afterAll(async () => {
    client.destroy();
    await kinesis.close();
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  });

  it('sends records that arrive, decode, parse and validate against the JSON Schema', async () => {
    await createStream(client, 'records-1');
    const code = await startAgent(['--once', '--host-root', FIXTURE, '--cluster', 'prod', '--node', 'ip-10-0-1-2', '--stream', 'records-1', '--endpoint', kinesis.endpoint, '--region', 'us-east-1'], captureIo({ AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' }).io);
    expect(code).toBe(0);
    const got = await readStream(client, 'records-1');
    expect(got).toHaveLength(1);
    expect(got[0].partitionKey).toBe('prod/ip-10-0-1-2');
    const record = expectValidData(got[0].data);
    expect(record).toMatchObject({ cluster: 'prod', node: 'ip-10-0-1-2', cgroupVersion: 2, cores: 4 });
    expect(record.pods).toHaveLength(4);
  });

  it('keeps records through a Kinesis outage and delivers all of them, in order, after a restart on the same port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kinsight-agent-'));
    dirs.push(dir);
    const tree = createHostTree(dir, { cgroupVersion: 2, driver: 'systemd', runtime: 'containerd', cores: 4, memTotalBytes: 2 ** 34, pods: toPodsOnHost(createClusterModel({ name: 'c', nodeCount: 1, podsPerNode: 5 }).nodeState(0).pods) });
    const host = createHostReader(dir);
    let local = await startKinesalite();
    const port = new URL(local.endpoint).port;
    let sender = kinesisClient(local.endpoint);
    await createStream(sender, 'records-2');
    const producer = createProducer({ port: createKinesisPort({ streamName: 'records-2', region: 'us-east-1', endpoint: local.endpoint, credentials: async () => ({ accessKeyId: 'local', secretAccessKey: 'local' }) }), capacityRecords: 15, maxAttempts: 2, random: () => 0, sleep: async () => undefined, now: () => 0 });
    const controller = new AbortController();
    let clock = 0;
    let cycle = 0;
    const before = await readStream(sender, 'records-2');
    expect(before).toEqual([]);
    const logs: string[] = [];
    const result = await runAgent(
      { hostRoot: dir, cluster: 'c', node: 'n', dryRun: false, once: false, intervalMs: 60_000, streamName: 'records-2', bufferRecords: 15, shutdownMs: 1000 },
      {
        collect: (nowMs) => collectNode(host, nowMs),
        producer,
        print: () => undefined,
        log: createLogger((l) => void logs.push(l)),
        now: () => 1_700_000_000_000 + clock,
        monotonic: () => clock,
        rssBytes: () => 1,
        stopSignal: controller.signal,
        sleep: async (ms) => {
          clock += ms;
          tree.advance(ms / 1000);
          cycle += 1;
          if (cycle === 2) await local.close(); // Kinesis goes away after two records were stored.
          if (cycle === 7) {
            // Back on the same port, empty (kinesalite keeps streams in memory): the stream is made again.
            local = await startKinesalite(Number(port));
            await createStream(kinesisClient(local.endpoint), 'records-2');
          }
          if (cycle === 8) controller.abort();
        },
      },
    );
    expect(result).toEqual({ cycles: 8, failedCycles: 0, unsent: 0 });
    expect(logs.some((l) => l.includes('records kept for the next cycle'))).toBe(true);
    const after = (await readStream(kinesisClient(local.endpoint), 'records-2')).map((r) => expectValidData(r.data));
    // Records 3 to 7 were buffered during the outage, record 8 came after: all six arrive, oldest first.
    expect(after.map((r) => r.timeMs)).toEqual([2, 3, 4, 5, 6, 7].map((i) => 1_700_000_000_000 + i * 60_000));
    expect(after[5].agent).toMatchObject({ dropped: 0 });
    expect(after.slice(1).every((r) => r.elapsedMs === 60_000)).toBe(true);
    expect(producer.stats()).toMatchObject({ sent: 8, dropped: 0, buffered: 0 });
    sender.destroy();
    await local.close();
  });
});

describe('signed records: each cluster\'s agent signs with its own cluster\'s key', () => {
  const KEY_A = 'a'.repeat(64);
  const KEY_B = 'b'.repeat(64);
  const AGENT_A = { accessKeyId: 'AKIDAGENTA', secretAccessKey: 'agent-a', secrets: ['kinsight/cluster-a'] };
  const AGENT_B = { accessKeyId: 'AKIDAGENTB', secretAccessKey: 'agent-b', secrets: ['kinsight/cluster-b'] };
  let kinesis: LocalService;
  let client: KinesisClient;
  let sm: LocalSecretsManager;
  let versionA: string;
  let versionB: string;
  beforeAll(async () => {
    kinesis = await startKinesalite();
    client = kinesisClient(kinesis.endpoint);
    sm = await startSecretsManagerServer({ principals: [AGENT_A, AGENT_B] });
    ({ versionId: versionA } = sm.createSecret('kinsight/cluster-a', JSON.stringify({ key: KEY_A })));
    ({ versionId: versionB } = sm.createSecret('kinsight/cluster-b', JSON.stringify({ key: KEY_B })));
  });
  afterAll(async () => {
    client.destroy();
    await kinesis.close();
    await sm.close();
  });

  /** The agent of `cluster`, once, as the DaemonSet configures it (env), with the given identity and key secret. */
  const runOnce = async (cluster: string, identity: { accessKeyId: string; secretAccessKey: string }, secret: string, stream: string) => {
    const { out, io } = captureIo({
      KINSIGHT_KEY_SECRET: secret,
      AWS_ACCESS_KEY_ID: identity.accessKeyId,
      AWS_SECRET_ACCESS_KEY: identity.secretAccessKey,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    });
    const code = await startAgent(['--once', '--host-root', FIXTURE, '--cluster', cluster, '--node', 'ip-10-0-1-2', '--stream', stream, '--endpoint', kinesis.endpoint, '--region', 'us-east-1'], io);
    return { code, logs: out.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>), stderr: out.stderr };
  };
  /** The enricher's view: the fleet knows cluster-a's key only. */
  const keyOfFleetA = (cluster: string, keyId: string) => (cluster === 'cluster-a' && keyId === versionA ? Buffer.from(KEY_A) : undefined);

  it('ships records that open with the cluster\'s key, and a record of another cluster\'s agent does not open with it', async () => {
    await createStream(client, 'signed-1');
    const a = await runOnce('cluster-a', AGENT_A, 'kinsight/cluster-a', 'signed-1');
    const b = await runOnce('cluster-b', AGENT_B, 'kinsight/cluster-b', 'signed-1');
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.logs.map((l) => l.message)).toEqual(['agent started', 'signing key fetched', 'cycle completed', 'agent stopped']);
    const got = await readStream(client, 'signed-1');
    expect(got.map((r) => r.partitionKey)).toEqual(['cluster-a/ip-10-0-1-2', 'cluster-b/ip-10-0-1-2']);
    const [fromA, fromB] = got.map((r) => r.data);
    expect(readRecordEnvelope(fromA)).toMatchObject({ ok: true, value: { signed: true, cluster: 'cluster-a', keyId: versionA } });
    const opened = openRecordData(fromA, { maxBytes: DEFAULT_MAX_RECORD_BYTES, keyOf: keyOfFleetA });
    expect(opened).toMatchObject({ ok: true, value: { cluster: 'cluster-a', node: 'ip-10-0-1-2', cores: 4 } });
    // Cluster b's record names its own key, which is not one of cluster a's ...
    expect(openRecordData(fromB, { maxBytes: DEFAULT_MAX_RECORD_BYTES, keyOf: keyOfFleetA })).toEqual({ ok: false, error: `record is signed for cluster cluster-b with key ${versionB}, which is not a key of that cluster in this fleet` });
    // ... and does not verify with cluster a's key even where that key is taken for cluster b's.
    expect(openRecordData(fromB, { maxBytes: DEFAULT_MAX_RECORD_BYTES, keyOf: () => Buffer.from(KEY_A) })).toMatchObject({ ok: false, error: expect.stringMatching(/^record signature does not verify with key/) });
    expect(`${a.stderr}${b.stderr}`).not.toMatch(/aaaaaaaa|bbbbbbbb/);
  });

  it('keeps the records buffered and sends nothing when the agent may not read the key secret it is given', async () => {
    await createStream(client, 'signed-2');
    const b = await runOnce('cluster-b', AGENT_B, 'kinsight/cluster-a', 'signed-2');
    expect(b.code).toBe(1);
    expect(b.logs).toContainEqual(expect.objectContaining({ level: 'error', message: 'signing key not fetched; records wait in the buffer', error: expect.stringContaining('AccessDeniedException') }));
    expect(b.logs.at(-2)).toMatchObject({ level: 'error', message: 'stopping with unsent records', unsent: 1, lastError: 'no signing key yet from secret kinsight/cluster-a; records wait in the buffer' });
    expect(await readStream(client, 'signed-2')).toEqual([]);
    expect(b.stderr).not.toMatch(/aaaaaaaa/);
  });

  it('signs with the rotated key once the refresh picked it up, each record opening with the key it names', async () => {
    await createStream(client, 'signed-3');
    const dir = mkdtempSync(join(tmpdir(), 'kinsight-signed-'));
    try {
      const tree = createHostTree(dir, { cgroupVersion: 2, driver: 'systemd', runtime: 'containerd', cores: 2, memTotalBytes: 2 ** 33, pods: toPodsOnHost(createClusterModel({ name: 'c', nodeCount: 1, podsPerNode: 2, containersPerNode: 3, allRunning: true }).nodeState(0).pods) });
      const host = createHostReader(dir);
      let clock = 0;
      const credentials = async () => AGENT_A;
      const secrets = createAwsJsonClient({ service: 'secretsmanager', region: 'us-east-1', endpoint: sm.endpoint, credentials, clock: createSigningClock() });
      const log = createLogger(() => undefined);
      const keys = createSigningKeySource({ secretId: 'kinsight/cluster-a', client: secrets, now: () => clock, refreshMs: 3_600_000, log });
      const port = createKinesisPort({ streamName: 'signed-3', region: 'us-east-1', endpoint: kinesis.endpoint, credentials });
      const producer = createProducer({
        port,
        random: () => 0,
        sleep: async () => undefined,
        now: () => clock,
        seal: (data) => {
          const key = keys.current();
          return key ? { ok: true, value: signRecordData('cluster-a', data, key) } : { ok: false, error: 'no key' };
        },
      });
      const controller = new AbortController();
      let cycle = 0;
      let rotated = '';
      const secretsByVersion = new Map<string, Buffer>([[versionA, Buffer.from(KEY_A)]]);
      await runAgent(
        { hostRoot: dir, cluster: 'cluster-a', node: 'n', dryRun: false, once: false, intervalMs: 30 * 60_000, streamName: 'signed-3', bufferRecords: 15, shutdownMs: 1000 },
        {
          collect: (nowMs) => collectNode(host, nowMs),
          producer,
          signingKey: keys,
          print: () => undefined,
          log,
          now: () => 1_700_000_000_000 + clock,
          monotonic: () => clock,
          rssBytes: () => 1,
          stopSignal: controller.signal,
          sleep: async (ms) => {
            clock += ms;
            tree.advance(ms / 1000);
            cycle += 1;
            if (cycle === 1) {
              const key = 'r'.repeat(64);
              rotated = sm.rotate('kinsight/cluster-a', JSON.stringify({ key }));
              secretsByVersion.set(rotated, Buffer.from(key));
            }
            if (cycle === 3) controller.abort();
          },
        },
      );
      secrets.close();
      port.close();
      const got = await readStream(client, 'signed-3');
      // Records 1 and 2 (half an hour later) go out with the first key, record 3 (an hour later) with the rotated one.
      expect(got.map((r) => (readRecordEnvelope(r.data) as { value: { keyId: string } }).value.keyId)).toEqual([versionA, versionA, rotated]);
      for (const r of got) {
        expect(openRecordData(r.data, { maxBytes: DEFAULT_MAX_RECORD_BYTES, keyOf: (cluster, keyId) => (cluster === 'cluster-a' ? secretsByVersion.get(keyId) : undefined) })).toMatchObject({ ok: true, value: { cluster: 'cluster-a' } });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the standalone agent process', () => {
  let kinesis: LocalService;
  let client: KinesisClient;
  beforeAll(async () => {
    kinesis = await startKinesalite();
    client = kinesisClient(kinesis.endpoint);
  });
  afterAll(async () => {
    client.destroy();
    await kinesis.close();
  });

  (existsSync(join(ROOT, 'dist/agent.js')) ? it : it.skip)('sends a record, stops on SIGTERM with nothing unsent and exits 0', async () => {
    await createStream(client, 'records-3');
    const child = spawn(process.execPath, ['dist/agent.js'], {
      cwd: ROOT,
      env: { ...process.env, KINSIGHT_CLUSTER_NAME: 'c', KINSIGHT_NODE_NAME: 'n', KINSIGHT_HOST_ROOT: FIXTURE, KINSIGHT_STREAM_NAME: 'records-3', KINSIGHT_KINESIS_ENDPOINT: kinesis.endpoint, KINSIGHT_INTERVAL: '1h' },
    });
    const lines: Record<string, unknown>[] = [];
    let pending = '';
    child.stderr.on('data', (d: Buffer) => {
      pending += d.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
        if (lines.at(-1)?.message === 'cycle completed') child.kill('SIGTERM');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(lines.map((l) => l.message)).toEqual(['agent started', 'records are sent unsigned', 'cycle completed', 'agent stopped']);
    expect(lines[1]).toMatchObject({ level: 'warn', fix: expect.stringContaining('KINSIGHT_KEY_SECRET') });
    expect(lines[3]).toMatchObject({ level: 'info', cycles: 1, failedCycles: 0, unsent: 0 });
    const got = await readStream(client, 'records-3');
    expect(got).toHaveLength(1);
    expectValidData(got[0].data);
  });
});

describe('kinsight agent on the command line', () => {
  it('prints the record it would send, decoded, as one JSON document with --dry-run --once', async () => {
    const { out, io } = captureIo();
    const code = await runCli(['agent', '--host-root', FIXTURE, '--cluster', 'c', '--node', 'n', '--dry-run', '--once'], io);
    expect(code).toBe(0);
    const record = expectValidRecord(out.stdout);
    expect(record).toMatchObject({ cluster: 'c', node: 'n', cores: 4, memTotalBytes: 16101248 * 1024 });
    expect(out.stderr.trim().split('\n').map((l) => JSON.parse(l) as { level: string }).every((l) => typeof l.level === 'string')).toBe(true);
  });

  it('fails with one clear line and exit 1 when no stream is configured', async () => {
    const { out, io } = captureIo();
    await expect(runCli(['agent', '--cluster', 'c', '--node', 'n'], io)).resolves.toBe(1);
    expect(out.stderr).toBe('kinsight agent: no Kinesis stream; set --stream or KINSIGHT_STREAM_NAME (or use --dry-run to print records)\n');
  });

  it('fails with one clear line and exit 1 for an interval that is not a duration', async () => {
    const { out, io } = captureIo({ KINSIGHT_INTERVAL: 'soon' });
    await expect(runCli(['agent', '--cluster', 'c', '--node', 'n', '--dry-run'], io)).resolves.toBe(1);
    expect(out.stderr.split('\n').filter(Boolean)).toEqual([expect.stringMatching(/^kinsight agent: interval "soon" is not a duration/)]);
  });

  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  (existsSync(join(ROOT, 'dist/kinsight.js')) ? it : it.skip)('runs from the bundled CLI: node dist/kinsight.js agent --dry-run --once', async () => {
    const r = await run(['dist/kinsight.js', 'agent', '--host-root', FIXTURE, '--cluster', 'c', '--node', 'n', '--dry-run', '--once']);
    expect(r.stderr).not.toMatch(/Error:/);
    expect(r.code).toBe(0);
    expectValidRecord(r.stdout);
  });

  (existsSync(join(ROOT, 'dist/agent.js')) ? it : it.skip)('runs standalone from dist/agent.js with environment variables only', async () => {
    const r = await run(['dist/agent.js'], { KINSIGHT_CLUSTER_NAME: 'c', KINSIGHT_NODE_NAME: 'n', KINSIGHT_HOST_ROOT: FIXTURE, KINSIGHT_STREAM_NAME: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('kinsight agent: no Kinesis stream; set --stream or KINSIGHT_STREAM_NAME (or use --dry-run to print records)\n');
    const dry = await run(['dist/agent.js', '--dry-run', '--once'], { KINSIGHT_CLUSTER_NAME: 'c', KINSIGHT_NODE_NAME: 'n', KINSIGHT_HOST_ROOT: FIXTURE });
    expect(dry.code).toBe(0);
    expect(expectValidRecord(dry.stdout).pods).toHaveLength(4);
  });
});

describe('liveness endpoint', () => {
  it('answers GET /healthz on loopback with 200 while healthy, 503 when not, 404 elsewhere', async () => {
    let healthy = true;
    const server = await startHealthServer(0, () => healthy);
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      healthy = false;
      const stale = await fetch(`${base}/healthz`);
      expect(stale.status).toBe(503);
      expect(await stale.text()).toMatch(/within 3 intervals/);
      expect((await fetch(`${base}/metrics`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('liveness endpoint configuration', () => {
  it('fails with one clear line when the health port is taken', async () => {
    const taken = await startHealthServer(0, () => true);
    try {
      const { out, io } = captureIo();
      await expect(runCli(['agent', '--host-root', FIXTURE, '--cluster', 'c', '--node', 'n', '--dry-run', '--once', '--health-port', String(taken.port)], io)).resolves.toBe(1);
      expect(out.stderr).toMatch(new RegExp(`^kinsight agent: cannot listen on 127.0.0.1:${taken.port} for the liveness endpoint \\(EADDRINUSE\\); choose a free port`));
    } finally {
      await taken.close();
    }
  });
});

describe('AWS region and credentials configuration', () => {
  it('fails with one clear line when no AWS region is known', async () => {
    const { out, io } = captureIo({ AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
    await expect(runCli(['agent', '--host-root', FIXTURE, '--cluster', 'c', '--node', 'n', '--stream', 's', '--once'], io)).resolves.toBe(1);
    expect(out.stderr).toBe('kinsight agent: no AWS region; set --region, AWS_REGION or AWS_DEFAULT_REGION\n');
  });

  it('fails with one clear line naming the variables looked at when no credential source is configured', async () => {
    const { out, io } = captureIo({ AWS_DEFAULT_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'key-without-secret' });
    await expect(runCli(['agent', '--host-root', FIXTURE, '--cluster', 'c', '--node', 'n', '--stream', 's', '--once'], io)).resolves.toBe(1);
    expect(out.stderr).toBe(`kinsight agent: ${NO_CREDENTIALS_MESSAGE}\n`);
  });
});

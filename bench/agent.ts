// Benchmark of the node agent on a generated host: 110 pods, 250 containers (plus one pause
// container per pod). Prints figures; asserts nothing. Run with `npm run bench:agent`.
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { collectNode, createCollectMemory } from '../node-agent/collect/collect-node';
import { createHostReader } from '../node-agent/collect/host-reader';
import type { NodeRecord } from '../core/record';
import type { NodeSample } from '../node-agent/collect/node-sample';
import { toNodeRecord } from '../node-agent/delta';
import { toKinesisEntry } from '../node-agent/ship/encode-record';
import { createKinesisPort, type PutRecordsPort } from '../node-agent/ship/kinesis-port';
import { createProducer } from '../node-agent/ship/producer';
import { createHostTree, generateSimPods, type HostTreeSpec } from '../sim/host-tree';

const PODS = 110;
const CONTAINERS = 250;
/** Cycles whose CPU is measured (the median is printed) per host layout. */
const MEASURED_CYCLES = 30;
/** Cycles run by the agent process before its RSS is read. */
const CYCLES = 100;
const MIB = 1024 * 1024;
/** Smaller young generation and a capped old one: the agent's garbage is short-lived and its live set small. */
const RECOMMENDED_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=32'];

const cpuMs = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The agent's work of one cycle, as the loop does it: collect, diff, encode, buffer and send (to a no-op Kinesis). */
function createCycle(root: string, port: PutRecordsPort = { putRecords: async (entries) => entries.map(() => ({})) }) {
  const host = createHostReader(root);
  const memory = createCollectMemory();
  const producer = createProducer({ port, random: Math.random, sleep: async () => undefined, now: () => 0 });
  let previous: NodeSample | undefined;
  let clock = 0;
  return async () => {
    clock += 60_000;
    const c0 = process.cpuUsage();
    const sample = collectNode(host, clock, memory);
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
 * The agent's process as deployed: the real Kinesis client (serialisation, signing, parsing)
 * with only the network replaced by an in-process answer, so its memory counts too.
 */
async function child(root: string): Promise<void> {
  const client = new KinesisClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestHandler: {
      handle: async () => ({
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: Readable.from([Buffer.from(JSON.stringify({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1', ShardId: 'shardId-000000000000' }] }))]),
        },
      }),
    },
  });
  const cycle = createCycle(root, createKinesisPort(client, 'bench'));
  for (let i = 0; i < CYCLES; i += 1) await cycle();
  const m = process.memoryUsage();
  process.stdout.write(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed }));
}

async function main(): Promise<void> {
  const dirs: string[] = [];
  const treeFor = (spec: Omit<HostTreeSpec, 'pods' | 'cores' | 'memTotalBytes'>) => {
    // tmpfs when there is one: the simulated host rewrites thousands of files per cycle, and the
    // figures are about the agent's reads, not the disk's writes.
    const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'kinsight-bench-'));
    dirs.push(dir);
    return createHostTree(dir, { ...spec, cores: 16, memTotalBytes: 64 * 1024 * MIB, pods: generateSimPods(PODS, CONTAINERS) });
  };
  console.log(`kinsight agent benchmark: ${PODS} pods, ${CONTAINERS} containers (+${PODS} pause), ${CYCLES} cycles, Node ${process.version}`);
  let v2Root = '';
  for (const spec of [
    { label: 'cgroup v2, systemd, containerd', cgroupVersion: 2, driver: 'systemd', runtime: 'containerd' },
    { label: 'cgroup v1, cgroupfs, docker', cgroupVersion: 1, driver: 'cgroupfs', runtime: 'docker' },
  ] as const) {
    const tree = treeFor(spec);
    // The sandbox probes of the first cycle are not part of the steady state measured below.
    if (spec.cgroupVersion === 2) v2Root = tree.root;
    const cycle = createCycle(tree.root);
    const collectCpu: number[] = [];
    const cycleCpu: number[] = [];
    let last = await cycle();
    for (let i = 0; i < MEASURED_CYCLES; i += 1) {
      tree.advance(60);
      const c1 = process.cpuUsage();
      last = await cycle();
      cycleCpu.push(cpuMs(c1));
      collectCpu.push(last.collectMs);
    }
    const raw = Buffer.byteLength(JSON.stringify(last.record));
    const pods = last.record.pods;
    console.log(`\n[${spec.label}]`);
    console.log(`  collection CPU per cycle (median of ${MEASURED_CYCLES}): ${median(collectCpu).toFixed(2)} ms   (target <= 20 ms)`);
    console.log(`  full cycle CPU (collect + delta + JSON + gzip + send), median: ${median(cycleCpu).toFixed(2)} ms`);
    console.log(`  record: ${pods.length} pods, ${pods.reduce((n, p) => n + p.containers.length, 0)} containers; ${raw} bytes raw, ${last.entry.data.byteLength} bytes gzipped   (target <= 8192)`);
    // Where the gzipped bytes go: ids are random hex that no compressor can shrink.
    const noIds = JSON.parse(JSON.stringify(last.record)) as NodeRecord;
    for (const p of noIds.pods) {
      p.uid = '';
      for (const c of p.containers) c.id = '';
    }
    console.log(`  of which pod UIDs and 64-hex container ids: ${last.entry.data.byteLength - gzipSync(JSON.stringify(noIds)).byteLength} bytes gzipped`);
  }
  // The agent process as deployed, with node's defaults and with the heap flags node-agent/README.md recommends.
  for (const flags of [[], RECOMMENDED_NODE_FLAGS]) {
    const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    const rss = JSON.parse(execFileSync(process.execPath, [...flags, __filename, '--child', v2Root], { encoding: 'utf8', env })) as { rss: number; heapUsed: number };
    console.log(`RSS after ${CYCLES} cycles (v2 host, Kinesis client loaded), node ${flags.join(' ') || '(default flags)'}: ${(rss.rss / MIB).toFixed(1)} MiB, heap used ${(rss.heapUsed / MIB).toFixed(1)} MiB   (target <= 64 MiB)`);
  }
  const bundle = join(__dirname, '..', 'agent.js');
  const bundleBytes = statSync(bundle).size;
  console.log(`agent bundle dist/agent.js: ${(bundleBytes / 1024).toFixed(0)} KiB, ${(gzipSync(readFileSync(bundle)).byteLength / 1024).toFixed(0)} KiB gzipped`);
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
}

if (process.argv[2] === '--child') {
  child(process.argv[3]).catch((error: unknown) => {
    process.stderr.write(`bench child failed: ${String(error)}\n`);
    process.exitCode = 1;
  });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}

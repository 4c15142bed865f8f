import type { KinesisStreamEvent } from 'aws-lambda';
import { PROFILES, withLogOnlyEvery, type DeclarationProfile } from '../../../../core/metrics/profiles';
import { toNodeKey, type NodeMetadata } from '../../../../core/node-metadata';
import type { NodeRecord } from '../../../../core/record';
import { toRecordData } from '../../../../core/record/record-data';
import type { LogStreamBatch, LogWriter } from '../../../../lambdas/common/log-writer';
import { createHandler } from '../../../../lambdas/enricher/create-handler';
import { advanceClusterState, createClusterState, type ClusterState } from '../../../../sim/cluster/cluster-state';
import { toSimNodeMetadata } from '../../../../sim/node/sim-node-metadata';
import { toSimNodeRecord } from '../../../../sim/node/sim-node-record';
import { toCustomMetricKeys, toMetricTriples } from '../../../helpers/emf-triples';
import { expectValidEmf } from '../../../helpers/emf-validator';

// The same agent records through the real enricher handler (decode, metadata join, enrich, encode,
// per-node streams) under each profile; what the writer receives is compared.

// Kinesis numbers every record of a shard once: an enricher remembers what it wrote by that number.
let delivered = 0;
const eventOf = (records: readonly NodeRecord[]): KinesisStreamEvent => ({
  Records: records.map((r) => ({
    kinesis: { data: Buffer.from(toRecordData(r)).toString('base64'), sequenceNumber: String(++delivered), partitionKey: `${r.cluster}/${r.node}`, kinesisSchemaVersion: '1.0', approximateArrivalTimestamp: 1 },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-0:${delivered}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn',
  })),
});

/** A handler of one profile whose writer keeps what it is given. */
function enricherOf(profile: DeclarationProfile, documents: () => ReadonlyMap<string, NodeMetadata>) {
  const batches: LogStreamBatch[] = [];
  const writer: LogWriter = {
    write: async () => {
      throw new Error('the enricher writes with writeMany');
    },
    writeMany: async (bs) => {
      batches.push(...bs);
      return bs.map((b) => ({ ok: true, result: { written: b.events.length, droppedTooOld: 0, droppedTooNew: 0, droppedTooLarge: 0, rejected: 0, calls: 1, retries: 0, created: 0 } }));
    },
  };
  const handler = createHandler({
    profile,
    requireSignature: false,
    writer,
    metadata: { get: async (keys) => new Map(keys.map((k) => [k, documents().get(k)])) },
    logger: { info: () => undefined, warn: () => undefined, error: (message, extra) => { throw new Error(`${message} ${JSON.stringify(extra)}`); } },
  });
  const messages = () => batches.flatMap((b) => b.events.map((e) => e.message));
  const bytes = () => messages().reduce((sum, m) => sum + Buffer.byteLength(m), 0);
  return { handler, batches, messages, bytes };
}

const T0 = Date.UTC(2026, 0, 5, 10, 0, 7);
const STEP_MS = 60_000;

/**
 * `steps` intervals of a simulated cluster (pods churn, containers restart, a node comes under
 * pressure), with the documents a step behind every third step (pods the poller has not seen yet).
 */
function toIntervals(nodes: number, podsPerNode: number, steps: number) {
  let state: ClusterState = createClusterState({ name: 'ref', nodeCount: nodes, podsPerNode }, T0);
  const intervals: { records: NodeRecord[]; documents: Map<string, NodeMetadata> }[] = [];
  let documents = new Map<string, NodeMetadata>();
  for (let step = 0; step < steps; step++) {
    const now = T0 + step * STEP_MS;
    if (step > 0) state = advanceClusterState(state, now, { restartProbability: 0.1, churnProbability: 0.5, memoryPressureFromStep: 2 });
    if (step % 3 !== 2) documents = new Map(state.nodes.map((n) => [toNodeKey('ref', n.name), toSimNodeMetadata('ref', n, now)]));
    intervals.push({ records: state.nodes.map((n) => toSimNodeRecord('ref', n, now, step === 0 ? undefined : STEP_MS)), documents });
  }
  return intervals;
}

async function replay(profiles: readonly DeclarationProfile[], intervals: ReturnType<typeof toIntervals>) {
  let current = intervals[0].documents;
  const enrichers = profiles.map((p) => enricherOf(p, () => current));
  for (const interval of intervals) {
    current = interval.documents;
    for (const e of enrichers) await e.handler(eventOf(interval.records));
  }
  return enrichers;
}

describe('lean profile', () => {
  it('gives CloudWatch every (metric, dimension set, value) classic gives it, each as often, from replayed records', async () => {
    const [classic, lean] = await replay([PROFILES.classic, PROFILES.lean], toIntervals(6, 30, 8));
    const classicTriples = toMetricTriples(classic.messages());
    expect(classicTriples.size).toBeGreaterThan(5_000);
    expect(toMetricTriples(lean.messages())).toEqual(classicTriples);
    for (const m of lean.messages()) expectValidEmf(m);
    // The same log streams: lean changes what an event holds, not where it goes.
    expect(lean.batches.map((b) => `${b.logGroup} ${b.logStream}`)).toEqual(classic.batches.map((b) => `${b.logGroup} ${b.logStream}`));
  });

  it('merges the pods of a workload into value arrays and leaves out the log-only Types', async () => {
    const [classic, lean] = await replay([PROFILES.classic, PROFILES.lean], toIntervals(2, 30, 2));
    const types = (messages: string[]) => [...new Set(messages.map((m) => (JSON.parse(m) as { Type: string }).Type))].sort();
    expect(types(classic.messages())).toEqual(['Container', 'Node', 'NodeDiskIO', 'NodeFS', 'NodeNet', 'Pod', 'PodNet']);
    expect(types(lean.messages())).toEqual(['Node', 'NodeFS', 'Pod']);
    const arrays = lean.messages().map((m) => JSON.parse(m) as Record<string, unknown>).filter((d) => Array.isArray(d.pod_cpu_utilization));
    expect(arrays.length).toBeGreaterThan(0);
  });

  it('writes at most 15 % of classic bytes on the reference fleet (50 nodes x 30 pods), measured through the enricher', async () => {
    const [classic, lean] = await replay([PROFILES.classic, PROFILES.lean], toIntervals(50, 30, 2).slice(1));
    const ratio = lean.bytes() / classic.bytes();
    expect(ratio).toBeLessThanOrEqual(0.15);
    expect(toCustomMetricKeys(toMetricTriples(lean.messages()))).toEqual(toCustomMetricKeys(toMetricTriples(classic.messages())));
  });

  it('writes the log-only records whole, as classic does, once per period and node', async () => {
    const intervals = toIntervals(2, 10, 12);
    const [classic, every] = await replay([PROFILES.classic, withLogOnlyEvery(PROFILES.lean, 5 * STEP_MS)], intervals);
    const logOnly = (messages: string[]) => messages.filter((m) => !m.includes('"_aws"'));
    // T0 is 10:00:07: the intervals holding 10:05 and 10:10 are steps 5 and 10, and step 0 is each agent's first record.
    const timesOf = (messages: string[]) => [...new Set(messages.map((m) => (JSON.parse(m) as { Timestamp: string }).Timestamp))].map((t) => (Number(t) - T0) / STEP_MS);
    expect(timesOf(logOnly(every.messages()))).toEqual([0, 5, 10]);
    const due = new Set([0, 5, 10].map((s) => String(T0 + s * STEP_MS)));
    expect(logOnly(every.messages())).toEqual(logOnly(classic.messages()).filter((m) => due.has((JSON.parse(m) as { Timestamp: string }).Timestamp)));
    expect(toMetricTriples(every.messages())).toEqual(toMetricTriples(classic.messages()));
  });
});

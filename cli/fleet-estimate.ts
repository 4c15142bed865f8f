import { createEmfEncoder, type EmfEncoder } from '../core/emf';
import type { FleetInterval } from '../core/cost-model';
import { withLogOnlyEvery, type DeclarationProfile } from '../core/metrics/profiles';
import { toMetadataItem } from '../core/node-metadata-item';
import { toRecordData } from '../core/record/record-data';
import { toCiRecords } from '../lambdas/enricher/enrich';
import { createEnrichCache, type EnrichCache } from '../lambdas/enricher/enrich-cache';
import { createClusterModel } from '../sim/cluster/cluster-model';
import { toSimNodeMetadata } from '../sim/node/sim-node-metadata';
import { toSimNodeRecord } from '../sim/node/sim-node-record';

/**
 * One interval of a simulated fleet through the real enricher and EMF encoder, per profile: what
 * `kinsight cost` prices and `cdk synth` warns about. The fleet is the simulated cluster of
 * sim/cluster (cluster-model.ts): per node two DaemonSet pods, then a pattern of 20 pods: 14 of
 * Deployments, 2 of StatefulSets (each its own `PodName`), 2 of CronJobs, a Job's and a bare pod's
 * (each its own `PodName` too). The pods of a Deployment share their `PodName`, so the size of the
 * Deployments sets how many workloads, and so how many per-workload custom metrics, a node brings.
 */

/** The fleet to simulate. */
export interface FleetShape {
  readonly nodes: number;
  /** Pods per node, its two DaemonSet pods included. */
  readonly podsPerNode: number;
  /**
   * Replicas of each Deployment: the lever of the custom-metric count (a workload's pods share its metrics).
   * @default 10
   */
  readonly podsPerDeployment?: number;
  /** @default 60 */
  readonly intervalSeconds?: number;
}

/** What one interval of the fleet gives under one profile. */
export interface ProfileInterval extends FleetInterval {
  readonly profile: string;
}

/** The measured interval of each profile, and the workloads behind the custom metrics. */
export interface FleetEstimate {
  readonly shape: Required<FleetShape>;
  /** Distinct `PodName` values (namespace and workload) of the pods running in the fleet. */
  readonly workloads: number;
  /** Distinct workloads per node, summed over the nodes and averaged (a Deployment spread over two nodes counts on both). */
  readonly workloadsPerNode: number;
  readonly intervals: readonly ProfileInterval[];
}

type Emf = Record<string, unknown> & { _aws?: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] } };

interface ProfileRun {
  readonly profile: DeclarationProfile;
  /** The profile's encoder on an interval that writes no log-only record. */
  readonly encoder: EmfEncoder;
  /** Lean profiles that write log-only records now and then: the share of intervals that do, and their encoder. */
  readonly logOnly?: { readonly share: number; readonly encoder: EmfEncoder };
  readonly cache: EnrichCache;
  readonly metrics: Set<string>;
  logsBytes: number;
  enrichNs: bigint;
}

/**
 * Measures one interval of the fleet under each profile: custom metrics (distinct metric name,
 * dimension names and values), EMF bytes (a lean profile's log-only records counted in the share of
 * intervals that write them), compressed record and metadata document sizes, enrich-and-encode time.
 * One node at a time: a fleet of 20,000 nodes never holds every pod at once.
 */
export function toFleetEstimate(shape: FleetShape, profiles: readonly DeclarationProfile[]): FleetEstimate {
  const full: Required<FleetShape> = { podsPerDeployment: 10, intervalSeconds: 60, ...shape };
  const intervalMs = full.intervalSeconds * 1000;
  const nowMs = Date.UTC(2026, 0, 1, 0, 0, 30);
  const model = createClusterModel({ name: 'cost', nodeCount: full.nodes, podsPerNode: full.podsPerNode, replicasPerDeployment: full.podsPerDeployment });
  const runs: ProfileRun[] = profiles.map((profile) => {
    const everyMs = profile.leanEvents?.logOnlyEveryMs ?? 0;
    return {
      profile,
      encoder: createEmfEncoder(withLogOnlyEvery(profile, 0)),
      ...(everyMs > 0 ? { logOnly: { share: Math.min(1, intervalMs / everyMs), encoder: createEmfEncoder(profile) } } : {}),
      cache: createEnrichCache(),
      metrics: new Set<string>(),
      logsBytes: 0,
      enrichNs: 0n,
    };
  });
  const workloads = new Set<string>();
  let workloadsOnNodes = 0;
  let recordBytes = 0;
  let metadataBytes = 0;
  for (let i = 0; i < model.nodes.count; i += 1) {
    const node = model.nodeState(i);
    const record = toSimNodeRecord(model.description.name, node, nowMs, intervalMs);
    const metadata = toSimNodeMetadata(model.description.name, node, nowMs);
    recordBytes += toRecordData(record).byteLength;
    metadataBytes += toMetadataItem(metadata, nowMs, 3600).doc.length;
    const onNode = new Set(metadata.pods.filter((p) => p.phase === 'Running').map((p) => `${p.namespace}/${p.workloadName}`));
    for (const w of onNode) workloads.add(w);
    workloadsOnNodes += onNode.size;
    for (const run of runs) {
      const started = process.hrtime.bigint();
      const records = toCiRecords(record, metadata, { profile: run.profile }, run.cache).records;
      const events = run.encoder.encodeEvents(records, record);
      run.enrichNs += process.hrtime.bigint() - started;
      let bytes = 0;
      for (const event of events) {
        bytes += Buffer.byteLength(event.message, 'utf8');
        const doc = JSON.parse(event.message) as Emf;
        for (const directive of doc._aws?.CloudWatchMetrics ?? []) {
          for (const set of directive.Dimensions) {
            const dims = set.map((k) => `${k}=${String(doc[k])}`).join(',');
            for (const m of directive.Metrics) run.metrics.add(`${m.Name}|${dims}`);
          }
        }
      }
      if (run.logOnly) {
        // An agent's first record writes them (no elapsed time): the size of an interval that does, in its share of intervals.
        const due = run.logOnly.encoder.encodeEvents(records, { timeMs: nowMs }).reduce((sum, e) => sum + Buffer.byteLength(e.message, 'utf8'), 0);
        bytes += (due - bytes) * run.logOnly.share;
      }
      run.logsBytes += bytes;
    }
  }
  const count = Math.max(1, model.nodes.count);
  return {
    shape: full,
    workloads: workloads.size,
    workloadsPerNode: workloadsOnNodes / count,
    intervals: runs.map((run) => ({
      profile: run.profile.name,
      nodes: model.nodes.count,
      intervalSeconds: full.intervalSeconds,
      customMetrics: run.metrics.size,
      logsBytes: run.logsBytes,
      recordBytes,
      averageRecordBytes: recordBytes / count,
      enrichMsPerRecord: Number(run.enrichNs) / 1e6 / count,
      metadataItemBytes: metadataBytes / count,
    })),
  };
}

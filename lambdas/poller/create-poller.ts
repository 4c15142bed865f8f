import type { CiRecord } from '../../core/ci-record';
import { createHash } from 'node:crypto';
import { toMetadataItem, type NodeMetadataItem } from '../../core/node-metadata-item';
import type { NodeMetadata } from '../../core/node-metadata';
import type { AutoScalingGroupResolver } from './asg-resolver';
import type { KubeConnector } from './eks-connector';
import { listAll } from './kube-lists';
import type { MetadataStore } from './metadata-store';
import {
  toNodeFacts,
  toOwnerLink,
  toPodFacts,
  toPollResult,
  toSliceFacts,
  toWorkloadFacts,
  type PollInput,
  type WorkloadFacts,
} from './poll';

/**
 * One poll of one cluster, end to end: list the API (paginated, in parallel), resolve Auto Scaling
 * groups, build records and node documents, write the documents whose content changed (plus a
 * refresh before their TTL), delete documents of nodes that left, and hand the records to the
 * writer.
 *
 * Where the previous observation lives (restart counts for the restart deltas, hashes of what is
 * stored): in the memory of the warm Lambda, per cluster. The memory is trusted only when this
 * instance ran the previous poll of the cluster (it is younger than `staleAfterMs`); otherwise
 * (cold start, or another instance polled in between) it is rebuilt from the table: the cluster's
 * index item and the stored documents, whose containers carry their restart counts.
 */

/** Writes the Container Insights records of a cluster (EMF to the cluster's performance log group). */
export type WriteEvents = (cluster: string, records: readonly CiRecord[]) => Promise<void>;

/** What the poller needs. */
export interface PollerDeps {
  readonly connect: KubeConnector;
  readonly autoScalingGroups: AutoScalingGroupResolver;
  readonly store: MetadataStore;
  readonly writeEvents: WriteEvents;
  /** Whether a cluster uses the enhanced profile (workload records, node status metrics). */
  readonly isEnhanced: (cluster: string) => boolean;
  /**
   * Lifetime of a stored document (DynamoDB TTL); a document is refreshed when 3/4 of it passed.
   * @default 3600
   */
  readonly ttlSeconds?: number;
  /**
   * Age after which the in-memory previous observation is not trusted and is rebuilt from the table.
   * @default 90_000
   */
  readonly staleAfterMs?: number;
  /**
   * A monotonic clock in ms, for the duration in the summary.
   * @default performance.now
   */
  readonly elapsedMs?: () => number;
}

/** What one poll did, for the log line and the metrics of the poller itself. */
export interface PollSummary {
  readonly cluster: string;
  readonly nodes: number;
  readonly pods: number;
  readonly records: number;
  readonly documentsWritten: number;
  readonly documentsDeleted: number;
  readonly listRequests: number;
  /** True when the previous observation was rebuilt from the table (cold start or stale memory). */
  readonly rebuiltState: boolean;
  readonly warnings: readonly string[];
  readonly durationMs: number;
  /** Where the time went: listing the API, building records and documents, writing the table and the events. */
  readonly phasesMs: { readonly list: number; readonly build: number; readonly write: number };
}

/** Polls one cluster. */
export type Poller = (cluster: string, nowMs: number) => Promise<PollSummary>;

interface ClusterState {
  readonly ranAtMs: number;
  readonly nodes: Map<string, { hash: string; writtenAtMs: number }>;
  readonly restarts: ReadonlyMap<string, number>;
  readonly index: { nodes: readonly string[]; writtenAtMs: number } | undefined;
}

/**
 * The hash the poller compares to decide a write: the content hash with restart deltas of 0 left
 * out, so a pod seen for the second time (delta absent -> 0) does not rewrite its node's document;
 * a real restart (delta > 0), and its return to 0 a minute later, do.
 */
export function toWriteHash(doc: NodeMetadata): string {
  const { observedAtMs: _ignored, ...content } = doc;
  // restartDelta is never an object's first member, and label values are strings: this pattern
  // only matches the numeric zero deltas. Cheaper than a replacer called for every member.
  const text = JSON.stringify(content).replace(/,"restartDelta":0(?=[,}])/g, '');
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Creates a poller; its memory of previous observations lives as long as the returned function. */
export function createPoller(deps: PollerDeps): Poller {
  const ttlSeconds = deps.ttlSeconds ?? 3600;
  const refreshAfterMs = ttlSeconds * 750;
  const staleAfterMs = deps.staleAfterMs ?? 90_000;
  const memory = new Map<string, ClusterState>();
  const elapsedMs = deps.elapsedMs ?? (() => performance.now());

  const loadState = async (cluster: string, nodeNames: readonly string[], nowMs: number): Promise<ClusterState> => {
    const index = await deps.store.readIndex(cluster, nowMs);
    const names = [...new Set([...(index?.nodes ?? []), ...nodeNames])];
    const stored = await deps.store.readNodes(cluster, names, nowMs);
    const restarts = new Map<string, number>();
    const nodes = new Map<string, { hash: string; writtenAtMs: number }>();
    for (const [node, s] of stored) {
      nodes.set(node, { hash: s.hash, writtenAtMs: s.writtenAtMs });
      for (const [key, count] of s.restarts) restarts.set(key, count);
    }
    return { ranAtMs: nowMs, nodes, restarts, index: index ?? { nodes: [...nodes.keys()].sort(), writtenAtMs: 0 } };
  };

  return async (cluster, nowMs) => {
    const started = elapsedMs();
    // Until this poll succeeds, the memory of this cluster is not trusted: a failure half-way leaves the table unknown.
    const previous = memory.get(cluster);
    memory.delete(cluster);
    const lists = await deps.connect(cluster, nowMs);
    const enhanced = deps.isEnhanced(cluster);
    const warnings: string[] = [];
    let listRequests = 0;
    const onPage = () => {
      listRequests += 1;
    };
    const none = Promise.resolve([] as WorkloadFacts[]);
    // The first failing list aborts the others: their pages are no use to a failed poll.
    const abort = new AbortController();
    const signal = abort.signal;
    const guard = <T>(list: Promise<T>): Promise<T> =>
      list.catch((error: unknown) => {
        abort.abort(error);
        throw error;
      });
    const [nodes, pods, slices, replicaSets, jobs, deployments, daemonSets, statefulSets] = await Promise.all([
      guard(listAll(lists.nodes, (n) => toNodeFacts(n, warnings), { what: 'nodes', onPage, signal })),
      guard(listAll(lists.pods, (p) => toPodFacts(p, warnings), { what: 'pods', onPage, signal })),
      guard(listAll(lists.endpointSlices, toSliceFacts, { what: 'endpointslices', onPage, signal })),
      // ReplicaSets are read in full when enhanced (they are workload records too), else for owner links only.
      guard(
        listAll(lists.replicaSets, (rs) => ({ link: toOwnerLink(rs, 'Deployment'), facts: enhanced ? toWorkloadFacts(rs, 'ClusterReplicaSet') : undefined }), { what: 'replicasets', onPage, signal }),
      ),
      guard(listAll(lists.jobs, (j) => toOwnerLink(j, 'CronJob'), { what: 'jobs', onPage, signal })),
      enhanced ? guard(listAll(lists.deployments, (d) => toWorkloadFacts(d, 'ClusterDeployment'), { what: 'deployments', onPage, signal })) : none,
      enhanced ? guard(listAll(lists.daemonSets, (d) => toWorkloadFacts(d, 'ClusterDaemonSet'), { what: 'daemonsets', onPage, signal })) : none,
      enhanced ? guard(listAll(lists.statefulSets, (s) => toWorkloadFacts(s, 'ClusterStatefulSet'), { what: 'statefulsets', onPage, signal })) : none,
    ]);
    const listedAt = elapsedMs();
    const instanceIds = nodes.flatMap((n) => (n.instanceId ? [n.instanceId] : []));
    const autoScalingGroups = await deps.autoScalingGroups.resolve(instanceIds, nowMs);
    const nodeNames = nodes.map((n) => n.name);
    const rebuiltState = !(previous && nowMs - previous.ranAtMs <= staleAfterMs && nowMs >= previous.ranAtMs);
    const state = rebuiltState ? await loadState(cluster, nodeNames, nowMs) : (previous as ClusterState);

    const input: PollInput = {
      nodes,
      pods,
      slices,
      replicaSets: replicaSets.map((r) => r.link),
      jobs,
      workloads: [...deployments, ...daemonSets, ...statefulSets, ...replicaSets.flatMap((r) => (r.facts ? [r.facts] : []))],
    };
    const result = toPollResult(input, { cluster, nowMs, enhanced, autoScalingGroups, previousRestarts: state.restarts });
    warnings.push(...result.warnings);

    const items: NodeMetadataItem[] = [];
    const written = new Map<string, { hash: string; writtenAtMs: number }>();
    for (const doc of result.documents) {
      const hash = toWriteHash(doc);
      const stored = state.nodes.get(doc.node);
      if (stored && stored.hash === hash && nowMs - stored.writtenAtMs < refreshAfterMs) {
        written.set(doc.node, stored);
        continue;
      }
      items.push({ ...toMetadataItem(doc, nowMs, ttlSeconds), hash });
      written.set(doc.node, { hash, writtenAtMs: nowMs });
    }
    const current = new Set(nodeNames);
    const gone = [...new Set([...state.nodes.keys(), ...(state.index?.nodes ?? [])])].filter((n) => !current.has(n));

    const builtAt = elapsedMs();
    await deps.store.putDocuments(items);
    if (gone.length > 0) await deps.store.deleteNodes(cluster, gone);
    const indexNodes = [...nodeNames].sort();
    let index = state.index;
    if (!index || !sameList(index.nodes, indexNodes) || nowMs - index.writtenAtMs >= refreshAfterMs) {
      await deps.store.putIndex(cluster, indexNodes, nowMs, ttlSeconds);
      index = { nodes: indexNodes, writtenAtMs: nowMs };
    }
    await deps.writeEvents(cluster, result.records);

    memory.set(cluster, { ranAtMs: nowMs, nodes: written, restarts: result.restarts, index });
    return {
      cluster,
      nodes: nodes.length,
      pods: pods.length,
      records: result.records.length,
      documentsWritten: items.length,
      documentsDeleted: gone.length,
      listRequests,
      rebuiltState,
      warnings,
      durationMs: Math.round(elapsedMs() - started),
      phasesMs: { list: Math.round(listedAt - started), build: Math.round(builtAt - listedAt), write: Math.round(elapsedMs() - builtAt) },
    };
  };
}

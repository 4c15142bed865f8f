import type { CiRecord } from '../../core/ci-record';
import { createHash } from 'node:crypto';
import { toMetadataItem, type NodeMetadataItem } from '../../core/node-metadata-item';
import type { NodeMetadata } from '../../core/node-metadata';
import { createLruMap } from '../common/lru-map';
import type { AutoScalingGroupResolver } from './asg-resolver';
import type { KubeConnector } from './eks-connector';
import { listAll, type ListResult } from './kube-lists';
import type { MetadataStore } from './metadata-store';
import {
  DOCUMENT_LISTS,
  toNodeFacts,
  toOwnerLink,
  toPodFacts,
  toPollResult,
  toSliceFacts,
  toWorkloadFacts,
  type PollInput,
  type PollList,
  type WorkloadFacts,
} from './poll';

/**
 * One poll of one cluster, end to end: list the API (paginated, in parallel), resolve Auto Scaling
 * groups, build records and node documents, write the records, write the documents whose content
 * changed (plus a refresh before their TTL) and delete documents of nodes that left.
 *
 * Where the previous observation lives (restart counts for the restart deltas, hashes of what is
 * stored): in the memory of the warm Lambda, per cluster. The memory is trusted only when this
 * instance ran the previous poll of the cluster (it is younger than `staleAfterMs`); otherwise
 * (cold start, another instance polled in between, or the cluster was forgotten to keep the memory
 * within its bound) it is rebuilt from the table: the cluster's index item and the stored
 * documents, whose containers carry their restart counts.
 *
 * A deadline bounds the poll. The lists get `listShare` of the time to it and are cut short there
 * with the pages they read; the rest of the time is for the table, building and writing. A poll
 * cut short writes the records that its complete lists make right, writes documents only when every
 * list a document is built from is complete, stops writing documents when the deadline passes (the
 * next poll writes the rest) and says so in its summary.
 */

/** Writes the Container Insights records of a cluster (EMF to the cluster's performance log group). */
export type WriteEvents = (cluster: string, records: readonly CiRecord[]) => Promise<void>;

/**
 * Entries of previous observations (one per remembered restart count or node document) a poller
 * keeps across clusters by default: at about 600 bytes an entry (measured on Node 20: a restart
 * count keyed `<pod uid>/<container>`), about 300 MB, the state of two 5,000-node clusters.
 */
export const DEFAULT_MAX_REMEMBERED_ENTRIES = 500_000;

/** Share of the time to the deadline the lists may take by default; the rest is for the table, building and writing. */
export const DEFAULT_LIST_SHARE = 0.6;

/** Documents written between two looks at the clock: 8 BatchWriteItem calls of 25, the store's concurrency. */
const WRITE_SLICE = 200;

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
   * A monotonic clock in ms, for the duration in the summary and the deadline checks.
   * @default performance.now
   */
  readonly elapsedMs?: () => number;
  /**
   * Share of the time to the deadline the lists may take.
   * @default DEFAULT_LIST_SHARE
   */
  readonly listShare?: number;
  /**
   * Previous-observation entries kept across the clusters this poller polls; beyond it the least
   * recently polled clusters are forgotten (their next poll rebuilds from the table). The cluster
   * just polled is always kept.
   * @default DEFAULT_MAX_REMEMBERED_ENTRIES
   */
  readonly maxRememberedEntries?: number;
}

/** Options of one poll. */
export interface PollOptions {
  /**
   * When the poll must be done, epoch ms on the clock of `nowMs` (the invocation's end minus a margin).
   * @default none: the poll takes the time it takes
   */
  readonly deadlineMs?: number;
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
  /** True when the deadline cut the poll short: `cutShort` says what. */
  readonly partial: boolean;
  /**
   * What the deadline cut short: lists (`nodes`, `pods`, `endpointslices`, `replicasets`, `jobs`,
   * `workloads`), `documents` (some changed documents were not written), `deletes` (documents of
   * nodes that left, and the index, wait for the next poll). Empty for a complete poll.
   */
  readonly cutShort: readonly string[];
}

/** Polls one cluster. */
export type Poller = (cluster: string, nowMs: number, options?: PollOptions) => Promise<PollSummary>;

interface StoredEntry {
  readonly hash: string;
  readonly writtenAtMs: number;
}

interface ClusterState {
  readonly ranAtMs: number;
  readonly nodes: ReadonlyMap<string, StoredEntry>;
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

/** The restart counts to remember when some documents were not written: theirs stay what the table holds. */
function toRememberedRestarts(current: ReadonlyMap<string, number>, before: ReadonlyMap<string, number>, unwritten: readonly NodeMetadata[]): Map<string, number> {
  const restarts = new Map(current);
  for (const doc of unwritten) {
    for (const pod of doc.pods) {
      for (const c of pod.containers) {
        const key = `${pod.uid}/${c.name}`;
        const old = before.get(key);
        if (old === undefined) restarts.delete(key);
        else restarts.set(key, old);
      }
    }
  }
  return restarts;
}

/** Creates a poller; its memory of previous observations lives as long as the returned function, within its bound. */
export function createPoller(deps: PollerDeps): Poller {
  const ttlSeconds = deps.ttlSeconds ?? 3600;
  const refreshAfterMs = ttlSeconds * 750;
  const staleAfterMs = deps.staleAfterMs ?? 90_000;
  const listShare = deps.listShare ?? DEFAULT_LIST_SHARE;
  const memory = createLruMap<string, ClusterState>({
    maxWeight: deps.maxRememberedEntries ?? DEFAULT_MAX_REMEMBERED_ENTRIES,
    weigh: (state) => state.nodes.size + state.restarts.size,
  });
  const elapsedMs = deps.elapsedMs ?? (() => performance.now());

  const loadState = async (cluster: string, nodeNames: readonly string[], nowMs: number): Promise<ClusterState> => {
    const index = await deps.store.readIndex(cluster, nowMs);
    const names = [...new Set([...(index?.nodes ?? []), ...nodeNames])];
    const stored = await deps.store.readNodes(cluster, names, nowMs);
    const restarts = new Map<string, number>();
    const nodes = new Map<string, StoredEntry>();
    for (const [node, s] of stored) {
      nodes.set(node, { hash: s.hash, writtenAtMs: s.writtenAtMs });
      for (const [key, count] of s.restarts) restarts.set(key, count);
    }
    return { ranAtMs: nowMs, nodes, restarts, index: index ?? { nodes: [...nodes.keys()].sort(), writtenAtMs: 0 } };
  };

  return async (cluster, nowMs, options = {}) => {
    const started = elapsedMs();
    const budgetMs = options.deadlineMs === undefined ? Number.POSITIVE_INFINITY : options.deadlineMs - nowMs;
    const timeLeft = (): number => started + budgetMs - elapsedMs();
    // Until this poll succeeds, the memory of this cluster is not trusted: a failure half-way leaves the table unknown.
    const previous = memory.get(cluster);
    memory.delete(cluster);
    const lists = await deps.connect(cluster, nowMs);
    try {
      const enhanced = deps.isEnhanced(cluster);
      const warnings: string[] = [];
      let listRequests = 0;
      const onPage = () => {
        listRequests += 1;
      };
      // The first failing list aborts the others: their pages are no use to a failed poll.
      const abort = new AbortController();
      const signal = abort.signal;
      const deadline = Number.isFinite(budgetMs) ? AbortSignal.timeout(Math.max(0, Math.floor(budgetMs * listShare - (elapsedMs() - started)))) : undefined;
      const none = Promise.resolve({ items: [] as WorkloadFacts[], complete: true });
      const guard = <T>(list: Promise<T>): Promise<T> =>
        list.catch((error: unknown) => {
          abort.abort(error);
          throw error;
        });
      const listOptions = (what: string) => ({ what, onPage, signal, ...(deadline ? { deadline } : {}) });
      const [nodes, pods, slices, replicaSets, jobs, deployments, daemonSets, statefulSets] = await Promise.all([
        guard(listAll(lists.nodes, (n) => toNodeFacts(n, warnings), listOptions('nodes'))),
        guard(listAll(lists.pods, (p) => toPodFacts(p, warnings), listOptions('pods'))),
        guard(listAll(lists.endpointSlices, toSliceFacts, listOptions('endpointslices'))),
        // ReplicaSets are read in full when enhanced (they are workload records too), else for owner links only.
        guard(listAll(lists.replicaSets, (rs) => ({ link: toOwnerLink(rs, 'Deployment'), facts: enhanced ? toWorkloadFacts(rs, 'ClusterReplicaSet') : undefined }), listOptions('replicasets'))),
        guard(listAll(lists.jobs, (j) => toOwnerLink(j, 'CronJob'), listOptions('jobs'))),
        enhanced ? guard(listAll(lists.deployments, (d) => toWorkloadFacts(d, 'ClusterDeployment'), listOptions('deployments'))) : none,
        enhanced ? guard(listAll(lists.daemonSets, (d) => toWorkloadFacts(d, 'ClusterDaemonSet'), listOptions('daemonsets'))) : none,
        enhanced ? guard(listAll(lists.statefulSets, (s) => toWorkloadFacts(s, 'ClusterStatefulSet'), listOptions('statefulsets'))) : none,
      ]);
      const listedAt = elapsedMs();
      const byList: Array<[PollList, ListResult<unknown>]> = [
        ['nodes', nodes],
        ['pods', pods],
        ['endpointslices', slices],
        ['replicasets', replicaSets],
        ['jobs', jobs],
        ['workloads', { items: [], complete: deployments.complete && daemonSets.complete && statefulSets.complete }],
      ];
      const cutShort: string[] = byList.filter(([, r]) => !r.complete).map(([name]) => name);
      const documentsComplete = DOCUMENT_LISTS.every((list) => !cutShort.includes(list));

      const instanceIds = nodes.items.flatMap((n) => (n.instanceId ? [n.instanceId] : []));
      const autoScalingGroups = await deps.autoScalingGroups.resolve(instanceIds, nowMs);
      const nodeNames = nodes.items.map((n) => n.name);
      const fresh = previous !== undefined && nowMs - previous.ranAtMs <= staleAfterMs && nowMs >= previous.ranAtMs;
      // A poll that cannot write documents needs no stored state: its records do not depend on it.
      const rebuiltState = documentsComplete && !fresh;
      const state = documentsComplete ? (fresh ? previous : await loadState(cluster, nodeNames, nowMs)) : undefined;

      const input: PollInput = {
        nodes: nodes.items,
        pods: pods.items,
        slices: slices.items,
        replicaSets: replicaSets.items.map((r) => r.link),
        jobs: jobs.items,
        workloads: [...deployments.items, ...daemonSets.items, ...statefulSets.items, ...replicaSets.items.flatMap((r) => (r.facts ? [r.facts] : []))],
        ...(cutShort.length > 0 ? { cutShort: cutShort as PollList[] } : {}),
      };
      const result = toPollResult(input, { cluster, nowMs, enhanced, autoScalingGroups, previousRestarts: state?.restarts ?? new Map() });
      warnings.push(...result.warnings);

      const builtAt = elapsedMs();
      // Records first: they are few, and what a poll cut short still gets right.
      await deps.writeEvents(cluster, result.records);

      let documentsWritten = 0;
      let documentsDeleted = 0;
      if (state) {
        const changed: Array<{ item: NodeMetadataItem; doc: NodeMetadata }> = [];
        const written = new Map<string, StoredEntry>();
        for (const doc of result.documents) {
          const hash = toWriteHash(doc);
          const stored = state.nodes.get(doc.node);
          if (stored && stored.hash === hash && nowMs - stored.writtenAtMs < refreshAfterMs) {
            written.set(doc.node, stored);
            continue;
          }
          changed.push({ item: { ...toMetadataItem(doc, nowMs, ttlSeconds), hash }, doc });
        }
        const unwritten: NodeMetadata[] = [];
        for (let i = 0; i < changed.length; i += WRITE_SLICE) {
          const slice = changed.slice(i, i + WRITE_SLICE);
          if (timeLeft() <= 0) {
            unwritten.push(...slice.map((c) => c.doc));
            continue;
          }
          await deps.store.putDocuments(slice.map((c) => c.item));
          for (const { item, doc } of slice) written.set(doc.node, { hash: item.hash, writtenAtMs: nowMs });
          documentsWritten += slice.length;
        }
        // What the table still holds for the documents not written: the next poll compares with it.
        for (const doc of unwritten) {
          const stored = state.nodes.get(doc.node);
          if (stored) written.set(doc.node, stored);
        }
        if (unwritten.length > 0) cutShort.push('documents');

        let index = state.index;
        const current = new Set(nodeNames);
        const gone = [...new Set([...state.nodes.keys(), ...(state.index?.nodes ?? [])])].filter((n) => !current.has(n));
        const indexNodes = [...nodeNames].sort();
        const indexStale = !index || !sameList(index.nodes, indexNodes) || nowMs - index.writtenAtMs >= refreshAfterMs;
        if (timeLeft() > 0 || (gone.length === 0 && !indexStale)) {
          if (gone.length > 0) await deps.store.deleteNodes(cluster, gone);
          documentsDeleted = gone.length;
          if (indexStale) {
            await deps.store.putIndex(cluster, indexNodes, nowMs, ttlSeconds);
            index = { nodes: indexNodes, writtenAtMs: nowMs };
          }
        } else {
          cutShort.push('deletes');
          for (const node of gone) {
            const stored = state.nodes.get(node);
            if (stored) written.set(node, stored);
          }
        }
        const restarts = unwritten.length > 0 ? toRememberedRestarts(result.restarts, state.restarts, unwritten) : result.restarts;
        memory.set(cluster, { ranAtMs: nowMs, nodes: written, restarts, index });
      } else if (fresh) {
        // Nothing was written: the table is as the previous poll left it, and so is what this instance knows of it.
        memory.set(cluster, { ...previous, ranAtMs: nowMs });
      }

      return {
        cluster,
        nodes: nodes.items.length,
        pods: pods.items.length,
        records: result.records.length,
        documentsWritten,
        documentsDeleted,
        listRequests,
        rebuiltState,
        warnings,
        durationMs: Math.round(elapsedMs() - started),
        phasesMs: { list: Math.round(listedAt - started), build: Math.round(builtAt - listedAt), write: Math.round(elapsedMs() - builtAt) },
        partial: cutShort.length > 0,
        cutShort,
      };
    } finally {
      lists.close?.();
    }
  };
}

import { createHash } from 'node:crypto';
import type { CiRecord } from '../../core/ci-record';
import { toSnippet } from '../../core/errors';
import type { NodeMetadata } from '../../core/node-metadata';
import { createLruMap } from '../common/lru-map';
import type { AutoScalingGroupResolver } from './asg-resolver';
import type { EbsVolumeAnswer, EbsVolumeResolver } from './ebs-volume-resolver';
import type { KubeConnector } from './eks-connector';
import { DEFAULT_DOCUMENT_BUDGET, toFittedItem, type DocumentBudget } from './fit-document';
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
 * One poll of one cluster, end to end: list the API (paginated, in parallel; the EBS volumes of the
 * nodes' instances are asked from EC2 as soon as the node list is read, beside the other lists),
 * resolve Auto Scaling groups, build records and node documents, write the records, write the
 * documents whose content changed (plus a refresh before their TTL), each cut to fit a table item
 * when it must (fit-document.ts), and delete documents of nodes that left.
 *
 * The records are written whatever happens to the table: a failed read of the stored state or a
 * failed document write fails the poll after them, and a document DynamoDB refuses on its own is
 * reported without failing the others.
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

/** Warnings about cut or refused documents kept in the summary; the counts say how many there were. */
const MAX_DOCUMENT_WARNINGS = 20;

/** Cuts named in the warning of one document. */
const MAX_CUTS_NAMED = 5;

/** What the poller needs. */
export interface PollerDeps {
  readonly connect: KubeConnector;
  readonly autoScalingGroups: AutoScalingGroupResolver;
  readonly store: MetadataStore;
  readonly writeEvents: WriteEvents;
  /** Whether a cluster uses the enhanced profile (workload records, node status metrics). */
  readonly isEnhanced: (cluster: string) => boolean;
  /**
   * The EBS volumes of the nodes' instances (EC2 DescribeInstances), for the documents' `ebsVolumes`.
   * Asked beside the lists and given at most their time: a poll without the answer writes the
   * documents without it, and the next poll asks again.
   * @default none: documents carry no `ebsVolumes`
   */
  readonly ebsVolumes?: EbsVolumeResolver;
  /**
   * The size budget of a node document's item; a larger document is cut to fit.
   * @default DEFAULT_DOCUMENT_BUDGET
   */
  readonly documentBudget?: DocumentBudget;
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
  /** Documents written cut down to fit the item budget (labels, pod detail or pods left out); the warnings name the pods. */
  readonly documentsCut: number;
  /** Documents DynamoDB refused on their own (the others were written); the warnings say why. */
  readonly documentsRejected: number;
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
  const documentBudget = deps.documentBudget ?? DEFAULT_DOCUMENT_BUDGET;
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
      const nodeList = guard(listAll(lists.nodes, (n) => toNodeFacts(n, warnings), listOptions('nodes')));
      // EC2 is asked as soon as the nodes are known, beside the other lists, and gets no more than their time.
      const ebsVolumes = deps.ebsVolumes;
      const volumeLookup: Promise<EbsVolumeAnswer | undefined> = ebsVolumes
        ? nodeList
            .then(
              (listed) => ebsVolumes.resolve(listed.items.flatMap((n) => (n.instanceId ? [n.instanceId] : [])), nowMs, { signal: deadline ? AbortSignal.any([signal, deadline]) : signal }),
              // The node list failed: the poll fails with its error, not this one.
              () => undefined,
            )
            .catch((error: unknown) => ({ volumes: new Map(), warnings: [`EBS volume lookup failed: ${toSnippet((error as Error)?.message ?? error, 200)}`] }))
        : Promise.resolve(undefined);
      const [nodes, pods, slices, replicaSets, jobs, deployments, daemonSets, statefulSets] = await Promise.all([
        nodeList,
        guard(listAll(lists.pods, (p) => toPodFacts(p, warnings), listOptions('pods'))),
        guard(listAll(lists.endpointSlices, toSliceFacts, listOptions('endpointslices'))),
        // ReplicaSets are read in full when enhanced (they are workload records too), else for owner links only.
        guard(listAll(lists.replicaSets, (rs) => ({ link: toOwnerLink(rs, 'Deployment'), facts: enhanced ? toWorkloadFacts(rs, 'ClusterReplicaSet') : undefined }), listOptions('replicasets'))),
        guard(listAll(lists.jobs, (j) => toOwnerLink(j, 'CronJob'), listOptions('jobs'))),
        enhanced ? guard(listAll(lists.deployments, (d) => toWorkloadFacts(d, 'ClusterDeployment'), listOptions('deployments'))) : none,
        enhanced ? guard(listAll(lists.daemonSets, (d) => toWorkloadFacts(d, 'ClusterDaemonSet'), listOptions('daemonsets'))) : none,
        enhanced ? guard(listAll(lists.statefulSets, (s) => toWorkloadFacts(s, 'ClusterStatefulSet'), listOptions('statefulsets'))) : none,
      ]);
      // At most until the lists' deadline (its signal), usually done before the pod list.
      const volumes = await volumeLookup;
      if (volumes) warnings.push(...volumes.warnings);
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
      // A table that cannot be read fails the poll, after the records (which do not depend on it) are written.
      let state: ClusterState | undefined;
      let tableError: unknown;
      if (documentsComplete) {
        try {
          state = fresh ? previous : await loadState(cluster, nodeNames, nowMs);
        } catch (error) {
          tableError = error;
        }
      }

      const input: PollInput = {
        nodes: nodes.items,
        pods: pods.items,
        slices: slices.items,
        replicaSets: replicaSets.items.map((r) => r.link),
        jobs: jobs.items,
        workloads: [...deployments.items, ...daemonSets.items, ...statefulSets.items, ...replicaSets.items.flatMap((r) => (r.facts ? [r.facts] : []))],
        ...(cutShort.length > 0 ? { cutShort: cutShort as PollList[] } : {}),
      };
      const result = toPollResult(input, {
        cluster,
        nowMs,
        enhanced,
        autoScalingGroups,
        previousRestarts: state?.restarts ?? new Map(),
        ...(volumes ? { ebsVolumes: volumes.volumes } : {}),
      });
      warnings.push(...result.warnings);

      const builtAt = elapsedMs();
      // Records first: they are few, what a poll cut short still gets right, and what a table failure must not take away.
      let eventsError: unknown;
      try {
        await deps.writeEvents(cluster, result.records);
      } catch (error) {
        eventsError = error;
      }
      if (tableError !== undefined) throw tableError;

      let documentsWritten = 0;
      let documentsDeleted = 0;
      let documentsCut = 0;
      let documentsRejected = 0;
      let documentWarnings = 0;
      const documentWarning = (text: string) => {
        documentWarnings += 1;
        if (documentWarnings <= MAX_DOCUMENT_WARNINGS) warnings.push(text);
      };
      if (state) {
        const changed: Array<{ hash: string; doc: NodeMetadata }> = [];
        const written = new Map<string, StoredEntry>();
        for (const doc of result.documents) {
          const hash = toWriteHash(doc);
          const stored = state.nodes.get(doc.node);
          if (stored && stored.hash === hash && nowMs - stored.writtenAtMs < refreshAfterMs) {
            written.set(doc.node, stored);
            continue;
          }
          changed.push({ hash, doc });
        }
        // Documents the table does not have as built: cut short by the deadline, or refused by DynamoDB.
        const unwritten: NodeMetadata[] = [];
        let outOfTime = false;
        for (let i = 0; i < changed.length; i += WRITE_SLICE) {
          const slice = changed.slice(i, i + WRITE_SLICE);
          if (timeLeft() <= 0) {
            outOfTime = true;
            unwritten.push(...slice.map((c) => c.doc));
            continue;
          }
          // Encoded (and cut to fit) slice by slice: the clock is looked at before each one.
          const items = slice.map(({ hash, doc }) => {
            const fitted = toFittedItem(doc, hash, nowMs, ttlSeconds, documentBudget);
            if (fitted.cuts.length > 0) {
              documentsCut += 1;
              const more = fitted.cuts.length > MAX_CUTS_NAMED ? `; and ${fitted.cuts.length - MAX_CUTS_NAMED} more` : '';
              documentWarning(`node ${doc.node}: document cut to fit the item limit (${fitted.itemBytes} bytes stored): ${fitted.cuts.slice(0, MAX_CUTS_NAMED).join('; ')}${more}`);
            }
            return fitted.item;
          });
          const { rejected } = await deps.store.putDocuments(items);
          const refused = new Map(rejected.map((r) => [r.key, r.reason]));
          slice.forEach(({ doc }, j) => {
            const reason = refused.get(items[j].pk);
            if (reason === undefined) {
              written.set(doc.node, { hash: items[j].hash, writtenAtMs: nowMs });
              documentsWritten += 1;
              return;
            }
            documentsRejected += 1;
            unwritten.push(doc);
            documentWarning(`node ${doc.node}: DynamoDB refused its document (${reason}); the other documents were written, and the next poll tries it again`);
          });
        }
        // What the table still holds for the documents not written: the next poll compares with it.
        for (const doc of unwritten) {
          const stored = state.nodes.get(doc.node);
          if (stored) written.set(doc.node, stored);
        }
        if (outOfTime) cutShort.push('documents');

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
      if (eventsError !== undefined) throw eventsError;

      return {
        cluster,
        nodes: nodes.items.length,
        pods: pods.items.length,
        records: result.records.length,
        documentsWritten,
        documentsDeleted,
        documentsCut,
        documentsRejected,
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

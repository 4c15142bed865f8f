import { DYNAMODB_MAX_ITEM_BYTES } from '../../core/limits';
import type { NodeMetadata, PodMetadata } from '../../core/node-metadata';
import { toItemSizeBytes, toMetadataItemOfJson, type NodeMetadataItem } from '../../core/node-metadata-item';

/**
 * Node documents that always fit in a table item. One pod with thousands of labels (or a node with
 * very many labelled pods) can make a document larger than DynamoDB's 400 KB item limit; such an
 * item fails its whole BatchWriteItem. {@link toFittedItem} measures the item it would store (the
 * gzip-compressed document and the other attributes, as DynamoDB counts them) and, when it is over
 * the budget, cuts in this order until it fits:
 *
 * 1. labels: a cap on the bytes of a pod's label map, the largest maps cut first and within a map
 *    the largest labels first (a pod keeps its small labels such as `app`); each cut pod says how
 *    many labels it lost in `labelsCut`;
 * 2. per-pod detail, the largest pods first: `owners` emptied, `services` kept to the first (the
 *    Service attribute), containers without their state and termination reasons; `detailCut: true`;
 * 3. pods, the largest first: `podsCut` on the document says how many are left out.
 *
 * A stage cuts what the measured sizes say it must, interpolated (compressed size is close to linear
 * in the JSON bytes removed) and then measured again, so a cut document costs a few compressions,
 * not one per pod. The budget also bounds the document's JSON, which the enricher parses.
 */

/** The size budget of a document. */
export interface DocumentBudget {
  /**
   * Bytes of the stored item as DynamoDB counts them (`toItemSizeBytes`).
   * @default DEFAULT_DOCUMENT_BUDGET.maxItemBytes: 20 KB below the 400 KB limit
   */
  readonly maxItemBytes: number;
  /**
   * Bytes of the document's JSON before compression (what a reader gunzips and parses).
   * @default DEFAULT_DOCUMENT_BUDGET.maxJsonBytes: 4 MiB
   */
  readonly maxJsonBytes: number;
}

/** The budget the poller uses. */
export const DEFAULT_DOCUMENT_BUDGET: DocumentBudget = Object.freeze({ maxItemBytes: DYNAMODB_MAX_ITEM_BYTES - 20 * 1024, maxJsonBytes: 4 * 1024 * 1024 });

/** A document encoded as the item to write, cut to the budget when it had to be. */
export interface FittedItem {
  readonly item: NodeMetadataItem;
  /** The item's size as DynamoDB counts it. */
  readonly itemBytes: number;
  /** What was cut, naming each pod; empty when the document fit as it was. */
  readonly cuts: readonly string[];
}

interface Measured {
  readonly item?: NodeMetadataItem;
  readonly itemBytes: number;
  /** max(item / budget, JSON / budget): the document fits when it is at most 1. */
  readonly score: number;
}

/** One stage of cuts: `cut(atLeast)` is the smallest cut of this stage that removes at least `atLeast` JSON bytes. */
interface Stage {
  /** JSON bytes the stage removes when it cuts everything it can. */
  readonly removable: number;
  readonly cut: (atLeast: number) => { readonly doc: NodeMetadata; readonly notes: readonly string[] };
}

const podName = (pod: PodMetadata): string => `${pod.namespace}/${pod.name}`;
const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/** Attempts of a stage at its interpolated cut before it cuts everything it can. */
const MAX_ATTEMPTS = 6;

/** The labels stage: a byte cap per label map, the smallest labels kept first. */
function toLabelStage(doc: NodeMetadata): Stage {
  // Per pod: labels smallest first (by key and value bytes, then key), with running totals.
  const pods = doc.pods.map((pod) => {
    const entries = Object.entries(pod.labels)
      .map(([key, value]) => ({ key, bytes: Buffer.byteLength(key) + Buffer.byteLength(value) + 6 }))
      .sort((a, b) => a.bytes - b.bytes || (a.key < b.key ? -1 : 1));
    const totals: number[] = [];
    let total = 0;
    for (const e of entries) totals.push((total += e.bytes));
    return { pod, entries, totals, total };
  });
  // Labels kept under a cap: the prefix of the smallest whose total is within it.
  const keptUnder = (totals: readonly number[], cap: number): number => {
    let lo = 0;
    let hi = totals.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (totals[mid] <= cap) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const removedUnder = (cap: number): number => pods.reduce((sum, p) => sum + p.total - (p.totals[keptUnder(p.totals, cap) - 1] ?? 0), 0);
  const largest = pods.reduce((max, p) => Math.max(max, p.total), 0);
  return {
    removable: removedUnder(0),
    cut: (atLeast) => {
      // The largest cap that removes at least `atLeast` bytes.
      let lo = 0;
      let hi = largest;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (removedUnder(mid) >= atLeast) lo = mid;
        else hi = mid - 1;
      }
      const notes: string[] = [];
      const cutPods = pods.map(({ pod, entries, totals }) => {
        const kept = keptUnder(totals, lo);
        if (kept === entries.length) return pod;
        const keep = new Set(entries.slice(0, kept).map((e) => e.key));
        const labels: Record<string, string> = {};
        for (const [key, value] of Object.entries(pod.labels)) if (keep.has(key)) labels[key] = value;
        const labelsCut = entries.length - kept;
        notes.push(`labels of pod ${podName(pod)}: ${labelsCut} of ${entries.length} cut`);
        return { ...pod, labels, labelsCut };
      });
      return { doc: { ...doc, pods: cutPods }, notes };
    },
  };
}

/** A pod without its detail: what the enricher needs to join and count (identity, containers' ids, amounts, states). */
function toPodWithoutDetail(pod: PodMetadata): PodMetadata {
  return {
    ...pod,
    owners: [],
    services: pod.services.slice(0, 1),
    containers: pod.containers.map(({ stateReason: _reason, lastTerminationReason: _last, ...container }) => container),
    detailCut: true,
  };
}

/** The detail stage: the largest pods lose their detail first. */
function toDetailStage(doc: NodeMetadata): Stage {
  const pods = doc.pods.map((pod, index) => {
    const reduced = toPodWithoutDetail(pod);
    return { index, size: jsonBytes(pod), reduced, saves: jsonBytes(pod) - jsonBytes(reduced) };
  });
  const order = [...pods].sort((a, b) => b.size - a.size || a.index - b.index);
  return {
    removable: pods.reduce((sum, p) => sum + p.saves, 0),
    cut: (atLeast) => {
      const out = [...doc.pods];
      const notes: string[] = [];
      let removed = 0;
      for (const p of order) {
        if (removed >= atLeast) break;
        out[p.index] = p.reduced;
        removed += p.saves;
        notes.push(`detail of pod ${podName(doc.pods[p.index])} cut`);
      }
      return { doc: { ...doc, pods: out }, notes };
    },
  };
}

/** The last stage: the largest pods are left out. */
function toPodStage(doc: NodeMetadata): Stage {
  const pods = doc.pods.map((pod, index) => ({ index, size: jsonBytes(pod) + 1 }));
  const order = [...pods].sort((a, b) => b.size - a.size || a.index - b.index);
  return {
    removable: pods.reduce((sum, p) => sum + p.size, 0),
    cut: (atLeast) => {
      const left = new Set<number>();
      const notes: string[] = [];
      let removed = 0;
      for (const p of order) {
        if (removed >= atLeast) break;
        left.add(p.index);
        removed += p.size;
        notes.push(`pod ${podName(doc.pods[p.index])} left out`);
      }
      const pods = doc.pods.filter((_, i) => !left.has(i));
      return { doc: { ...doc, pods, ...(left.size > 0 ? { podsCut: left.size } : {}) }, notes };
    },
  };
}

/**
 * The item of `doc` (hash `hash`, expiring `ttlSeconds` after `nowMs`), within `budget`: as it is
 * when it fits, else cut as the file comment says. Pure; the same document always gives the same item.
 */
export function toFittedItem(doc: NodeMetadata, hash: string, nowMs: number, ttlSeconds: number, budget: DocumentBudget = DEFAULT_DOCUMENT_BUDGET): FittedItem {
  const measure = (d: NodeMetadata): Measured => {
    const json = JSON.stringify(d);
    const rawScore = Buffer.byteLength(json) / budget.maxJsonBytes;
    // Too large before compression: no need to compress it to know.
    if (rawScore > 1) return { itemBytes: Number.POSITIVE_INFINITY, score: rawScore };
    const item = toMetadataItemOfJson(d, json, hash, nowMs, ttlSeconds);
    const itemBytes = toItemSizeBytes(item);
    return { item, itemBytes, score: Math.max(rawScore, itemBytes / budget.maxItemBytes) };
  };
  const fits = (m: Measured): m is Measured & { item: NodeMetadataItem } => m.item !== undefined && m.score <= 1;

  let current = doc;
  let measured = measure(doc);
  if (fits(measured)) return { item: measured.item, itemBytes: measured.itemBytes, cuts: [] };
  const cuts: string[] = [];
  for (const toStage of [toLabelStage, toDetailStage, toPodStage]) {
    const stage = toStage(current);
    if (stage.removable <= 0) continue;
    const all = stage.cut(stage.removable);
    const allMeasured = measure(all.doc);
    if (!fits(allMeasured)) {
      // Even all of this stage is not enough: keep it and go on to the next.
      cuts.push(...all.notes);
      current = all.doc;
      measured = allMeasured;
      continue;
    }
    // Interpolate the bytes to remove between "nothing cut" and "everything cut", measure, and correct.
    const perByte = (measured.score - allMeasured.score) / stage.removable;
    let atLeast = perByte > 0 ? ((measured.score - 1) / perByte) * 1.02 : stage.removable;
    for (let attempt = 0; attempt < MAX_ATTEMPTS && atLeast < stage.removable; attempt += 1) {
      const attemptCut = stage.cut(atLeast);
      const m = measure(attemptCut.doc);
      if (fits(m)) return { item: m.item, itemBytes: m.itemBytes, cuts: [...cuts, ...attemptCut.notes] };
      atLeast += perByte > 0 ? ((m.score - 1) / perByte) * 1.5 + 1024 : stage.removable;
    }
    return { item: allMeasured.item, itemBytes: allMeasured.itemBytes, cuts: [...cuts, ...all.notes] };
  }
  // Nothing left to cut (a node without pods that is still too large): the store reports the rejection.
  const fallback = measured.item ?? toMetadataItemOfJson(current, JSON.stringify(current), hash, nowMs, ttlSeconds);
  return { item: fallback, itemBytes: Number.isFinite(measured.itemBytes) ? measured.itemBytes : toItemSizeBytes(fallback), cuts };
}

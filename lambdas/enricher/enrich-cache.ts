import { newEncodingMemo, type EncodingMemo } from '../../core/ci-record';
import type { DeclarationProfile } from '../../core/metrics/profiles';
import { toNodeKey, type ContainerMetadata, type NodeMetadata, type PodMetadata, type PodOwner } from '../../core/node-metadata';
import { toWorkloadFromPodName } from '../../core/owner';
import type { ContainerSample, NodeRecord, PodSample } from '../../core/record';
import type { EnrichOptions } from './enrich';

/**
 * What the enricher reuses from one interval to the next: the attribute and `kubernetes` objects of
 * its events, frozen, and the memo where the EMF encoder keeps their JSON (CiRecord.memo), so that a
 * warm enricher builds them once per node, pod, container, interface and device rather than per
 * event. The cache decides only which objects are reused, never a value: a record enriched through a
 * warm cache gives the same events as through a fresh one
 * (test/unit/lambdas/enricher/enrich-cache.test.ts checks it on random sequences of records and
 * documents).
 *
 * What is kept, keyed by what, and until when:
 * - node views, by `<cluster>#<node>`: the node's attributes and the shapes derived from them (a
 *   device, an interface); replaced when the node's attributes change, all forgotten when a
 *   view is due and `maxNodeViews` are held (nodes come and go);
 * - a node view's derived shapes, by kind and name: forgotten all at once when they outnumber the
 *   node's current interfaces, devices and filesystems twice over, plus 16 (a node on the VPC CNI
 *   has an `eni` interface per pod, and pods come and go);
 * - pod views, by the metadata pod object, and container views, by the metadata container object:
 *   weakly held, so they go with the documents that hold those objects. The metadata reader keeps a
 *   document's object while its content hash does not change, and a changed document's unchanged
 *   pods (core/node-metadata.ts, withUnchangedPods): reuse follows from that object identity, and a
 *   view is checked against everything else it was built from (profile, node attributes, sample ids);
 * - a pod view's PodNet shapes, by interface name, for the pod view's lifetime, forgotten all at once
 *   when they outnumber the pod's current interfaces twice over, plus 16 (trimNetShapes);
 * - `kubernetes.pod_owners` lists, by the metadata owners array, weakly held.
 *
 * One cache per enricher (the handler creates it with its encoders; `kinsight replay` one per run);
 * it may be shared by profiles, since views are checked against the profile they were built for.
 */

/** Frozen attributes and the encoder's memo of the events that carry them. */
export interface EventShape {
  readonly attributes: Readonly<Record<string, string>>;
  readonly memo: EncodingMemo;
}

/**
 * The attribute and `kubernetes` objects of a node's own events (Node, NodeFS, NodeDiskIO, NodeNet),
 * frozen and reused while the node's attributes stay the same, as the pods' are: a node on the VPC
 * CNI has an `eni` interface per pod, so NodeNet events are as many as Pod events.
 */
export interface NodeView {
  readonly attributes: Readonly<Record<string, string>>;
  readonly memo: EncodingMemo;
  readonly host: Readonly<{ host: string }>;
  /** Attributes of the node plus a device or interface, by `<kind>:<name>`. */
  readonly derived: Map<string, EventShape>;
}

/** The attributes and `kubernetes` object shared by the events of one pod (Pod, PodNet, Container). */
export interface PodContext {
  attributes: Record<string, string>;
  kubernetes: Record<string, unknown>;
  meta: PodMetadata | undefined;
}

/**
 * The attribute and kubernetes objects of a pod's events, frozen and reused while the pod's
 * metadata object lives, with the memo where the encoder keeps their JSON: built once per pod, not
 * per event and interval.
 */
export interface PodView {
  readonly profile: DeclarationProfile;
  readonly serviceAttribute: boolean;
  /** The node's attributes the pod's extend: a pod object kept across documents must not keep a node's old ones. */
  readonly node: Readonly<Record<string, string>>;
  readonly uid: string;
  readonly context: PodContext;
  /** The Pod event's attributes (the pod's plus pod_status). */
  readonly pod: EventShape;
  /** The PodNet events' attributes by interface. */
  readonly net: Map<string, EventShape>;
  /** True when the pod's labels were cut to {@link LABELS_MAX_BYTES}. */
  readonly labelsCut: boolean;
}

/** The attribute and kubernetes objects of a container's events, with their memo. */
export interface ContainerView {
  readonly pod: PodView;
  readonly id: string;
  readonly runtime: string | undefined;
  readonly name: string | undefined;
  readonly attributes: Record<string, string>;
  readonly kubernetes: Record<string, unknown>;
  readonly memo: EncodingMemo;
}

/** Options of {@link createEnrichCache}. */
export interface EnrichCacheOptions {
  /**
   * Node views held before all are forgotten (the next record of each node builds its view again).
   * @default 50000
   */
  maxNodeViews?: number;
}

/** The enricher's reusable event shapes (see the module comment for what is kept and until when). */
export interface EnrichCache {
  /** Node views by `<cluster>#<node>`. */
  readonly nodeViews: Map<string, NodeView>;
  /** `nodeViews` is emptied when it holds this many. */
  readonly maxNodeViews: number;
  /** Pod views by metadata pod object. */
  readonly podViews: WeakMap<PodMetadata, PodView>;
  /** Container views by metadata container object. */
  readonly containerViews: WeakMap<ContainerMetadata, ContainerView>;
  /** Frozen `kubernetes.pod_owners` lists by metadata owners array. */
  readonly podOwners: WeakMap<readonly PodOwner[], readonly unknown[]>;
}

const DEFAULT_MAX_NODE_VIEWS = 50_000;
/** Derived shapes of a node view beyond this many per interface, device and filesystem of the current record (plus the slack below) are forgotten. */
const DERIVED_PER_OWN = 2;
const DERIVED_SLACK = 16;

/** A new, empty cache. */
export function createEnrichCache(options: EnrichCacheOptions = {}): EnrichCache {
  const maxNodeViews = options.maxNodeViews ?? DEFAULT_MAX_NODE_VIEWS;
  if (!Number.isInteger(maxNodeViews) || maxNodeViews < 1) throw new RangeError(`maxNodeViews must be a positive integer, got ${maxNodeViews}`);
  return { nodeViews: new Map(), maxNodeViews, podViews: new WeakMap(), containerViews: new WeakMap(), podOwners: new WeakMap() };
}

const toEventShape = (attributes: Record<string, string>): EventShape => ({ attributes: Object.freeze(attributes), memo: newEncodingMemo() });

/** Attributes shared by every node-level Type. */
function toNodeAttributes(record: NodeRecord, metadata: NodeMetadata | undefined): Record<string, string> {
  const a: Record<string, string> = { ClusterName: record.cluster, NodeName: record.node };
  if (metadata?.instanceId) a.InstanceId = metadata.instanceId;
  if (metadata?.instanceType) a.InstanceType = metadata.instanceType;
  a.AutoScalingGroupName = metadata?.autoScalingGroup ?? '';
  return a;
}

function sameAttributes(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  let count = 0;
  for (const key in a) {
    if (a[key] !== b[key]) return false;
    count += 1;
  }
  for (const _ in b) count -= 1;
  return count === 0;
}

/**
 * The node's view: the cached one while the node's attributes are the same (its derived shapes
 * forgotten first when they far outnumber the record's interfaces, devices and filesystems), else a
 * new one, cached.
 */
export function getOrCreateNodeView(cache: EnrichCache, record: NodeRecord, metadata: NodeMetadata | undefined): NodeView {
  const attributes = toNodeAttributes(record, metadata);
  const key = toNodeKey(record.cluster, record.node);
  const last = cache.nodeViews.get(key);
  if (last && sameAttributes(last.attributes, attributes)) {
    if (last.derived.size > DERIVED_PER_OWN * (record.net.length + record.disks.length + record.filesystems.length) + DERIVED_SLACK) last.derived.clear();
    return last;
  }
  const view: NodeView = { attributes: Object.freeze(attributes), memo: newEncodingMemo(), host: Object.freeze({ host: record.node }), derived: new Map() };
  if (cache.nodeViews.size >= cache.maxNodeViews) cache.nodeViews.clear();
  cache.nodeViews.set(key, view);
  return view;
}

/** The node's attributes plus `extra`, remembered under `key` (`<kind>:<name>`, unique per set of extra attributes) for the view's lifetime, created on a miss. */
export function getOrCreateDerivedShape(view: NodeView, key: string, extra: Readonly<Record<string, string>>): EventShape {
  let shape = view.derived.get(key);
  if (!shape) {
    shape = toEventShape({ ...view.attributes, ...extra });
    view.derived.set(key, shape);
  }
  return shape;
}

const hasKeys = (o: object): boolean => {
  for (const _ in o) return true;
  return false;
};

/** The `kubernetes.pod_owners` list of a pod: built once per metadata owners array, created on a miss. */
function getOrCreatePodOwners(cache: EnrichCache, owners: readonly PodOwner[]): readonly unknown[] {
  let list = cache.podOwners.get(owners);
  if (!list) {
    list = Object.freeze(owners.map((o) => Object.freeze({ owner_kind: o.kind, owner_name: o.name })));
    cache.podOwners.set(owners, list);
  }
  return list;
}

/**
 * The most bytes of label JSON one event carries (`kubernetes.labels`, on every Pod, PodNet and
 * Container event of the pod). A pod's labels are taken in the document's order while they fit, a
 * label that does not fit is left out; a real pod's labels are a few hundred bytes, a hostile one's
 * thousands of labels would otherwise go into each of its events.
 */
export const LABELS_MAX_BYTES = 4096;

/** The labels an event carries: `labels` itself when within the budget, else those that fit, in order. */
export function toLabelsWithinBudget(labels: Readonly<Record<string, string>>): { labels: Readonly<Record<string, string>>; cut: boolean } {
  const text = JSON.stringify(labels);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: a short text needs no counting.
  if (text.length * 3 <= LABELS_MAX_BYTES || Buffer.byteLength(text, 'utf8') <= LABELS_MAX_BYTES) return { labels, cut: false };
  const kept: Record<string, string> = {};
  let bytes = 2; // {}
  for (const key in labels) {
    const size = Buffer.byteLength(JSON.stringify(key), 'utf8') + Buffer.byteLength(JSON.stringify(labels[key]), 'utf8') + 2; // : and ,
    if (bytes + size > LABELS_MAX_BYTES) continue;
    kept[key] = labels[key];
    bytes += size;
  }
  return { labels: kept, cut: true };
}

/** The pod's attributes and `kubernetes` object; `owners` is its `pod_owners` list, when it has owners. */
function toPodContext(record: NodeRecord, node: Readonly<Record<string, string>>, sample: PodSample, meta: PodMetadata | undefined, options: EnrichOptions, owners: readonly unknown[] | undefined): PodContext & { labelsCut: boolean } {
  const attributes = { ...node };
  const kubernetes: Record<string, unknown> = { host: record.node };
  // The document's names; for a pod it does not list yet, the agent's (the kubelet's log layout on the node).
  const namespace = meta?.namespace ?? (sample.name === undefined ? undefined : sample.namespace);
  const name = meta?.name ?? (sample.namespace === undefined ? undefined : sample.name);
  if (namespace !== undefined && name !== undefined) {
    attributes.Namespace = namespace;
    attributes.PodName = meta?.workloadName ?? toWorkloadFromPodName(name);
    if (options.profile.fullPodName) attributes.FullPodName = name;
    kubernetes.namespace_name = namespace;
    kubernetes.pod_name = name;
  }
  kubernetes.pod_id = sample.uid;
  const service = meta && options.serviceAttribute !== false ? meta.services[0] : undefined;
  if (service !== undefined) {
    attributes.Service = service;
    kubernetes.service_name = service;
  }
  // Frozen and reused while the metadata document lives (the reader keeps documents): shared,
  // read-only, by the pod's events and, through their memos, by the JSON the encoder keeps.
  let labelsCut = false;
  if (meta && hasKeys(meta.labels)) {
    const within = toLabelsWithinBudget(meta.labels);
    kubernetes.labels = Object.freeze(within.labels);
    labelsCut = within.cut;
  }
  if (owners !== undefined) kubernetes.pod_owners = owners;
  return { attributes, kubernetes: Object.freeze(kubernetes), meta, labelsCut };
}

/**
 * The view of a record's pod: the one cached for its metadata object when built for the same
 * profile, service option, node attributes and uid, else a new one (cached when the pod has metadata;
 * a pod the document does not name gets a new view every record).
 */
export function getOrCreatePodView(cache: EnrichCache, record: NodeRecord, node: Readonly<Record<string, string>>, sample: PodSample, meta: PodMetadata | undefined, options: EnrichOptions): PodView {
  const serviceAttribute = options.serviceAttribute !== false;
  if (meta) {
    const hit = cache.podViews.get(meta);
    if (hit && hit.profile === options.profile && hit.serviceAttribute === serviceAttribute && hit.node === node && hit.uid === sample.uid) return hit;
  }
  const owners = meta && meta.owners.length > 0 ? getOrCreatePodOwners(cache, meta.owners) : undefined;
  const context = toPodContext(record, node, sample, meta, options, owners);
  Object.freeze(context.attributes);
  const podAttributes = meta ? { ...context.attributes, pod_status: meta.phase } : context.attributes;
  const view: PodView = { profile: options.profile, serviceAttribute, node, uid: sample.uid, context: { attributes: context.attributes, kubernetes: context.kubernetes, meta }, pod: toEventShape(podAttributes), net: new Map(), labelsCut: context.labelsCut };
  if (meta) cache.podViews.set(meta, view);
  return view;
}

/**
 * Forgets a pod view's PodNet shapes when they far outnumber the pod's current interfaces: a
 * host-network pod has the host's, and on the VPC CNI those come and go with the node's pods.
 */
export function trimNetShapes(view: PodView, interfaces: number): void {
  if (view.net.size > DERIVED_PER_OWN * interfaces + DERIVED_SLACK) view.net.clear();
}

/** The PodNet shape of a pod's interface, remembered for the pod view's lifetime (see trimNetShapes), created on a miss. */
export function getOrCreateNetShape(view: PodView, name: string): EventShape {
  let shape = view.net.get(name);
  if (!shape) {
    shape = toEventShape({ ...view.context.attributes, interface: name });
    view.net.set(name, shape);
  }
  return shape;
}

/**
 * The view of a pod's container: the one cached for its metadata object when built for the same pod
 * view and sample (id, runtime, name), else a new one (cached when the container has metadata).
 */
export function getOrCreateContainerView(cache: EnrichCache, pod: PodView, sample: ContainerSample, meta: ContainerMetadata | undefined, options: EnrichOptions): ContainerView {
  if (meta) {
    const hit = cache.containerViews.get(meta);
    if (hit && hit.pod === pod && hit.id === sample.id && hit.runtime === sample.runtime && hit.name === sample.name) return hit;
  }
  const attributes: Record<string, string> = { ...pod.context.attributes };
  const kubernetes: Record<string, unknown> = { ...pod.context.kubernetes };
  const name = meta?.name ?? sample.name;
  if (name !== undefined) kubernetes.container_name = name;
  const runtime = meta?.runtime ?? sample.runtime;
  if (runtime) kubernetes[runtime] = Object.freeze({ container_id: sample.id });
  else kubernetes.container_id = sample.id;
  if (name !== undefined && options.profile.containerNameAttribute) attributes.ContainerName = name;
  if (meta?.state) attributes.container_status = meta.state;
  if (meta?.stateReason) attributes.container_status_reason = meta.stateReason;
  if (meta?.lastTerminationReason) attributes.container_last_termination_reason = meta.lastTerminationReason;
  const view: ContainerView = { pod, id: sample.id, runtime: sample.runtime, name: sample.name, attributes: Object.freeze(attributes), kubernetes: Object.freeze(kubernetes), memo: newEncodingMemo() };
  if (meta) cache.containerViews.set(meta, view);
  return view;
}

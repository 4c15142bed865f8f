import { toSnippet } from '../errors';
import { err, ok, type Result } from '../result';
import { isObject } from './json-guards';
import type { AgentStats, CgroupDeltas, CgroupGauges, CgroupVersion, ContainerSample, DiskDevice, Filesystem, NetDeltas, NetInterface, NodeRecord, PodSample, QosClass } from './index';

/**
 * The node record as it travels (schema 2.x): one JSON document per node and interval, with the
 * figures of every cgroup and interface in **columns** (one array per field, `null` where a value is
 * absent) rather than one object per pod and container. The same content as the decoded
 * {@link NodeRecord}, losslessly, in about a third of the JSON (2.6x less to inflate and parse in the
 * enricher) and a fifth fewer gzipped bytes: field names are written once, and a column of similar
 * numbers compresses better than numbers scattered among keys. Documented in docs/record-format.md,
 * with a JSON Schema in record.schema.json.
 *
 * The schema version this code writes. A minor version only adds optional members and columns: a
 * reader accepts any minor of the majors it reads (parse-record.ts) and ignores what it does not know.
 */
export const RECORD_SCHEMA_VERSION = '2.1';

/** A column of figures, one per row; `null` where the value is absent. */
export type Column = (number | null)[];

/** The wire document of a node record (schema 2.x): the record's identity and node figures as they are, its rows in columns. */
export interface WireRecord extends Pick<NodeRecord, 'cluster' | 'node' | 'timeMs' | 'elapsedMs' | 'cgroupVersion' | 'cores' | 'memTotalBytes' | 'disks' | 'filesystems' | 'agent'> {
  schemaVersion: string;
  /** Rows: the node's root cgroup, then each pod in `pods` order, then each container in `containers` order. A column absent is a column of nulls. */
  cgroups: { gauges: Partial<Record<keyof CgroupGauges, Column>>; deltas: Partial<Record<keyof CgroupDeltas, Column>> };
  /**
   * `containers[i]` is how many rows of the `containers` table belong to pod i, in order. Since 2.1:
   * `namespace`, `name` (the kubelet's log layout) and `restarts` (restart-count increase), each
   * absent when no pod has a value.
   */
  pods: { uid: string[]; qos: QosClass[]; hostNetwork: (boolean | null)[]; containers: number[]; namespace?: (string | null)[]; name?: (string | null)[]; restarts?: Column };
  /** Since 2.1: `restarts` (restart-count increase), absent when no container has a value. */
  containers: { id: string[]; runtime: (string | null)[]; name: (string | null)[]; restarts?: Column };
  /** Rows: network interfaces; `pod` is the pod's row in `pods`, or null for the node's own interfaces. */
  interfaces: { pod: (number | null)[]; name: string[]; deltas: Partial<Record<keyof NetDeltas, Column>> };
}

/** Lists the keys of T; the compiler insists on every one of them. */
const keysOf = <T>(all: Record<keyof T, true>): (keyof T & string)[] => Object.keys(all) as (keyof T & string)[];

export const GAUGE_FIELDS = keysOf<CgroupGauges>({
  memoryUsageBytes: true,
  memoryWorkingSetBytes: true,
  memoryRssBytes: true,
  memoryCacheBytes: true,
  memoryMappedFileBytes: true,
  memorySwapBytes: true,
  memoryMaxUsageBytes: true,
  memoryFailcnt: true,
});
export const DELTA_FIELDS = keysOf<CgroupDeltas>({
  cpuUsageNs: true,
  cpuUserNs: true,
  cpuSystemNs: true,
  cpuPeriods: true,
  cpuThrottledPeriods: true,
  cpuThrottledNs: true,
  memoryPgfault: true,
  memoryPgmajfault: true,
});
export const NET_FIELDS = keysOf<NetDeltas>({
  rxBytes: true,
  rxPackets: true,
  rxDropped: true,
  rxErrors: true,
  txBytes: true,
  txPackets: true,
  txDropped: true,
  txErrors: true,
});

/** Columns of `fields` over `rows`; a column with no value at all is left out. */
function toColumns<T extends object>(rows: readonly (T | undefined)[], fields: readonly (keyof T & string)[]): Partial<Record<keyof T, Column>> {
  const out: Partial<Record<keyof T, Column>> = {};
  for (const field of fields) {
    let any = false;
    const column = rows.map((row) => {
      const v = row?.[field] as number | undefined;
      if (v === undefined) return null;
      any = true;
      return v;
    });
    if (any) out[field] = column;
  }
  return out;
}

/** An optional column: `values`, or undefined when every value is absent. */
function toOptionalColumn<V>(values: readonly (V | undefined)[]): (V | null)[] | undefined {
  let any = false;
  const column = values.map((v) => {
    if (v === undefined) return null;
    any = true;
    return v;
  });
  return any ? column : undefined;
}

/** Encodes a node record as its wire document. */
export function toWireRecord(record: NodeRecord): WireRecord {
  const containers = record.pods.flatMap((p) => p.containers);
  const cgroupRows = [record, ...record.pods, ...containers];
  const podNamespaces = toOptionalColumn(record.pods.map((p) => p.namespace));
  const podNames = toOptionalColumn(record.pods.map((p) => p.name));
  const podRestarts = toOptionalColumn(record.pods.map((p) => p.restartsDelta));
  const containerRestarts = toOptionalColumn(containers.map((c) => c.restartsDelta));
  const interfaces = [...record.net.map((itf) => ({ pod: null, itf })), ...record.pods.flatMap((p, i) => (p.net ?? []).map((itf) => ({ pod: i, itf })))];
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    cluster: record.cluster,
    node: record.node,
    timeMs: record.timeMs,
    ...(record.elapsedMs !== undefined ? { elapsedMs: record.elapsedMs } : {}),
    cgroupVersion: record.cgroupVersion,
    cores: record.cores,
    memTotalBytes: record.memTotalBytes,
    cgroups: { gauges: toColumns(cgroupRows.map((r) => r.gauges), GAUGE_FIELDS), deltas: toColumns(cgroupRows.map((r) => r.deltas), DELTA_FIELDS) },
    pods: {
      uid: record.pods.map((p) => p.uid),
      qos: record.pods.map((p) => p.qos),
      hostNetwork: record.pods.map((p) => p.hostNetwork ?? null),
      containers: record.pods.map((p) => p.containers.length),
      ...(podNamespaces ? { namespace: podNamespaces } : {}),
      ...(podNames ? { name: podNames } : {}),
      ...(podRestarts ? { restarts: podRestarts } : {}),
    },
    containers: {
      id: containers.map((c) => c.id),
      runtime: containers.map((c) => c.runtime ?? null),
      name: containers.map((c) => c.name ?? null),
      ...(containerRestarts ? { restarts: containerRestarts } : {}),
    },
    interfaces: { pod: interfaces.map((i) => i.pod), name: interfaces.map((i) => i.itf.name), deltas: toColumns(interfaces.map((i) => i.itf.deltas), NET_FIELDS) },
    disks: record.disks,
    filesystems: record.filesystems,
    ...(record.agent ? { agent: record.agent } : {}),
  };
}

const QOS = new Set<unknown>(['Guaranteed', 'Burstable', 'BestEffort']);

/** As checkArray, for a column a minor version added: absent is fine. */
function checkOptionalArray(value: unknown, name: string, length: number, item: (v: unknown) => boolean): string | undefined {
  return value === undefined ? undefined : checkArray(value, name, length, item);
}

/** Checks that `value` is an array of `length` items each passing `item`; returns a message naming the member, or undefined. */
function checkArray(value: unknown, name: string, length: number, item: (v: unknown) => boolean): string | undefined {
  if (!Array.isArray(value)) return `record ${name} must be an array, got ${toSnippet(value)}`;
  if (value.length !== length) return `record ${name} has ${value.length} items where ${length} were expected`;
  for (let i = 0; i < value.length; i++) {
    if (!item(value[i])) return `record ${name}[${i}] is invalid: ${toSnippet(JSON.stringify(value[i]) ?? String(value[i]))}`;
  }
  return undefined;
}

const isFigure = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isFinite(v));
const isNullableString = (v: unknown): boolean => v === null || typeof v === 'string';

/** The present columns of a column group, checked, by field. */
type ColumnsOf<T> = Partial<Record<keyof T, Column>>;

function toPresentColumns<T>(group: unknown, name: string, fields: readonly (keyof T & string)[], rows: number): Result<ColumnsOf<T>> {
  if (!isObject(group)) return err(`record ${name} must be an object of columns, got ${toSnippet(group)}`);
  const out: ColumnsOf<T> = {};
  // Only the fields this reader knows: a later minor version may add columns.
  for (const field of fields) {
    const column = group[field];
    if (column === undefined) continue;
    const problem = checkArray(column, `${name}.${field}`, rows, isFigure);
    if (problem) return err(problem);
    out[field] = column as Column;
  }
  return ok(out);
}

/** The value of a column at a row; undefined for an absent column or a null. */
function at(column: Column | undefined, row: number): number | undefined {
  if (column === undefined) return undefined;
  const v = column[row];
  return v === null ? undefined : v;
}

/** True when any of the columns has a value at the row. */
function hasValueAt(columns: ColumnsOf<unknown>, row: number): boolean {
  for (const key in columns) if ((columns as Record<string, Column>)[key][row] !== null) return true;
  return false;
}

/** A decoded row: every field of T present (the compiler insists on each), undefined where absent. */
type Row<T> = { [K in keyof Required<T>]: number | undefined };

// Rows become objects of one fixed shape per kind (every field present, undefined where absent):
// the enricher's reads of them then stay monomorphic.
const gaugesAt = (c: ColumnsOf<CgroupGauges>, row: number): Row<CgroupGauges> => ({
  memoryUsageBytes: at(c.memoryUsageBytes, row),
  memoryWorkingSetBytes: at(c.memoryWorkingSetBytes, row),
  memoryRssBytes: at(c.memoryRssBytes, row),
  memoryCacheBytes: at(c.memoryCacheBytes, row),
  memoryMappedFileBytes: at(c.memoryMappedFileBytes, row),
  memorySwapBytes: at(c.memorySwapBytes, row),
  memoryMaxUsageBytes: at(c.memoryMaxUsageBytes, row),
  memoryFailcnt: at(c.memoryFailcnt, row),
});

/** A row's deltas; undefined when no column has a value there (first sample of that cgroup). */
const deltasAt = (c: ColumnsOf<CgroupDeltas>, row: number): Row<CgroupDeltas> | undefined =>
  !hasValueAt(c, row)
    ? undefined
    : {
        cpuUsageNs: at(c.cpuUsageNs, row),
        cpuUserNs: at(c.cpuUserNs, row),
        cpuSystemNs: at(c.cpuSystemNs, row),
        cpuPeriods: at(c.cpuPeriods, row),
        cpuThrottledPeriods: at(c.cpuThrottledPeriods, row),
        cpuThrottledNs: at(c.cpuThrottledNs, row),
        memoryPgfault: at(c.memoryPgfault, row),
        memoryPgmajfault: at(c.memoryPgmajfault, row),
      };

const netDeltasAt = (c: ColumnsOf<NetDeltas>, row: number): Row<NetDeltas> | undefined =>
  !hasValueAt(c, row)
    ? undefined
    : {
        rxBytes: at(c.rxBytes, row),
        rxPackets: at(c.rxPackets, row),
        rxDropped: at(c.rxDropped, row),
        rxErrors: at(c.rxErrors, row),
        txBytes: at(c.txBytes, row),
        txPackets: at(c.txPackets, row),
        txDropped: at(c.txDropped, row),
        txErrors: at(c.txErrors, row),
      };

/**
 * Decodes a wire document (schema 2.x) into the node record, checking every table: each group of
 * columns is an object, lengths agree, figures are finite numbers or null, ids are strings. The
 * members 2.x shares with 1.x (identity, node figures, disks, filesystems, agent) are checked by
 * parseRecord before. Columns this reader does not know (a later minor version) are ignored. A row
 * whose delta columns are all null has no `deltas` (first sample of that cgroup).
 */
export function fromWireRecord(doc: Record<string, unknown>): Result<NodeRecord> {
  const pods = doc.pods;
  const containers = doc.containers;
  const cgroups = doc.cgroups;
  const interfaces = doc.interfaces;
  for (const [name, value] of [['pods', pods], ['containers', containers], ['cgroups', cgroups], ['interfaces', interfaces]] as const) {
    if (!isObject(value)) return err(`record ${name} must be an object of columns, got ${toSnippet(value)}`);
  }
  const p = pods as Record<string, unknown>;
  const c = containers as Record<string, unknown>;
  const podCount = Array.isArray(p.uid) ? p.uid.length : 0;
  const containerCount = Array.isArray(c.id) ? c.id.length : 0;
  const problem =
    checkArray(p.uid, 'pods.uid', podCount, (v) => typeof v === 'string') ??
    checkArray(p.qos, 'pods.qos', podCount, (v) => QOS.has(v)) ??
    checkArray(p.hostNetwork, 'pods.hostNetwork', podCount, (v) => v === null || typeof v === 'boolean') ??
    checkArray(p.containers, 'pods.containers', podCount, (v) => Number.isInteger(v) && (v as number) >= 0) ??
    checkArray(c.id, 'containers.id', containerCount, (v) => typeof v === 'string') ??
    checkArray(c.runtime, 'containers.runtime', containerCount, isNullableString) ??
    checkArray(c.name, 'containers.name', containerCount, isNullableString) ??
    checkOptionalArray(p.namespace, 'pods.namespace', podCount, isNullableString) ??
    checkOptionalArray(p.name, 'pods.name', podCount, isNullableString) ??
    checkOptionalArray(p.restarts, 'pods.restarts', podCount, isFigure) ??
    checkOptionalArray(c.restarts, 'containers.restarts', containerCount, isFigure);
  if (problem) return err(problem);
  const perPod = p.containers as number[];
  const claimed = perPod.reduce((s, n) => s + n, 0);
  if (claimed !== containerCount) return err(`record pods.containers adds up to ${claimed} containers but containers.id has ${containerCount}`);

  const rows = 1 + podCount + containerCount;
  const cg = cgroups as Record<string, unknown>;
  const gauges = toPresentColumns<CgroupGauges>(cg.gauges, 'cgroups.gauges', GAUGE_FIELDS, rows);
  if (!gauges.ok) return gauges;
  const deltas = toPresentColumns<CgroupDeltas>(cg.deltas, 'cgroups.deltas', DELTA_FIELDS, rows);
  if (!deltas.ok) return deltas;

  const itf = interfaces as Record<string, unknown>;
  const interfaceCount = Array.isArray(itf.name) ? itf.name.length : 0;
  const itfProblem =
    checkArray(itf.name, 'interfaces.name', interfaceCount, (v) => typeof v === 'string') ??
    checkArray(itf.pod, 'interfaces.pod', interfaceCount, (v) => v === null || (Number.isInteger(v) && (v as number) >= 0 && (v as number) < podCount));
  if (itfProblem) return err(itfProblem);
  const net = toPresentColumns<NetDeltas>(itf.deltas, 'interfaces.deltas', NET_FIELDS, interfaceCount);
  if (!net.ok) return net;

  const podNet: NetInterface[][] = Array.from({ length: podCount }, () => []);
  const nodeNet: NetInterface[] = [];
  const names = itf.name as string[];
  const owners = itf.pod as (number | null)[];
  for (let i = 0; i < interfaceCount; i++) {
    const d = netDeltasAt(net.value, i);
    const entry: NetInterface = d ? { name: names[i], deltas: d } : { name: names[i] };
    const owner = owners[i];
    (owner === null ? nodeNet : podNet[owner]).push(entry);
  }

  const ids = c.id as string[];
  const containerRestarts = c.restarts as Column | undefined;
  const podNamespaces = p.namespace as (string | null)[] | undefined;
  const podNames = p.name as (string | null)[] | undefined;
  const podRestarts = p.restarts as Column | undefined;
  const runtimes = c.runtime as (string | null)[];
  const containerNames = c.name as (string | null)[];
  const hostNetwork = p.hostNetwork as (boolean | null)[];
  const uids = p.uid as string[];
  const qos = p.qos as QosClass[];

  let next = 0;
  const podSamples: PodSample[] = uids.map((uid, i) => {
    const list: ContainerSample[] = [];
    for (let k = 0; k < perPod[i]; k++, next++) {
      const row = 1 + podCount + next;
      const container: ContainerSample = { id: ids[next], gauges: gaugesAt(gauges.value, row) };
      const d = deltasAt(deltas.value, row);
      if (d) container.deltas = d;
      if (runtimes[next] !== null) container.runtime = runtimes[next] as string;
      if (containerNames[next] !== null) container.name = containerNames[next] as string;
      const restarts = at(containerRestarts, next);
      if (restarts !== undefined) container.restartsDelta = restarts;
      list.push(container);
    }
    const pod: PodSample = { uid, qos: qos[i], gauges: gaugesAt(gauges.value, 1 + i), containers: list };
    const d = deltasAt(deltas.value, 1 + i);
    if (d) pod.deltas = d;
    if (hostNetwork[i] !== null) pod.hostNetwork = hostNetwork[i] as boolean;
    if (podNet[i].length > 0) pod.net = podNet[i];
    const namespace = podNamespaces?.[i];
    if (typeof namespace === 'string') pod.namespace = namespace;
    const name = podNames?.[i];
    if (typeof name === 'string') pod.name = name;
    const restarts = at(podRestarts, i);
    if (restarts !== undefined) pod.restartsDelta = restarts;
    return pod;
  });

  const record: NodeRecord = {
    cluster: doc.cluster as string,
    node: doc.node as string,
    timeMs: doc.timeMs as number,
    cgroupVersion: doc.cgroupVersion as CgroupVersion,
    cores: doc.cores as number,
    memTotalBytes: doc.memTotalBytes as number,
    gauges: gaugesAt(gauges.value, 0),
    net: nodeNet,
    disks: doc.disks as DiskDevice[],
    filesystems: doc.filesystems as Filesystem[],
    pods: podSamples,
  };
  if (doc.elapsedMs !== undefined) record.elapsedMs = doc.elapsedMs as number;
  const d = deltasAt(deltas.value, 0);
  if (d) record.deltas = d;
  if (doc.agent !== undefined) record.agent = doc.agent as AgentStats;
  return ok(record);
}

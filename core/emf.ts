import type { CiRecord } from './ci-record';
import { CI_NAMESPACE, EMF_MAX_METRICS_PER_DIRECTIVE, EMF_MAX_VALUES_PER_METRIC } from './limits';
import { CATALOG, type CiType, type MetricSpec } from './metrics/catalog';
import type { DeclarationProfile } from './metrics/profiles';

/**
 * EMF encoding of Container Insights records, as awsemf (EMF v1) writes them (catalog sections 0 and 7.2):
 *
 * - every attribute and every metric value is a root member; `Sources` and `kubernetes` are JSON
 *   values (awsemf's `parse_json_encoded_attr_values`); `Type` and `Timestamp` (ms, as a string,
 *   the fork's attribute) are root members too;
 * - only metrics matched by a declaration of the profile go into `_aws.CloudWatchMetrics`; metrics
 *   are grouped by the exact set of declarations they match, one directive per group; a directive's
 *   dimension sets are the union of its declarations' sets, each sorted alphabetically, de-duplicated,
 *   minus the sets naming an attribute the record does not have; a group left with no set publishes nothing;
 * - `"Version":"1"` and `_aws` (Namespace ContainerInsights, `Timestamp` in ms) only when a directive
 *   exists; otherwise `"Version":"0"` and a plain JSON log event;
 * - a directive with more than 100 metrics is split into several directives of the same event.
 *
 * Two deliberate differences from awsemf, both smaller events with the same CloudWatch meaning:
 * millicore metrics (catalog unit `''`) carry no `Unit` member (the specification's default, None)
 * rather than `"Unit":""`, and `StorageResolution` is omitted (60, the default). Non-finite values are
 * dropped, never written as `null`.
 *
 * Lean events (a profile with `leanEvents`, such as `lean`) give CloudWatch the same metrics in a
 * fraction of the bytes:
 *
 * - an event carries `Type`, the members its kept dimension sets name, the profile's few extra
 *   attributes of the Type, the metrics it publishes (no other metric), `"Version":"1"` and `_aws`;
 *   no `Sources`, `kubernetes` or `Timestamp` member (the log event's timestamp and `_aws.Timestamp`
 *   say when; the log stream says which node);
 * - the records of one call to `encodeEvents` (one node's interval) with the same Type, time and
 *   dimension members become one event whose metrics are value arrays (`"pod_cpu_utilization":[1.5,2.25]`),
 *   at most 100 values a metric and about 256 KB an event; CloudWatch takes each value of an array as
 *   one sample, so every statistic (SampleCount, Sum, Average, Minimum, Maximum, percentiles) of every
 *   (metric, dimension set, dimension values) is the one it computes from one event per record;
 * - a record that publishes no metric is left out, except on the intervals the profile's
 *   `logOnlyEveryMs` names, when it is written whole, as the receiver writes it.
 *
 * Speed: selector matching is done once per (profile, metric name), dimension sets once per
 * (declaration group, attributes present), the JSON of the attributes, Sources and kubernetes once
 * per record memo (CiRecord.memo); encoding a record joins cached pieces into one flat string.
 */

/** One CloudWatch Logs event: what PutLogEvents takes. */
export interface EmfEvent {
  /** Epoch ms. */
  readonly timestamp: number;
  readonly message: string;
}

/** The interval a batch of records covers: a node record's time and elapsed time. */
export interface RecordInterval {
  /** Sample time, epoch ms. */
  readonly timeMs: number;
  /** Time since the node's previous record; absent on the first record after its agent started. */
  readonly elapsedMs?: number;
}

/** Encodes CiRecords to EMF log event messages for one profile. */
export interface EmfEncoder {
  readonly profile: DeclarationProfile;
  /**
   * One record -> one CloudWatch Logs event message (a JSON object on one line). With lean events:
   * the record's published metrics and what they need, or the whole record when it publishes none.
   */
  encode(record: CiRecord): string;
  /**
   * The events of the records of one interval of one node (the enricher's unit of work): one event
   * per record, or, with lean events, the merged events of the records that publish metrics and, when
   * the interval is due, the records that publish none.
   */
  encodeEvents(records: readonly CiRecord[], interval: RecordInterval): EmfEvent[];
  /** The metric names of a record that the profile publishes (in record order). */
  declaredMetrics(record: CiRecord): string[];
}

/**
 * Largest lean event the encoder builds: the specification's limit before it became 1 MB, so an
 * event stays within both readings (reference/anchors.md §3.4).
 */
export const LEAN_MAX_EVENT_BYTES = 256 * 1024;

/**
 * Whether the records of a node's interval include its log-only records, for a period `everyMs`
 * (0: never): when the interval `(timeMs - elapsedMs, timeMs]` holds a multiple of the period, or when
 * the record is its agent's first (no `elapsedMs`). Stateless: every enricher instance decides the same.
 */
export function isLogOnlyDue(interval: RecordInterval, everyMs: number): boolean {
  if (!(everyMs > 0)) return false;
  if (interval.elapsedMs === undefined) return true;
  return Math.floor(interval.timeMs / everyMs) > Math.floor((interval.timeMs - interval.elapsedMs) / everyMs);
}

interface Group {
  /** Declaration indices joined: the grouping key. */
  readonly key: string;
  /** Union of the matched declarations' sets: sorted, de-duplicated. */
  readonly sets: readonly (readonly string[])[];
  /** Dimensions JSON per bit mask of the sets kept (sets whose keys are all present). */
  readonly dimensionsByMask: Map<number, string>;
  /** The keys of the sets kept, per bit mask: the members a lean event needs. */
  readonly keysByMask: Map<number, readonly string[]>;
}

interface MetricInfo {
  /** `,"name":` */
  readonly member: string;
  /** `{"Name":"…","Unit":"…"}` */
  readonly definition: string;
  readonly group: Group | undefined;
}

const DIRECTIVE_HEAD = `{"Namespace":${JSON.stringify(CI_NAMESPACE)},"Dimensions":`;

function toUnitMember(spec: MetricSpec | undefined): string {
  return spec && spec.unit !== '' ? `,"Unit":${JSON.stringify(spec.unit)}` : '';
}

/** Normalizes a dimension set the way awsemf does: de-duplicated keys, sorted. */
export const toDimensionSet = (set: readonly string[]): string[] => [...new Set(set)].sort();

/** Creates an encoder for a profile; the selector and dimension-set work is cached inside it. */
export function createEmfEncoder(profile: DeclarationProfile): EmfEncoder {
  const compiled = profile.declarations.map((d) => ({
    patterns: d.metricNameSelectors.map((s) => new RegExp(s)),
    sets: d.dimensions.map(toDimensionSet),
  }));
  const groups = new Map<string, Group>();
  const infoByType = new Map<CiType, Map<string, MetricInfo>>();

  function toGroup(name: string): Group | undefined {
    const matched: number[] = [];
    compiled.forEach((d, i) => {
      if (d.patterns.some((p) => p.test(name))) matched.push(i);
    });
    if (matched.length === 0) return undefined;
    const key = matched.join(',');
    let group = groups.get(key);
    if (!group) {
      const seen = new Set<string>();
      const sets: string[][] = [];
      for (const i of matched) {
        for (const set of compiled[i].sets) {
          const id = set.join('\u0000');
          if (!seen.has(id)) {
            seen.add(id);
            sets.push(set);
          }
        }
      }
      group = { key, sets, dimensionsByMask: new Map(), keysByMask: new Map() };
      groups.set(key, group);
    }
    return group;
  }

  function toInfoMap(type: CiType): Map<string, MetricInfo> {
    let byName = infoByType.get(type);
    if (!byName) {
      byName = new Map();
      infoByType.set(type, byName);
    }
    return byName;
  }

  function toInfo(byName: Map<string, MetricInfo>, type: CiType, name: string): MetricInfo {
    let info = byName.get(name);
    if (!info) {
      const quoted = JSON.stringify(name);
      const spec = (CATALOG[type] as Record<string, MetricSpec>)[name];
      info = { member: `,${quoted}:`, definition: `{"Name":${quoted}${toUnitMember(spec)}}`, group: toGroup(name) };
      byName.set(name, info);
    }
    return info;
  }

  function toMask(group: Group, attributes: Record<string, string>): number {
    let mask = 0;
    for (let i = 0; i < group.sets.length; i++) {
      const set = group.sets[i];
      let present = true;
      for (let k = 0; k < set.length; k++) {
        if (typeof attributes[set[k]] !== 'string') {
          present = false;
          break;
        }
      }
      if (present) mask |= 1 << i;
    }
    return mask;
  }

  function toDimensions(group: Group, attributes: Record<string, string>): string | undefined {
    const mask = toMask(group, attributes);
    if (mask === 0) return undefined;
    let json = group.dimensionsByMask.get(mask);
    if (json === undefined) {
      json = JSON.stringify(group.sets.filter((_, i) => mask & (1 << i)));
      group.dimensionsByMask.set(mask, json);
    }
    return json;
  }

  /**
   * The event up to its metrics, as one flat string: joined from its pieces, never a rope. A cached
   * rope would be walked again by every event that copies it (measured: half of the encoding time).
   */
  function toPrefix(record: CiRecord): string {
    let attributes = record.attributes;
    if ('Type' in attributes || 'Version' in attributes || 'Timestamp' in attributes) {
      // The encoder writes these three itself.
      const { Type: _type, Version: _version, Timestamp: _timestamp, ...rest } = attributes;
      attributes = rest;
    }
    const members = JSON.stringify(attributes);
    const parts = ['{"Type":', JSON.stringify(record.type), members.length > 2 ? ',' : '', members.slice(1, -1), ',"Sources":', JSON.stringify(record.sources)];
    if (record.kubernetes !== undefined) parts.push(',"kubernetes":', JSON.stringify(record.kubernetes));
    return parts.join('');
  }

  /** The metric names of the previous event of each Type, with their infos: events of a Type list their metrics in the same order. */
  const previousByType = new Map<CiType, { names: string[]; infos: MetricInfo[] }>();
  let timestampMs = NaN;
  let timestampMembers = { attribute: '', tail: '' };

  function encodeWhole(record: CiRecord): string {
    const attributes = record.attributes;
    if (record.timestampMs !== timestampMs) {
      timestampMs = record.timestampMs;
      timestampMembers = { attribute: `,"Timestamp":"${timestampMs}"`, tail: `],"Timestamp":${timestampMs}}}` };
    }
    // Pieces joined once at the end: one flat string, rather than a rope of a hundred
    // concatenations that the log writer's first Buffer.byteLength would have to flatten.
    const memo = record.memo;
    const prefix = memo ? (memo.prefix ??= toPrefix(record)) : toPrefix(record);
    const parts: string[] = [prefix, timestampMembers.attribute];

    const metrics = record.metrics as Record<string, number | undefined>;
    let byGroup: Map<Group, string[]> | undefined;
    const byName = toInfoMap(record.type);
    let previous = previousByType.get(record.type);
    if (!previous) previousByType.set(record.type, (previous = { names: [], infos: [] }));
    let at = 0;
    let allFinite = true;
    // for-in, not Object.keys: no array per event, and the enricher's fixed-shape objects enumerate from V8's cache.
    for (const name in metrics) {
      const value = metrics[name];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        allFinite = false;
        continue;
      }
      let info = previous.infos[at];
      if (previous.names[at] !== name) {
        info = toInfo(byName, record.type, name);
        previous.names[at] = name;
        previous.infos[at] = info;
      }
      at += 1;
      if (info.group) {
        byGroup ??= new Map();
        const list = byGroup.get(info.group);
        if (list) list.push(info.definition);
        else byGroup.set(info.group, [info.definition]);
      }
    }
    if (allFinite) {
      // The metric members as JSON.stringify writes them (undefined ones left out, numbers as
      // String(n) writes them): it formats each number straight into its output, where String(n)
      // makes a string per number that V8 allocates in old space for its number-string cache.
      // Measured on Node 22, the Lambda's runtime: 7-15 % more node records/s (fewer major GCs).
      const json = JSON.stringify(metrics);
      if (json.length > 2) parts.push(',', json.slice(1, -1));
    } else {
      for (let i = 0; i < at; i++) parts.push(previous.infos[i].member + metrics[previous.names[i]]);
    }

    let directives = '';
    if (byGroup) {
      for (const [group, definitions] of byGroup) {
        const dimensions = toDimensions(group, attributes);
        if (dimensions === undefined) continue;
        for (let i = 0; i < definitions.length; i += EMF_MAX_METRICS_PER_DIRECTIVE) {
          const chunk = definitions.length <= EMF_MAX_METRICS_PER_DIRECTIVE ? definitions : definitions.slice(i, i + EMF_MAX_METRICS_PER_DIRECTIVE);
          directives += `${directives === '' ? '' : ','}${DIRECTIVE_HEAD}${dimensions},"Metrics":[${chunk.join(',')}]}`;
        }
      }
    }
    if (directives === '') parts.push(',"Version":"0"}');
    else parts.push(',"Version":"1","_aws":{"CloudWatchMetrics":[', directives, timestampMembers.tail);
    return parts.join('');
  }

  const lean = profile.leanEvents;

  /**
   * A lean event being filled: the records of one Type, time and dimension members. Metrics by
   * directive group, each with its values in record order.
   */
  interface LeanEvent {
    /** `{"Type":…,<members>` */
    readonly head: string;
    readonly timestampMs: number;
    readonly groups: Map<Group, { dimensions: string; metrics: Map<string, { info: MetricInfo; values: number[] }> }>;
    /** Approximate bytes so far. */
    bytes: number;
    /** True once a metric holds the most values an array may. */
    full: boolean;
  }

  /** A record's published metrics, by group, and the lean event key they merge under; undefined when it publishes none. */
  function toLeanParts(record: CiRecord): { key: string; head: string; groups: Map<Group, { dimensions: string; items: [MetricInfo, number][] }> } | undefined {
    const attributes = record.attributes;
    const metrics = record.metrics as Record<string, number | undefined>;
    const byName = toInfoMap(record.type);
    let groups: Map<Group, { dimensions: string; items: [MetricInfo, number][] }> | undefined;
    let keys: Set<string> | undefined;
    const skipped = new Set<Group>();
    for (const name in metrics) {
      const value = metrics[name];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const info = toInfo(byName, record.type, name);
      const group = info.group;
      if (!group || skipped.has(group)) continue;
      let entry = groups?.get(group);
      if (!entry) {
        const mask = toMask(group, attributes);
        if (mask === 0) {
          skipped.add(group);
          continue;
        }
        let used = group.keysByMask.get(mask);
        if (!used) {
          used = [...new Set(group.sets.filter((_, i) => mask & (1 << i)).flat())];
          group.keysByMask.set(mask, used);
        }
        keys ??= new Set();
        for (const k of used) keys.add(k);
        entry = { dimensions: toDimensions(group, attributes) as string, items: [] };
        (groups ??= new Map()).set(group, entry);
      }
      entry.items.push([info, value]);
    }
    if (!groups || !keys) return undefined;
    const members: Record<string, string> = {};
    for (const k of [...keys].sort()) {
      // As the whole event: Type and Version are the encoder's own members, Timestamp the time as a string.
      if (k === 'Type' || k === 'Version') continue;
      members[k] = k === 'Timestamp' ? String(record.timestampMs) : attributes[k];
    }
    for (const k of lean?.attributes[record.type] ?? []) if (typeof attributes[k] === 'string' && !(k in members)) members[k] = attributes[k];
    const json = JSON.stringify(members);
    const head = `{"Type":${JSON.stringify(record.type)},${json.slice(1, -1)}`;
    return { key: `${record.timestampMs}\u0000${head}`, head, groups };
  }

  function toLeanEvent(head: string, timestampMs: number): LeanEvent {
    return { head, timestampMs, groups: new Map(), bytes: head.length + 200, full: false };
  }

  /** Whether a record's metrics still fit an event: no array past 100 values, the event within its size. */
  const fits = (event: LeanEvent, parts: NonNullable<ReturnType<typeof toLeanParts>>): boolean => {
    if (event.full) return false;
    let bytes = event.bytes;
    for (const entry of parts.groups.values()) for (const [info, value] of entry.items) bytes += info.definition.length + info.member.length + String(value).length + 1;
    return bytes <= LEAN_MAX_EVENT_BYTES;
  };

  function addToLeanEvent(event: LeanEvent, parts: NonNullable<ReturnType<typeof toLeanParts>>): void {
    for (const [group, entry] of parts.groups) {
      let target = event.groups.get(group);
      if (!target) event.groups.set(group, (target = { dimensions: entry.dimensions, metrics: new Map() }));
      for (const [info, value] of entry.items) {
        const name = info.member;
        let metric = target.metrics.get(name);
        if (!metric) {
          target.metrics.set(name, (metric = { info, values: [] }));
          event.bytes += info.definition.length + info.member.length;
        }
        metric.values.push(value);
        event.bytes += String(value).length + 1;
        if (metric.values.length >= EMF_MAX_VALUES_PER_METRIC) event.full = true;
      }
    }
  }

  function toLeanMessage(event: LeanEvent): string {
    const parts: string[] = [event.head];
    let directives = '';
    for (const { dimensions, metrics } of event.groups.values()) {
      const definitions: string[] = [];
      for (const { info, values } of metrics.values()) {
        parts.push(info.member, values.length === 1 ? String(values[0]) : `[${values.join(',')}]`);
        definitions.push(info.definition);
      }
      for (let i = 0; i < definitions.length; i += EMF_MAX_METRICS_PER_DIRECTIVE) {
        directives += `${directives === '' ? '' : ','}${DIRECTIVE_HEAD}${dimensions},"Metrics":[${definitions.slice(i, i + EMF_MAX_METRICS_PER_DIRECTIVE).join(',')}]}`;
      }
    }
    parts.push(',"Version":"1","_aws":{"CloudWatchMetrics":[', directives, `],"Timestamp":${event.timestampMs}}}`);
    return parts.join('');
  }

  function encodeLean(record: CiRecord): string {
    const parts = toLeanParts(record);
    if (!parts) return encodeWhole(record);
    const event = toLeanEvent(parts.head, record.timestampMs);
    addToLeanEvent(event, parts);
    return toLeanMessage(event);
  }

  function encodeLeanEvents(records: readonly CiRecord[], interval: RecordInterval): EmfEvent[] {
    const logOnly = isLogOnlyDue(interval, lean?.logOnlyEveryMs ?? 0);
    // In order of each event's first record; a whole record in its own place.
    const slots: (LeanEvent | EmfEvent)[] = [];
    const open = new Map<string, LeanEvent>();
    for (const record of records) {
      const parts = toLeanParts(record);
      if (!parts) {
        if (logOnly) slots.push({ timestamp: record.timestampMs, message: encodeWhole(record) });
        continue;
      }
      let event = open.get(parts.key);
      if (!event || !fits(event, parts)) {
        event = toLeanEvent(parts.head, record.timestampMs);
        open.set(parts.key, event);
        slots.push(event);
      }
      addToLeanEvent(event, parts);
    }
    return slots.map((slot) => ('message' in slot ? slot : { timestamp: slot.timestampMs, message: toLeanMessage(slot) }));
  }

  return {
    profile,
    encode: lean ? encodeLean : encodeWhole,
    encodeEvents: lean ? encodeLeanEvents : (records) => records.map((r) => ({ timestamp: r.timestampMs, message: encodeWhole(r) })),
    declaredMetrics(record) {
      const names: string[] = [];
      const metrics = record.metrics as Record<string, number | undefined>;
      const byName = toInfoMap(record.type);
      for (const name in metrics) {
        const value = metrics[name];
        if (typeof value !== 'number' || !Number.isFinite(value)) continue;
        const info = toInfo(byName, record.type, name);
        if (info.group && toDimensions(info.group, record.attributes) !== undefined) names.push(name);
      }
      return names;
    },
  };
}

import { err, ok, type Result } from '../result';
import { toSnippet } from '../errors';
import { parseDuration } from '../duration';
import { EMF_MAX_DIMENSIONS_PER_SET, EMF_MAX_METRICS_PER_DIRECTIVE } from '../limits';
import { CATALOG, CI_TYPES, type CiType } from './catalog';

/**
 * Declaration profiles: which metrics of an event become CloudWatch metrics (an EMF directive) and
 * under which dimension sets. Everything else in the event stays log-only, exactly as awsemf's
 * `metric_declarations` work (catalog sections 0 and 4): selectors are unanchored regular
 * expressions on the metric name, and one declaration lists dimension sets.
 */

/** One awsemf `metric_declaration`. */
export interface MetricDeclaration {
  /** Dimension sets, each a list of attribute names. Order inside a set does not matter (the encoder sorts). */
  readonly dimensions: readonly (readonly string[])[];
  /** Unanchored regular expressions matched against metric names (Go `MatchString` semantics). */
  readonly metricNameSelectors: readonly string[];
}

/** A named set of declarations plus the decoration switches that go with it. */
export interface DeclarationProfile {
  readonly name: string;
  readonly declarations: readonly MetricDeclaration[];
  /** Compute the catalog's `enhanced` tier metrics (pod_status_*, pod_container_status_*, *_over_container_limit, node_status_*). */
  readonly enhancedMetrics: boolean;
  /** Add the `FullPodName` attribute (metadata.name) to Pod, PodNet and Container events. */
  readonly fullPodName: boolean;
  /** Add the `ContainerName` attribute to Container events (as the CloudWatch agent does in enhanced mode). */
  readonly containerNameAttribute: boolean;
  /**
   * Write lean events (core/emf.ts): only what the published metrics need, the values of events
   * with the same dimension values in one event, log-only records left out.
   * @default undefined: every record is one event with every attribute and metric (the receiver's events)
   */
  readonly leanEvents?: LeanEvents;
}

/**
 * How a lean profile writes its events. Each event carries its `Type`, `Version`, the members its
 * dimension sets name, the metrics it publishes, `_aws`, and the few attributes below; records that
 * publish no metric (under the classic declarations: Container, PodNet, NodeNet, NodeDiskIO) are left
 * out, or written whole now and then for those who query them in Logs Insights.
 */
export interface LeanEvents {
  /**
   * Attributes kept besides the dimension members, by Type: worth their bytes in Logs Insights
   * because no dimension and no log stream name says what they say.
   */
  readonly attributes: Readonly<Partial<Record<CiType, readonly string[]>>>;
  /**
   * Records that publish no metric are written, whole (as classic writes them), once per this period:
   * by a node record whose interval `(timeMs - elapsedMs, timeMs]` holds a multiple of the period
   * (epoch-aligned, so each node writes them about once per period with no state kept), and by a
   * node's first record after its agent starts. 0: never.
   * @default 0
   */
  readonly logOnlyEveryMs: number;
}

/**
 * What lean events keep besides the dimension members: on Node events the node's instance type and
 * Auto Scaling group (node utilization by instance type or node group in Logs Insights; about 70
 * bytes per node and interval). Pod events keep nothing more: the node is the log stream's name, the
 * workload, namespace and service are dimensions, and one event carries the values of several pods
 * of a workload, so a per-pod attribute has no place in it.
 */
export const LEAN_ATTRIBUTES: LeanEvents['attributes'] = { Node: ['InstanceType', 'AutoScalingGroupName'] };

/** The names of the built-in profiles. */
export type ProfileName = 'classic' | 'lean' | 'enhanced';

const NODE_DIMS = ['NodeName', 'InstanceId', 'ClusterName'];
const NODE_7 = [
  'node_cpu_utilization',
  'node_memory_utilization',
  'node_network_total_bytes',
  'node_cpu_reserved_capacity',
  'node_memory_reserved_capacity',
  'node_number_of_running_pods',
  'node_number_of_running_containers',
];
const POD_6 = [
  'pod_cpu_utilization',
  'pod_memory_utilization',
  'pod_network_rx_bytes',
  'pod_network_tx_bytes',
  'pod_cpu_utilization_over_pod_limit',
  'pod_memory_utilization_over_pod_limit',
];

/** The nine metric_declarations of the ADOT EKS template (catalog section 4), in template order. */
export const CLASSIC_DECLARATIONS: readonly MetricDeclaration[] = [
  { dimensions: [NODE_DIMS], metricNameSelectors: NODE_7 },
  { dimensions: [['ClusterName']], metricNameSelectors: [...NODE_7, 'node_cpu_usage_total', 'node_cpu_limit', 'node_memory_working_set', 'node_memory_limit'] },
  {
    dimensions: [['PodName', 'Namespace', 'ClusterName'], ['Service', 'Namespace', 'ClusterName'], ['Namespace', 'ClusterName'], ['ClusterName']],
    metricNameSelectors: POD_6,
  },
  { dimensions: [['PodName', 'Namespace', 'ClusterName'], ['ClusterName']], metricNameSelectors: ['pod_cpu_reserved_capacity', 'pod_memory_reserved_capacity'] },
  { dimensions: [['PodName', 'Namespace', 'ClusterName']], metricNameSelectors: ['pod_number_of_container_restarts'] },
  { dimensions: [['ClusterName']], metricNameSelectors: ['cluster_node_count', 'cluster_failed_node_count'] },
  { dimensions: [['Service', 'Namespace', 'ClusterName'], ['ClusterName']], metricNameSelectors: ['service_number_of_running_pods'] },
  { dimensions: [NODE_DIMS, ['ClusterName']], metricNameSelectors: ['node_filesystem_utilization'] },
  { dimensions: [['Namespace', 'ClusterName'], ['ClusterName']], metricNameSelectors: ['namespace_number_of_running_pods'] },
];


const FULL_POD = ['FullPodName', 'PodName', 'Namespace', 'ClusterName'];
const POD = ['PodName', 'Namespace', 'ClusterName'];
const SERVICE = ['Service', 'Namespace', 'ClusterName'];

/**
 * The CloudWatch agent's enhanced-observability declarations (catalog section 5) for the Types the
 * pipeline produces; accelerated-compute, control-plane and volume selectors are left out because
 * nothing here produces those metrics.
 */
export const ENHANCED_DECLARATIONS: readonly MetricDeclaration[] = [
  {
    dimensions: [['ClusterName'], ['ContainerName', ...FULL_POD], ['ContainerName', ...POD]],
    metricNameSelectors: [
      'container_cpu_utilization',
      'container_cpu_utilization_over_container_limit',
      'container_cpu_limit',
      'container_cpu_request',
      'container_memory_utilization',
      'container_memory_utilization_over_container_limit',
      'container_memory_failures_total',
      'container_memory_limit',
      'container_memory_request',
      'container_filesystem_usage',
      'container_filesystem_available',
      'container_filesystem_utilization',
    ],
  },
  { dimensions: [POD, ['ClusterName'], SERVICE, ['ClusterName', 'Namespace'], FULL_POD], metricNameSelectors: POD_6 },
  { dimensions: [FULL_POD, POD, ['Namespace', 'ClusterName'], ['ClusterName']], metricNameSelectors: ['pod_interface_network_rx_dropped', 'pod_interface_network_tx_dropped'] },
  {
    dimensions: [POD, ['ClusterName'], FULL_POD, SERVICE],
    metricNameSelectors: [
      'pod_cpu_reserved_capacity',
      'pod_memory_reserved_capacity',
      'pod_number_of_container_restarts',
      'pod_number_of_containers',
      'pod_number_of_running_containers',
      ...['ready', 'scheduled', 'running', 'pending', 'failed', 'unknown', 'succeeded'].map((s) => `pod_status_${s}`),
      'pod_memory_request',
      'pod_memory_limit',
      'pod_cpu_limit',
      'pod_cpu_request',
      'pod_cpu_usage_total',
      'pod_memory_working_set',
      'pod_container_status_running',
      'pod_container_status_terminated',
      'pod_container_status_waiting',
      'pod_container_status_waiting_reason_crash_loop_back_off',
      'pod_container_status_waiting_reason_image_pull_error',
      'pod_container_status_waiting_reason_start_error',
      'pod_container_status_waiting_reason_create_container_error',
      'pod_container_status_waiting_reason_create_container_config_error',
      'pod_container_status_terminated_reason_oom_killed',
    ],
  },
  {
    dimensions: [NODE_DIMS, ['ClusterName']],
    metricNameSelectors: [
      ...NODE_7,
      'node_cpu_usage_total',
      'node_cpu_limit',
      'node_memory_working_set',
      'node_memory_limit',
      ...['ready', 'disk_pressure', 'memory_pressure', 'pid_pressure', 'network_unavailable', 'unknown'].map((c) => `node_status_condition_${c}`),
      'node_status_capacity_pods',
      'node_status_allocatable_pods',
    ],
  },
  {
    dimensions: [NODE_DIMS, ['ClusterName']],
    metricNameSelectors: ['node_interface_network_rx_dropped', 'node_interface_network_tx_dropped', 'node_diskio_io_service_bytes_total', 'node_diskio_io_serviced_total'],
  },
  { dimensions: [NODE_DIMS, ['ClusterName']], metricNameSelectors: ['node_filesystem_utilization', 'node_filesystem_inodes', 'node_filesystem_inodes_free'] },
  { dimensions: [SERVICE, ['ClusterName']], metricNameSelectors: ['service_number_of_running_pods'] },
  { dimensions: [POD, ['ClusterName']], metricNameSelectors: ['replicas_desired', 'replicas_ready', 'status_replicas_available', 'status_replicas_unavailable'] },
  { dimensions: [['Namespace', 'ClusterName'], ['ClusterName']], metricNameSelectors: ['namespace_number_of_running_pods'] },
  { dimensions: [['ClusterName']], metricNameSelectors: ['cluster_node_count', 'cluster_failed_node_count', 'cluster_number_of_running_pods'] },
];

/** The built-in profiles. `classic` is the default: CloudWatch's automatic dashboards work unchanged. */
export const PROFILES: Readonly<Record<ProfileName, DeclarationProfile>> = {
  classic: { name: 'classic', declarations: CLASSIC_DECLARATIONS, enhancedMetrics: false, fullPodName: false, containerNameAttribute: false },
  // Classic's declarations, so CloudWatch gets every metric classic gives it: lean changes the events, not the metrics.
  lean: { name: 'lean', declarations: CLASSIC_DECLARATIONS, enhancedMetrics: false, fullPodName: false, containerNameAttribute: false, leanEvents: { attributes: LEAN_ATTRIBUTES, logOnlyEveryMs: 0 } },
  enhanced: { name: 'enhanced', declarations: ENHANCED_DECLARATIONS, enhancedMetrics: true, fullPodName: true, containerNameAttribute: true },
};

/** The profile used when none is configured. */
export const DEFAULT_PROFILE_NAME: ProfileName = 'classic';

/** True when `name` is a built-in profile name. */
export const isProfileName = (name: string): name is ProfileName => Object.prototype.hasOwnProperty.call(PROFILES, name);

/** Looks up a built-in profile; the error lists the valid names. */
export function parseProfileName(name: string): Result<DeclarationProfile> {
  return isProfileName(name) ? ok(PROFILES[name]) : err(`unknown profile "${toSnippet(name)}"; expected one of ${Object.keys(PROFILES).join(', ')}`);
}

/**
 * The profile with its log-only records written once per `everyMs` (see {@link LeanEvents.logOnlyEveryMs});
 * a profile without lean events writes them every interval already and is returned as it is.
 */
export function withLogOnlyEvery(profile: DeclarationProfile, everyMs: number): DeclarationProfile {
  return profile.leanEvents ? { ...profile, leanEvents: { ...profile.leanEvents, logOnlyEveryMs: everyMs } } : profile;
}

/**
 * Reads the period of lean profiles' log-only records: a duration (`10m`: every 10th interval at 60 s),
 * or `never`.
 */
export function parseLogOnlyEvery(text: string): Result<number> {
  if (text.trim() === 'never') return ok(0);
  const parsed = parseDuration(text);
  if (!parsed.ok) return err(`${parsed.error}, or never`);
  return parsed.value >= 1000 ? ok(parsed.value) : err(`a period of log-only records must be at least 1s, got "${toSnippet(text, 40)}"`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates user-supplied declarations (JSON, in awsemf's shape `{ dimensions, metric_name_selectors }`
 * or camelCase `{ dimensions, metricNameSelectors }`): at least one valid regular-expression selector,
 * dimension sets of string keys with at most 30 keys, and at most 100 catalog metrics of one Type
 * matched by one declaration (the EMF directive limit).
 *
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export function parseDeclarations(value: unknown): Result<MetricDeclaration[]> {
  if (!Array.isArray(value)) return err(`metric declarations must be a JSON array, got ${toSnippet(value)}`);
  const out: MetricDeclaration[] = [];
  for (const [i, raw] of value.entries()) {
    const where = `metric declaration [${i}]`;
    if (!isObject(raw)) return err(`${where} must be an object with dimensions and metricNameSelectors, got ${toSnippet(raw)}`);
    const selectors = raw.metricNameSelectors ?? raw.metric_name_selectors;
    if (!Array.isArray(selectors) || selectors.length === 0 || !selectors.every((s) => typeof s === 'string' && s !== '')) {
      return err(`${where} metricNameSelectors must be a non-empty array of non-empty strings, got ${toSnippet(selectors)}`);
    }
    for (const s of selectors as string[]) {
      try {
        new RegExp(s);
      } catch (error) {
        return err(`${where} selector ${toSnippet(s)} is not a valid regular expression (${(error as Error).message}); escape special characters or anchor with ^...$`);
      }
    }
    const dims = raw.dimensions;
    if (!Array.isArray(dims) || dims.length === 0) return err(`${where} dimensions must be a non-empty array of dimension sets, got ${toSnippet(dims)}`);
    for (const [j, set] of dims.entries()) {
      if (!Array.isArray(set) || !set.every((k) => typeof k === 'string' && k !== '')) {
        return err(`${where} dimensions[${j}] must be an array of attribute names, got ${toSnippet(set)}`);
      }
      if (new Set(set).size > EMF_MAX_DIMENSIONS_PER_SET) {
        return err(`${where} dimensions[${j}] has ${new Set(set).size} keys; EMF allows at most ${EMF_MAX_DIMENSIONS_PER_SET} per set: split it`);
      }
    }
    const declaration: MetricDeclaration = { dimensions: dims as string[][], metricNameSelectors: selectors as string[] };
    const patterns = declaration.metricNameSelectors.map((s) => new RegExp(s));
    for (const type of CI_TYPES) {
      const matched = Object.keys(CATALOG[type]).filter((name) => patterns.some((p) => p.test(name))).length;
      if (matched > EMF_MAX_METRICS_PER_DIRECTIVE) {
        return err(`${where} matches ${matched} ${type} metrics; EMF allows at most ${EMF_MAX_METRICS_PER_DIRECTIVE} per directive: narrow its selectors`);
      }
    }
    out.push(declaration);
  }
  return ok(out);
}

/** The metric names of a Type that a profile publishes as CloudWatch metrics (the rest stay log-only). */
export function toDeclaredMetricNames(profile: DeclarationProfile, type: CiType): string[] {
  const patterns = profile.declarations.flatMap((d) => d.metricNameSelectors.map((s) => new RegExp(s)));
  return Object.keys(CATALOG[type]).filter((name) => patterns.some((p) => p.test(name)));
}

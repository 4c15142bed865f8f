import type { CiType, MetricNameOf } from './catalog';

/**
 * The figures the enricher computes, by kind, under their catalog suffixes, and where each kind's
 * figures land in each record Type: metric `<prefix><key>`. The compiler checks every resulting name
 * against the catalog: a key that makes a name the Type does not have does not compile.
 */

/** Figures of one kind: a value (or undefined: not emitted) per key. */
export type Figures<K extends string> = { [P in K]: number | undefined };

/** Where a figure object's values go in a Type: metric `prefix + key` for each key. */
export interface FigureSlot {
  readonly prefix: string;
  readonly keys: readonly string[];
}

/** A slot of Type T, checked by the compiler: every `prefix + key` is a catalog metric of T. */
export function slot<T extends CiType>() {
  return <const P extends string, const K extends string>(prefix: P, keys: readonly K[] & ([`${P}${K}`] extends [MetricNameOf<T>] ? unknown : never)): FigureSlot => ({ prefix, keys });
}

/** CPU and memory of one cgroup (node root, pod, container): catalog 2.1/2.5/2.7. */
const CGROUP_KEYS = [
  'cpu_usage_total', 'cpu_usage_user', 'cpu_usage_system', 'cpu_utilization',
  'memory_usage', 'memory_cache', 'memory_rss', 'memory_max_usage', 'memory_swap', 'memory_failcnt', 'memory_mapped_file',
  'memory_working_set', 'memory_pgfault', 'memory_pgmajfault', 'memory_hierarchical_pgfault', 'memory_hierarchical_pgmajfault',
  'memory_failures_total', 'memory_utilization',
] as const;
export type CgroupFigures = Figures<(typeof CGROUP_KEYS)[number]>;

/** Network rates of one interface or summed over several. */
const NET_KEYS = ['rx_bytes', 'rx_packets', 'rx_dropped', 'rx_errors', 'tx_bytes', 'tx_packets', 'tx_dropped', 'tx_errors', 'total_bytes'] as const;
export type NetFigures = Figures<(typeof NET_KEYS)[number]>;

/** One filesystem. */
const FS_KEYS = ['usage', 'capacity', 'available', 'utilization', 'inodes', 'inodes_free'] as const;
export type FsFigures = Figures<(typeof FS_KEYS)[number]>;

/** Per-operation rates of a block device (bytes or operations). */
const DISK_OP_KEYS = ['read', 'write', 'sync', 'async', 'total'] as const;
export type DiskOpFigures = Figures<(typeof DISK_OP_KEYS)[number]>;

/** The node's capacity, the requests of its pods and its counts. */
const NODE_SPEC_KEYS = [
  'cpu_limit', 'memory_limit', 'cpu_request', 'cpu_reserved_capacity', 'memory_request', 'memory_reserved_capacity',
  'number_of_running_pods', 'number_of_running_containers',
] as const;
export type NodeSpecFigures = Figures<(typeof NODE_SPEC_KEYS)[number]>;

/** A pod's requests and limits against the node, its container counts. */
const POD_SPEC_KEYS = [
  'cpu_request', 'cpu_reserved_capacity', 'memory_request', 'memory_reserved_capacity', 'cpu_limit', 'cpu_utilization_over_pod_limit',
  'memory_limit', 'memory_utilization_over_pod_limit', 'number_of_containers', 'number_of_running_containers', 'number_of_container_restarts',
] as const;
export type PodSpecFigures = Figures<(typeof POD_SPEC_KEYS)[number]>;

/** The enhanced pod phase and condition flags. */
const POD_STATUS_KEYS = ['pending', 'running', 'succeeded', 'failed', 'ready', 'scheduled', 'unknown'] as const;
export type PodStatusFigures = Figures<(typeof POD_STATUS_KEYS)[number]>;

/** The enhanced counts of a pod's containers by state and reason. */
const CONTAINER_STATUS_KEYS = [
  'running', 'waiting', 'terminated',
  'waiting_reason_crash_loop_back_off', 'waiting_reason_image_pull_error', 'waiting_reason_start_error',
  'waiting_reason_create_container_error', 'waiting_reason_create_container_config_error', 'terminated_reason_oom_killed',
] as const;
export type ContainerStatusFigures = Figures<(typeof CONTAINER_STATUS_KEYS)[number]>;

/** A container's requests and limits; `number_of_container_restarts` has no `container_` prefix, as in the receiver. */
const CONTAINER_SPEC_KEYS = ['cpu_limit', 'cpu_request', 'memory_limit', 'memory_request', 'cpu_utilization_over_container_limit', 'memory_utilization_over_container_limit'] as const;
export type ContainerSpecFigures = Figures<(typeof CONTAINER_SPEC_KEYS)[number] | 'number_of_container_restarts'>;

/** The slots of each Type the enricher writes, in the order its builder takes the figure objects. */
export const LAYOUTS = {
  /** cgroup, network totals, spec. */
  Node: [slot<'Node'>()('node_', CGROUP_KEYS), slot<'Node'>()('node_network_', NET_KEYS), slot<'Node'>()('node_', NODE_SPEC_KEYS)],
  NodeFS: [slot<'NodeFS'>()('node_filesystem_', FS_KEYS)],
  /** bytes, operations. */
  NodeDiskIO: [slot<'NodeDiskIO'>()('node_diskio_io_service_bytes_', DISK_OP_KEYS), slot<'NodeDiskIO'>()('node_diskio_io_serviced_', DISK_OP_KEYS)],
  NodeNet: [slot<'NodeNet'>()('node_interface_network_', NET_KEYS)],
  /** cgroup, network totals, spec, status, container status. */
  Pod: [
    slot<'Pod'>()('pod_', CGROUP_KEYS),
    slot<'Pod'>()('pod_network_', NET_KEYS),
    slot<'Pod'>()('pod_', POD_SPEC_KEYS),
    slot<'Pod'>()('pod_status_', POD_STATUS_KEYS),
    slot<'Pod'>()('pod_container_status_', CONTAINER_STATUS_KEYS),
  ],
  PodNet: [slot<'PodNet'>()('pod_interface_network_', NET_KEYS)],
  /** cgroup, spec, spec again (its restart count has no prefix). */
  Container: [slot<'Container'>()('container_', CGROUP_KEYS), slot<'Container'>()('container_', CONTAINER_SPEC_KEYS), slot<'Container'>()('', ['number_of_container_restarts'])],
} as const satisfies Partial<Record<CiType, readonly FigureSlot[]>>;

import type { CiType, MetricNameOf } from './catalog';

/**
 * Metric names by meaning, per record Type, for the code that computes them (the enricher). Each
 * table is built from a Type prefix and suffixes, and the compiler checks every resulting name
 * against the catalog: a suffix that makes a name the Type does not have does not compile.
 */

type Names<P extends string, S extends string> = { readonly [K in S]: `${P}${K}` };

/** Builds `{ suffix: prefix + suffix }`, checked against the catalog names of Type T. */
function toNames<T extends CiType>() {
  return <const P extends string, const S extends string>(prefix: P, suffixes: readonly S[] & ([`${P}${S}`] extends [MetricNameOf<T>] ? unknown : never)): Names<P, S> =>
    Object.fromEntries(suffixes.map((s) => [s, `${prefix}${s}`])) as Names<P, S>;
}

const CGROUP = [
  'cpu_usage_total', 'cpu_usage_user', 'cpu_usage_system', 'cpu_utilization', 'cpu_limit', 'cpu_request',
  'memory_usage', 'memory_cache', 'memory_rss', 'memory_max_usage', 'memory_swap', 'memory_failcnt', 'memory_mapped_file',
  'memory_working_set', 'memory_pgfault', 'memory_pgmajfault', 'memory_hierarchical_pgfault', 'memory_hierarchical_pgmajfault',
  'memory_utilization', 'memory_limit', 'memory_request', 'memory_failures_total',
] as const;
const NET = ['rx_bytes', 'rx_packets', 'rx_dropped', 'rx_errors', 'tx_bytes', 'tx_packets', 'tx_dropped', 'tx_errors', 'total_bytes'] as const;
const FS = ['usage', 'capacity', 'available', 'utilization', 'inodes', 'inodes_free'] as const;
const DISK_OPS = ['read', 'write', 'sync', 'async', 'total'] as const;

/** Node metric names. */
export const NODE = {
  ...toNames<'Node'>()('node_', [...CGROUP, 'cpu_reserved_capacity', 'memory_reserved_capacity', 'number_of_running_pods', 'number_of_running_containers']),
  net: toNames<'Node'>()('node_network_', NET),
};

/** NodeNet metric names (one interface). */
export const NODE_NET = toNames<'NodeNet'>()('node_interface_network_', NET);

/** NodeFS metric names. */
export const NODE_FS = toNames<'NodeFS'>()('node_filesystem_', FS);

/** NodeDiskIO metric names by operation. */
export const NODE_DISKIO = {
  serviceBytes: toNames<'NodeDiskIO'>()('node_diskio_io_service_bytes_', DISK_OPS),
  serviced: toNames<'NodeDiskIO'>()('node_diskio_io_serviced_', DISK_OPS),
};

/** Pod metric names. */
export const POD = {
  ...toNames<'Pod'>()('pod_', [
    ...CGROUP,
    'cpu_reserved_capacity', 'memory_reserved_capacity', 'cpu_utilization_over_pod_limit', 'memory_utilization_over_pod_limit',
    'number_of_containers', 'number_of_running_containers', 'number_of_container_restarts',
  ]),
  net: toNames<'Pod'>()('pod_network_', NET),
  status: toNames<'Pod'>()('pod_status_', ['pending', 'running', 'succeeded', 'failed', 'ready', 'scheduled', 'unknown']),
  containerStatus: toNames<'Pod'>()('pod_container_status_', [
    'running', 'waiting', 'terminated',
    'waiting_reason_crash_loop_back_off', 'waiting_reason_image_pull_error', 'waiting_reason_start_error',
    'waiting_reason_create_container_error', 'waiting_reason_create_container_config_error', 'terminated_reason_oom_killed',
  ]),
};

/** PodNet metric names (one interface). */
export const POD_NET = toNames<'PodNet'>()('pod_interface_network_', NET);

/** Container metric names. `number_of_container_restarts` has no `container_` prefix, as in the receiver. */
export const CONTAINER = {
  ...toNames<'Container'>()('container_', [...CGROUP, 'cpu_utilization_over_container_limit', 'memory_utilization_over_container_limit']),
  ...toNames<'Container'>()('', ['number_of_container_restarts']),
};

/** ContainerFS metric names. */
export const CONTAINER_FS = toNames<'ContainerFS'>()('container_filesystem_', FS);

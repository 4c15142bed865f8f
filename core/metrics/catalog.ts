/**
 * The Container Insights metric catalog: every metric kinsight emits, by record Type, with its
 * CloudWatch unit and tier. Facts from the awscontainerinsightreceiver (ADOT) and the CloudWatch
 * agent's enhanced observability (see docs/metrics.md). Names are the compatibility contract with
 * CloudWatch's automatic dashboards: no other file spells a metric name.
 *
 * Unit `''` is what the receiver writes for millicore values (CloudWatch has no millicore unit).
 * Tier `enhanced` metrics are emitted only by the `enhanced` profile.
 */

/** A CloudWatch unit as the receiver writes it (`''` for millicores). */
export type CatalogUnit = '' | 'Percent' | 'Bytes' | 'Count' | 'Count/Second' | 'Bytes/Second';

/** Which profiles compute a metric. */
export type MetricTier = 'default' | 'enhanced';

/** One catalog entry. */
export interface MetricSpec {
  readonly unit: CatalogUnit;
  readonly tier: MetricTier;
}

const d = (unit: CatalogUnit): MetricSpec => ({ unit, tier: 'default' });
const e = (unit: CatalogUnit): MetricSpec => ({ unit, tier: 'enhanced' });

/** Metrics per record Type. */
export const CATALOG = {
  Node: {
    node_cpu_usage_total: d(''),
    node_cpu_usage_user: d(''),
    node_cpu_usage_system: d(''),
    node_cpu_utilization: d('Percent'),
    node_cpu_limit: d(''),
    node_cpu_request: d(''),
    node_cpu_reserved_capacity: d('Percent'),
    node_memory_usage: d('Bytes'),
    node_memory_cache: d('Bytes'),
    node_memory_rss: d('Bytes'),
    node_memory_max_usage: d('Bytes'),
    node_memory_swap: d('Bytes'),
    node_memory_failcnt: d('Count'),
    node_memory_mapped_file: d('Bytes'),
    node_memory_working_set: d('Bytes'),
    node_memory_pgfault: d('Count/Second'),
    node_memory_pgmajfault: d('Count/Second'),
    node_memory_hierarchical_pgfault: d('Count/Second'),
    node_memory_hierarchical_pgmajfault: d('Count/Second'),
    node_memory_utilization: d('Percent'),
    node_memory_limit: d('Bytes'),
    node_memory_request: d('Bytes'),
    node_memory_reserved_capacity: d('Percent'),
    node_network_rx_bytes: d('Bytes/Second'),
    node_network_rx_packets: d('Count/Second'),
    node_network_rx_dropped: d('Count/Second'),
    node_network_rx_errors: d('Count/Second'),
    node_network_tx_bytes: d('Bytes/Second'),
    node_network_tx_packets: d('Count/Second'),
    node_network_tx_dropped: d('Count/Second'),
    node_network_tx_errors: d('Count/Second'),
    node_network_total_bytes: d('Bytes/Second'),
    node_number_of_running_pods: d('Count'),
    node_number_of_running_containers: d('Count'),
    node_memory_failures_total: d('Count/Second'),
    node_status_condition_ready: e('Count'),
    node_status_condition_disk_pressure: e('Count'),
    node_status_condition_memory_pressure: e('Count'),
    node_status_condition_pid_pressure: e('Count'),
    node_status_condition_network_unavailable: e('Count'),
    node_status_condition_unknown: e('Count'),
    node_status_capacity_pods: e('Count'),
    node_status_allocatable_pods: e('Count'),
  },
  NodeFS: {
    node_filesystem_usage: d('Bytes'),
    node_filesystem_capacity: d('Bytes'),
    node_filesystem_available: d('Bytes'),
    node_filesystem_utilization: d('Percent'),
    node_filesystem_inodes: d('Count'),
    node_filesystem_inodes_free: d('Count'),
  },
  NodeDiskIO: {
    node_diskio_io_service_bytes_async: d('Bytes/Second'),
    node_diskio_io_service_bytes_read: d('Bytes/Second'),
    node_diskio_io_service_bytes_sync: d('Bytes/Second'),
    node_diskio_io_service_bytes_write: d('Bytes/Second'),
    node_diskio_io_service_bytes_total: d('Bytes/Second'),
    node_diskio_io_serviced_async: d('Count/Second'),
    node_diskio_io_serviced_read: d('Count/Second'),
    node_diskio_io_serviced_sync: d('Count/Second'),
    node_diskio_io_serviced_write: d('Count/Second'),
    node_diskio_io_serviced_total: d('Count/Second'),
  },
  NodeNet: {
    node_interface_network_rx_bytes: d('Bytes/Second'),
    node_interface_network_rx_packets: d('Count/Second'),
    node_interface_network_rx_dropped: d('Count/Second'),
    node_interface_network_rx_errors: d('Count/Second'),
    node_interface_network_tx_bytes: d('Bytes/Second'),
    node_interface_network_tx_packets: d('Count/Second'),
    node_interface_network_tx_dropped: d('Count/Second'),
    node_interface_network_tx_errors: d('Count/Second'),
    node_interface_network_total_bytes: d('Bytes/Second'),
  },
  Pod: {
    pod_cpu_usage_total: d(''),
    pod_cpu_usage_user: d(''),
    pod_cpu_usage_system: d(''),
    pod_cpu_utilization: d('Percent'),
    pod_cpu_request: d(''),
    pod_cpu_reserved_capacity: d('Percent'),
    pod_cpu_limit: d(''),
    pod_cpu_utilization_over_pod_limit: d('Percent'),
    pod_memory_usage: d('Bytes'),
    pod_memory_cache: d('Bytes'),
    pod_memory_rss: d('Bytes'),
    pod_memory_max_usage: d('Bytes'),
    pod_memory_swap: d('Bytes'),
    pod_memory_failcnt: d('Count'),
    pod_memory_mapped_file: d('Bytes'),
    pod_memory_working_set: d('Bytes'),
    pod_memory_pgfault: d('Count/Second'),
    pod_memory_pgmajfault: d('Count/Second'),
    pod_memory_hierarchical_pgfault: d('Count/Second'),
    pod_memory_hierarchical_pgmajfault: d('Count/Second'),
    pod_memory_utilization: d('Percent'),
    pod_memory_request: d('Bytes'),
    pod_memory_reserved_capacity: d('Percent'),
    pod_memory_limit: d('Bytes'),
    pod_memory_utilization_over_pod_limit: d('Percent'),
    pod_network_rx_bytes: d('Bytes/Second'),
    pod_network_rx_packets: d('Count/Second'),
    pod_network_rx_dropped: d('Count/Second'),
    pod_network_rx_errors: d('Count/Second'),
    pod_network_tx_bytes: d('Bytes/Second'),
    pod_network_tx_packets: d('Count/Second'),
    pod_network_tx_dropped: d('Count/Second'),
    pod_network_tx_errors: d('Count/Second'),
    pod_network_total_bytes: d('Bytes/Second'),
    pod_number_of_containers: d('Count'),
    pod_number_of_running_containers: d('Count'),
    pod_number_of_container_restarts: d('Count'),
    pod_memory_failures_total: d('Count/Second'),
    pod_status_pending: e('Count'),
    pod_status_running: e('Count'),
    pod_status_succeeded: e('Count'),
    pod_status_failed: e('Count'),
    pod_status_ready: e('Count'),
    pod_status_scheduled: e('Count'),
    pod_status_unknown: e('Count'),
    pod_container_status_running: e('Count'),
    pod_container_status_waiting: e('Count'),
    pod_container_status_terminated: e('Count'),
    pod_container_status_waiting_reason_crash_loop_back_off: e('Count'),
    pod_container_status_waiting_reason_image_pull_error: e('Count'),
    pod_container_status_waiting_reason_start_error: e('Count'),
    pod_container_status_waiting_reason_create_container_error: e('Count'),
    pod_container_status_waiting_reason_create_container_config_error: e('Count'),
    pod_container_status_terminated_reason_oom_killed: e('Count'),
  },
  PodNet: {
    pod_interface_network_rx_bytes: d('Bytes/Second'),
    pod_interface_network_rx_packets: d('Count/Second'),
    pod_interface_network_rx_dropped: d('Count/Second'),
    pod_interface_network_rx_errors: d('Count/Second'),
    pod_interface_network_tx_bytes: d('Bytes/Second'),
    pod_interface_network_tx_packets: d('Count/Second'),
    pod_interface_network_tx_dropped: d('Count/Second'),
    pod_interface_network_tx_errors: d('Count/Second'),
    pod_interface_network_total_bytes: d('Bytes/Second'),
  },
  Container: {
    container_cpu_usage_total: d(''),
    container_cpu_usage_user: d(''),
    container_cpu_usage_system: d(''),
    container_cpu_utilization: d('Percent'),
    container_cpu_limit: d(''),
    container_cpu_request: d(''),
    container_memory_usage: d('Bytes'),
    container_memory_cache: d('Bytes'),
    container_memory_rss: d('Bytes'),
    container_memory_max_usage: d('Bytes'),
    container_memory_swap: d('Bytes'),
    container_memory_failcnt: d('Count'),
    container_memory_mapped_file: d('Bytes'),
    container_memory_working_set: d('Bytes'),
    container_memory_pgfault: d('Count/Second'),
    container_memory_pgmajfault: d('Count/Second'),
    container_memory_hierarchical_pgfault: d('Count/Second'),
    container_memory_hierarchical_pgmajfault: d('Count/Second'),
    container_memory_utilization: d('Percent'),
    container_memory_limit: d('Bytes'),
    container_memory_request: d('Bytes'),
    number_of_container_restarts: d('Count'),
    container_memory_failures_total: d('Count/Second'),
    container_cpu_utilization_over_container_limit: e('Percent'),
    container_memory_utilization_over_container_limit: e('Percent'),
  },
  ContainerFS: {
    container_filesystem_usage: d('Bytes'),
    container_filesystem_capacity: d('Bytes'),
    container_filesystem_available: d('Bytes'),
    container_filesystem_utilization: d('Percent'),
    container_filesystem_inodes: d('Count'),
    container_filesystem_inodes_free: d('Count'),
  },
  Cluster: {
    cluster_node_count: d('Count'),
    cluster_failed_node_count: d('Count'),
    cluster_number_of_running_pods: d('Count'),
  },
  ClusterNamespace: {
    namespace_number_of_running_pods: d('Count'),
  },
  ClusterService: {
    service_number_of_running_pods: e('Count'),
  },
  ClusterDeployment: {
    replicas_desired: e('Count'),
    replicas_ready: e('Count'),
    status_replicas_available: e('Count'),
    status_replicas_unavailable: e('Count'),
  },
  ClusterDaemonSet: {
    status_replicas_available: e('Count'),
    status_replicas_unavailable: e('Count'),
    replicas_desired: e('Count'),
    replicas_ready: e('Count'),
  },
  ClusterStatefulSet: {
    replicas_desired: e('Count'),
    replicas_ready: e('Count'),
    status_replicas_available: e('Count'),
  },
  ClusterReplicaSet: {
    replicas_desired: e('Count'),
    replicas_ready: e('Count'),
    status_replicas_available: e('Count'),
  },
} as const satisfies Record<string, Record<string, MetricSpec>>;

/** A record Type of Container Insights. */
export type CiType = keyof typeof CATALOG;

/** Every record Type, in catalog order. */
export const CI_TYPES = Object.keys(CATALOG) as CiType[];

/** The metric names of one Type. */
export type MetricNameOf<T extends CiType> = keyof (typeof CATALOG)[T] & string;

/** Any metric name of the catalog. */
export type MetricName = { [T in CiType]: MetricNameOf<T> }[CiType];

/** Metric values of one Type, keyed by catalog name: a misspelled name does not compile. */
export type MetricsOf<T extends CiType> = Partial<Record<MetricNameOf<T>, number>>;

/** Looks up the catalog entry of a metric in a Type, or undefined when the Type has no such metric. */
export function toMetricSpec(type: CiType, name: string): MetricSpec | undefined {
  return (CATALOG[type] as Record<string, MetricSpec>)[name];
}

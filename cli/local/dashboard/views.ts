import type { CiType, MetricNameOf } from '../../../core/metrics/catalog';

/** A CloudWatch statistic over one period. */
export type Statistic = 'Average' | 'Sum' | 'Maximum' | 'Minimum';

/** One chart: a catalog metric under one dimension set, one line per combination of dimension values. */
export interface ChartSpec {
  readonly title: string;
  readonly metric: string;
  /** The dimension set queried, as the directives declare it. */
  readonly dimensionKeys: readonly string[];
  readonly statistic: Statistic;
  /** Dimensions that name a line in the legend. @default none: one unnamed line */
  readonly labelKeys?: readonly string[];
  /** Keep only the N lines with the highest latest value. @default all lines */
  readonly top?: number;
}

/** One view of CloudWatch's automatic Container Insights dashboards. */
export interface ViewSpec {
  readonly id: string;
  readonly title: string;
  readonly charts: readonly ChartSpec[];
}

// A metric reference checked against the catalog: a misspelled or moved name does not compile.
const m = <T extends CiType>(_type: T, name: MetricNameOf<T>): string => name;

const CLUSTER = ['ClusterName'] as const;
const NODE = ['ClusterName', 'InstanceId', 'NodeName'] as const;
const NAMESPACE = ['ClusterName', 'Namespace'] as const;
const POD = ['ClusterName', 'Namespace', 'PodName'] as const;
const SERVICE = ['ClusterName', 'Namespace', 'Service'] as const;

/**
 * The views of the automatic dashboards (cluster, namespaces, nodes, pods, services, network,
 * restarts), each chart on a dimension set the ADOT EKS metric declarations publish.
 */
export const DASHBOARD_VIEWS: readonly ViewSpec[] = [
  {
    id: 'cluster',
    title: 'Cluster',
    charts: [
      { title: 'Nodes', metric: m('Cluster', 'cluster_node_count'), dimensionKeys: CLUSTER, statistic: 'Maximum' },
      { title: 'Failed nodes', metric: m('Cluster', 'cluster_failed_node_count'), dimensionKeys: CLUSTER, statistic: 'Maximum' },
      { title: 'CPU utilization', metric: m('Node', 'node_cpu_utilization'), dimensionKeys: CLUSTER, statistic: 'Average' },
      { title: 'Memory utilization', metric: m('Node', 'node_memory_utilization'), dimensionKeys: CLUSTER, statistic: 'Average' },
      { title: 'Disk utilization', metric: m('NodeFS', 'node_filesystem_utilization'), dimensionKeys: CLUSTER, statistic: 'Average' },
      { title: 'Running pods per node', metric: m('Node', 'node_number_of_running_pods'), dimensionKeys: CLUSTER, statistic: 'Average' },
    ],
  },
  {
    id: 'namespaces',
    title: 'Namespaces',
    charts: [
      { title: 'Running pods', metric: m('ClusterNamespace', 'namespace_number_of_running_pods'), dimensionKeys: NAMESPACE, statistic: 'Maximum', labelKeys: ['Namespace'] },
      { title: 'Pod CPU utilization', metric: m('Pod', 'pod_cpu_utilization'), dimensionKeys: NAMESPACE, statistic: 'Average', labelKeys: ['Namespace'] },
      { title: 'Pod memory utilization', metric: m('Pod', 'pod_memory_utilization'), dimensionKeys: NAMESPACE, statistic: 'Average', labelKeys: ['Namespace'] },
    ],
  },
  {
    id: 'nodes',
    title: 'Nodes',
    charts: [
      { title: 'CPU utilization', metric: m('Node', 'node_cpu_utilization'), dimensionKeys: NODE, statistic: 'Average', labelKeys: ['NodeName'] },
      { title: 'Memory utilization', metric: m('Node', 'node_memory_utilization'), dimensionKeys: NODE, statistic: 'Average', labelKeys: ['NodeName'] },
      { title: 'Running pods', metric: m('Node', 'node_number_of_running_pods'), dimensionKeys: NODE, statistic: 'Maximum', labelKeys: ['NodeName'] },
      { title: 'Running containers', metric: m('Node', 'node_number_of_running_containers'), dimensionKeys: NODE, statistic: 'Maximum', labelKeys: ['NodeName'] },
      { title: 'CPU reserved capacity', metric: m('Node', 'node_cpu_reserved_capacity'), dimensionKeys: NODE, statistic: 'Average', labelKeys: ['NodeName'] },
      { title: 'Memory reserved capacity', metric: m('Node', 'node_memory_reserved_capacity'), dimensionKeys: NODE, statistic: 'Average', labelKeys: ['NodeName'] },
      { title: 'Disk utilization', metric: m('NodeFS', 'node_filesystem_utilization'), dimensionKeys: NODE, statistic: 'Maximum', labelKeys: ['NodeName'] },
    ],
  },
  {
    id: 'pods',
    title: 'Pods',
    charts: [
      { title: 'Top pods by CPU utilization', metric: m('Pod', 'pod_cpu_utilization'), dimensionKeys: POD, statistic: 'Average', labelKeys: ['Namespace', 'PodName'], top: 8 },
      { title: 'Top pods by memory utilization', metric: m('Pod', 'pod_memory_utilization'), dimensionKeys: POD, statistic: 'Average', labelKeys: ['Namespace', 'PodName'], top: 8 },
      { title: 'CPU reserved capacity', metric: m('Pod', 'pod_cpu_reserved_capacity'), dimensionKeys: POD, statistic: 'Average', labelKeys: ['Namespace', 'PodName'], top: 8 },
      { title: 'Memory reserved capacity', metric: m('Pod', 'pod_memory_reserved_capacity'), dimensionKeys: POD, statistic: 'Average', labelKeys: ['Namespace', 'PodName'], top: 8 },
    ],
  },
  {
    id: 'services',
    title: 'Services',
    charts: [
      { title: 'Running pods', metric: m('ClusterService', 'service_number_of_running_pods'), dimensionKeys: SERVICE, statistic: 'Maximum', labelKeys: ['Namespace', 'Service'] },
      { title: 'Pod CPU utilization', metric: m('Pod', 'pod_cpu_utilization'), dimensionKeys: SERVICE, statistic: 'Average', labelKeys: ['Namespace', 'Service'] },
      { title: 'Pod memory utilization', metric: m('Pod', 'pod_memory_utilization'), dimensionKeys: SERVICE, statistic: 'Average', labelKeys: ['Namespace', 'Service'] },
    ],
  },
  {
    id: 'network',
    title: 'Network',
    charts: [
      { title: 'Node network (rx + tx)', metric: m('Node', 'node_network_total_bytes'), dimensionKeys: NODE, statistic: 'Average', labelKeys: ['NodeName'] },
      { title: 'Pod network received', metric: m('Pod', 'pod_network_rx_bytes'), dimensionKeys: NAMESPACE, statistic: 'Sum', labelKeys: ['Namespace'] },
      { title: 'Pod network sent', metric: m('Pod', 'pod_network_tx_bytes'), dimensionKeys: NAMESPACE, statistic: 'Sum', labelKeys: ['Namespace'] },
    ],
  },
  {
    id: 'restarts',
    title: 'Restarts',
    charts: [
      { title: 'Container restarts by pod', metric: m('Pod', 'pod_number_of_container_restarts'), dimensionKeys: POD, statistic: 'Maximum', labelKeys: ['Namespace', 'PodName'], top: 8 },
    ],
  },
];

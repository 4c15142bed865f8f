import { CATALOG } from '../../../../core/metrics/catalog';
import { hasMetrics, toMetricsBuilder } from '../../../../core/metrics/metrics-object';
import { LAYOUTS, slot } from '../../../../core/metrics/names';

describe('metric objects built from figures', () => {
  const build = toMetricsBuilder('NodeFS', LAYOUTS.NodeFS);

  it('holds every catalog metric of the Type, in catalog order, filled from its slot or undefined', () => {
    const m = build({ usage: 10, capacity: 100, available: 90, utilization: 10, inodes: undefined, inodes_free: 7 });
    expect(Object.keys(m)).toEqual(Object.keys(CATALOG.NodeFS));
    expect(m).toEqual({ node_filesystem_usage: 10, node_filesystem_capacity: 100, node_filesystem_available: 90, node_filesystem_utilization: 10, node_filesystem_inodes: undefined, node_filesystem_inodes_free: 7 });
    expect(hasMetrics(m)).toBe(true);
  });

  it('leaves the metrics of a missing figure object undefined, and objects of one Type share their keys', () => {
    const disk = toMetricsBuilder('NodeDiskIO', LAYOUTS.NodeDiskIO);
    const m = disk({ read: 5, write: undefined, sync: undefined, async: undefined, total: 5 }, undefined);
    expect(m.node_diskio_io_service_bytes_read).toBe(5);
    expect(m.node_diskio_io_serviced_read).toBeUndefined();
    expect(Object.keys(m)).toEqual(Object.keys(disk(undefined, undefined)));
    expect(hasMetrics(disk(undefined, undefined))).toBe(false);
  });

  it('fills a metric with no prefix from a second slot over the same figures (number_of_container_restarts)', () => {
    const container = toMetricsBuilder('Container', LAYOUTS.Container);
    const spec = { cpu_limit: 500, cpu_request: 250, memory_limit: undefined, memory_request: undefined, cpu_utilization_over_container_limit: undefined, memory_utilization_over_container_limit: undefined, number_of_container_restarts: 2 };
    const m = container(undefined, spec, spec);
    expect(m).toMatchObject({ container_cpu_limit: 500, container_cpu_request: 250, number_of_container_restarts: 2 });
    expect(m.container_cpu_usage_total).toBeUndefined();
  });

  it('refuses a slot naming a metric the Type does not have, and two slots filling one metric', () => {
    const wrong = { prefix: 'node_filesystem_', keys: ['usage', 'bogus'] };
    expect(() => toMetricsBuilder('NodeFS', [wrong])).toThrow('slot 0 of NodeFS fills node_filesystem_bogus, which is not a catalog metric of NodeFS');
    const usage = slot<'NodeFS'>()('node_filesystem_', ['usage']);
    expect(() => toMetricsBuilder('NodeFS', [usage, usage])).toThrow('two slots of NodeFS fill node_filesystem_usage');
  });
});

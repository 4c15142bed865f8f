import { CLASSIC_DECLARATIONS, LEAN_DECLARATIONS, PROFILES, parseDeclarations, parseProfileName, toDeclaredMetricNames } from '../../../../core/metrics/profiles';
import { CATALOG, CI_TYPES } from '../../../../core/metrics/catalog';

describe('declaration profiles', () => {
  it('classic holds the nine ADOT EKS declarations', () => {
    expect(CLASSIC_DECLARATIONS).toHaveLength(9);
    expect(toDeclaredMetricNames(PROFILES.classic, 'Node').sort()).toEqual(
      ['node_cpu_limit', 'node_cpu_reserved_capacity', 'node_cpu_usage_total', 'node_cpu_utilization', 'node_memory_limit', 'node_memory_reserved_capacity', 'node_memory_utilization', 'node_memory_working_set', 'node_network_total_bytes', 'node_number_of_running_containers', 'node_number_of_running_pods'].sort(),
    );
    expect(toDeclaredMetricNames(PROFILES.classic, 'Container')).toEqual([]);
  });

  it('lean has no dimension set naming a pod and drops the per-pod-only declaration', () => {
    expect(LEAN_DECLARATIONS.flatMap((d) => d.dimensions).some((s) => s.includes('PodName'))).toBe(false);
    expect(LEAN_DECLARATIONS.some((d) => d.metricNameSelectors.includes('pod_number_of_container_restarts'))).toBe(false);
  });

  it('every selector of every built-in profile names a catalog metric', () => {
    const all = new Set(CI_TYPES.flatMap((t) => Object.keys(CATALOG[t])));
    for (const profile of Object.values(PROFILES)) {
      for (const s of profile.declarations.flatMap((d) => d.metricNameSelectors)) expect([s, all.has(s)]).toEqual([s, true]);
    }
  });

  it('accepts user declarations in awsemf snake_case or camelCase', () => {
    const parsed = parseDeclarations([{ dimensions: [['ClusterName']], metric_name_selectors: ['^node_cpu_'] }]);
    expect(parsed).toEqual({ ok: true, value: [{ dimensions: [['ClusterName']], metricNameSelectors: ['^node_cpu_'] }] });
  });

  it('rejects a non-array, a missing selector list and an invalid regular expression', () => {
    expect(parseDeclarations({})).toMatchObject({ ok: false, error: expect.stringMatching(/must be a JSON array/) });
    expect(parseDeclarations([{ dimensions: [['ClusterName']] }])).toMatchObject({ ok: false, error: expect.stringMatching(/\[0\] metricNameSelectors/) });
    expect(parseDeclarations([{ dimensions: [['ClusterName']], metricNameSelectors: ['(node'] }])).toMatchObject({ ok: false, error: expect.stringMatching(/not a valid regular expression/) });
  });

  it('rejects a dimension set of more than 30 keys', () => {
    const keys = Array.from({ length: 31 }, (_, i) => `k${i}`);
    expect(parseDeclarations([{ dimensions: [keys], metricNameSelectors: ['x'] }])).toMatchObject({ ok: false, error: expect.stringMatching(/31 keys; EMF allows at most 30/) });
  });

  it('rejects empty dimensions', () => {
    expect(parseDeclarations([{ dimensions: [], metricNameSelectors: ['x'] }])).toMatchObject({ ok: false, error: expect.stringMatching(/dimensions must be a non-empty array/) });
  });

  it('rejects an unknown profile name listing the valid ones', () => {
    expect(parseProfileName('fat')).toEqual({ ok: false, error: 'unknown profile "fat"; expected one of classic, lean, enhanced' });
    expect(parseProfileName('lean')).toMatchObject({ ok: true });
  });
});

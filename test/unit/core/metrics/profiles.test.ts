import { CLASSIC_DECLARATIONS, PROFILES, parseDeclarations, parseLogOnlyEvery, parseProfileName, toDeclaredMetricNames, withLogOnlyEvery } from '../../../../core/metrics/profiles';
import { CATALOG, CI_TYPES } from '../../../../core/metrics/catalog';

describe('declaration profiles', () => {
  it('classic holds the nine ADOT EKS declarations', () => {
    expect(CLASSIC_DECLARATIONS).toHaveLength(9);
    expect(toDeclaredMetricNames(PROFILES.classic, 'Node').sort()).toEqual(
      ['node_cpu_limit', 'node_cpu_reserved_capacity', 'node_cpu_usage_total', 'node_cpu_utilization', 'node_memory_limit', 'node_memory_reserved_capacity', 'node_memory_utilization', 'node_memory_working_set', 'node_network_total_bytes', 'node_number_of_running_containers', 'node_number_of_running_pods'].sort(),
    );
    expect(toDeclaredMetricNames(PROFILES.classic, 'Container')).toEqual([]);
  });

  it('lean declares what classic declares: it changes the events, not the metrics', () => {
    expect(PROFILES.lean.declarations).toBe(CLASSIC_DECLARATIONS);
    expect(PROFILES.lean.leanEvents).toEqual({ attributes: { Node: ['InstanceType', 'AutoScalingGroupName'] }, logOnlyEveryMs: 0 });
    expect(PROFILES.classic.leanEvents).toBeUndefined();
  });

  it('sets the period of log-only records on lean profiles only', () => {
    expect(withLogOnlyEvery(PROFILES.lean, 600_000).leanEvents?.logOnlyEveryMs).toBe(600_000);
    expect(PROFILES.lean.leanEvents?.logOnlyEveryMs).toBe(0);
    expect(withLogOnlyEvery(PROFILES.classic, 600_000)).toBe(PROFILES.classic);
  });

  it('reads the period of log-only records as a duration or never', () => {
    expect(parseLogOnlyEvery('10m')).toEqual({ ok: true, value: 600_000 });
    expect(parseLogOnlyEvery('never')).toEqual({ ok: true, value: 0 });
  });

  it('rejects a period of log-only records that is no duration or shorter than a second', () => {
    expect(parseLogOnlyEvery('10')).toMatchObject({ ok: false, error: expect.stringMatching(/"10" is not a duration.*or never$/) });
    expect(parseLogOnlyEvery('500ms')).toEqual({ ok: false, error: 'a period of log-only records must be at least 1s, got "500ms"' });
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

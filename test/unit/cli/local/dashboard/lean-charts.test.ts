import { createMetricStore } from '../../../../../cli/local/dashboard/metric-store';
import { toDashboardData } from '../../../../../cli/local/dashboard/to-dashboard-data';
import { toMetricSamples } from '../../../../../cli/local/dashboard/to-metric-samples';
import { DASHBOARD_VIEWS } from '../../../../../cli/local/dashboard/views';
import { createEmfEncoder } from '../../../../../core/emf';
import { PROFILES, type DeclarationProfile } from '../../../../../core/metrics/profiles';
import { toCiRecords } from '../../../../../lambdas/enricher/enrich';
import { createEnrichCache } from '../../../../../lambdas/enricher/enrich-cache';
import { advanceClusterState, createClusterState } from '../../../../../sim/cluster/cluster-state';
import { toSimNodeMetadata } from '../../../../../sim/node/sim-node-metadata';
import { toSimNodeRecord } from '../../../../../sim/node/sim-node-record';

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

/** The dashboard's data after `steps` intervals of a simulated cluster written with a profile. */
function dashboardOf(profile: DeclarationProfile, steps: number) {
  const encoder = createEmfEncoder(profile);
  const cache = createEnrichCache();
  const store = createMetricStore({ periodMs: 60_000 });
  let state = createClusterState({ name: 'demo', nodeCount: 3, podsPerNode: 24 }, T0);
  for (let step = 0; step < steps; step++) {
    const now = T0 + step * 60_000;
    if (step > 0) state = advanceClusterState(state, now, { restartProbability: 0.2 });
    for (const node of state.nodes) {
      const record = toSimNodeRecord('demo', node, now, step === 0 ? undefined : 60_000);
      const records = toCiRecords(record, toSimNodeMetadata('demo', node, now), { profile }, cache).records;
      for (const event of encoder.encodeEvents(records, record)) store.add(toMetricSamples(JSON.parse(event.message)));
    }
  }
  return toDashboardData(store, DASHBOARD_VIEWS, { nowMs: T0 + steps * 60_000 });
}

/**
 * Every number to 12 significant digits: a period's sum adds the same values in another order when a
 * workload's pods come in one event, which moves the last bits of a float sum (CloudWatch sums in an
 * order of its own too).
 */
const toDigits = (value: unknown): unknown =>
  typeof value === 'number' ? Number(value.toPrecision(12)) : Array.isArray(value) ? value.map(toDigits) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toDigits(v)])) : value;

describe('local dashboard under the lean profile', () => {
  it('draws the same charts, lines and values from lean events as from classic ones: it reads metrics, as CloudWatch does', () => {
    const classic = dashboardOf(PROFILES.classic, 4);
    const lean = dashboardOf(PROFILES.lean, 4);
    const pods = classic.views.find((v) => v.id === 'pods')!;
    expect(pods.charts.every((c) => c.lines.length > 0)).toBe(true);
    expect(toDigits(lean)).toEqual(toDigits(classic));
  });
});

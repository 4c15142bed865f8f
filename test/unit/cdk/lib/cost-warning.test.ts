import { COST_WARNING_ID, REFERENCE_FLEET, toCostWarnings, type MeasureProfiles } from '../../../../cdk/lib/cost-warning';
import { parseFleetConfig } from '../../../../cdk/lib/fleet-config';
import { toFleetEstimate } from '../../../../cli/fleet-estimate';
import type { DeclarationProfile } from '../../../../core/metrics/profiles';

/** A measurement that gives each profile the custom metrics named, on 50 nodes, and records what it was asked. */
function fixed(byName: Record<string, number>) {
  const asked: string[][] = [];
  const measure: MeasureProfiles = (profiles: readonly DeclarationProfile[]) => {
    asked.push(profiles.map((p) => p.name));
    return profiles.map((p) => ({ nodes: 50, customMetrics: byName[p.name] ?? 0 }));
  };
  return { measure, asked };
}

describe('synth-time custom-metric warning', () => {
  it('measures nothing and warns about nothing for a classic or lean fleet', () => {
    const { measure, asked } = fixed({});
    expect(toCostWarnings(parseFleetConfig({ clusters: [{ name: 'a' }, { name: 'b', profile: 'lean' }] }), measure)).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('warns about the enhanced clusters with the monthly figure for their nodes', () => {
    const { measure, asked } = fixed({ enhanced: 61_536 });
    const fleet = parseFleetConfig({ clusters: [{ name: 'a', nodes: 10 }, { name: 'b', profile: 'enhanced', nodes: 20 }, { name: 'c', profile: 'enhanced', nodes: 40 }] });
    // 1,230.72 per node x 60 nodes = 73,843 metrics: 10,000 x $0.30 + 63,843 x $0.10 = $9,384.30, $156.41 per node-month.
    expect(toCostWarnings(fleet, measure)).toEqual([
      'profile enhanced (clusters b, c) publishes about 1,231 custom metrics per node (warning above 100; measured on a simulated cluster of 50 nodes x 30 pods, Deployments of 10): ' +
        'about $9,384.30 a month in custom metrics for 60 nodes, $156.41 per node-month. Compare the profiles with npx kinsight cost --fleet <fleet file> --pods-per-node <pods>; raise the threshold with -c kinsightMetricsPerNodeWarning=<n>.',
    ]);
    expect(asked).toEqual([['enhanced']]);
    expect(COST_WARNING_ID).toBe('kinsight:custom-metrics-per-node');
  });

  it('warns about the fleet\'s declarations, for the reference fleet when a cluster gives no node count, and not below the threshold', () => {
    const declarations = [{ dimensions: [['PodName', 'Namespace', 'ClusterName']], metricNameSelectors: ['^pod_'] }];
    const fleet = parseFleetConfig({ clusters: [{ name: 'a', nodes: 10 }, { name: 'b' }], declarations });
    const { measure } = fixed({ "classic with the fleet's declarations": 10_000 });
    expect(toCostWarnings(fleet, measure)).toEqual([
      "profile classic with the fleet's declarations (clusters a, b) publishes about 200 custom metrics per node (warning above 100; measured on a simulated cluster of 50 nodes x 30 pods, Deployments of 10): " +
        'about $3,000.00 a month in custom metrics for 50 nodes (set clusters[].nodes for your figure), $60.00 per node-month. Compare the profiles with npx kinsight cost --fleet <fleet file> --pods-per-node <pods>; raise the threshold with -c kinsightMetricsPerNodeWarning=<n>.',
    ]);
    expect(toCostWarnings(fleet, measure, 200)).toEqual([]);
  });

  it('warns about the enhanced profile measured with the real enricher and encoder on the reference fleet', () => {
    const fleet = parseFleetConfig({ clusters: [{ name: 'big', nodes: 50 }], profile: 'enhanced' });
    const [warning] = toCostWarnings(fleet, (profiles) => toFleetEstimate(REFERENCE_FLEET, profiles).intervals);
    expect(warning).toMatch(/^profile enhanced \(cluster big\) publishes about [\d,]+ custom metrics per node \(warning above 100;.*\): about \$[\d,.]+ a month in custom metrics for 50 nodes, /);
  });
});

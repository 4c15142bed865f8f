import { DEFAULT_METRICS_PER_NODE_WARNING, toCustomMetricsUsd } from '../../core/cost-model';
import { PROFILES, type DeclarationProfile } from '../../core/metrics/profiles';
import type { FleetConfig } from './fleet-config';

/**
 * The custom-metric warning of `cdk synth`: the enhanced profile, or declarations, that publish more
 * custom metrics per node than a threshold, with the monthly figure, before anything is deployed.
 * The measurement itself (the real enricher and encoder over a simulated cluster, cli/fleet-estimate.ts)
 * is passed in by the app: this file only decides what to measure and what to say.
 */

/** The acknowledgeable id of the warning (`Annotations.of(stack).acknowledgeWarning(COST_WARNING_ID)`). */
export const COST_WARNING_ID = 'kinsight:custom-metrics-per-node';

/** The simulated cluster the warning measures a profile on: the README's reference fleet. */
export const REFERENCE_FLEET = { nodes: 50, podsPerNode: 30, podsPerDeployment: 10 } as const;

/** What the measurement returns per profile, in the order given. */
export interface MeasuredProfile {
  readonly nodes: number;
  readonly customMetrics: number;
}

/** Measures profiles on {@link REFERENCE_FLEET}. */
export type MeasureProfiles = (profiles: readonly DeclarationProfile[]) => readonly MeasuredProfile[];

const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/**
 * The warnings of a fleet: one per profile it deploys whose custom metrics per node on the reference
 * cluster pass `threshold`. Only the enhanced profile and declarations are measured (classic and lean
 * give 64 per node there, below any useful threshold), so a classic fleet synthesizes as fast as before.
 * The monthly figure is for the nodes of the clusters that use the profile when the fleet file gives
 * them (`clusters[].nodes`), else for the reference fleet's 50.
 */
export function toCostWarnings(fleet: FleetConfig, measure: MeasureProfiles, threshold = DEFAULT_METRICS_PER_NODE_WARNING): string[] {
  // The profile each cluster deploys: the fleet file's declarations replace the fleet profile's (clusters with their own keep theirs).
  const fleetProfile: DeclarationProfile = fleet.declarations ? { ...PROFILES[fleet.profile], name: `${fleet.profile} with the fleet's declarations`, declarations: fleet.declarations } : PROFILES[fleet.profile];
  const byProfile = new Map<DeclarationProfile, string[]>();
  for (const cluster of fleet.clusters) {
    const profile = cluster.profile && cluster.profile !== fleet.profile ? PROFILES[cluster.profile] : fleetProfile;
    byProfile.set(profile, [...(byProfile.get(profile) ?? []), cluster.name]);
  }
  const candidates = [...byProfile.keys()].filter((p) => p === PROFILES.enhanced || (p === fleetProfile && fleet.declarations !== undefined));
  if (candidates.length === 0) return [];
  const measured = measure(candidates);
  return candidates.flatMap((profile, i) => {
    const { nodes, customMetrics } = measured[i];
    const perNode = customMetrics / Math.max(1, nodes);
    if (perNode <= threshold) return [];
    const clusters = byProfile.get(profile) ?? [];
    const fleetNodes = clusters.map((name) => fleet.clusters.find((c) => c.name === name)?.nodes);
    const known = fleetNodes.every((n) => n !== undefined) ? fleetNodes.reduce((sum: number, n) => sum + (n ?? 0), 0) : undefined;
    const forNodes = known ?? REFERENCE_FLEET.nodes;
    const monthly = toCustomMetricsUsd(Math.round(perNode * forNodes));
    return [
      `profile ${profile.name} (cluster${clusters.length === 1 ? '' : 's'} ${clusters.join(', ')}) publishes about ${Math.round(perNode).toLocaleString('en-US')} custom metrics per node ` +
        `(warning above ${threshold}; measured on a simulated cluster of ${REFERENCE_FLEET.nodes} nodes x ${REFERENCE_FLEET.podsPerNode} pods, Deployments of ${REFERENCE_FLEET.podsPerDeployment}): ` +
        `about ${usd(monthly)} a month in custom metrics for ${forNodes.toLocaleString('en-US')} nodes${known === undefined ? ' (set clusters[].nodes for your figure)' : ''}, ${usd(monthly / forNodes)} per node-month. ` +
        `Compare the profiles with npx kinsight cost --fleet <fleet file> --pods-per-node <pods>; raise the threshold with -c kinsightMetricsPerNodeWarning=<n>.`,
    ];
  });
}

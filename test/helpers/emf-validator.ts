import { EMF_MAX_DIMENSIONS_PER_SET, EMF_MAX_METRICS_PER_DIRECTIVE } from '../../core/limits';

/** Units the EMF specification allows (catalog section 7.1). */
export const EMF_UNITS = new Set([
  'Seconds', 'Microseconds', 'Milliseconds',
  'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes',
  'Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits',
  'Percent', 'Count',
  'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second',
  'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second',
  'Count/Second', 'None',
]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks one EMF log event message against the specification: a single JSON object; when it has
 * `_aws`, a numeric Timestamp and CloudWatchMetrics directives with a Namespace, dimension sets of at
 * most 30 keys, each key a string root member, at most 100 metric definitions, each naming a numeric
 * root member, units from the allowed list. Returns the problems found (empty when valid).
 */
export function toEmfProblems(message: string): string[] {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(message);
  } catch (error) {
    return [`not JSON: ${(error as Error).message}`];
  }
  if (!isObject(doc)) return ['root is not a JSON object'];
  if (doc._aws === undefined) {
    // awsemf's convention (not the specification's): Version "0" on events without directives.
    if (doc.Version !== undefined && doc.Version !== '0') problems.push(`an event without _aws carries Version "0" when it has one, got ${JSON.stringify(doc.Version)}`);
    return problems;
  }
  if (doc.Version !== undefined && doc.Version !== '1') problems.push(`an event with _aws carries Version "1" when it has one, got ${JSON.stringify(doc.Version)}`);
  const aws = doc._aws;
  if (!isObject(aws)) return [...problems, '_aws is not an object'];
  if (typeof aws.Timestamp !== 'number' || !Number.isInteger(aws.Timestamp)) problems.push(`_aws.Timestamp must be integer ms, got ${JSON.stringify(aws.Timestamp)}`);
  if (!Array.isArray(aws.CloudWatchMetrics) || aws.CloudWatchMetrics.length === 0) return [...problems, '_aws.CloudWatchMetrics must be a non-empty array'];
  for (const [i, directive] of aws.CloudWatchMetrics.entries()) {
    const at = `CloudWatchMetrics[${i}]`;
    if (!isObject(directive)) {
      problems.push(`${at} is not an object`);
      continue;
    }
    if (typeof directive.Namespace !== 'string' || directive.Namespace.length < 1 || directive.Namespace.length > 255) problems.push(`${at}.Namespace invalid`);
    if (!Array.isArray(directive.Dimensions) || directive.Dimensions.length === 0) problems.push(`${at}.Dimensions must be a non-empty array`);
    else {
      for (const set of directive.Dimensions) {
        if (!Array.isArray(set)) {
          problems.push(`${at} has a dimension set that is not an array`);
          continue;
        }
        if (set.length > EMF_MAX_DIMENSIONS_PER_SET) problems.push(`${at} has a dimension set of ${set.length} keys`);
        for (const key of set) {
          if (typeof key !== 'string' || typeof doc[key] !== 'string') problems.push(`${at} dimension ${JSON.stringify(key)} is not a string root member`);
        }
      }
    }
    if (!Array.isArray(directive.Metrics) || directive.Metrics.length === 0) {
      problems.push(`${at}.Metrics must be a non-empty array`);
      continue;
    }
    if (directive.Metrics.length > EMF_MAX_METRICS_PER_DIRECTIVE) problems.push(`${at} has ${directive.Metrics.length} metrics (max ${EMF_MAX_METRICS_PER_DIRECTIVE})`);
    for (const def of directive.Metrics) {
      if (!isObject(def) || typeof def.Name !== 'string') {
        problems.push(`${at} has a metric definition without Name`);
        continue;
      }
      const target = doc[def.Name];
      const numeric = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
      if (!(numeric(target) || (Array.isArray(target) && target.length <= 100 && target.every(numeric)))) {
        problems.push(`${at} metric ${def.Name} target is not numeric: ${JSON.stringify(target)}`);
      }
      if (def.Unit !== undefined && !(typeof def.Unit === 'string' && EMF_UNITS.has(def.Unit))) problems.push(`${at} metric ${def.Name} unit ${JSON.stringify(def.Unit)} not allowed`);
    }
  }
  return problems;
}

/** Jest-friendly: throws with every problem when the message is not valid EMF; returns the parsed event. */
export function expectValidEmf(message: string): Record<string, unknown> {
  const problems = toEmfProblems(message);
  if (problems.length > 0) throw new Error(`invalid EMF event:\n  ${problems.join('\n  ')}\n${message.slice(0, 500)}`);
  return JSON.parse(message) as Record<string, unknown>;
}

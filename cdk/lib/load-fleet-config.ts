import { dirname, resolve } from 'node:path';
import { ConfigError } from '../../core/errors';
import { parseFleetConfig, type FleetConfig } from './fleet-config';

/** Where the app reads its settings: CDK context and files, injected so that tests pass plain functions. */
export interface FleetConfigSources {
  /** A context value (`app.node.tryGetContext`). */
  readonly context: (key: string) => unknown;
  /** Reads a UTF-8 file; throws the fs error. */
  readonly readFile: (path: string) => string;
}

/** Reads a JSON file, with errors that say what the file was for (`the fleet file`) and where it was named (`context kinsightConfig`). */
function readJson(sources: FleetConfigSources, path: string, what: string, namedIn: string, expected: { kind: string; like: string }): unknown {
  let text: string;
  try {
    text = sources.readFile(path);
  } catch (error) {
    throw new ConfigError(`cannot read ${what} "${path}" (${namedIn}): ${(error as Error).message}; expected a JSON file like ${expected.like}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConfigError(`${what} "${path}" is not JSON: ${(error as Error).message}; expected a JSON ${expected.kind} like ${expected.like}`, { cause: error });
  }
}

/**
 * A fleet whose `declarations` names a file (the one `kinsight replay --declarations` reads) gets
 * that file's content, the path resolved from `baseDir` (the fleet file's folder, or the working
 * directory for cdk.json context).
 */
function withDeclarationsFile(sources: FleetConfigSources, value: unknown, baseDir: string, source: string): unknown {
  const declarations = (value as { declarations?: unknown } | null)?.declarations;
  if (typeof declarations !== 'string') return value;
  const path = resolve(baseDir, declarations);
  return { ...(value as object), declarations: readJson(sources, path, 'the declarations file', `declarations in ${source}`, { kind: 'array', like: '[{"dimensions":[["ClusterName"]],"metricNameSelectors":["^cluster_"]}]' }) };
}

/**
 * Loads the fleet: the JSON file named by context `kinsightConfig` when set, else the object in context
 * `kinsight` (cdk.json), validated by {@link parseFleetConfig}. A `declarations` string names a JSON file
 * of metric declarations, read relative to the fleet file.
 * @throws ConfigError saying which source failed and how to fix it.
 */
export function loadFleetConfig(sources: FleetConfigSources): FleetConfig {
  const file = sources.context('kinsightConfig');
  if (file !== undefined) {
    if (typeof file !== 'string' || file === '') {
      throw new ConfigError(`cdk context "kinsightConfig" is ${JSON.stringify(file)}; expected a file path such as fleet.json`);
    }
    const path = resolve(file);
    const value = readJson(sources, path, 'the fleet file', 'context kinsightConfig', { kind: 'object', like: 'fleet.example.json' });
    return parseFleetConfig(withDeclarationsFile(sources, value, dirname(path), path), path);
  }
  const inline = sources.context('kinsight');
  if (inline === undefined) {
    throw new ConfigError('no fleet configuration: set context "kinsight" in cdk.json or pass -c kinsightConfig=fleet.json (see fleet.example.json)');
  }
  const source = 'cdk.json context "kinsight"';
  return parseFleetConfig(withDeclarationsFile(sources, inline, resolve('.'), source), source);
}

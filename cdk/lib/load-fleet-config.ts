import { resolve } from 'node:path';
import { ConfigError } from '../../core/errors';
import { parseFleetConfig, type FleetConfig } from './fleet-config';

/** Where the app reads its settings: CDK context and files, injected so that tests pass plain functions. */
export interface FleetConfigSources {
  /** A context value (`app.node.tryGetContext`). */
  readonly context: (key: string) => unknown;
  /** Reads a UTF-8 file; throws the fs error. */
  readonly readFile: (path: string) => string;
}

/**
 * Loads the fleet: the JSON file named by context `kinsightConfig` when set, else the object in context
 * `kinsight` (cdk.json), validated by {@link parseFleetConfig}.
 * @throws ConfigError saying which source failed and how to fix it.
 */
export function loadFleetConfig(sources: FleetConfigSources): FleetConfig {
  const file = sources.context('kinsightConfig');
  if (file !== undefined) {
    if (typeof file !== 'string' || file === '') {
      throw new ConfigError(`cdk context "kinsightConfig" is ${JSON.stringify(file)}; expected a file path such as fleet.json`);
    }
    const path = resolve(file);
    let text: string;
    try {
      text = sources.readFile(path);
    } catch (error) {
      throw new ConfigError(`cannot read the fleet file "${path}" (context kinsightConfig): ${(error as Error).message}; expected a JSON file like fleet.example.json`, { cause: error });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(`the fleet file "${path}" is not JSON: ${(error as Error).message}; expected a JSON object like fleet.example.json`, { cause: error });
    }
    return parseFleetConfig(value, path);
  }
  const inline = sources.context('kinsight');
  if (inline === undefined) {
    throw new ConfigError('no fleet configuration: set context "kinsight" in cdk.json or pass -c kinsightConfig=fleet.json (see fleet.example.json)');
  }
  return parseFleetConfig(inline, 'cdk.json context "kinsight"');
}

import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { AGENT_BUNDLE_TARGET, TOOL_BUNDLE_TARGET } from '../core/node-runtime';

/**
 * The esbuild options of the project's own bundles, defined once: `npm run build` (scripts/build.ts)
 * and the CDK app (cdk/lib/build-agent-bundle.ts) both build the agent from {@link agentBundleOptions},
 * so the bundle a deploy ships is byte for byte the one `npm run build` makes. Targets come from
 * core/node-runtime.json. (The Lambdas are bundled by CDK's NodejsFunction, target LAMBDA_BUNDLE_TARGET.)
 */

/** Options every bundle shares. */
const COMMON: BuildOptions = { bundle: true, platform: 'node', format: 'cjs', sourcemap: false, logLevel: 'warning', legalComments: 'none' };

/** The node agent: it ships alone in a ConfigMap, minified, with no dependency outside the bundle. */
export function agentBundleOptions(projectRoot: string): BuildOptions {
  return { ...COMMON, target: AGENT_BUNDLE_TARGET, entryPoints: [join(projectRoot, 'node-agent', 'main.ts')], minify: true };
}

/** The CLI and the benchmarks, which run from the repository on the development runtime. */
export const TOOL_BUNDLE_OPTIONS: BuildOptions = { ...COMMON, target: TOOL_BUNDLE_TARGET };

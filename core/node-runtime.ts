import runtime from './node-runtime.json';

/**
 * The Node.js majors kinsight runs on, defined once in `core/node-runtime.json` (plain JSON, so that
 * `.ci/run` reads it too; a test holds package.json `engines` to it). Moving a runtime is a change of
 * that file: the Lambda runtime, the esbuild targets, the DaemonSet image, `engines` and CI follow.
 */

/** The Node major of development and CI (what `npm test` runs on, package.json `engines`). */
export const DEVELOPMENT_NODE_MAJOR: number = runtime.development;

/** The Node major of what runs in AWS: the Lambdas and the agent's DaemonSet image. */
export const DEPLOYED_NODE_MAJOR: number = runtime.deployed;

/** The Lambda runtime identifier of the deployed major (`nodejs22.x`). */
export const LAMBDA_RUNTIME_NAME = `nodejs${DEPLOYED_NODE_MAJOR}.x`;

/**
 * The DaemonSet's default image: a stock Node.js image of the deployed major (its tag names that
 * major), pinned by digest so that every node runs the same bytes whatever the tag points to later.
 */
export const DEPLOYED_AGENT_IMAGE: string = runtime.agentImage;

/** The esbuild target of a Node major (`node20`). */
export const toEsbuildTarget = (major: number): string => `node${major}`;

/** esbuild target of the Lambda bundles: the deployed runtime. */
export const LAMBDA_BUNDLE_TARGET = toEsbuildTarget(DEPLOYED_NODE_MAJOR);

/** esbuild target of the CLI and benchmark bundles: the development runtime. */
export const TOOL_BUNDLE_TARGET = toEsbuildTarget(DEVELOPMENT_NODE_MAJOR);

/**
 * esbuild target of the agent bundle: the older of the two majors, because the bundle runs in the
 * DaemonSet's image and on development machines (`kinsight local`, `npm run bench:agent`).
 */
export const AGENT_BUNDLE_TARGET = toEsbuildTarget(Math.min(DEVELOPMENT_NODE_MAJOR, DEPLOYED_NODE_MAJOR));

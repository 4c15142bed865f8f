import { join, resolve } from 'node:path';
import { Duration, aws_lambda as lambda, aws_lambda_nodejs as nodejs, aws_logs as logs } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { LAMBDA_BUNDLE_TARGET, LAMBDA_RUNTIME_NAME } from '../../core/node-runtime';

/** The Lambda runtime of the deployed Node major (core/node-runtime.json). */
export const LAMBDA_RUNTIME = new lambda.Runtime(LAMBDA_RUNTIME_NAME, lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true });

/** The repository root: Lambda entries and the lock file are resolved from it, never from the app's cwd. */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');

/** Props of {@link KinsightFunction}. */
export interface KinsightFunctionProps {
  /** Handler file, absolute or relative to the project root (`lambdas/enricher/handler.ts`). */
  readonly entry: string;
  /** Environment of the function. @default none */
  readonly environment?: Record<string, string>;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** Retention of the function's own log group. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Everything else NodejsFunction takes (VPC placement, for instance). @default none */
  readonly extra?: Partial<nodejs.NodejsFunctionProps>;
}

/**
 * A kinsight Lambda: Node.js of the deployed major (core/node-runtime.json) on arm64 (Graviton: cheaper per GB-second), bundled by the local esbuild
 * (no Docker), minified with source maps, with its own log group and retention.
 */
export class KinsightFunction extends nodejs.NodejsFunction {
  constructor(scope: Construct, id: string, props: KinsightFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    super(scope, id, {
      entry: resolve(PROJECT_ROOT, props.entry),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(60),
      logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: { minify: true, sourceMap: true, target: LAMBDA_BUNDLE_TARGET, forceDockerBundling: false },
      ...props.extra,
    });
  }
}

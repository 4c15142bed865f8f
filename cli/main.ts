import type { CliIo } from './io';
import { runCli } from './run-cli';

/**
 * The `kinsight` process: the composition root of the CLI. It runs whenever it is loaded, whether
 * node runs it directly (`node dist/kinsight.js`) or the package's bin requires it (`npx kinsight`).
 * The dispatcher itself lives in run-cli.ts, which tests import.
 */
// The SDK warns on Node 20 about its releases of 2027; the Lambdas run Node 22, and the CLI's user can do nothing about it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort(signal));
const io: CliIo = {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stopSignal: controller.signal,
  stdoutIsTty: process.stdout.isTTY === true,
};
runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`kinsight: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);

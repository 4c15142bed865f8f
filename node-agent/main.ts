// The standalone agent (dist/agent.js): `node /opt/kinsight/agent.js`, configured by KINSIGHT_*
// variables (flags work too). Not imported by anything: loading this file starts the agent.
import { ConfigError } from '../core/errors';
import { AGENT_USAGE } from './agent-config';
import { startAgent } from './start-agent';

const argv = process.argv.slice(2);
const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort(signal));
const showHelp = async (): Promise<number> => {
  process.stdout.write(AGENT_USAGE);
  return 0;
};
const run = argv.includes('--help') ? showHelp() : startAgent(argv, {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stopSignal: controller.signal,
});
run.then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`kinsight agent: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`kinsight agent: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);

import { ConfigError } from '../core/errors';
import type { CliIo, Command } from './io';
import { agentCommand } from './agent';
import { replayCommand } from './replay';
import { costCommand } from './cost';
import { pollCommand } from './poll';
import { manifestCommand } from './manifest';
import { localCommand } from './local';

/** Every subcommand of `kinsight`, in the order `--help` lists them. */
export const COMMANDS: Record<string, Command> = {
  local: localCommand,
  agent: agentCommand,
  replay: replayCommand,
  poll: pollCommand,
  manifest: manifestCommand,
  cost: costCommand,
};

function toHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ['Usage: kinsight <command> [options]', '', 'Commands:', ...lines, '', 'Run `kinsight <command> --help` for the options of one command.', ''].join('\n');
}

/** Dispatches argv (without node and script) to a subcommand; resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(toHelp());
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`kinsight: unknown command "${name}"; expected one of ${Object.keys(COMMANDS).join(', ')} (see kinsight --help)\n`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.usage.trimEnd()}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`kinsight ${name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) {
  // The SDK warns on Node 20 about its releases of 2027; the Lambdas run Node 22, and the CLI's user can do nothing about it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort(signal));
  const io: CliIo = {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stopSignal: controller.signal,
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
}

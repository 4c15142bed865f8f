import { ConfigError } from '../core/errors';
import type { CliIo, Command } from './io';
import { agentCommand } from './agent';
import { replayCommand } from './replay';
import { costCommand } from './cost';
import { pollCommand } from './poll';
import { manifestCommand } from './manifest';
import { localCommand } from './local/local';
import { doctorCommand } from './doctor/doctor-command';

/** Every subcommand of `kinsight`, in the order `--help` lists them. */
export const COMMANDS: Record<string, Command> = {
  local: localCommand,
  agent: agentCommand,
  replay: replayCommand,
  poll: pollCommand,
  manifest: manifestCommand,
  cost: costCommand,
  doctor: doctorCommand,
};

function toHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ['Usage: kinsight <command> [options]', '', 'Commands:', ...lines, '', 'Run `kinsight <command> --help` for the options of one command.', ''].join('\n');
}

/** Dispatches argv (without node and script) to a subcommand; resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    // No command is a usage error: the help goes to stderr, so a script's stdout stays clean.
    io.stderr(toHelp());
    return 1;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(toHelp());
    return 0;
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
      return command.configErrorExitCode ?? 1;
    }
    throw error;
  }
}

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../core/errors';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>>['values'];

/**
 * Parses a subcommand's flags strictly (unknown flags and positionals are errors); a bad command
 * line is a ConfigError that points at the command's `--help`.
 */
export function parseFlags<O extends Options>(command: string, argv: readonly string[], options: O): Values<O> {
  try {
    return parseArgs({ args: [...argv], options, strict: true as const, allowPositionals: false as const }).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}; see kinsight ${command} --help`, { cause: error });
  }
}

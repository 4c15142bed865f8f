/** What a subcommand may touch: its arguments, the environment and the output streams. Tests pass plain objects. */
export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Resolves when the user asks to stop (SIGINT/SIGTERM); long-running commands race their work against it. */
  readonly stopSignal: AbortSignal;
}

/** One `kinsight` subcommand. */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[], io: CliIo): Promise<number>;
}

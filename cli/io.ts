/** What a subcommand may touch: its arguments, the environment and the output streams. Tests pass plain objects. */
export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Resolves when the user asks to stop (SIGINT/SIGTERM); long-running commands race their work against it. */
  readonly stopSignal: AbortSignal;
  /** Whether stdout is a terminal (colour is for terminals only). @default false */
  readonly stdoutIsTty?: boolean;
}

/** One `kinsight` subcommand. */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  /**
   * Exit code of a ConfigError (a bad command line): 2 for commands whose 1 means something else
   * (`kinsight doctor`: a check failed).
   * @default 1
   */
  readonly configErrorExitCode?: number;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Structured logging: one JSON object per line. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Creates a logger writing JSON lines (`time`, `level`, `message`, fields) to `write` (stderr in production). */
export function createLogger(write: (line: string) => void, now: () => number = Date.now): Logger {
  const emit = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    write(`${JSON.stringify({ time: new Date(now()).toISOString(), level, message, ...fields })}\n`);
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

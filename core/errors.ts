/**
 * The base of every error kinsight throws on purpose. A message says what failed, the offending
 * value (trimmed), what was expected and the likely fix; the underlying error rides in `cause`.
 */
export class KinsightError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad configuration: flags, environment variables, the fleet file. Fails fast at start. */
export class ConfigError extends KinsightError {}

/** A call to a dependency (AWS, Kubernetes API) failed; it may succeed if tried again. */
export class TransientError extends KinsightError {}

/**
 * A call to a dependency was refused for what it asked (access denied, an invalid parameter, a
 * resource that does not exist and cannot be made): trying again gives the same answer.
 */
export class PermanentError extends KinsightError {}

/** Trims a value for an error message so that a huge input never floods a log line. */
export function toSnippet(value: unknown, maxChars = 80): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}

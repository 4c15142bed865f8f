/** Capped exponential backoff. */
export interface BackoffOptions {
  /** @default 200 */
  baseDelayMs: number;
  /** @default 5000 */
  maxDelayMs: number;
}

/**
 * Delay before retry number `attempt` (1 for the first retry): "full jitter", a uniform draw in
 * [0, min(max, base * 2^(attempt-1))), so that agents of a fleet do not retry in step.
 */
export function toBackoffMs(attempt: number, random: () => number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

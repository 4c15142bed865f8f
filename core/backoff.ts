/**
 * Capped exponential backoff with full jitter, the one rule for kinsight's own retries: the delay
 * before retry `n` (1 for the first retry) is a uniform draw in [0, min(maxDelayMs, baseDelayMs × 2^(n-1))),
 * so that callers that failed together (pollers of a fleet hitting one table, agents of a cluster)
 * do not retry in step. Pure: the random source is passed in.
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */

/** The bounds of a backoff. */
export interface BackoffOptions {
  /** Ceiling of the first retry's delay; it doubles per retry. */
  readonly baseDelayMs: number;
  /** The largest ceiling. */
  readonly maxDelayMs: number;
}

/**
 * The delay before retry number `retry` (1 for the first), whole milliseconds: `random()` (in [0, 1))
 * times the ceiling of that retry. A retry number below 1 is taken as 1.
 */
export function toBackoffMs(retry: number, random: () => number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * How far a request's X-Amz-Date may be from the service's clock before it is refused ("Signature
 * expired" / RequestExpired), and the skew from which the AWS SDKs correct their clock.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/signing-elements.html
 */
export const MAX_SIGNATURE_SKEW_MS = 5 * 60_000;

/** The time requests are signed with: the local clock plus the offset learnt from the services. */
export interface SigningClock {
  /** The corrected time to sign a request with. */
  date(): Date;
  /** Service time minus local time, ms; 0 until a service showed a skew. */
  offsetMs(): number;
  /**
   * Learns from a response's `Date` header: when the service's time is {@link MAX_SIGNATURE_SKEW_MS}
   * or more away from the corrected local time, the offset becomes the difference. Returns whether
   * it changed (a request refused for its date is then worth signing again).
   */
  update(dateHeader: string | undefined): boolean;
}

/**
 * The agent's signing clock, shared by its Kinesis and Secrets Manager calls. A node whose clock is
 * off by more than 5 minutes would never deliver a record: like the AWS SDKs' `systemClockOffset`,
 * the offset comes from the `Date` header of the service's answers, and only a skew of 5 minutes
 * or more changes it (the header has a resolution of one second).
 */
export function createSigningClock(now: () => number = Date.now): SigningClock {
  let offset = 0;
  return {
    date: () => new Date(now() + offset),
    offsetMs: () => offset,
    update(dateHeader) {
      const serverMs = dateHeader === undefined ? NaN : Date.parse(dateHeader);
      if (Number.isNaN(serverMs)) return false;
      const local = now();
      if (Math.abs(serverMs - (local + offset)) < MAX_SIGNATURE_SKEW_MS) return false;
      offset = serverMs - local;
      return true;
    },
  };
}

import { toBackoffMs } from '../../../core/backoff';

describe('toBackoffMs', () => {
  const options = { baseDelayMs: 200, maxDelayMs: 1600 };

  test('doubles the ceiling per retry from the base, up to the maximum', () => {
    // random() just below 1 gives the ceiling less one millisecond.
    const top = () => 0.999_999_9;
    expect([1, 2, 3, 4, 5, 6].map((retry) => toBackoffMs(retry, top, options))).toEqual([199, 399, 799, 1599, 1599, 1599]);
  });

  test('draws the delay uniformly below the ceiling: the random share of it, in whole milliseconds', () => {
    expect(toBackoffMs(3, () => 0, options)).toBe(0);
    expect(toBackoffMs(3, () => 0.5, options)).toBe(400);
    expect(toBackoffMs(3, () => 0.25, options)).toBe(200);
  });

  test('takes a retry number below 1 as the first retry', () => {
    expect(toBackoffMs(0, () => 0.5, options)).toBe(100);
    expect(toBackoffMs(-3, () => 0.5, options)).toBe(100);
  });
});

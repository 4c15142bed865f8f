import { DEFAULT_POLLER_MEMORY_MB, MAX_POLLER_NODES, POLLER_MEMORY_SIZES, toCpuShare, toPollerCapacityNodes, toPollerMemoryMb } from '../../../core/poller-sizing';

describe('poller memory sizes', () => {
  test.each([
    [1, 512],
    [1000, 512],
    [1001, 1024],
    [2500, 1024],
    [5000, 1769],
    [5001, 3008],
    [10_000, 3008],
    [50_000, 3008],
  ])('a cluster of %d nodes gets %d MB', (nodes, memoryMb) => {
    expect(toPollerMemoryMb(nodes)).toBe(memoryMb);
  });

  test('says what each size is for, and nothing below the smallest', () => {
    expect(POLLER_MEMORY_SIZES.map((s) => toPollerCapacityNodes(s.memoryMb))).toEqual([1000, 2500, 5000, 10_000]);
    expect(toPollerCapacityNodes(2048)).toBe(5000);
    expect(toPollerCapacityNodes(256)).toBe(0);
    expect(toPollerCapacityNodes(DEFAULT_POLLER_MEMORY_MB)).toBe(2500);
    expect(MAX_POLLER_NODES).toBe(10_000);
  });

  test('gives the CPU share of a memory size, capped at the one thread a poll runs on', () => {
    expect(toCpuShare(1769)).toBe(1);
    expect(toCpuShare(1024)).toBeCloseTo(0.579, 3);
    expect(toCpuShare(3008)).toBe(1);
  });
});

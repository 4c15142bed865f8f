import { LAMBDA_MEMORY_MB_PER_VCPU } from './limits';

/**
 * How much memory a poller Lambda gets for the clusters it polls, shared by the CDK app (which
 * sizes one poller function per memory size) and the poller (which says when the last poll's node
 * count outgrew the memory it runs with).
 *
 * The design budget (DESIGN.md): a poll within half the 60 s timeout at the CPU share its memory
 * buys. `npm run bench:poller` measured 3.1 to 3.6 CPU seconds per 1,000 nodes of 30 pods for a
 * cold poll (every document written) and 2.1 to 2.5 for a warm one, and a peak RSS of about
 * 100 MiB plus 0.11 MiB per node. Each size below keeps a cold poll of its largest cluster within the
 * budget with 1.6x (1,769 MB) to 2.4x (512 MB) of margin on that CPU (Graviton cores are not the
 * benchmark machine's), except the last, which buys heap rather than CPU: JavaScript runs on one
 * thread, so above 1,769 MB a poll gets no faster, and a 10,000-node poll relies on the deadline (a
 * partial poll) when it runs past the budget.
 */

/** A poller memory size and the largest cluster it is sized for. */
export interface PollerMemorySize {
  /** Nodes of the largest cluster polled at this size. */
  readonly maxNodes: number;
  /** Lambda memory, MB. */
  readonly memoryMb: number;
}

/** The memory sizes, smallest first. */
export const POLLER_MEMORY_SIZES: readonly PollerMemorySize[] = [
  { maxNodes: 1000, memoryMb: 512 },
  { maxNodes: 2500, memoryMb: 1024 },
  { maxNodes: 5000, memoryMb: LAMBDA_MEMORY_MB_PER_VCPU },
  { maxNodes: 10_000, memoryMb: 3008 },
];

/** The largest cluster the poller is sized for. */
export const MAX_POLLER_NODES = POLLER_MEMORY_SIZES[POLLER_MEMORY_SIZES.length - 1].maxNodes;

/** Memory of the poller of a cluster whose size is not given (the 2,500-node size, what every poller had before sizes). */
export const DEFAULT_POLLER_MEMORY_MB = 1024;

/** The memory for a cluster of `nodes` nodes (the largest size beyond {@link MAX_POLLER_NODES}). */
export function toPollerMemoryMb(nodes: number): number {
  return (POLLER_MEMORY_SIZES.find((s) => nodes <= s.maxNodes) ?? POLLER_MEMORY_SIZES[POLLER_MEMORY_SIZES.length - 1]).memoryMb;
}

/** The largest cluster a poller with `memoryMb` is sized for (0 below the smallest size). */
export function toPollerCapacityNodes(memoryMb: number): number {
  let nodes = 0;
  for (const s of POLLER_MEMORY_SIZES) if (s.memoryMb <= memoryMb) nodes = s.maxNodes;
  return nodes;
}

/** The vCPU share a Lambda of `memoryMb` gets, capped at the one thread JavaScript runs on. */
export const toCpuShare = (memoryMb: number): number => Math.min(1, memoryMb / LAMBDA_MEMORY_MB_PER_VCPU);

import type { AgentStats, NodeRecord } from '../core/record';
import type { AgentConfig } from './agent-config';
import type { NodeSample } from './collect/node-sample';
import { toNodeRecord } from './delta';
import type { Logger } from './log';
import { toKinesisEntry } from './ship/encode-record';
import type { Producer, ProducerStats } from './ship/producer';
import type { SigningKeySource } from './ship/signing-key';

/** Everything a running agent touches, injected so that tests drive it with plain objects. */
export interface AgentDeps {
  /** Reads one sample of the host. */
  collect: (nowMs: number) => NodeSample;
  /** Sends records; absent in dry-run. */
  producer?: Producer;
  /** The cluster's signing key, refreshed when due before each flush. @default none (unsigned records) */
  signingKey?: Pick<SigningKeySource, 'refreshIfDue'>;
  /** Dry-run output: one record per call. */
  print: (record: NodeRecord) => void;
  log: Logger;
  /** Wall clock, epoch ms (the record's timeMs). */
  now: () => number;
  /** Process monotonic clock, ms: cycle timing, deadlines, liveness. */
  monotonic: () => number;
  /** Waits `ms` or until `signal` aborts, whichever comes first. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Resident set size of the process, bytes. */
  rssBytes: () => number;
  stopSignal: AbortSignal;
  /** Called after every completed cycle with the monotonic time (liveness). @default no-op */
  onCycle?: (monotonicMs: number) => void;
  /** A signal that aborts after `ms` (the shutdown budget's end). @default AbortSignal.timeout */
  timeout?: (ms: number) => AbortSignal;
  /** @default '0.0.0' */
  version?: string;
}

/** What the loop did, for the exit code. */
export interface AgentRunResult {
  cycles: number;
  failedCycles: number;
  /** Records still buffered when the agent stopped (lost). */
  unsent: number;
}

/**
 * The agent loop: every interval, collect a sample, diff it with the previous one, and print the
 * record (dry-run) or buffer and send it. The agent's own figures of the previous cycle ride in
 * the record. A failing cycle is logged and counted, and the loop goes on.
 *
 * On stop, the agent has `config.shutdownMs` in all (the pod's termination grace period less a
 * margin): a flush under way goes on, then the buffer is flushed, each keeping its backoff between
 * attempts; when the budget is spent, the request in flight is aborted and what is left is logged.
 */
export async function runAgent(config: AgentConfig, deps: AgentDeps): Promise<AgentRunResult> {
  let previous: NodeSample | undefined;
  let lastTotals: ProducerStats = { sent: 0, retries: 0, dropped: 0, buffered: 0 };
  const result: AgentRunResult = { cycles: 0, failedCycles: 0, unsent: 0 };
  /** Why the last flush left records buffered, for the stop's log line when the shutdown flush cannot tell. */
  let lastError: string | undefined;
  // The shutdown budget: it starts with the stop (or the end of --once) and aborts the flushes' requests when spent.
  const budget = new AbortController();
  let budgetEndMs: number | undefined;
  const startBudget = (): number => {
    if (budgetEndMs !== undefined) return budgetEndMs;
    budgetEndMs = deps.monotonic() + config.shutdownMs;
    (deps.timeout ?? AbortSignal.timeout)(config.shutdownMs).addEventListener(
      'abort',
      () => budget.abort(new Error(`shutdown budget of ${config.shutdownMs} ms spent`)),
      { once: true },
    );
    return budgetEndMs;
  };
  if (deps.stopSignal.aborted) startBudget();
  else deps.stopSignal.addEventListener('abort', () => void startBudget(), { once: true });
  while (!deps.stopSignal.aborted) {
    const cycleStart = deps.monotonic();
    try {
      const sample = deps.collect(deps.now());
      const collectionMs = Math.round((deps.monotonic() - cycleStart) * 1000) / 1000;
      const totals = deps.producer?.stats() ?? lastTotals;
      const agent: AgentStats = {
        version: deps.version ?? '0.0.0',
        collectionMs,
        recordsSent: totals.sent - lastTotals.sent,
        retries: totals.retries - lastTotals.retries,
        dropped: totals.dropped - lastTotals.dropped,
        bufferedRecords: totals.buffered,
        rssBytes: deps.rssBytes(),
        readErrors: sample.readErrors,
        podsVanished: sample.podsVanished,
      };
      lastTotals = totals;
      const { record, next } = toNodeRecord(previous, sample, { cluster: config.cluster, node: config.node, agent });
      previous = next;
      if (sample.readErrors > 0 || sample.podsVanished > 0) {
        deps.log.warn('values omitted from the record', { readErrors: sample.readErrors, podsVanished: sample.podsVanished });
      }
      if (deps.producer) {
        deps.producer.enqueue(toKinesisEntry(record));
        await deps.signingKey?.refreshIfDue(budget.signal);
        const flushed = await deps.producer.flush({ deadlineMs: cycleStart + config.intervalMs * 0.8, signal: budget.signal });
        lastError = flushed.lastError;
        if (flushed.remaining > 0) deps.log.warn('records kept for the next cycle', { remaining: flushed.remaining, lastError: flushed.lastError });
      } else {
        deps.print(record);
      }
      result.cycles += 1;
      deps.log.info('cycle completed', {
        pods: record.pods.length,
        containers: record.pods.reduce((n, p) => n + p.containers.length, 0),
        collectionMs,
        buffered: deps.producer?.stats().buffered ?? 0,
      });
      deps.onCycle?.(deps.monotonic());
    } catch (error) {
      result.failedCycles += 1;
      const message = (error as { message?: unknown })?.message;
      deps.log.error('cycle failed', { error: typeof message === 'string' ? message : String(error), hostRoot: config.hostRoot });
    }
    if (config.once) break;
    const wait = Math.max(0, config.intervalMs - (deps.monotonic() - cycleStart));
    await deps.sleep(wait, deps.stopSignal);
  }
  if (deps.producer && deps.producer.stats().buffered > 0) {
    const deadlineMs = startBudget();
    if (!budget.signal.aborted) await deps.signingKey?.refreshIfDue(budget.signal);
    const flushed = await deps.producer.flush({ deadlineMs, signal: budget.signal });
    result.unsent = flushed.remaining;
    if (flushed.remaining > 0) deps.log.error('stopping with unsent records', { unsent: flushed.remaining, lastError: flushed.lastError ?? lastError, shutdownMs: config.shutdownMs });
  }
  deps.log.info('agent stopped', { ...result });
  return result;
}

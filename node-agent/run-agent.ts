import type { AgentStats, NodeRecord } from '../core/record';
import type { AgentConfig } from './agent-config';
import type { NodeSample } from './collect/node-sample';
import { toNodeRecord } from './delta';
import type { Logger } from './log';
import { toKinesisEntry } from './ship/encode-record';
import type { Producer, ProducerStats } from './ship/producer';

/** Everything a running agent touches, injected so that tests drive it with plain objects. */
export interface AgentDeps {
  /** Reads one sample of the host. */
  collect: (nowMs: number) => NodeSample;
  /** Sends records; absent in dry-run. */
  producer?: Producer;
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
 * the record. A failing cycle is logged and counted, and the loop goes on. On stop, the buffer is
 * flushed within `config.shutdownMs`.
 */
export async function runAgent(config: AgentConfig, deps: AgentDeps): Promise<AgentRunResult> {
  let previous: NodeSample | undefined;
  let lastTotals: ProducerStats = { sent: 0, retries: 0, dropped: 0, buffered: 0 };
  const result: AgentRunResult = { cycles: 0, failedCycles: 0, unsent: 0 };
  let podLogsFailing = false;
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
        ...(sample.podLogErrors !== undefined ? { podLogErrors: sample.podLogErrors } : {}),
      };
      lastTotals = totals;
      const { record, next } = toNodeRecord(previous, sample, { cluster: config.cluster, node: config.node, agent });
      previous = next;
      if (sample.readErrors > 0 || sample.podsVanished > 0) {
        deps.log.warn('values omitted from the record', { readErrors: sample.readErrors, podsVanished: sample.podsVanished });
      }
      // Once per outage, not every cycle: the records count it (agent.podLogErrors).
      if (sample.podLogsProblem !== undefined && !podLogsFailing) deps.log.warn('pods sent without node-local identity', { problem: sample.podLogsProblem });
      podLogsFailing = sample.podLogsProblem !== undefined;
      if (deps.producer) {
        deps.producer.enqueue(toKinesisEntry(record));
        const flushed = await deps.producer.flush({ deadlineMs: cycleStart + config.intervalMs * 0.8 });
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
    const flushed = await deps.producer.flush({ deadlineMs: deps.monotonic() + config.shutdownMs });
    result.unsent = flushed.remaining;
    if (flushed.remaining > 0) deps.log.error('stopping with unsent records', { unsent: flushed.remaining, lastError: flushed.lastError });
  }
  deps.log.info('agent stopped', { ...result });
  return result;
}

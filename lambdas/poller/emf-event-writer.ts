import type { CiRecord } from '../../core/ci-record';
import type { EmfEncoder } from '../../core/emf';
import { toPerformanceLogGroup } from '../../core/limits';
import type { LogWriter } from '../common/log-writer';
import type { WriteEvents } from './create-poller';
import { POLLER_NODE_NAME } from './poll';

/**
 * Writes the poller's records as EMF events to `/aws/containerinsights/<cluster>/performance`,
 * log stream {@link POLLER_NODE_NAME} (the receiver writes them to its leader node's stream; the
 * poller is the leader and is no node).
 */
export function createEmfEventWriter(options: { readonly writer: Pick<LogWriter, 'write'>; readonly encoderOf: (cluster: string) => EmfEncoder }): WriteEvents {
  return async (cluster, records: readonly CiRecord[]) => {
    if (records.length === 0) return;
    const encoder = options.encoderOf(cluster);
    const events = records.map((r) => ({ timestamp: r.timestampMs, message: encoder.encode(r) }));
    await options.writer.write(toPerformanceLogGroup(cluster), POLLER_NODE_NAME, events);
  };
}

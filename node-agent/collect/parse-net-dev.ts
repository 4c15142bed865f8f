import type { NetDeltas } from '../../core/record';
import { parseCounter, type Parsed } from './parse-values';

/** Cumulative counters of one interface (same field names as the record's deltas). */
export interface NetCounters {
  name: string;
  counters: NetDeltas;
}

/** Interfaces cAdvisor leaves out: loopback, the host side of container veths, docker and nerdctl bridges. */
const SKIPPED = /^(lo|veth|docker|nerdctl)/;

/**
 * Parses /proc/net/dev (two header lines, then `name: 16 counters`) into per-interface counters,
 * skipping lo, veth*, docker* and nerdctl*. A counter that is not readable is omitted and counted.
 */
export function parseNetDev(text: string): Parsed<NetCounters[]> {
  const value: NetCounters[] = [];
  let unreadable = 0;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (name === '' || name.includes('|') || SKIPPED.test(name)) continue;
    const f = line.slice(colon + 1).trim().split(/\s+/);
    const pick = (i: number): number | undefined => {
      const n = parseCounter(f[i]);
      if (n === undefined) unreadable += 1;
      return n;
    };
    const counters: NetDeltas = {
      rxBytes: pick(0), rxPackets: pick(1), rxErrors: pick(2), rxDropped: pick(3),
      txBytes: pick(8), txPackets: pick(9), txErrors: pick(10), txDropped: pick(11),
    };
    value.push({ name, counters: dropUndefined(counters) });
  }
  return { value, unreadable };
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

import type { DiskOps } from '../../core/record';
import { parseCounter, type Parsed } from './parse-values';

const OPS: Record<string, keyof DiskOps> = { Read: 'read', Write: 'write', Sync: 'sync', Async: 'async', Total: 'total' };

/**
 * Parses a cgroup v1 blkio file (`blkio.throttle.io_service_bytes`, `io_serviced`):
 * `<major>:<minor> <Op> <value>` lines and a final `Total <value>`, keyed by `major:minor`.
 * Discard and unknown operations are ignored; a non-numeric value is counted as unreadable.
 */
export function parseBlkio(text: string): Parsed<Map<string, DiskOps>> {
  const value = new Map<string, DiskOps>();
  let unreadable = 0;
  for (const line of text.split('\n')) {
    const [device, op, raw] = line.trim().split(/\s+/);
    if (raw === undefined || !/^\d+:\d+$/.test(device)) continue;
    const key = OPS[op];
    if (key === undefined) continue;
    const n = parseCounter(raw);
    if (n === undefined) {
      unreadable += 1;
      continue;
    }
    const ops = value.get(device) ?? {};
    ops[key] = n;
    value.set(device, ops);
  }
  return { value, unreadable };
}

import { parseCounter, type Parsed } from './parse-values';

/** Cumulative I/O counters of one block device. */
export interface DiskCounters {
  device: string;
  readBytes: number;
  writeBytes: number;
  readOps: number;
  writeOps: number;
}

/** Sectors of /proc/diskstats are always 512 bytes, whatever the device's block size. */
const SECTOR_BYTES = 512;
/** Pseudo devices that are not disks of the node (cAdvisor's blkio never shows them either). */
const SKIPPED = /^(loop|ram|zram|fd|sr)\d*/;
/** Partitions: their I/O is already counted on the whole disk. */
const PARTITION = /^(nvme\d+n\d+p\d+|mmcblk\d+p\d+|(?:[shv]|xv)d[a-z]+\d+)$/;

/**
 * Parses /proc/diskstats into per-disk read/write bytes and operations. Loop, ram, zram and
 * optical devices and partitions are skipped; a line with a non-numeric or oversized field is
 * left out and counted as unreadable.
 */
export function parseDiskstats(text: string): Parsed<DiskCounters[]> {
  const value: DiskCounters[] = [];
  let unreadable = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3) continue;
    const device = f[2];
    if (SKIPPED.test(device) || PARTITION.test(device)) continue;
    const readOps = parseCounter(f[3]);
    const readSectors = parseCounter(f[5]);
    const writeOps = parseCounter(f[7]);
    const writeSectors = parseCounter(f[9]);
    if (readOps === undefined || readSectors === undefined || writeOps === undefined || writeSectors === undefined) {
      unreadable += 1;
      continue;
    }
    const readBytes = readSectors * SECTOR_BYTES;
    const writeBytes = writeSectors * SECTOR_BYTES;
    if (!Number.isSafeInteger(readBytes) || !Number.isSafeInteger(writeBytes)) {
      unreadable += 1;
      continue;
    }
    value.push({ device, readBytes, writeBytes, readOps, writeOps });
  }
  return { value, unreadable };
}

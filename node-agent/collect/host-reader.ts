import { closeSync, existsSync, openSync, readdirSync, readlinkSync, readSync, statfsSync } from 'node:fs';

/** Space figures of one mounted filesystem, as statfs reports them. */
export interface FsStats {
  /** Fragment size in bytes. */
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}

/**
 * Read-only access to a host's files, every path relative to the host root (`proc/stat`,
 * `sys/fs/cgroup/memory/memory.stat`). Methods throw the node `fs` errors (ENOENT, EACCES),
 * so a caller can tell a vanished cgroup from an unreadable file.
 */
export interface HostReader {
  readText(path: string): string;
  listDirs(path: string): string[];
  readLink(path: string): string;
  exists(path: string): boolean;
  statfs(path: string): FsStats;
}

/**
 * Creates a {@link HostReader} over a directory of the real filesystem (`/` on a node, a fixture
 * tree in tests). Synchronous reads into one reused buffer: procfs and cgroupfs files are small
 * and served from memory, and a node has thousands of them to read per cycle, so the usual
 * readFileSync (stat, allocation, options) costs more than the read itself.
 */
export function createHostReader(hostRoot: string): HostReader {
  const base = hostRoot.replace(/\/+$/, '');
  const at = (path: string): string => `${base}/${path}`;
  let buffer = Buffer.allocUnsafe(64 * 1024);
  return {
    readText: (path) => {
      const fd = openSync(at(path), 'r');
      try {
        let length = 0;
        for (;;) {
          if (length === buffer.length) buffer = Buffer.concat([buffer, Buffer.allocUnsafe(buffer.length)]);
          // procfs and cgroupfs report a size of 0, so the size is unknown. Their reads (seq_file), like
          // those of regular files, fill the buffer unless the end is reached: a short read is the end,
          // which saves the second read that would return 0.
          const wanted = buffer.length - length;
          const n = readSync(fd, buffer, length, wanted, null);
          length += n;
          if (n < wanted) return buffer.toString('utf8', 0, length);
        }
      } finally {
        closeSync(fd);
      }
    },
    listDirs: (path) =>
      readdirSync(at(path), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name),
    readLink: (path) => readlinkSync(at(path)),
    exists: (path) => existsSync(at(path)),
    statfs: (path) => {
      const s = statfsSync(at(path));
      return { bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree };
    },
  };
}

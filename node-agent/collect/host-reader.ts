import { readdirSync, readFileSync, readlinkSync, statfsSync, existsSync } from 'node:fs';
import { join } from 'node:path';

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
 * tree in tests). Synchronous reads: procfs and cgroupfs files are small and served from memory.
 */
export function createHostReader(hostRoot: string): HostReader {
  const at = (path: string): string => join(hostRoot, path);
  return {
    readText: (path) => readFileSync(at(path), 'utf8'),
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

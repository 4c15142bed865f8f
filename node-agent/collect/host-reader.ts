import { closeSync, existsSync, openSync, readdirSync, readlinkSync, readSync, statfsSync, statSync } from 'node:fs';

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
  /** Names of the subdirectories; symbolic links are not followed (a link to a directory is not listed). */
  listDirs(path: string): string[];
  /** Names of every entry of a directory (files, links, directories), without looking at any of them. */
  listNames(path: string): string[];
  /** Last modification time of a directory (an entry added, removed or renamed), ms; compared, never shown. */
  modifiedMs(path: string): number;
  readLink(path: string): string;
  /**
   * Identity of a file (device and inode), following links; compared, never shown. Two processes'
   * `net/dev` have the same identity exactly when they share a network namespace (procfs gives each
   * namespace's entries their own inode), and stat needs no ptrace access, unlike `ns/net` links.
   */
  fileId(path: string): string;
  exists(path: string): boolean;
  statfs(path: string): FsStats;
  /** Frees what the reader kept for files not read since the previous call; the collector calls it once per cycle. @default no-op */
  release?(): void;
}

/** Options of {@link createHostReader}. */
export interface HostReaderOptions {
  /**
   * Keep files open between cycles and read them again from offset 0. procfs and cgroupfs
   * regenerate a file's content on every read from offset 0, so this saves an open and a close
   * per file and cycle (thousands on a busy node). Files not read during a cycle are closed by
   * `release()`; a file whose cgroup or process ended fails and is reopened once.
   * @default true
   */
  keepOpen: boolean;
  /** Upper bound of files kept open; beyond it files are opened and closed per read. @default 4096 */
  maxOpenFiles: number;
}

/**
 * Creates a {@link HostReader} over a directory of the real filesystem (`/` on a node, a fixture
 * tree in tests). Synchronous reads into one reused buffer: procfs and cgroupfs files are small
 * and served from memory, and a node has thousands of them to read per cycle, so the usual
 * readFileSync (stat, allocation, options) costs more than the read itself.
 */
export function createHostReader(hostRoot: string, options: Partial<HostReaderOptions> = {}): HostReader {
  const base = hostRoot.replace(/\/+$/, '');
  const at = (path: string): string => `${base}/${path}`;
  const keepOpen = options.keepOpen ?? true;
  let maxOpen = options.maxOpenFiles ?? 4096;
  let buffer = Buffer.allocUnsafe(64 * 1024);
  /** path -> [fd, used since the last release()] */
  const open = new Map<string, [number, boolean]>();

  const readAll = (fd: number): string => {
    let length = 0;
    for (;;) {
      if (length === buffer.length) buffer = Buffer.concat([buffer, Buffer.allocUnsafe(buffer.length)]);
      // procfs and cgroupfs report a size of 0, so the size is unknown. Their reads (seq_file), like
      // those of regular files, fill the buffer unless the end is reached: a short read is the end,
      // which saves the second read that would return 0. Reading from offset 0 regenerates the content.
      const wanted = buffer.length - length;
      const n = readSync(fd, buffer, length, wanted, length);
      length += n;
      if (n < wanted) return buffer.toString('utf8', 0, length);
    }
  };
  const readOnce = (full: string): string => {
    const fd = openSync(full, 'r');
    try {
      return readAll(fd);
    } finally {
      closeSync(fd);
    }
  };

  return {
    readText: (path) => {
      const full = at(path);
      const kept = open.get(full);
      if (kept) {
        try {
          kept[1] = true;
          return readAll(kept[0]);
        } catch (error) {
          // The cgroup or process behind the open file ended (ENODEV, ESRCH...): forget it and open the path afresh.
          open.delete(full);
          closeSync(kept[0]);
          if (typeof (error as { code?: unknown })?.code !== 'string') throw error;
        }
      }
      if (!keepOpen || open.size >= maxOpen) return readOnce(full);
      let fd: number;
      try {
        fd = openSync(full, 'r');
      } catch (error) {
        if ((error as { code?: unknown })?.code !== 'EMFILE') throw error;
        // The process's file limit is lower than maxOpenFiles: keep fewer open from now on.
        maxOpen = Math.max(0, open.size - 64);
        return readOnce(full);
      }
      open.set(full, [fd, true]);
      return readAll(fd);
    },
    listDirs: (path) =>
      readdirSync(at(path), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name),
    listNames: (path) => readdirSync(at(path)),
    modifiedMs: (path) => statSync(at(path)).mtimeMs,
    readLink: (path) => readlinkSync(at(path)),
    fileId: (path) => {
      // bigint: inode numbers are 64-bit.
      const s = statSync(at(path), { bigint: true });
      return `${s.dev}:${s.ino}`;
    },
    exists: (path) => existsSync(at(path)),
    statfs: (path) => {
      const s = statfsSync(at(path));
      return { bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree };
    },
    release: () => {
      for (const [path, kept] of open) {
        if (kept[1]) kept[1] = false;
        else {
          open.delete(path);
          closeSync(kept[0]);
        }
      }
    },
  };
}
